"""Many settings of one scenario evaluated at once, on an executor: the coalitions of
`consim value`, a generation of a Pareto search. Each setting is a variant of the scenario
(key paths changed, or only some members), built where it runs; each returns one sample
per metric (samples.py), with the same seed and replications everywhere (common random
numbers), whichever process runs it.

Only searches of many settings go to worker processes: a pool starts in ~0.7 s and each
setting then crosses to a worker and back. Measured on `partner_value` with 1,000 runs a
coalition, one process against two: 256 coalitions 1.7 s against 2.3 s, 1,024 coalitions
3.7 s against 3.4–4.1 s, 4,096 coalitions 13.7–14.2 s against 9.0–9.3 s; 30 coalitions of
30,000 runs (900,000) 1.4–1.5 s against 2.4 s (each setting runs fast: the count matters,
not the runs).
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

PARALLEL_SETTINGS = 2_048  # below, one process (above: measured in the module docstring)
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


def executor_kind(settings: int, executor: str | None) -> str:
    """The executor asked for, or by the number of settings: processes for many."""
    if executor is not None:
        return executor
    return "processes" if settings >= PARALLEL_SETTINGS else "serial"


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


def pool_for(settings: int, executor: str | None, workers: int | None):
    """An executor for a search of `settings` (a context manager: closed on exit)."""
    return executor_for(executor_kind(settings, executor), workers, None, warm_up)
