"""Global sensitivity indices of a sweep, per venture and outcome: which varied input moves
the expected outcome, P(collapse) and the months to collapse included.

The model output is each design point's mean over its replications (a probability for
the flags), so the indices say how much of the variation of the *expected* outcome each
input explains. The method follows the design:

- sobol: Sobol first-order (S1) and total (ST) indices, SALib's Saltelli estimator, with
  its bootstrap intervals;
- morris: Morris μ* (mean absolute elementary effect on the unit scale of each input, so
  in the outcome's unit per full range), σ and μ, SALib, with μ*'s bootstrap interval;
- grid: S1 and ST exactly, from the full factorial's analysis of variance (the mean over
  the points sharing an input's value, or sharing every other input's); their intervals
  come from the Monte Carlo error of the points' means (a parametric bootstrap);
- lhs: Borgonovo's δ and S1 from SALib's delta method, which takes any sample.
"""

from __future__ import annotations

import warnings

import numpy as np
import pandas as pd

from simulator.analysis.points import FLAGS, NUMERIC_OUTCOMES
from simulator.errors import ConsimError

LEVEL = 0.95
BOOTSTRAP = 200
# The index each method ranks inputs by.
RANK_BY = {"sobol": "ST", "grid": "ST", "morris": "mu_star", "lhs": "delta"}


def outcome_columns(points: pd.DataFrame) -> dict[str, str]:
    """Outcome name → the points column holding its per-point mean (`collapsed` → p_collapse)."""
    found = {flag: name for flag, name in FLAGS if name in points}
    found.update({o: f"{o}_mean" for o in NUMERIC_OUTCOMES if f"{o}_mean" in points})
    return found


def salib_sample(kind: str, names: list[str], design: dict, seed: int | None) -> np.ndarray:
    """A sampling design's points on [0, 1]^d (SALib), a pure function of its arguments: the
    sweep draws its points with it and the analysis finds them again."""
    from SALib.sample import latin, morris, sobol

    problem = unit_problem(names)
    n = design["samples"]
    if kind == "lhs":
        return latin.sample(problem, n, seed=seed)
    if kind == "sobol":
        return sobol.sample(problem, n, calc_second_order=design["second_order"], seed=seed)
    return morris.sample(problem, n, num_levels=design["levels"], seed=seed)


def unit_problem(names: list[str]) -> dict:
    return {"num_vars": len(names), "names": list(names), "bounds": [[0.0, 1.0]] * len(names)}


def indices(
    points: pd.DataFrame,
    design: pd.DataFrame,
    spec: dict,
    seed: int | None,
    outcomes: list[str] | None = None,
) -> pd.DataFrame:
    """One row per (venture, outcome, parameter): the indices of the design's method.

    points: the sweep's per-point summary; design: its points' inputs; spec: the design
    (type, samples, levels, second_order); outcomes: names as `outcome_columns` gives them
    (default: all the points table holds).
    """
    names = [c for c in design.columns if c != "point"]
    columns = outcome_columns(points)
    unknown = sorted(set(outcomes or ()) - set(columns))
    if unknown:
        raise ConsimError(
            f"no outcome {', '.join(unknown)} in this sweep (it has: {', '.join(columns)})"
        )
    kind = spec["type"]
    rows = []
    for venture, g in points.groupby("venture", sort=False, observed=True):
        g = g.sort_values("point")
        grid = _Factorial(design, g, names) if kind == "grid" else None  # for every outcome
        for outcome in outcomes or list(columns):
            found = _one(kind, g, columns[outcome], design, names, spec, seed, grid)
            for name, values in zip(names, found, strict=True):
                rows.append({"venture": venture, "outcome": outcome, "parameter": name, **values})
    table = pd.DataFrame(rows)
    table.insert(3, "method", kind)
    return table


