"""Scenario discovery: under which conditions do the runs fall in a case of interest (a
collapse, capital short of a mark)? PRIM (the `prim` package, Friedman and Fisher's
patient rule induction, as in RAND's sdtoolkit and the EMA Workbench) finds boxes of
inputs where the cases concentrate.

The inputs of a run are what happened in each replication, read from its events: whether
each member left ("Thales left", 0/1) and when (the month number, the horizon's end when it
stayed), whether each candidate joined and with how much. The inputs of a sweep are its
design's values per replication, a list of text values as one 0/1 column per value.
Every input PRIM sees is a number (the `prim` package fails on pandas categorical columns);
the boxes are reported back in the user's terms ("Thales left", "left in ≤ 2012-11").
"""

from __future__ import annotations

import re
from dataclasses import dataclass

import numpy as np
import pandas as pd

from simulator.analysis.labels import input_label
from simulator.errors import ConsimError
from simulator.scenario.types import month_label

BOOL_OUTCOMES = ("collapsed", "dissolved", "cash_out")


@dataclass
class Feature:
    """How one numeric column reads: a 0/1 `flag`, a `month` number or a plain `number`."""

    label: str
    kind: str  # "flag", "month" or "number"


@dataclass
class Discovery:
    """The boxes PRIM found (one row each), their limits in the user's terms, and each
    box's peeling trajectory (coverage, density, mass, restricted dimensions)."""

    boxes: pd.DataFrame
    limits: pd.DataFrame
    trajectories: list[pd.DataFrame]
    chosen: list[int]  # the step chosen on each trajectory
    case: str  # the case of interest, as the user wrote it
    cases: int
    runs: int
    ranges: dict  # input → (min, max) over all runs, for the box plot
    features: dict  # input → Feature

    def describe(self) -> str:
        return format_discovery(self)


def cases_of_interest(outcomes: pd.DataFrame, where: str | None, outcome: str | None):
    """The boolean case column: `outcome` (a flag such as collapsed) or a `where`
    expression over the outcome columns (e.g. "committed_final < 250")."""
    if (where is None) == (outcome is None):
        raise ConsimError("discover: give exactly one of --where EXPRESSION or --outcome FLAG")
    columns = [c for c in outcomes.columns if c not in ("replication", "venture", "point")]
    if outcome is not None:
        if outcome not in BOOL_OUTCOMES or outcome not in outcomes:
            have = [c for c in BOOL_OUTCOMES if c in outcomes]
            raise ConsimError(
                f"--outcome {outcome!r}: not a yes/no outcome of these results "
                f"(it has: {', '.join(have)}; or use --where)"
            )
        return outcomes[outcome].astype(bool).to_numpy(), outcome
    names = set(re.findall(r"[A-Za-z_][A-Za-z_0-9]*", where)) - {
        "and",
        "or",
        "not",
        "True",
        "False",
    }
    unknown = sorted(names - set(columns))
    if unknown:
        raise ConsimError(
            f"--where {where!r}: no column {', '.join(unknown)} (columns: {', '.join(columns)})"
        )
    try:
        found = outcomes[columns].eval(where)
    except Exception as exc:  # pandas raises several kinds on a bad expression
        raise ConsimError(f"--where {where!r}: does not parse ({exc})") from None
    if not isinstance(found, pd.Series) or found.dtype != bool:
        raise ConsimError(
            f"--where {where!r}: is not a yes/no condition, e.g. committed_final < 250"
        )
    return found.to_numpy(), where


