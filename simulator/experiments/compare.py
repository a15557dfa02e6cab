"""Compare what-ifs: run several scenarios with common random numbers and set each against
the first (the baseline), with intervals on every mean and difference (`consim compare`)."""

from __future__ import annotations

import json
from dataclasses import dataclass, replace
from functools import partial
from pathlib import Path

import pandas as pd

from simulator.analysis.compare import compare_outcomes, widest_half_width
from simulator.engine.simulate import compiles_first
from simulator.errors import ConsimError
from simulator.experiments.executors import Executor, executor_for, frozen_gc
from simulator.experiments.precision import TargetCI, until_precise
from simulator.experiments.progress import progress_bar
from simulator.experiments.run import (
    Simulation,
    as_scenario,
    fresh_seed,
    planned_replications,
    prepare,
    simulate_batch,
)
from simulator.experiments.store import warm_up
from simulator.results.folders import check_name, staging
from simulator.results.manifest import provenance
from simulator.results.resultset import ResultSet
from simulator.scenario.schema import Scenario


@dataclass
class Comparison:
    """Scenarios run side by side: their ResultSets (baseline first) and the comparison
    table (analysis.compare.COLUMNS).

    >>> from simulator import compare
    >>> c = compare("scenarios/dassault_leaves.yaml", "scenarios/state_raises_share.yaml")
    >>> c.baseline, c.table.query("scenario == 'state_raises_share'")["diff"].iloc[0]
    ('dassault_leaves', np.float64(60.0))
    """

    results: dict[str, ResultSet]
    table: pd.DataFrame
    manifest: dict

    @property
    def baseline(self) -> str:
        return next(iter(self.results))

    def __repr__(self) -> str:
        m = self.manifest
        return (
            f"<Comparison of {len(self.results)} scenarios against {self.baseline!r}: "
            f"{m.get('replications', 0):,} replication(s) each, seed {m.get('seed')}>"
        )

    def _repr_html_(self) -> str:
        """A notebook's view: the committed capital's means and paired differences with
        their intervals, and the comparison figure."""
        from simulator.plots.display import card

        t = self.table
        rows = t[(t["outcome"] == "committed_final") & (t["statistic"] == "mean")]
        columns = ["scenario", "venture", "mean", "ci_low", "ci_high", "diff"]
        columns += ["diff_ci_low", "diff_ci_high", "p_value"]
        return card(repr(self)[1:-1], [], rows[columns], self.plot())

    def plot(self, outcome: str = "committed_final"):
        """Trajectories of every scenario against the market, and the paired differences
        from the baseline with their intervals (a forest plot)."""
        from simulator.plots.compare import plot_comparison

        return plot_comparison(self, outcome)

    def save(self, directory: str | Path, force: bool = False, plots: bool = True) -> Path:
        """comparison.csv, comparison.png, manifest.json and one results folder per
        scenario, written into a temporary sibling and moved into place at once."""
        directory = Path(directory)
        with staging(directory, force) as tmp:
            for name, results in self.results.items():
                results.save(tmp / name, plots=plots)
            self.table.to_csv(tmp / "comparison.csv", index=False)
            if plots:
                self.plot().savefig(tmp / "comparison.png", dpi=110)
            (tmp / "manifest.json").write_text(json.dumps(self.manifest, indent=2, default=str))
        return directory


