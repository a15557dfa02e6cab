"""How much a sweep is about to run and about how long it will take, before it starts.

The time comes from a pilot: a few replications of the first design point, run in this
process exactly as a task runs them (simulation and tables, no files), timed, then
scaled by the runs left and the workers; and the statistics of a point, timed on the
pilot's outcomes, once per task left (the points a task completes are summarised
together; the first time includes loading the statistics libraries, once per sweep). It
is approximate: other points may be slower or faster than the first, and neither the
pool's start nor the plots are counted.
"""

from __future__ import annotations

import time
from dataclasses import dataclass

from simulator.experiments.point_jobs import table_statistics
from simulator.experiments.tasks import Point, Segment, Task, Work, run_task

# The pilot doubles its batch from PILOT_FIRST replications until one batch takes
# PILOT_SECONDS or PILOT_MOST replications are reached: tens of milliseconds (up to 64
# replications on the per-replication engine; the batch engine's cost per chunk is mostly
# fixed, so it needs larger batches to show its cost per run). An untimed replication
# first pays for the warm-up (the kernels loaded or compiled); of the batches after it the
# fastest counts. Batches are timed by this
# thread's CPU clock, not the wall clock, which counts whatever else holds the core (the
# Dask workers starting, other programs) and was seen off by 10×.
PILOT_FIRST, PILOT_MOST, PILOT_SECONDS = 2, 1024, 0.01


@dataclass(frozen=True)
class SweepPlan:
    """The size of a sweep and its estimated duration (what `consim sweep` prints first)."""

    name: str
    points: int
    replications: int  # per design point
    to_run: int  # runs not saved yet: all of them, unless resuming
    workers: int  # that can work at once: at most one per task left
    seconds_per_run: float  # measured by the pilot, on one core
    tasks: int = 0  # tasks left to run
    seconds_per_task: float = 0.0  # the statistics of the points a task completes
    seconds_once: float = 0.0  # the statistics libraries loaded
    warnings: tuple[str, ...] = ()  # of the design points' scenarios (docs/scenario-reference)

    @property
    def runs(self) -> int:
        return self.points * self.replications

    @property
    def seconds(self) -> float:
        """Estimated wall time of the runs left and of the points' statistics."""
        work = self.seconds_per_run * self.to_run + self.seconds_per_task * self.tasks
        return self.seconds_once + work / max(1, self.workers)

    def __str__(self) -> str:
        left = f" ({self.to_run:,} left to run)" if self.to_run != self.runs else ""
        workers = f"{self.workers} worker{'s' if self.workers != 1 else ''}"
        return (
            f"{self.name}: {self.points:,} points × {self.replications:,} replications = "
            f"{self.runs:,} runs{left} on {workers}; about {about(self.seconds)}"
        )


def about(seconds: float) -> str:
    """A duration as a person would say it roughly: 4 s, 40 s, 12 min, 3.5 h."""
    if seconds < 10:
        return f"{max(seconds, 0.1):.2g} s" if seconds < 1 else f"{seconds:.0f} s"
    if seconds < 90:
        return f"{round(seconds, -1):.0f} s"
    if seconds < 90 * 60:
        return f"{seconds / 60:.0f} min"
    return f"{seconds / 3600:.1f} h"


def pilot_job(job: tuple) -> tuple[float, float, float]:
    """`pilot` of (point, seed, outcomes, trajectories), for an executor's map."""
    return pilot(*job)


def pilot(point: Point, seed: int, outcomes: tuple, trajectories: tuple) -> tuple:
    """CPU seconds per replication of `point`, as a sweep's task spends them (serial, here);
    then for the statistics of a point, and once for loading their libraries."""

    def work(count: int) -> Work:
        task = Task(-1, (Segment(0, 0, count),))
        return Work(task, {0: point}, seed, outcomes=outcomes, trajectories=trajectories)

    # Untimed: loading (or compiling) the engine's kernels, and the first touch of its
    # workspace at the largest batch (page faults, in a fresh worker), are not a run.
    table = run_task(work(PILOT_MOST)).outcomes
    count, per_run = PILOT_FIRST, []
    while True:
        began = time.thread_time()
        run_task(work(count))
        spent = time.thread_time() - began
        per_run.append(spent / count)
        if spent >= PILOT_SECONDS or count >= PILOT_MOST:
            break
        count *= 2
    dates = point.context.dates
    first = _timed(lambda: table_statistics(table, dates))  # the libraries load
    per_point = min(_timed(lambda: table_statistics(table, dates)) for _ in range(2))
    return min(per_run[1:] or per_run), per_point, max(first - per_point, 0.0)


def _timed(fn) -> float:
    began = time.thread_time()
    fn()
    return time.thread_time() - began