def inputs_of(results, venture: str | None):
    """The outcome rows of one venture (the first by default) and the inputs of the same
    replications, row for row."""
    outcomes = results.outcomes
    if results.kind not in ("run", "sweep") or outcomes is None or outcomes.empty:
        raise ConsimError(
            f"discover needs the runs of a stochastic run or of a sweep, not a "
            f"{results.kind}'s results"
        )
    ventures = list(pd.unique(outcomes["venture"].astype(str)))
    venture = ventures[0] if venture is None else venture
    if venture not in ventures:
        raise ConsimError(
            f"--venture {venture!r}: no such venture (ventures: {', '.join(ventures)})"
        )
    rows = outcomes[outcomes["venture"].astype(str) == venture].reset_index(drop=True)
    streamed = results.manifest.get("streamed")
    if streamed:  # a run's inputs come from its events: those of its sample only
        rows = rows[rows["replication"] < streamed["kept"]].reset_index(drop=True)
    if results.kind == "sweep":
        m = results.manifest
        inputs, features = sweep_inputs(rows, list(m["parameters"]), m.get("labels"), m["unit"])
    else:
        rows = rows.sort_values("replication", kind="stable").reset_index(drop=True)
        inputs, features = run_inputs(results, venture)
        inputs = inputs.reindex(rows["replication"]).reset_index(drop=True)
    if not [c for c in inputs.columns if inputs[c].nunique() > 1]:
        what = "design" if results.kind == "sweep" else "runs (nobody left or joined differently)"
        raise ConsimError(f"discover: no input varies across these {what}; nothing to search")
    return rows, inputs, features


def run_inputs(results, venture: str) -> tuple[pd.DataFrame, dict[str, Feature]]:
    """One row per replication of a run: who left and when, who joined and with how much."""
    horizon = _month(results.manifest["resolved_scenario"]["end"]) + 1
    labels = results.manifest.get("labels", {}).get("partners", {})
    reps = np.sort(results.outcomes["replication"].unique())
    ev = results.events
    ev = ev[(ev["venture"].astype(str).isin([venture, ""])) & ev["replication"].isin(reps)]
    table, features = {}, {}
    month = ev["date"].dt.year * 12 + ev["date"].dt.month - 1
    for partner, g in ev[ev["type"] == "departure"].groupby("partner"):
        name = labels.get(partner, partner)
        first = month[g.index].groupby(g["replication"]).min()
        when = first.reindex(reps).fillna(horizon).to_numpy()
        table[f"{partner}_left"] = (when < horizon).astype(float)
        table[f"{partner}_left_in"] = when
        features[f"{partner}_left"] = Feature(f"{name} left", "flag")
        features[f"{partner}_left_in"] = Feature(f"{name} leaves", "month")
    for partner, g in ev[ev["type"] == "join"].groupby("partner"):
        name = labels.get(partner, partner)
        amount = g.groupby("replication")["amount"].sum().reindex(reps).fillna(0.0)
        table[f"{partner}_joined"] = (amount > 0).astype(float).to_numpy()
        table[f"{partner}_pledge"] = amount.to_numpy()
        features[f"{partner}_joined"] = Feature(f"{name} joined", "flag")
        features[f"{partner}_pledge"] = Feature(f"{name}'s pledge at entry", "number")
    return pd.DataFrame(table, index=reps), features


def sweep_inputs(outcomes: pd.DataFrame, parameters: list[str], labels=None, unit: str = ""):
    """The design's values per replication; text values as one 0/1 column per value."""
    table, features = {}, {}
    for name in parameters:
        values = outcomes[name]
        said = input_label(name, labels, unit)
        numeric = pd.api.types.is_numeric_dtype(values) and not pd.api.types.is_bool_dtype(values)
        months = (
            None if numeric else pd.to_datetime(values.astype(str), format="%Y-%m", errors="coerce")
        )
        if numeric:
            table[name] = values.to_numpy(dtype=float)
            features[name] = Feature(said, "number")
        elif months.notna().all():
            table[name] = (months.dt.year * 12 + months.dt.month - 1).to_numpy(dtype=float)
            features[name] = Feature(said, "month")
        else:
            for value in pd.unique(values.astype(str)):
                column = f"{name}={value}"
                table[column] = (values.astype(str) == value).to_numpy(dtype=float)
                features[column] = Feature(f"{said} is {value}", "flag")
    return pd.DataFrame(table), features


