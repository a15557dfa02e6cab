"""Several levers and objectives (`consim solve --lever … --lever … --minimize … --maximize …`):
the Pareto front of the settings, e.g. the State's money against P(no collapse).

The optimiser is pymoo's NSGA-II: it handles several objectives and constraints (targets
given with `--target` must hold) and is seeded, so a search is reproducible and, with the
evaluations journaled, resumable (the same seed proposes the same settings, which the journal
answers). scipy's differential evolution would do for one objective only. Every setting runs
the same replications with one seed (common random numbers), so the front compares settings,
not luck; its stability is then checked by evaluating the front again with fresh random
numbers (another seed) and counting the settings that stay on it.

A generation's settings run in this process unless an executor is asked for: 24 settings
are too little work to share (600 settings of 1,000 runs of atos_joins: 2.7 s here, 3.0 s
on two processes).
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from simulator.analysis.targets import (
    Statistic,
    Target,
    check_metric,
    parse_statistic,
    parse_target,
)
from simulator.engine.simulate import engine_for_job
from simulator.errors import ConsimError
from simulator.experiments.journal import Journal, search_manifest
from simulator.experiments.levers import Lever, Settings, parse_lever
from simulator.experiments.progress import progress_bar
from simulator.experiments.run import fresh_seed, is_stochastic
from simulator.experiments.samples import replications_for
from simulator.experiments.settings_pool import Setting, pool_for, sample_all
from simulator.scenario.types import parse_month

POPULATION, GENERATIONS = 24, 25
DEFAULT_REPLICATIONS = 1000


@dataclass(frozen=True)
class Objective:
    """A lever's own value (`lever` its index) or a statistic, to minimize or maximize."""

    text: str
    maximize: bool
    lever: int | None = None
    statistic: Statistic | None = None


def parse_objective(text: str, maximize: bool, levers: list[Lever], start: int) -> Objective:
    paths = [lever.path for lever in levers]
    if text in paths:
        return Objective(text, maximize, lever=paths.index(text))
    if "(" not in text:
        raise ConsimError(
            f"--{'maximize' if maximize else 'minimize'} {text!r}: neither a lever "
            f"({', '.join(paths)}) nor a statistic such as P(not collapsed) or mean(paid_in_final)"
        )
    return Objective(text, maximize, statistic=parse_statistic(text, start))


@dataclass
class Front:
    """Every setting evaluated (`evaluations`), the non-dominated feasible ones (`front`,
    sorted by the first objective) with `stable` (still on the front with fresh random
    numbers), and the manifest."""

    levers: list[Lever]
    objectives: list[Objective]
    targets: list[Target]
    evaluations: pd.DataFrame
    front: pd.DataFrame
    manifest: dict

    @property
    def table(self) -> pd.DataFrame:
        """The front with its columns named as front.csv names them."""
        return _readable(self.front, self)

    def plot(self):
        from simulator.plots.solve import plot_front

        return plot_front(self)


class _Evaluator:
    """Settings' records (objectives with their intervals, targets' margins), from the
    journal or simulated on a pool, a generation at a time."""

    def __init__(self, settings: Settings, objectives, targets, n, exact, journal, bar, pool):
        self.settings, self.levers = settings, settings.levers
        self.objectives, self.targets = objectives, targets
        self.n, self.exact, self.journal, self.bar, self.pool = n, exact, journal, bar, pool
        self.engine = engine_for_job(n * POPULATION)
        stats = [o.statistic for o in objectives if o.statistic] + [t.statistic for t in targets]
        self.metrics = list(dict.fromkeys(s.metric for s in stats))

    def many(self, rows, seed: int) -> list[dict]:
        """The records of settings `rows` (lever values, snapped to the levers' steps)."""
        values = [[lv.snap(v) for lv, v in zip(self.levers, row, strict=True)] for row in rows]
        keys = [[seed, *v] for v in values]
        found = [self.journal.get(key) for key in keys]
        missing = [i for i, record in enumerate(found) if record is None]
        self.bar.update(len(found) - len(missing))
        base = self.settings.base
        todo = [Setting(base, changes=self.settings.changes(values[i])) for i in missing]
        for k, samples in sample_all(todo, self.metrics, seed, self.n, self.engine, self.pool):
            i = missing[k]
            found[i] = self._record(values[i], samples, seed)
            self.journal.add(keys[i], found[i])
            self.bar.update(1)
        return found

    def _record(self, values: list[float], samples: dict, seed: int) -> dict:
        record = {
            "seed": seed,
            **{lever.path: v for lever, v in zip(self.levers, values, strict=True)},
        }
        for k, o in enumerate(self.objectives):
            if o.lever is not None:
                record.update({f"o{k}": values[o.lever], f"o{k}_low": np.nan, f"o{k}_high": np.nan})
                continue
            est = o.statistic.estimate(samples[o.statistic.metric], self.exact)
            record.update({f"o{k}": est.value, f"o{k}_low": est.low, f"o{k}_high": est.high})
        for k, t in enumerate(self.targets):
            record[f"t{k}"] = t.judge(samples[t.statistic.metric], self.exact)["margin"]
        return {k: float(v) if isinstance(v, float | np.floating) else v for k, v in record.items()}


