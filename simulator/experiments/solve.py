"""Goal seeking (`consim solve`): the smallest (or largest) value of a lever for which a
target holds, e.g. the State's pledge such that P(committed ≥ 285 at 2014-12) ≥ 0.9.

Every setting runs the same replications with the same seed (common random numbers), so
the estimate moves with the lever only, monotonically where the model does. The search:
a coarse grid over the lever's range finds the first setting that meets the target in the
search's direction; Brent's method (scipy.optimize.brentq) then closes in on the boundary
between it and the setting before, following the target's continuous margin (the order
statistic that decides a probability: targets.py), so that a deterministic scenario's
answer is exact. The answer's uncertainty is the range of lever values over which the
target's 95 % interval straddles the threshold, found the same way on the interval's ends.
"""

from __future__ import annotations

import json
import math
from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from simulator.analysis.targets import Target, check_metric, parse_target
from simulator.engine.simulate import engine_for_job
from simulator.errors import ConsimError
from simulator.experiments.journal import Journal, search_manifest
from simulator.experiments.levers import Lever, Settings, parse_lever
from simulator.experiments.progress import progress_bar
from simulator.experiments.run import fresh_seed, is_stochastic
from simulator.experiments.samples import replications_for, sample
from simulator.scenario.types import parse_month

GRID = 9  # the coarse grid's settings: enough to see a non-monotone target, few runs
DEFAULT_REPLICATIONS = 2000
EVALUATION_COLUMNS = [
    "lever",
    "value",
    "low",
    "high",
    "met",
    "margin",
    "possibly",
    "margin_possibly",
    "surely",
    "margin_surely",
]


@dataclass
class Solution:
    """The lever's value (None when the target is unreachable in the range), the interval of
    values over which the target's 95 % interval straddles the threshold (an end is None
    when it lies beyond the range), the estimate there, and every setting evaluated."""

    lever: Lever
    target: Target
    value: float | None
    interval: tuple[float | None, float | None]
    estimate: dict
    evaluations: pd.DataFrame
    manifest: dict

    @property
    def reachable(self) -> bool:
        return self.value is not None

    def best(self) -> dict:
        """The setting closest to meeting the target (largest margin; among equals, the
        one furthest in the search's direction)."""
        table = self.evaluations
        if not self.manifest["maximize"]:
            table = table.iloc[::-1]
        return table.loc[table["margin"].idxmax()].to_dict()

    def plot(self):
        from simulator.plots.solve import plot_solution

        return plot_solution(self)


def load_solution(folder: str | Path) -> Solution:
    """The solution a `consim solve` folder holds (for reports and notebooks)."""
    folder = Path(folder)
    m = json.loads((folder / "manifest.json").read_text(encoding="utf-8"))
    if m.get("kind") != "solve" or m.get("status") != "complete":
        raise ConsimError(f"{folder}: not a finished `consim solve` folder")
    lever = parse_lever(m["lever"])
    target = parse_target(m["target"], parse_month(m["start"]))
    table = pd.read_csv(folder / "evaluations.csv")[EVALUATION_COLUMNS]
    shown = m["solution"]
    interval = tuple(None if v is None else float(v) for v in shown["interval_values"])
    return Solution(lever, target, shown["value"], interval, shown["estimate"], table, m)


