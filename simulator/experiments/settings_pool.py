"""Many settings of one scenario evaluated at once, on an executor: the coalitions of
`consim value`, a generation of a Pareto search. Each setting is a variant of the scenario
(key paths changed, or only some members), built where it runs; each returns one sample
per metric (samples.py), with the same seed and replications everywhere (common random
numbers), whichever process runs it.

Small jobs stay in this process: a pool's start (spawned workers importing the engine and
loading its kernels) costs about a second and a half, what ~300,000 runs take.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

import numpy as np

from simulator.analysis.targets import Metric
from simulator.experiments.coalition_scenarios import coalition_scenario
from simulator.experiments.executors import executor_for
from simulator.experiments.samples import sample
from simulator.scenario.schema import Scenario

PARALLEL_RUNS = 300_000  # below, one process (the pool's start would cost more)
PER_TASK = 8  # settings a worker evaluates per task: fewer round trips, balanced enough


@dataclass(frozen=True)
class Setting:
    """A variant of `base`: with key paths changed (`changes`), or with only `members`."""

    base: Scenario
    changes: tuple = ()
    members: tuple | None = None

    def scenario(self) -> Scenario | None:
        """The variant, validated; None for a coalition without a partner (no scenario)."""
        if self.members is not None:
            return coalition_scenario(self.base, self.members)
        return self.base.with_changes(dict(self.changes)) if self.changes else self.base


@dataclass(frozen=True)
class Work:
    first: int
    settings: tuple
    metrics: tuple
    seed: int
    replications: int
    engine: str | None


def run_work(work: Work) -> tuple[int, list]:
    """Each setting's samples, {metric: values} (None: no scenario), in a worker."""
    shared: dict = {}  # dates and market tables, the same for every setting
    found = []
    for setting in work.settings:
        scenario = setting.scenario()
        if scenario is None:
            found.append(None)
            continue
        found.append(
            {
                m: sample(scenario, m, work.seed, work.replications, work.engine, shared)
                for m in work.metrics
            }
        )
    return work.first, found


def warm_up() -> None:
    """Nothing: unpickling it imports this module, and the engine with it."""


def executor_kind(runs: int, executor: str | None) -> str:
    """The executor asked for, or by the job's size: processes for large jobs."""
    if executor is not None:
        return executor
    return "processes" if runs >= PARALLEL_RUNS else "serial"


def sample_all(
    settings: list[Setting],
    metrics: list[Metric],
    seed: int,
    replications: int,
    engine: str | None,
    pool,
) -> Iterator[tuple[int, dict[Metric, np.ndarray] | None]]:
    """(index into `settings`, its samples) as they finish, on `pool`."""
    works = [
        Work(k, tuple(settings[k : k + PER_TASK]), tuple(metrics), seed, replications, engine)
        for k in range(0, len(settings), PER_TASK)
    ]
    for first, found in pool.map(run_work, works):
        for j, samples in enumerate(found):
            yield first + j, samples


def pool_for(runs: int, executor: str | None, workers: int | None):
    """An executor for a search of `runs` in all (a context manager: closed on exit)."""
    return executor_for(executor_kind(runs, executor), workers, None, warm_up)