def pareto(
    scenario: str | Path,
    levers: list[Lever | str],
    objectives: list[tuple[str, bool]],
    targets: list[str] = (),
    replications: int | None = None,
    seed: int | None = None,
    overrides=(),
    out: str | Path | None = None,
    resume: bool = False,
    force: bool = False,
    progress: bool = True,
    population: int = POPULATION,
    generations: int = GENERATIONS,
    executor: str | None = None,
    workers: int | None = None,
) -> Front:
    """The Pareto front of `objectives` ((text, maximize) pairs: a lever's path or a
    statistic) over `levers` (texts or Levers), among the settings where every target holds.
    `executor`: where each generation's settings run (this process by default: above).

    >>> from simulator import pareto
    >>> f = pareto("scenarios/dassault_leaves.yaml",
    ...            ["partners.state.pledge=135..300", "partners.orange.pledge=60..200"],
    ...            [("partners.state.pledge", False), ("partners.orange.pledge", False)],
    ...            ["mean(committed_final) >= 285"], seed=1, progress=False,
    ...            population=12, generations=4)
    >>> spent = f.front["partners.state.pledge"] + f.front["partners.orange.pledge"]
    >>> bool((spent >= 255 - 1e-9).all())   # State + Orange + Thales's 30 reach 285
    True
    """
    levers = [lever if isinstance(lever, Lever) else parse_lever(lever) for lever in levers]
    settings = Settings(scenario, levers, overrides)
    base = settings.base
    parsed, goals = _goals(base, levers, objectives, targets)
    low = settings.at([lever.low for lever in levers])
    n = replications_for(low, replications, DEFAULT_REPLICATIONS)
    stochastic = is_stochastic(low)
    seed = fresh_seed(seed)
    manifest = _manifest(
        base, levers, parsed, goals, seed, n, stochastic, overrides, population, generations
    )
    total = population * (generations + 1)
    with (
        Journal(out, manifest, resume, force) as journal,
        pool_for(total, executor or "serial", workers) as pool,
        progress_bar(total, "settings", progress, unit="setting") as bar,
    ):
        evaluate = _Evaluator(settings, parsed, goals, n, not stochastic, journal, bar, pool)
        _optimise(evaluate, levers, parsed, goals, seed, population, generations)
        table = _table(journal, seed)
        front = non_dominated(table, parsed, len(goals))
        front = _stability(evaluate, front, table, parsed, seed + 1, stochastic)
        bar.total = bar.n  # the front's re-evaluation came on top of the planned settings
        result = Front(levers, parsed, goals, table, front, manifest)
        _save(journal, result)
    return result


def _goals(base, levers, objectives, targets) -> tuple[list[Objective], list[Target]]:
    """The objectives and targets read, each of an outcome the scenario has."""
    parsed = [parse_objective(text, up, levers, base.start) for text, up in objectives]
    goals = [parse_target(t, base.start) for t in targets]
    for s in [o.statistic for o in parsed if o.statistic] + [t.statistic for t in goals]:
        check_metric(s.metric, base)
    if len(parsed) < 1:
        raise ConsimError("solve: give at least one objective (--minimize or --maximize)")
    return parsed, goals


