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
    FAILURE_COLUMNS,
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
        if chunk.failed:
            failures.append(failure_table(chunk, work.seed, seg.point))
        table = outcome_table(point.context, chunk)
        if work.mode == "run":
            outcomes.append(table)
            trajectories.append(trajectory_table(point.context, chunk))
            events.append(event_table(point.context, chunk))
            continue
        outcomes.append(_sweep_outcomes(table, seg.point, point.parameters, work.outcomes))
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
        outcomes=_concat(outcomes),
        failures=_concat(failures) if failures else pd.DataFrame(columns=FAILURE_COLUMNS),
        trajectories=traj,
        events=ev,
        rows_point=rows,
        seconds=time.perf_counter() - began,
    )


def _sweep_outcomes(table: pd.DataFrame, point: int, parameters: dict, keep) -> pd.DataFrame:
    """point, the parameters' values, then the outcome columns kept (one construction)."""
    n = len(table)
    columns = ["replication", "venture", *(keep if keep is not None else table.columns[2:])]
    if keep is not None and "collapsed" in keep:
        columns.append("collapse_date")
    data = {"point": np.full(n, point, dtype=np.int64)}
    data.update({name: np.full(n, value) for name, value in parameters.items()})
    data.update({c: table[c].array for c in columns})
    return pd.DataFrame(data, copy=False)


def _concat(frames: list[pd.DataFrame]) -> pd.DataFrame:
    return frames[0] if len(frames) == 1 else pd.concat(frames, ignore_index=True)
