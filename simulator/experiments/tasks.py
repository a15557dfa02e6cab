"""Units of work: chunks of replications of design points, and the function a worker runs.

Replications are numbered within a design point; replication i of every point draws the
same numbers per random element (common random numbers, engine/streams.py), so the numbers
do not depend on how the work is cut into tasks or which executor runs them.
"""

from __future__ import annotations

import hashlib
import pickle
import time
from collections import OrderedDict
from dataclasses import dataclass, field
from typing import Protocol

import numpy as np
import pandas as pd
import pyarrow as pa

from simulator.engine.rooms import bytes_per_replication
from simulator.engine.simulate import Workspace, engine_for, simulate
from simulator.results.event_files import event_arrow, event_table
from simulator.results.tables import (
    OUTCOME_COLUMNS,
    Context,
    failure_table,
    merge_columns,
    outcome_columns,
    outcome_months,
    outcome_table,
    trajectory_columns,
    venture_totals,
)

CHUNK = 500  # replications per task: large enough that a task outweighs its overhead
# A sweep's tasks on the batch engine, whose cost per chunk is partly fixed (a SimPy step
# and a compiled call per dated month, the arrays' set-up, a part's files and tables): as
# many replications as keep a chunk's state and venture totals near 64 MiB
# (rooms.bytes_per_replication: a sweep records no per-member rows), within 250 and 50,000.
# On bench.yaml, tasks of 20,000 ran a serial sweep at 299,000 runs/s against 270,000 with
# tasks of 5,000 (best of 4 interleaved runs each); keeping no trajectory, tasks of 39,199
# (its totals at two months only) took 0.92 of the time of tasks of 16,980 (docs/engine.md).
BATCH_STATE = 64 * 2**20  # bytes per chunk
BATCH_CHUNKS = (250, 50_000)


class PartsWriter(Protocol):
    """Where a local worker saves a task's results (a sweep's Store)."""

    def write(self, result: TaskResult) -> None: ...


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


# The last tasks are smaller, so that the workers finish together: with tasks of `chunk`
# to the end, one of two workers idles for half a task on average at the end of a sweep.
TAIL = (8, 8, 4, 4, 2, 2)  # from the end: two tasks of chunk/8, two of chunk/4, two of /2


