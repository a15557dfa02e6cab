"""Units of work: chunks of replications of design points, and the function a worker runs.

Replications are numbered within a design point; replication i of every point
uses child i of the run's root seed (common random numbers), so the numbers do
not depend on how the work is cut into tasks or which executor runs them.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from simulator.engine.run import simulate
from simulator.tables import (
    Context,
    event_table,
    failure_table,
    outcome_table,
    trajectory_table,
    venture_totals,
)

CHUNK = 500  # replications per task: large enough that a task outweighs its overhead


@dataclass(frozen=True)
class Segment:
    """Replications first … first+count-1 of design point `point`."""

    point: int
    first: int
    count: int


@dataclass(frozen=True)
class Task:
    index: int
    segments: tuple[Segment, ...]

    @property
    def replications(self) -> int:
        return sum(s.count for s in self.segments)


def plan_tasks(points: int, replications: int, chunk: int = CHUNK) -> list[Task]:
    """Cut points × replications, in order, into tasks of `chunk` replications.

    A task may span several points (a sweep of many points with few replications
    each still gets tasks worth sending); the plan depends only on its arguments,
    so a resumed sweep finds the same tasks.
    """
    tasks, segments, size = [], [], 0
    for point in range(points):
        first = 0
        while first < replications:
            count = min(replications - first, chunk - size)
            segments.append(Segment(point, first, count))
            first += count
            size += count
            if size == chunk:
                tasks.append(Task(len(tasks), tuple(segments)))
                segments, size = [], 0
    if segments:
        tasks.append(Task(len(tasks), tuple(segments)))
    return tasks


@dataclass
class Point:
    """What a worker needs to simulate one design point."""

    context: Context  # the compiled model, dates and market
    parameters: dict = field(default_factory=dict)  # key path → value, for the outcome columns


@dataclass
class Work:
    """A task together with everything needed to run it anywhere (picklable)."""

    task: Task
    points: dict[int, Point]
    seed: int
    mode: str = "sweep"  # "run": full per-partner tables; "sweep": outcomes and venture totals
    outcomes: tuple[str, ...] | None = None  # sweep: outcome columns to keep (None: all)
    trajectories: tuple[str, ...] = ("committed", "paid_in")


@dataclass
class TaskResult:
    task: Task
    outcomes: pd.DataFrame
    failures: pd.DataFrame
    trajectories: pd.DataFrame | np.ndarray | None = None  # run: long table; sweep: totals
    events: pd.DataFrame | None = None
    rows_point: np.ndarray | None = None  # sweep: the design point of each row of totals
    seconds: float = 0.0


def run_task(work: Work) -> TaskResult:
    """Simulate a task's segments and turn them into tables (runs inside a worker)."""
    began = time.perf_counter()
    outcomes, failures, trajectories, events, rows_point = [], [], [], [], []
    for seg in work.task.segments:
        point = work.points[seg.point]
        chunk = simulate(point.context.model, work.seed, seg.count, seg.first)
        failures.append(failure_table(chunk, work.seed, seg.point))
        table = outcome_table(point.context, chunk)
        if work.mode == "run":
            outcomes.append(table)
            trajectories.append(trajectory_table(point.context, chunk))
            events.append(event_table(point.context, chunk))
            continue
        if work.outcomes is not None:
            keep = ["replication", "venture", *work.outcomes]
            if "collapsed" in work.outcomes:
                keep.append("collapse_date")
            table = table[keep]
        for i, (name, value) in enumerate(point.parameters.items()):
            table.insert(i, name, value)
        table.insert(0, "point", np.int64(seg.point))
        outcomes.append(table)
        totals = venture_totals(chunk, list(work.trajectories))
        trajectories.append(totals)
        rows_point.append(np.full(len(totals), seg.point, dtype=np.int64))
    if work.mode == "run":
        traj, ev = pd.concat(trajectories, ignore_index=True), pd.concat(events, ignore_index=True)
        rows = None
    else:
        traj, ev, rows = np.concatenate(trajectories), None, np.concatenate(rows_point)
    return TaskResult(
        task=work.task,
        outcomes=pd.concat(outcomes, ignore_index=True),
        failures=pd.concat(failures, ignore_index=True),
        trajectories=traj,
        events=ev,
        rows_point=rows,
        seconds=time.perf_counter() - began,
    )