def _optimise(evaluate, levers, objectives, targets, seed, population, generations) -> None:
    from pymoo.algorithms.moo.nsga2 import NSGA2
    from pymoo.core.problem import Problem as PymooProblem
    from pymoo.optimize import minimize

    class Problem(PymooProblem):
        """A generation's settings evaluated together (on the evaluator's pool)."""

        def _evaluate(self, x, out, *args, **kwargs):
            records = evaluate.many(x, seed)
            out["F"] = np.array(
                [
                    [-r[f"o{k}"] if o.maximize else r[f"o{k}"] for k, o in enumerate(objectives)]
                    for r in records
                ]
            )
            if targets:
                out["G"] = np.array([[-r[f"t{k}"] for k in range(len(targets))] for r in records])

    problem = Problem(
        n_var=len(levers),
        n_obj=len(objectives),
        n_ieq_constr=len(targets),
        xl=np.array([lever.low for lever in levers]),
        xu=np.array([lever.high for lever in levers]),
    )
    minimize(
        problem,
        NSGA2(pop_size=population),
        ("n_gen", generations),
        seed=seed % 2**32,
        verbose=False,
    )


def non_dominated(
    table: pd.DataFrame, objectives: list[Objective], constraints: int
) -> pd.DataFrame:
    """The feasible settings no other feasible setting beats on every objective."""
    from pymoo.util.nds.non_dominated_sorting import NonDominatedSorting

    feasible = table
    for k in range(constraints):
        feasible = feasible[feasible[f"t{k}"] >= 0]
    if feasible.empty:
        return feasible.copy()
    signs = np.array([-1.0 if o.maximize else 1.0 for o in objectives])
    F = feasible[[f"o{k}" for k in range(len(objectives))]].to_numpy() * signs
    keep = NonDominatedSorting().do(F, only_non_dominated_front=True)
    front = feasible.iloc[np.sort(keep)].drop_duplicates(
        subset=["o0", *[f"o{k}" for k in range(1, len(objectives))]]
    )
    return front.sort_values("o0", ignore_index=True)


def _stability(evaluate, front, table, objectives, fresh: int, stochastic: bool) -> pd.DataFrame:
    """Each front setting again with another seed: `stable` when it stays non-dominated
    among the front evaluated afresh (a deterministic scenario's front is stable as is)."""
    front = front.copy()
    if front.empty or not stochastic:
        front["stable"] = True
        return front
    paths = [lever.path for lever in evaluate.levers]
    again = pd.DataFrame(evaluate.many(front[paths].to_numpy(float), fresh))
    again.index = front.index
    kept = non_dominated(again.assign(row=front.index), objectives, 0)["row"]
    front["stable"] = front.index.isin(kept)
    return front


def _table(journal: Journal, seed: int) -> pd.DataFrame:
    table = pd.DataFrame(list(journal.records.values()))
    return table[table["seed"] == seed].drop(columns="seed").reset_index(drop=True)


def _manifest(
    base, levers, objectives, targets, seed, n, stochastic, overrides, population, generations
) -> dict:
    spec = {
        "mode": "pareto",
        "levers": [lever.text for lever in levers],
        "objectives": [[o.text, o.maximize] for o in objectives],
        "targets": [t.text for t in targets],
        "seed": seed,
        "replications": n,
        "overrides": list(overrides),
        "population": population,
        "generations": generations,
    }
    return search_manifest("solve", base, spec, stochastic)


def _names(objectives: list[Objective], targets: list[Target]) -> dict[str, str]:
    """The CSV files' column names: statistics by their text; a lever's own value is its
    lever's column already, so its objective columns are left out."""
    names = {}
    for k, o in enumerate(objectives):
        if o.statistic is not None:
            names |= {f"o{k}": o.text, f"o{k}_low": f"{o.text} low", f"o{k}_high": f"{o.text} high"}
    return names | {f"t{k}": f"margin of {t.text}" for k, t in enumerate(targets)}