class _Search:
    """Evaluations of one lever against one target, cached in a journal."""

    def __init__(self, settings: Settings, target, seed, n, exact, journal, bar):
        self.settings, self.lever, self.target = settings, settings.levers[0], target
        self.seed, self.n, self.exact = seed, n, exact
        self.journal, self.bar = journal, bar
        self.engine = engine_for_job(n * 3 * GRID)
        self.shared: dict = {}  # the settings' dates and market tables, built once

    def __call__(self, value: float) -> dict:
        value = self.lever.snap(value)
        found = self.journal.get([value])
        if found is None:
            scenario = self.settings.at([value])
            metric = self.target.statistic.metric
            x = sample(scenario, metric, self.seed, self.n, self.engine, self.shared)
            found = {"lever": value, **self.target.judge(x, self.exact)}
            self.journal.add([value], found)
        self.bar.update(1)
        return found

    def holds(self, record: dict, which: str) -> bool:
        return bool(record["met" if which == "point" else which])

    def margin(self, record: dict, which: str) -> float:
        """Signed distance to meeting `which`, positive when it holds (finite)."""
        m = record["margin" if which == "point" else f"margin_{which}"]
        return m if math.isfinite(m) else math.copysign(1.0, m)

    def first(self, order: list[float], which: str) -> float | None:
        """The first lever value, in `order`'s direction, at which `which` holds."""
        before = None
        for v in order:
            if self.holds(self(v), which):
                return v if before is None else self.refine(before, v, which)
            before = v
        return None

    def refine(self, fails: float, holds: float, which: str) -> float:
        """The boundary between a setting that fails and one that holds."""
        if self.lever.step is not None:
            while abs(holds - fails) > self.lever.step * 1.5:
                mid = self.lever.snap((fails + holds) / 2)
                if mid in (fails, holds):
                    break
                if self.holds(self(mid), which):
                    holds = mid
                else:
                    fails = mid
            return holds
        from scipy.optimize import brentq

        tiny = 1e-12 * max(1.0, abs(self.target.threshold))
        # A margin of 0 where the target holds is the root, unless the margin is a step
        # function (a probability of a yes/no outcome), flat at 0 over a range.
        s = self.target.statistic
        lift = tiny if s.kind == "P" and s.op is None else 0.0
        nearest = [holds]

        def signed(v: float) -> float:
            record = self(v)
            if self.holds(record, which):
                if abs(v - fails) < abs(nearest[0] - fails):
                    nearest[0] = v
                return max(self.margin(record, which), 0.0) + lift
            return min(self.margin(record, which), -tiny)

        xtol = 1e-9 * (self.lever.high - self.lever.low)
        signed(brentq(signed, fails, holds, xtol=xtol, maxiter=200))  # its root may be met
        return nearest[0]


def solve(
    scenario: str | Path,
    lever: str | Lever,
    target: str | Target,
    maximize: bool = False,
    replications: int | None = None,
    seed: int | None = None,
    overrides=(),
    out: str | Path | None = None,
    resume: bool = False,
    force: bool = False,
    progress: bool = True,
) -> Solution:
    """The smallest (largest, with `maximize`) value of `lever` for which `target` holds.

    >>> from simulator import solve
    >>> s = solve("scenarios/dassault_leaves.yaml", "partners.state.pledge=135..300",
    ...           "P(committed_final >= 285 at 2014-12) >= 0.9", progress=False)
    >>> round(s.value, 6), s.interval
    (195.0, (195.0, 195.0))
    """
    lever = lever if isinstance(lever, Lever) else parse_lever(lever)
    settings = Settings(scenario, [lever], overrides)
    low_setting = settings.at([lever.low])
    target = target if isinstance(target, Target) else parse_target(target, low_setting.start)
    check_metric(target.statistic.metric, low_setting)
    n = replications_for(low_setting, replications, DEFAULT_REPLICATIONS)
    stochastic = is_stochastic(low_setting)
    seed = fresh_seed(seed)
    manifest = _manifest(settings.base, lever, target, maximize, seed, n, stochastic, overrides)
    order = lever.grid(GRID)[:: -1 if maximize else 1]
    with (
        Journal(out, manifest, resume, force) as journal,
        progress_bar(GRID * 3, "settings", progress, unit="setting") as bar,
    ):
        search = _Search(settings, target, seed, n, not stochastic, journal, bar)
        value = search.first(order, "point")
        interval = (None, None)
        if value is not None:
            ends = (search.first(order, "possibly"), search.first(order, "surely"))
            interval = tuple(sorted(ends, key=lambda v: math.inf if v is None else v))
            if maximize:
                interval = (ends[1], ends[0])
        bar.total = bar.n  # the search's length was a guess: it ends complete
        table = _evaluations(journal)
        estimate = search(value) if value is not None else {}
        solution = Solution(lever, target, value, interval, estimate, table, manifest)
        _save(journal, solution)
    return solution


