"""Run a scenario's replications and gather them into a ResultSet (the API behind `consim run`).

A run is a sweep of one design point kept in full: the same tasks, seeds and
executors as `consim sweep`, with per-partner trajectories and events.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
from pydantic import BaseModel

from simulator.engine.compile import compile_scenario
from simulator.errors import ConsimError
from simulator.experiments.executors import Executor, executor_for, frozen_gc
from simulator.experiments.progress import progress_bar
from simulator.experiments.store import warm_up
from simulator.experiments.tasks import CHUNK, Point, Work, plan_tasks, run_task
from simulator.results.manifest import build_manifest
from simulator.results.resultset import ResultSet
from simulator.results.tables import Context
from simulator.scenario.distributions import Distribution
from simulator.scenario.load import load_scenario, scenario_hash
from simulator.scenario.schema import Scenario

DEFAULT_STOCHASTIC_REPLICATIONS = 1000


def is_stochastic(scenario: Scenario) -> bool:
    """True when any number is a distribution or anything happens by chance."""

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
        if d is not None and ((d.hazard or 0) > 0 or (d.rival_hazard or 0) > 0):
            return True
    for c in scenario.candidates.values():
        n = c.negotiation
        if 0 < n.success < 1 or 0 < n.round_failure < 1:
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
) -> ResultSet:
    """Simulate a scenario (object or file) and return its ResultSet.

    replications defaults to 1 for a deterministic scenario and 1000 otherwise;
    seed None draws fresh entropy, which is recorded in the manifest. executor is
    "serial", "processes" or "dask" (see `consim sweep`); all give the same numbers.
    progress: a bar with rate and time left for runs of 1,000 replications or more, in a
    terminal or a notebook (nowhere else); False turns it off. overrides and additions are
    `--set` and `--add` texts (PATH=VALUE), for a scenario given as a file.
    """
    if not isinstance(scenario, Scenario):
        scenario = load_scenario(scenario, overrides, additions)
    elif overrides or additions:
        raise ConsimError("overrides apply to scenario files; pass a path, not a Scenario")
    stochastic = is_stochastic(scenario)
    if replications is None:
        replications = DEFAULT_STOCHASTIC_REPLICATIONS if stochastic else 1
    if replications < 1:
        raise ConsimError(f"replications must be ≥ 1 (got {replications})")
    if seed is None:
        seed = int(np.random.SeedSequence().entropy % (2**63))
    context = Context(scenario, compile_scenario(scenario))
    points = {0: Point(context, key=f"run:{scenario_hash(scenario)}")}
    works = (Work(t, points, seed, mode="run") for t in plan_tasks(1, replications, CHUNK))
    results = []
    with (
        executor_for(executor, workers, scheduler, warm_up) as pool,
        progress_bar(replications, scenario.name, enabled=progress, minimum=2 * CHUNK) as bar,
        frozen_gc(),
    ):
        for result in pool.map(run_task, works):
            results.append(result)
            bar.update(result.task.replications)
    results.sort(key=lambda r: r.task.index)
    manifest = build_manifest(scenario, seed, replications, stochastic)
    manifest["executor"] = pool.name

    def stack(name: str) -> pd.DataFrame:
        return pd.concat([getattr(r, name) for r in results], ignore_index=True)

    failures = stack("failures")
    manifest["failed"] = len(failures)
    return ResultSet(
        outcomes=stack("outcomes"),
        trajectories=stack("trajectories"),
        events=stack("events"),
        market=context.market,
        manifest=manifest,
        failures=failures,
    )