def _readable(table: pd.DataFrame, result: Front) -> pd.DataFrame:
    names = _names(result.objectives, result.targets)
    dropped = [c for c in table if c.startswith("o") and c not in names and c[1].isdigit()]
    return table.drop(columns=dropped).rename(columns=names)


def load_front(folder: str | Path) -> Front:
    """The front a `consim solve` folder with several levers or objectives holds."""
    folder = Path(folder)
    m = json.loads((folder / "manifest.json").read_text(encoding="utf-8"))
    if m.get("mode") != "pareto" or m.get("status") != "complete":
        raise ConsimError(f"{folder}: not a finished `consim solve` front")
    start = parse_month(m["start"])
    levers = [parse_lever(text) for text in m["levers"]]
    objectives = [parse_objective(text, up, levers, start) for text, up in m["objectives"]]
    targets = [parse_target(text, start) for text in m["targets"]]
    back = {v: k for k, v in _names(objectives, targets).items()}
    tables = []
    for name in ("evaluations.csv", "front.csv"):
        table = pd.read_csv(folder / name).rename(columns=back)
        for k, o in enumerate(objectives):
            if o.lever is not None:
                path = levers[o.lever].path
                table = table.assign(
                    **{f"o{k}": table[path], f"o{k}_low": np.nan, f"o{k}_high": np.nan}
                )
        tables.append(table)
    return Front(levers, objectives, targets, tables[0], tables[1], m)


def _save(journal: Journal, result: Front) -> None:
    evaluations, front = _readable(result.evaluations, result), _readable(result.front, result)
    journal.write("evaluations.csv", lambda p: evaluations.to_csv(p, index=False))
    journal.write("front.csv", lambda p: front.to_csv(p, index=False))
    if journal.folder is not None:
        figure = result.plot()
        journal.write("front.png", lambda p: figure.savefig(p, dpi=110, format="png"))
    summary = {
        "front": len(result.front),
        "stable": int(result.front["stable"].sum()) if len(result.front) else 0,
        "evaluated": len(result.evaluations),
        "reused": journal.reused,
    }
    result.manifest["solution"] = summary
    journal.write_manifest("complete", solution=summary)


def front_lines(result: Front, rows: int = 12) -> list[str]:
    """The front as a person reads it: a header, then up to `rows` settings spread along it."""
    m, front = result.manifest, result.front
    s = m["solution"]
    goals = ", ".join(("max " if o.maximize else "min ") + o.text for o in result.objectives)
    head = f"{m['scenario']}: {goals}"
    if result.targets:
        head += f" with {' and '.join(t.text for t in result.targets)}"
    lines = [
        head,
        f"  {m['replications']:,} run(s) per setting, seed {m['seed']}, {s['evaluated']} settings "
        f"(NSGA-II, {m['population']} × {m['generations']} generations)"
        + (f", {s['reused']} reused" if s["reused"] else ""),
    ]
    if front.empty:
        return [*lines, "  no setting meets every target: no front"]
    lines.append(
        f"  Pareto front: {len(front)} setting{'s' if len(front) != 1 else ''}, "
        f"{s['stable']} still on it with fresh random numbers"
    )
    if s["stable"] < 0.9 * len(front):
        lines.append("  (fewer than 90 % stable: more replications, -n, would steady the front)")
    picks = np.unique(np.linspace(0, len(front) - 1, min(rows, len(front))).round().astype(int))
    for _, row in front.iloc[picks].iterrows():
        levers = ", ".join(
            f"{lever.path}={lever.shown(row[lever.path])}" for lever in result.levers
        )
        goals = "; ".join(
            _shown(row, k, o) for k, o in enumerate(result.objectives) if o.lever is None
        )
        arrow = f"  →  {goals}" if goals else ""
        lines.append(f"    {levers}{arrow}" + ("" if row["stable"] else "  (unstable)"))
    return lines


def _shown(row, k: int, objective: Objective) -> str:
    low, high = row[f"o{k}_low"], row[f"o{k}_high"]
    ci = "" if np.isnan(low) or low == high else f" ({low:.3g}–{high:.3g})"
    return f"{objective.text} {row[f'o{k}']:.4g}{ci}"