def _manifest(scenario, lever, target, maximize, seed, n, stochastic, overrides) -> dict:
    spec = {
        "lever": lever.text,
        "target": target.text,
        "maximize": maximize,
        "seed": seed,
        "replications": n,
        "overrides": list(overrides),
    }
    return search_manifest("solve", scenario, spec, stochastic)


def _evaluations(journal: Journal) -> pd.DataFrame:
    rows = list(journal.records.values())
    table = pd.DataFrame(rows, columns=EVALUATION_COLUMNS)
    return table.sort_values("lever", ignore_index=True)


def _save(journal: Journal, solution: Solution) -> None:
    lever = solution.lever
    table = solution.evaluations.assign(
        setting=[lever.shown(v) for v in solution.evaluations["lever"]]
    )
    journal.write("evaluations.csv", lambda p: table.to_csv(p, index=False))
    if journal.folder is not None:
        figure = solution.plot()
        journal.write("solve.png", lambda p: figure.savefig(p, dpi=110, format="png"))
    shown = {
        "value": solution.value,
        "setting": None if solution.value is None else lever.shown(solution.value),
        "interval": [None if v is None else lever.shown(v) for v in solution.interval],
        "interval_values": list(solution.interval),
        "estimate": solution.estimate,
        "best": None if solution.reachable else solution.best(),
        "evaluated": len(table),
        "reused": journal.reused,
    }
    solution.manifest["solution"] = shown
    journal.write_manifest("complete", solution=shown)


def answer_lines(solution: Solution) -> list[str]:
    """The answer as a person reads it: the value, the estimate there, how sure."""
    if not solution.reachable:
        return [unreachable_message(solution)]
    lever, est = solution.lever, solution.estimate
    goal = "largest" if solution.manifest["maximize"] else "smallest"
    a, b = (lever.shown(v) if v is not None else "beyond the range" for v in solution.interval)
    if not solution.manifest["stochastic"]:
        sure = "exact: nothing in the scenario is uncertain (one run per setting)"
    elif a != b:
        sure = f"uncertain from {a} to {b} (there the target's 95 % interval straddles it)"
    else:
        sure = "no uncertain range at this resolution (the 95 % intervals clear the threshold)"
    written = _written(solution.manifest.get("resolved_scenario", {}), lever.path)
    change = ""
    if isinstance(written, int | float) and not lever.dates:
        change = f" (the file: {written:g}; {solution.value - written:+.6g})"
    there = f"there: {solution.target.statistic.text} = {est['value']:.4g}"
    if solution.manifest["stochastic"]:  # an exact run's interval is the value twice
        there += f" ({interval_text(est)})"
    return [f"{goal} {lever.path} = {lever.shown(solution.value)}{change}", there, sure]


def interval_text(record: dict) -> str:
    """ "95 % CI a–b"; an end past the sample (a quantile too far out for the runs) is "?"."""
    low, high = (f"{v:.4g}" if math.isfinite(v) else "?" for v in (record["low"], record["high"]))
    note = "" if "?" not in (low, high) else ": too few runs for this quantile's interval"
    return f"95 % CI {low}–{high}{note}"


def _written(source: dict, path: str):
    """The value the scenario file gives at a key path (None if it gives none)."""
    node = source
    for key in path.split("."):
        if not isinstance(node, dict) or key not in node:
            return None
        node = node[key]
    return node


def unreachable_message(solution: Solution) -> str:
    best = solution.best()
    lever = solution.lever
    return (
        f"unreachable: {solution.target.text} holds nowhere in {lever.shown(lever.low)}.."
        f"{lever.shown(lever.high)}; the closest is {lever.path}={lever.shown(best['lever'])}, "
        f"where the estimate is {best['value']:.4g} ({interval_text(best)})"
    )