def discover(
    inputs: pd.DataFrame,
    features: dict[str, Feature],
    cases: np.ndarray,
    case: str,
    boxes: int = 3,
    min_coverage: float | None = None,
) -> Discovery:
    """Up to `boxes` PRIM boxes; on each peeling trajectory the step chosen is the one with
    the best harmonic mean of coverage and density, or the densest whose coverage is at
    least `min_coverage`."""
    import prim

    kept = [c for c in inputs.columns if inputs[c].nunique() > 1]
    if not kept:
        raise ConsimError("discover: no input varies across these runs; nothing to search")
    if not cases.any() or cases.all():
        share = "every run" if cases.all() else "no run"
        raise ConsimError(
            f"discover: {share} is a case of interest ({case}); nothing to tell apart"
        )
    x = inputs[kept].reset_index(drop=True).astype(float)
    search = prim.Prim(x, cases.astype(float), threshold=0.5, threshold_type=">")
    rows, limits, paths, chosen = [], [], [], []
    for k in range(boxes):
        box = search.find_box()
        if box is None:
            break
        path = box.peeling_trajectory.astype(float).reset_index(drop=True)
        step = _choose(path, min_coverage)
        box.select(step)
        if box.density <= cases.mean():  # no better than the runs at large: stop
            break
        rows.append(_box_row(k, box))
        limits.extend(_limit_rows(k, box.limits, x, features))
        paths.append(path)
        chosen.append(step)
    ranges = {c: (float(x[c].min()), float(x[c].max())) for c in kept}
    return Discovery(
        pd.DataFrame(rows),
        pd.DataFrame(limits),
        paths,
        chosen,
        case,
        int(cases.sum()),
        len(cases),
        ranges,
        features,
    )


def _choose(path: pd.DataFrame, min_coverage: float | None) -> int:
    if min_coverage is not None:
        ok = path[path["coverage"] >= min_coverage]
        if len(ok):
            return int(ok["density"].idxmax())
    c, d = path["coverage"], path["density"]
    with np.errstate(invalid="ignore", divide="ignore"):
        return int((2 * c * d / (c + d)).fillna(0.0).idxmax())


def _box_row(k: int, box) -> dict:
    return {
        "box": k + 1,
        "coverage": float(box.coverage),
        "density": float(box.density),
        "mass": float(box.mass),
        "restricted": int(box.res_dim),
    }


def _limit_rows(k: int, limits: pd.DataFrame, x: pd.DataFrame, features) -> list[dict]:
    rows = []
    for name, r in limits.iterrows():
        low, high = float(r["min"]), float(r["max"])
        full = (float(x[name].min()), float(x[name].max()))
        rows.append(
            {
                "box": k + 1,
                "input": name,
                "condition": condition(features[name], low, high, full),
                "min": low,
                "max": high,
                "qp_value": float(r["qp values"]),
            }
        )
    return rows


def condition(feature: Feature, low: float, high: float, full: tuple[float, float]) -> str:
    """A box's restriction on one input, in words: "Thales left", "Atos's pledge < 39.8"."""
    if feature.kind == "flag":
        if low > 0:
            return feature.label
        return f"not ({feature.label})"

    if feature.kind == "month":  # "Thales leaves by 2012-11", "... from 2013-02 (or stays)"
        words = ("from", "by")

        def show(v: float) -> str:
            return month_label(int(round(v)))
    else:
        words = ("≥", "≤")

        def show(v: float) -> str:
            return f"{v:.3g}"

    if feature.kind == "month":  # PRIM cuts between two months: name the months inside
        low, high = np.ceil(low), np.floor(high)
    parts = []
    if low > full[0]:
        parts.append(f"{words[0]} {show(low)}")
    if high < full[1]:
        parts.append(f"{words[1]} {show(high)}")
    return f"{feature.label} {' and '.join(parts)}" if parts else f"{feature.label} (any)"


def format_discovery(d: Discovery) -> str:
    lines = [
        f"{d.cases:,} of {d.runs:,} runs are cases of interest ({d.case}): {d.cases / d.runs:.1%}"
    ]
    if d.boxes.empty:
        return "\n".join([*lines, "  PRIM found no box denser than the runs at large"])
    for b in d.boxes.itertuples():
        conditions = d.limits[d.limits["box"] == b.box]["condition"]
        lines.append(
            f"  box {b.box}: coverage {b.coverage:.0%} (of the cases), density {b.density:.0%} "
            f"(of the runs in it), {b.mass:.0%} of all runs"
        )
        lines.extend(f"    {c}" for c in conditions)
    return "\n".join(lines)


def _month(text: str) -> int:
    year, month = str(text)[:7].split("-")
    return int(year) * 12 + int(month) - 1