def compare(
    *scenarios: Scenario | str | Path,
    replications: int | None = None,
    seed: int | None = None,
    overrides: tuple[str, ...] | list[str] = (),
    additions: tuple[str, ...] | list[str] = (),
    progress: bool = True,
    executor: str | Executor = "serial",
    workers: int | None = None,
    scheduler: str | None = None,
    target_ci: TargetCI | None = None,
) -> Comparison:
    """Run every scenario with the same seed and replications (common random numbers) and
    compare each with the first. overrides/additions (`--set`/`--add` texts) apply to every
    scenario file. replications: 1 if nothing is uncertain anywhere, else 1000; with
    target_ci, batches until every mean and difference of its outcome is that precise.

    >>> from simulator import compare
    >>> c = compare("scenarios/dassault_leaves.yaml", "scenarios/atos_joins.yaml",
    ...             replications=200, seed=1, progress=False)
    >>> row = c.table.query("scenario == 'atos_joins' and outcome == 'committed_final'").iloc[0]
    >>> bool(row["diff_ci_low"] > 0)  # Atos joining adds capital, surely
    True
    """
    named = _load(scenarios, overrides, additions)
    sims, total = _simulations(list(named.values()), replications, target_ci)
    names = list(named)
    seed = fresh_seed(seed)
    precise = target_ci is not None and any(sim.stochastic for sim in sims)
    compiling = compiles_first([s.context.model for s in sims], total * len(sims))
    with (
        executor_for(executor, workers, scheduler, warm_up) as pool,
        progress_bar(total * len(sims), "compare", progress, 2000, compiling=compiling) as bar,
        frozen_gc(),
    ):
        step = partial(simulate_batch, sims, seed, pool=pool, bar=bar)
        if precise:
            target = replace(target_ci, maximum=total)

            def measure() -> float:
                outcomes = dict(zip(names, (sim.outcomes() for sim in sims), strict=True))
                table = compare_outcomes(outcomes, _exact(names, sims), (target.outcome,), ())
                return widest_half_width(table, target.outcome)

            until_precise(step, measure, target)
        else:
            step(0, total)
        results = {n: sim.result_set(seed, pool.name) for n, sim in zip(names, sims, strict=True)}
    outcomes = {name: r.outcomes for name, r in results.items()}
    table = compare_outcomes(outcomes, _exact(names, sims))
    manifest = _manifest(names, sims, seed)
    if precise:
        manifest["target_ci"] = {
            "outcome": target.outcome,
            "half_width": target.half_width,
            "batch": target.batch,
            "maximum": target.maximum,
            "reached": widest_half_width(table, target.outcome),
        }
    return Comparison(results, table, manifest)


def _load(scenarios, overrides, additions) -> dict[str, Scenario]:
    """The scenarios by name, checked to be comparable: at least two, distinct names, one
    unit and one market projection (a difference in either makes the numbers incomparable)."""
    if len(scenarios) < 2:
        raise ConsimError(f"compare needs at least two scenarios (got {len(scenarios)})")
    named, where = {}, {}
    for i, given in enumerate(scenarios):
        s = as_scenario(given, overrides, additions)
        source = s.files[0] if s.files else f"scenario {i + 1}"
        name = check_name(s.name or (Path(s.files[0]).stem if s.files else f"scenario{i + 1}"))
        if name in named:
            raise ConsimError(f"{source}: scenario name {name!r} is also {where[name]}'s")
        base = next(iter(named.values()), s)
        first = next(iter(where.values()), source)
        if s.unit != base.unit:
            raise ConsimError(
                f"{source}: unit {s.unit!r} differs from the baseline's {base.unit!r} "
                f"({first}); compare scenarios in one unit"
            )
        if s.market != base.market:
            raise ConsimError(
                f"{source}: its market projection differs from the baseline's ({first}); "
                "scenarios set against different markets cannot be compared (give them the "
                "same `market:`)"
            )
        named[name], where[name] = s, source
    return named


def _simulations(scenarios: list, replications: int | None, target_ci) -> tuple[list, int]:
    """The scenarios to simulate, and how many replications each (the most, with a
    target); one too large to keep whole is streamed, as a run is (streamed.py)."""
    sims = [Simulation.of(s) for s in scenarios]
    total = planned_replications(sims, replications, target_ci)
    for sim in sims:
        prepare(sim, total, None, allow_large=True)
    return sims, total


def _exact(names: list[str], sims: list[Simulation]) -> dict[str, bool]:
    return {n: not sim.stochastic for n, sim in zip(names, sims, strict=True)}


def _manifest(names: list[str], sims: list[Simulation], seed: int) -> dict:
    manifest = {
        "kind": "comparison",
        "baseline": names[0],
        "scenarios": names,
        "files": [sim.scenario.files for sim in sims],
        "unit": sims[0].scenario.unit,
        "seed": seed,
        "replications": sims[0].replications,
        **provenance(),
    }
    return manifest
