"""Run a scenario's replications and gather them into a ResultSet (the API behind `consim run`).

A run is a sweep of one design point kept in full: the same tasks, seeds and
executors as `consim sweep`, with per-partner trajectories and events.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from functools import partial
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa
from pydantic import BaseModel

from simulator.analysis.summary import moved_amounts
from simulator.engine.compile import compile_scenario
from simulator.engine.simulate import compiles_first, engine_for_job
from simulator.errors import ConsimError
from simulator.experiments.executors import Executor, executor_for, frozen_gc
from simulator.experiments.fits import check_fits
from simulator.experiments.precision import TargetCI, half_width, until_precise
from simulator.experiments.progress import progress_bar
from simulator.experiments.store import warm_up
from simulator.experiments.streamed import EventSpool, kept_replications
from simulator.experiments.tasks import (
    CHUNK,
    Point,
    Task,
    Work,
    plan_tasks,
    run_task,
    sweep_chunk,
)
from simulator.results.manifest import build_manifest
from simulator.results.resultset import ResultSet
from simulator.results.tables import FAILURE_COLUMNS, Context, frame_of
from simulator.scenario.distributions import Distribution
from simulator.scenario.load import load_scenario, scenario_hash
from simulator.scenario.schema import Scenario
from simulator.scenario.terms import value_range

DEFAULT_STOCHASTIC_REPLICATIONS = 1000


def is_stochastic(scenario: Scenario) -> bool:
    """True when any number is a distribution or anything happens by chance.

    >>> from simulator import is_stochastic, load_scenario
    >>> is_stochastic(load_scenario("scenarios/andromede_plan.yaml"))
    False
    >>> is_stochastic(load_scenario("scenarios/atos_joins.yaml"))
    True
    """

    def walk(node) -> bool:
        if isinstance(node, Distribution):
            return True
        if isinstance(node, BaseModel):
            return any(walk(getattr(node, name)) for name in type(node).model_fields)
        if isinstance(node, dict):
            return any(walk(v) for v in node.values())
        return False

    if walk(scenario):
        return True
    for member in scenario.members().values():
        d = member.departure
        hazards = () if d is None else (d.hazard or 0, d.rival_hazard or 0)
        if any(value_range(h)[1] > 0 for h in hazards):
            return True
    for c in scenario.candidates.values():
        n = c.negotiation
        low, high = value_range(n.round_failure)
        if 0 < n.success < 1 or (high > 0 and low < 1):
            return True
    for v in scenario.ventures.values():
        d = v.capital_calls.default if v.capital_calls is not None else None
        if d is not None:
            each = d.probability.values() if isinstance(d.probability, dict) else [d.probability]
            if any(0 < p < 1 for p in each):  # a capital-call default drawn per call
                return True
    return any(
        (rule.added or 0) > 0 or 0 < (rule.probability or 0) < 1
        for rule in scenario.contagion.values()
    )


@dataclass
class Simulation:
    """A scenario being run: its compiled point and the task results gathered so far, in
    batches of replications numbered on from the last (replication i draws the same
    numbers whichever batch runs it)."""

    scenario: Scenario
    context: Context
    stochastic: bool
    results: list = field(default_factory=list)
    replications: int = 0
    kept: int | None = None  # streamed: replications that keep trajectories and events
    spool: EventSpool | None = None  # streamed: every replication's events, on disk
    waiting: dict = field(default_factory=dict)  # streamed: results ahead of their turn
    written: int = 0  # streamed: replications whose events are in the spool

    @classmethod
    def of(cls, scenario: Scenario) -> Simulation:
        context = Context(scenario, compile_scenario(scenario))
        return cls(scenario, context, is_stochastic(scenario))

    def stream(self, kept: int, beside: Path | None) -> None:
        """Keep trajectories and events of the first `kept` replications only; write every
        replication's events to a spool file beside `beside` (streamed.py)."""
        self.kept, self.spool = kept, EventSpool(beside)

    def works(self, seed: int, first: int, count: int, index: int, engine=None) -> list[Work]:
        """The tasks of replications first … first+count-1, numbered from `index`; a
        streamed run's tasks past its sample build no trajectories."""
        points = {0: Point(self.context, key=f"run:{scenario_hash(self.scenario)}")}
        split = first + count if self.kept is None else min(max(self.kept, first), first + count)
        big = sweep_chunk(self.context.model, events=True)  # a sweep's size, with events
        ranges = [(first, split - first, True, CHUNK), (split, first + count - split, False, big)]
        tasks = [
            (tuple(replace(s, first=s.first + start) for s in t.segments), full)
            for start, n, full, size in ranges
            if n > 0
            for t in plan_tasks(1, n, size)
        ]
        return [
            Work(Task(index + k, segments), points, seed, mode="run", full=full, engine=engine)
            for k, (segments, full) in enumerate(tasks)
        ]

    def take(self, result) -> None:
        """Keep a task's result; a streamed run writes its events to the spool, in
        replication order, and keeps only those of its sample."""
        if self.spool is None:
            self.results.append(result)
            return
        self.waiting[result.task.segments[0].first] = result
        splits = any(v.split is not None for v in self.context.model.ventures)
        while self.written in self.waiting:
            done = self.waiting.pop(self.written)
            self.spool.write(done.events)
            past = isinstance(done.events, pa.Table)  # past the sample: only in the file
            if splits:
                events = done.events
                if past:
                    events = events.to_pandas().astype({"partner": str, "venture": str})
                moved = moved_amounts(done.outcomes, events)
                done.outcomes["moved_final"] = 0.0 if moved is None else moved
            self.written += done.task.replications
            done.events = None if past else done.events
            self.results.append(done)

    def ordered(self) -> list:
        """The task results in replication order (task indices restart at each batch)."""
        return sorted(self.results, key=lambda r: r.task.segments[0].first)

    def outcomes(self) -> pd.DataFrame:
        """The outcome rows gathered so far (cheaper than the whole ResultSet)."""
        return pd.concat([r.outcomes for r in self.ordered()], ignore_index=True)

    def trajectories(self) -> pd.DataFrame:
        """The trajectory rows gathered so far (a streamed run's: its sample's), as one table."""
        return frame_of([r.trajectories for r in self.ordered() if r.trajectories is not None])

    def result_set(self, seed: int, executor: str) -> ResultSet:
        results = self.ordered()
        manifest = build_manifest(self.scenario, seed, self.replications, self.stochastic)
        manifest["executor"] = executor

        def stack(name: str) -> pd.DataFrame:
            tables = [getattr(r, name) for r in results]
            return pd.concat([t for t in tables if t is not None], ignore_index=True)

        failed = any(r.failures is not None for r in results)
        failures = stack("failures") if failed else pd.DataFrame(columns=FAILURE_COLUMNS)
        manifest["failed"] = len(failures)
        spooled = {}
        if self.spool is not None:
            spooled["events"] = self.spool.close()
            manifest["streamed"] = {
                "kept": self.kept,
                "events": self.spool.rows,
                "changes": self.spool.change_counts(),
            }
        return ResultSet(
            outcomes=stack("outcomes"),
            trajectories=self.trajectories(),
            events=stack("events"),
            market=self.context.market,
            manifest=manifest,
            failures=failures,
            spooled=spooled,
            spool=self.spool,
        )