def sweep_chunk(model, events: bool = False, months: int | None = None) -> int:
    """Replications per sweep task for `model`: more on the batch engine, fewer when each
    replication's records (3 flows per venture, member and month) are large. `events`:
    the tasks record events (a streamed run's do; a sweep's only for actions on them).
    `months`: the tasks record venture totals at so many months only (a sweep keeping no
    trajectory: outcome_months), not at every month."""
    if engine_for(model) != "batch":
        return CHUNK
    low, high = BATCH_CHUNKS
    events = events or bool(model.triggers)  # actions on events read them (run.ChunkState)
    return max(low, min(high, BATCH_STATE // bytes_per_replication(model, events, months)))


def task_sizes(total: int, chunk: int = CHUNK) -> list[int]:
    """How many replications each task runs, in order: `chunk`, then what is left over, then
    the smaller TAIL tasks. Whole tasks first: where a point's replications are a multiple
    of `chunk`, they keep to the points' boundaries (a task across two points runs its chunk
    in two smaller calls, each slower a replication)."""
    tail = []
    for size in (chunk // d for d in TAIL):
        if total > 0 and size > 0:
            tail.append(min(size, total))
            total -= tail[-1]
    whole, left = divmod(total, chunk)
    return [chunk] * whole + ([left] if left else []) + tail[::-1]


def plan_tasks(points: int, replications: int, chunk: int = CHUNK) -> list[Task]:
    """Cut points × replications, in order, into tasks of `task_sizes` replications.

    A task may span several points (a sweep of many points with few replications
    each still gets tasks worth sending); the plan depends only on its arguments,
    so a resumed sweep finds the same tasks.
    """
    tasks, point, first = [], 0, 0
    for size in task_sizes(points * replications, chunk):
        segments = []
        while size:
            count = min(replications - first, size)
            segments.append(Segment(point, first, count))
            size -= count
            first += count
            if first == replications:
                point, first = point + 1, 0
        tasks.append(Task(len(tasks), tuple(segments)))
    return tasks


def plan_digest(tasks: list[Task]) -> str:
    """Identifies a plan: a sweep resumes only onto the plan that wrote its parts."""
    text = ";".join(",".join(f"{s.point}:{s.first}:{s.count}" for s in t.segments) for t in tasks)
    return hashlib.sha256(text.encode()).hexdigest()[:16]


@dataclass
class Point:
    """What a worker needs to simulate one design point.

    With a `key`, a point is pickled once (its compiled model is most of a task's bytes),
    and a worker that already holds the key reuses its own copy without unpickling, with
    the plan and caches that copy has already built.
    """

    context: Context  # the compiled model, dates and market
    parameters: dict = field(default_factory=dict)  # key path → value, for the outcome columns
    key: str | None = None  # identifies the point across tasks (a worker keeps its model)
    _pickled: bytes | None = field(default=None, repr=False, compare=False)

    def __reduce__(self):
        if self.key is None:
            return Point, (self.context, self.parameters)
        if self._pickled is None:
            self._pickled = pickle.dumps(self.context, pickle.HIGHEST_PROTOCOL)
        return _received_point, (self.key, self._pickled, self.parameters)


# The contexts a worker process has received, most recently used last; bounded, so that a long
# sweep's worker does not grow. Only contexts: two sweeps may reach the same scenario (the
# same key) under different parameter names.
_CONTEXTS: OrderedDict = OrderedDict()
_KEEP = 64


def _received_point(key: str, pickled: bytes, parameters: dict) -> Point:
    if key in _CONTEXTS:
        _CONTEXTS.move_to_end(key)
    else:
        _CONTEXTS[key] = pickle.loads(pickled)
        if len(_CONTEXTS) > _KEEP:
            _CONTEXTS.popitem(last=False)
    return Point(_CONTEXTS[key], parameters, key)


# One per process: a worker (or the serial executor) runs one task at a time, and a task's
# chunk is turned into tables before the next task simulates into the same arrays.
_WORKSPACE = Workspace()


@dataclass
class Work:
    """A task together with everything needed to run it anywhere (picklable)."""

    task: Task
    points: dict[int, Point]
    seed: int
    mode: str = "sweep"  # "run": full per-partner tables; "sweep": outcomes and venture totals
    full: bool = True  # run: per-partner trajectories too (a streamed run keeps a sample)
    outcomes: tuple[str, ...] | None = None  # sweep: outcome columns to keep (None: all)
    trajectories: tuple[str, ...] = ("committed", "paid_in")
    parts: PartsWriter | None = None  # sweep on local workers: they write their parts
    engine: str | None = None  # None: simulate's choice (engine.simulate.engine_for)


@dataclass
class TaskResult:
    task: Task
    outcomes: pd.DataFrame | pa.Table | None  # run: a DataFrame; sweep: Arrow (None: saved)
    failures: pd.DataFrame | None  # None: none failed (an empty DataFrame costs 0.5 ms)
    # run: the long table's columns (tables.frame_of makes it); sweep: venture totals
    trajectories: dict | np.ndarray | None = None
    events: pd.DataFrame | pa.Table | None = None  # Arrow: a streamed run's, past its sample
    rows_point: np.ndarray | None = None  # sweep: the design point of each row of totals
    seconds: float = 0.0
    saved: bool = False  # the worker wrote the parts itself; the tables were not sent back


def run_task(work: Work) -> TaskResult:
    """Simulate a task's segments and turn them into tables (runs inside a worker)."""
    began = time.perf_counter()
    outcomes, failures, trajectories, events, rows_point = [], [], [], [], []
    for seg in work.task.segments:
        point = work.points[seg.point]
        context = point.context
        totals = work.mode != "run" or not work.full  # no per-member trajectory kept
        model, logged = context.model, work.mode == "run"  # a sweep keeps no event
        # A sweep that keeps no trajectory reads the totals at the outcomes' months only.
        months = None if logged or work.trajectories else outcome_months(context)
        chunk = simulate(
            model, work.seed, seg.count, seg.first, _WORKSPACE, work.engine, totals, logged, months
        )
        if chunk.failed:
            failures.append(failure_table(chunk, work.seed, seg.point))
        if work.mode == "run":
            outcomes.append(outcome_table(context, chunk))
            if work.full:
                trajectories.append(trajectory_columns(context, chunk))
                events.append(event_table(context, chunk))
            else:  # a streamed run's events past its sample: straight to its file
                events.append(event_arrow(context, chunk))
            continue
        outcomes.append(_sweep_outcomes(context, chunk, seg.point, point.parameters, work.outcomes))
        totals = venture_totals(chunk, list(work.trajectories))
        trajectories.append(totals)
        rows_point.append(np.full(len(totals), seg.point, dtype=np.int64))
    if work.mode == "run":
        traj = merge_columns(trajectories) if trajectories else None
        ev = pd.concat(events, ignore_index=True) if work.full else pa.concat_tables(events)
        rows, table = None, _concat(outcomes)
    else:
        traj, ev, rows = np.concatenate(trajectories), None, np.concatenate(rows_point)
        table = (
            outcomes[0]
            if len(outcomes) == 1
            else pa.concat_tables(outcomes, promote_options="default")
        )
    result = TaskResult(
        task=work.task,
        outcomes=table,
        failures=_concat(failures) if failures else None,
        trajectories=traj,
        events=ev,
        rows_point=rows,
        seconds=time.perf_counter() - began,
    )
    if work.parts is None:
        return result
    # A local worker saves its parts itself: the parent's core stays free for simulating.
    work.parts.write(result)
    return TaskResult(work.task, None, None, seconds=result.seconds, saved=True)


def _sweep_outcomes(context: Context, chunk, point: int, parameters: dict, keep) -> pa.Table:
    """point, the parameters' values, then the outcome columns kept, as one Arrow table
    (built from numpy columns: a DataFrame here would cost more than the rest of the task)."""
    columns = outcome_columns(context, chunk)
    n = len(columns["replication"])
    names = ["replication", "venture", *(keep if keep is not None else OUTCOME_COLUMNS[2:])]
    dated = (
        ("collapsed", "collapse_date"),
        ("dissolved", "dissolution_date"),
        ("ended", "end_date"),
        ("cash_out", "cash_out_date"),
    )
    for flag, date in dated:
        if keep is not None and flag in keep:
            names.append(date)
    data = {"point": pa.array(np.full(n, point, dtype=np.int64))}
    data.update({name: pa.array(np.full(n, value)) for name, value in parameters.items()})
    for name in names:
        if name == "venture":
            ventures = pa.array(context.model.venture_ids, pa.string())
            data[name] = pa.DictionaryArray.from_arrays(pa.array(columns[name]), ventures)
        else:
            data[name] = pa.array(columns[name])
    return pa.table(data)


def _concat(frames: list[pd.DataFrame]) -> pd.DataFrame:
    return frames[0] if len(frames) == 1 else pd.concat(frames, ignore_index=True)