def _one(kind, g, column, design, names, spec, seed, grid=None) -> list[dict]:
    y = g[column].to_numpy(dtype=float)
    if np.ptp(y) == 0 or not np.isfinite(y).all():  # constant: every input explains nothing
        return [_zero(kind) for _ in names]
    if kind == "grid":
        return _grid(g, column, grid)
    if kind == "sobol":
        return _sobol(y, names, spec, seed)
    if kind == "morris":
        return _morris(y, names, spec, seed)
    return _delta(y, design, names, seed)


def _zero(kind: str) -> dict:
    keys = {"morris": ("mu_star", "sigma", "mu"), "lhs": ("delta", "S1")}.get(kind, ("S1", "ST"))
    out = {}
    for k in keys:
        out[k] = 0.0
        if k != "sigma" and k != "mu":
            out[f"{k}_ci_low"] = out[f"{k}_ci_high"] = 0.0
    return out


def _with_conf(result, keys, i: int) -> dict:
    """SALib's estimate and its half-width as an interval (ci_low, ci_high)."""
    out = {}
    for k in keys:
        value = float(np.asarray(result[k])[i])
        out[k] = value
        half = float(np.asarray(result[f"{k}_conf"])[i]) if f"{k}_conf" in result else np.nan
        out[f"{k}_ci_low"], out[f"{k}_ci_high"] = value - half, value + half
    return out


def _sobol(y, names, spec, seed) -> list[dict]:
    from SALib.analyze import sobol

    result = sobol.analyze(
        unit_problem(names), y, calc_second_order=spec["second_order"], seed=seed
    )
    return [_with_conf(result, ("S1", "ST"), i) for i in range(len(names))]


def _morris(y, names, spec, seed) -> list[dict]:
    from SALib.analyze import morris

    x = salib_sample("morris", names, spec, seed)
    result = morris.analyze(unit_problem(names), x, y, num_levels=spec["levels"], seed=seed)
    out = []
    for i in range(len(names)):
        row = _with_conf(result, ("mu_star",), i)
        row.update(sigma=float(result["sigma"][i]), mu=float(result["mu"][i]))
        out.append(row)
    return out


def _delta(y, design, names, seed) -> list[dict]:
    from SALib.analyze import delta

    x = np.column_stack([numeric(design[n]) for n in names])
    bounds = [[float(c.min()), float(c.max()) + (c.max() == c.min())] for c in x.T]
    problem = {"num_vars": len(names), "names": names, "bounds": bounds}
    # SALib's delta warns at each merge of its histogram bins and replaces the warnings
    # module's formatter: record (and drop) its notes, then put the formatter back.
    formatter = warnings.formatwarning
    with warnings.catch_warnings(record=True):
        result = delta.analyze(problem, x, y, seed=seed, method="all")
    warnings.formatwarning = formatter
    result["delta"], result["delta_conf"] = result["delta_balanced"], result["delta_balanced_conf"]
    return [_with_conf(result, ("delta", "S1"), i) for i in range(len(names))]


def numeric(values: pd.Series) -> np.ndarray:
    """An input's values as numbers: as they are, months as month counts, other text and
    booleans by their order of appearance."""
    if pd.api.types.is_numeric_dtype(values) and not pd.api.types.is_bool_dtype(values):
        return values.to_numpy(dtype=float)
    months = pd.to_datetime(values.astype(str), format="%Y-%m", errors="coerce")
    if months.notna().all():
        return (months.dt.year * 12 + months.dt.month - 1).to_numpy(dtype=float)
    return pd.factorize(values)[0].astype(float)