def simulate_batch(sims: list[Simulation], seed: int, first: int, count: int, pool, bar) -> None:
    """Replications first … first+count-1 of every simulation, on one executor."""
    owner, works = {}, []
    engine = engine_for_job(len(sims) * count)
    for sim in sims:
        for work in sim.works(seed, first, count, len(owner), engine):
            owner[work.task.index] = sim
            works.append(work)
    for result in pool.map(run_task, works):
        owner[result.task.index].take(result)
        bar.update(result.task.replications)
    for sim in sims:
        sim.replications = first + count


def as_scenario(scenario, overrides=(), additions=()) -> Scenario:
    """A Scenario, or a file loaded with its `--set`/`--add` texts."""
    if not isinstance(scenario, Scenario):
        return load_scenario(scenario, overrides, additions)
    if overrides or additions:
        raise ConsimError("overrides apply to scenario files; pass a path, not a Scenario")
    return scenario


def fresh_seed(seed: int | None) -> int:
    """The seed given, or fresh entropy (recorded in the manifest)."""
    return int(np.random.SeedSequence().entropy % (2**63)) if seed is None else seed


def run(
    scenario: Scenario | str | Path,
    replications: int | None = None,
    seed: int | None = None,
    overrides: tuple[str, ...] | list[str] = (),
    progress: bool = True,
    executor: str | Executor = "serial",
    workers: int | None = None,
    scheduler: str | None = None,
    additions: tuple[str, ...] | list[str] = (),
    target_ci: TargetCI | None = None,
    allow_large: bool = False,
    folder: str | Path | None = None,
) -> ResultSet:
    """Simulate a scenario (object or file) and return its ResultSet.

    replications defaults to 1 for a deterministic scenario and 1000 otherwise;
    seed None draws fresh entropy, which is recorded in the manifest. executor is
    "serial", "processes" or "dask" (see `consim sweep`); all give the same numbers.
    progress: a bar with rate and time left for runs of 1,000 replications or more, in a
    terminal or a notebook (nowhere else); False turns it off. overrides and additions are
    `--set` and `--add` texts (PATH=VALUE), for a scenario given as a file. target_ci: run
    in batches until an outcome's interval is narrow enough (then `replications` is the
    most to run, default the target's maximum). Beyond 1,000,000 trajectory rows a run is
    streamed (streamed.py): every outcome, a sample's trajectories and events in memory,
    every event in a file beside `folder` that `save` moves in. A run that would still not
    fit in memory or on disk is refused before it starts, unless `allow_large`.

    >>> from simulator import run
    >>> plan = run("scenarios/andromede_plan.yaml", progress=False)
    >>> float(plan.outcomes["committed_final"].iloc[0])
    285.0
    >>> run("scenarios/atos_joins.yaml", replications=200, seed=7, progress=False).replications
    200
    """
    sim = Simulation.of(as_scenario(scenario, overrides, additions))
    seed = fresh_seed(seed)
    precise = target_ci is not None and sim.stochastic
    total = planned_replications([sim], replications, target_ci)
    prepare(sim, total, None if folder is None else Path(folder), allow_large)
    compiling = compiles_first([sim.context.model], total)
    with (
        executor_for(executor, workers, scheduler, warm_up) as pool,
        progress_bar(total, sim.scenario.name, progress, 2 * CHUNK, compiling=compiling) as bar,
        frozen_gc(),
    ):
        if precise:
            target = replace(target_ci, maximum=total)

            def measure() -> float:
                return half_width(sim.outcomes(), target.outcome)

            until_precise(partial(simulate_batch, [sim], seed, pool=pool, bar=bar), measure, target)
        else:
            simulate_batch([sim], seed, 0, total, pool, bar)
    results = sim.result_set(seed, pool.name)
    if precise:
        results.manifest["target_ci"] = precision_record(target, results.outcomes)
    return results


def prepare(sim: Simulation, total: int, folder: Path | None, allow_large: bool) -> None:
    """Refuse a run that would not fit; stream one too large to keep whole (streamed.py)."""
    kept = kept_replications(sim.context.model, total)
    if not allow_large:
        check_fits(sim.context.model, total, folder, kept)
    if kept < total:
        sim.stream(kept, folder)


def planned_replications(sims: list[Simulation], replications: int | None, target) -> int:
    """Replications to run (with a target: the most to run): 1 when nothing is uncertain."""
    stochastic = any(sim.stochastic for sim in sims)
    if replications is None:
        if not stochastic:
            return 1
        replications = target.maximum if target is not None else DEFAULT_STOCHASTIC_REPLICATIONS
    if replications < 1:
        raise ConsimError(f"replications must be ≥ 1 (got {replications})")
    return replications if stochastic or target is None else 1


def precision_record(target: TargetCI, outcomes: pd.DataFrame) -> dict:
    """What the manifest says of a run to a target: the target, and the half-width reached."""
    return {
        "outcome": target.outcome,
        "half_width": target.half_width,
        "batch": target.batch,
        "maximum": target.maximum,
        "reached": half_width(outcomes, target.outcome),
    }