def _grid(g, column, grid: _Factorial) -> list[dict]:
    """Exact S1 and ST of a full factorial, with a parametric bootstrap of the means' noise:
    the exact means and BOOTSTRAP noisy copies go through the analysis of variance at once."""
    names = grid.names
    y = g[column].to_numpy(dtype=float)
    se = _standard_errors(g, column)
    rng = np.random.default_rng(0)
    ys = np.vstack([y, y + se * rng.standard_normal((BOOTSTRAP, len(y)))])
    s1, st = _anova(grid, ys)  # each (1 + BOOTSTRAP, names)
    bounds = [(1 - LEVEL) / 2, (1 + LEVEL) / 2]
    out = []
    for i in range(len(names)):
        row = {}
        for k, values in (("S1", s1[:, i]), ("ST", st[:, i])):
            row[k] = float(values[0])
            low, high = np.nanquantile(values[1:], bounds)
            row[f"{k}_ci_low"], row[f"{k}_ci_high"] = float(low), float(high)
        out.append(row)
    return out


def _standard_errors(g, column) -> np.ndarray:
    n = g["replications"].to_numpy(dtype=float)
    if column.endswith("_mean"):
        std = g[column.removesuffix("_mean") + "_std"].to_numpy(dtype=float)
    else:  # a probability
        p = g[column].to_numpy(dtype=float)
        std = np.sqrt(p * (1 - p))
    return np.nan_to_num(std / np.sqrt(n))


def _anova(grid: _Factorial, ys: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """S1 and ST per input of a full factorial with equal weights, for each row of `ys`
    (one set of point means per row): S1 = Var(E[y | x_i]) / Var(y), ST = E[Var(y | x_~i)] /
    Var(y). Group means by one-hot products, so a thousand rows cost one matrix product."""
    names = grid.names
    total = ys.var(axis=1)
    s1, st = np.zeros((len(ys), len(names))), np.zeros((len(ys), len(names)))
    for i, name in enumerate(names):
        s1[:, i] = grid.means(ys, (name,)).var(axis=1)
        others = tuple(n for n in names if n != name)
        if others:
            means = grid.means(ys, others)
            squares = grid.means(ys * ys, others)
            st[:, i] = (squares - means * means).mean(axis=1)
        else:
            st[:, i] = total  # one input: all the variance is its own
    with np.errstate(invalid="ignore", divide="ignore"):
        ratio = np.where(total[:, None] > 0, 1.0 / total[:, None], 0.0)
    return s1 * ratio, st * ratio


class _Factorial:
    """The inputs of a venture's points (`names`, in the points' order) and, built once for
    all its outcomes, the one-hot matrices grouping the points by the values of some."""

    def __init__(self, design: pd.DataFrame, g: pd.DataFrame, names: list[str]):
        self.names = names
        self.x = design.set_index("point").loc[g["point"], names].reset_index(drop=True)
        self.onehots: dict[tuple, np.ndarray] = {}

    def means(self, ys: np.ndarray, keys: tuple) -> np.ndarray:
        """Each row's mean over the points sharing each combination of `keys`' values."""
        onehot = self.onehots.get(keys)
        if onehot is None:
            by = self.x[list(keys)].groupby(list(keys), observed=True, sort=False)
            codes = by.ngroup().to_numpy()
            onehot = np.zeros((len(codes), codes.max() + 1))
            onehot[np.arange(len(codes)), codes] = 1.0
            self.onehots[keys] = onehot
        return (ys @ onehot) / onehot.sum(axis=0)


def ranked(table: pd.DataFrame, outcome: str, venture: str | None = None) -> pd.DataFrame:
    """The rows of one outcome (and venture: the first by default), most influential first."""
    outcomes = list(pd.unique(table["outcome"]))
    if outcome not in outcomes:
        raise ConsimError(f"no outcome {outcome} in this sweep (it has: {', '.join(outcomes)})")
    ventures = list(pd.unique(table["venture"].astype(str)))
    venture = ventures[0] if venture is None else venture
    if venture not in ventures:
        raise ConsimError(f"no venture {venture} in this sweep (it has: {', '.join(ventures)})")
    rows = table[(table["outcome"] == outcome) & (table["venture"].astype(str) == venture)]
    key = RANK_BY[str(rows["method"].iloc[0])]
    return rows.sort_values(key, ascending=False, kind="stable")
