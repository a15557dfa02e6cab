"""A sweep's statistics by design point: each point's outcome statistics and the monthly
mean and exact quantiles of its venture totals, computed from the parts of the tasks that
hold it, as soon as they are all saved."""

from __future__ import annotations

import math
from collections import deque
from dataclasses import dataclass, replace

import numpy as np
import pandas as pd
import pyarrow as pa

from simulator.analysis.points import point_statistics
from simulator.experiments.parts import part_path, read_ipc
from simulator.experiments.tasks import Task

QUANTILES = (0.05, 0.25, 0.5, 0.75, 0.95)
BLOCK_BYTES = 64 * 2**20  # memory for one block of trajectories when computing quantiles


def jobs_for(
    parts: str, tasks: list[Task], outcomes: list[str], variables: list[str], context
) -> PointJobs:
    """The jobs computing each design point's statistics (of its `outcomes` columns) and
    monthly mean and exact quantiles of its venture totals, from the parts of the tasks
    that hold it (`point_results`). A local pool's workers can run them: they see the
    parts on the shared disk."""
    shape = (len(context.model.venture_ids), len(variables), context.model.horizon)
    template = PointJob(
        parts,
        (),
        (),
        tuple(outcomes),
        context.model.venture_ids,
        variables,
        context.dates,
    )
    return PointJobs(template, tasks, max(1, BLOCK_BYTES // (4 * max(1, math.prod(shape)))))


class PointJobs:
    """The jobs of a sweep's design points. A point is ready once all the tasks holding it
    are saved; the points a task completes make one job (consecutive points, at most `rows`
    replications, so that its totals fit a block of memory), which reads each part once
    (a job per point would read a part once per point it holds). Results are gathered
    here, in whatever order they finish."""

    def __init__(self, template: PointJob, tasks: list[Task], rows: int):
        self.template, self.rows = template, rows
        self.tasks: dict[int, dict[int, None]] = {}  # point → its tasks, in order
        self.replications: dict[int, int] = {}
        for t in tasks:
            for seg in t.segments:
                self.tasks.setdefault(seg.point, {})[t.index] = None
                self.replications[seg.point] = self.replications.get(seg.point, 0) + seg.count
        self.waiting = {point: set(held) for point, held in self.tasks.items()}
        self.segments = {t.index: t.segments for t in tasks}
        self.ready: deque[PointJob] = deque()
        self.results: list[PointResult] = []

    def saved(self, indices) -> None:
        """These tasks' parts are on disk: queue jobs for the points now complete."""
        complete = []
        for index in indices:
            for seg in self.segments[index]:
                waiting = self.waiting[seg.point]
                if index in waiting:
                    waiting.discard(index)
                    if not waiting:
                        complete.append(seg.point)
        group: list[int] = []
        for point in sorted(complete):
            if group and (
                point != group[-1] + 1
                or sum(self.replications[p] for p in group) + self.replications[point] > self.rows
            ):
                self.ready.append(self._job(group))
                group = []
            group.append(point)
        if group:
            self.ready.append(self._job(group))

    def _job(self, points: list[int]) -> PointJob:
        held = {index: None for p in points for index in self.tasks[p]}
        return replace(self.template, points=tuple(points), tasks=tuple(sorted(held)))

    def take_ready(self):
        while self.ready:
            yield self.ready.popleft()

    def add(self, result: PointResult) -> None:
        self.results.append(result)

    def remaining(self) -> list[PointJob]:
        """The jobs not run yet (after the tasks: every point's tasks are saved)."""
        return list(self.take_ready())

    def combine(self) -> tuple[pd.DataFrame, pd.DataFrame]:
        """(statistics, quantiles) of every point, as two tables by point."""
        results = sorted(self.results, key=lambda r: r.points[0])
        statistics = [r.statistics for r in results if len(r.statistics)]
        quantiles = [r.quantiles for r in results if r.quantiles is not None]
        if not statistics:
            statistics = [point_statistics(pd.DataFrame({"point": [], "venture": []}))]
        return (
            pd.concat(statistics, ignore_index=True),
            pd.concat(quantiles, ignore_index=True) if quantiles else pd.DataFrame(),
        )


@dataclass(frozen=True)
class PointJob:
    """The statistics and quantiles of consecutive design points, from the parts of the
    tasks that hold them."""

    parts: str
    points: tuple[int, ...]
    tasks: tuple[int, ...]  # in order
    outcomes: tuple[str, ...]  # columns for point_statistics, "point" and "venture" first
    ventures: list[str]
    variables: list[str]
    dates: pd.DatetimeIndex


@dataclass
class PointResult:
    points: tuple[int, ...]
    statistics: pd.DataFrame  # point_statistics of their outcome rows
    quantiles: pd.DataFrame | None  # None: no totals (every replication failed)


def point_results(job: PointJob) -> PointResult:
    """Only the job's rows are read: their outcome columns, and their totals memory-mapped a
    block of months at a time, so that a point with a million replications needs ~64 MiB
    for its quantiles."""
    low, high = job.points[0], job.points[-1]
    outcomes, arrays = [], []
    for index in job.tasks:
        table = read_ipc(part_path(job.parts, index, "outcomes.arrow"))
        names = set(table.column_names)
        table = table.select([c for c in job.outcomes if c in names])
        outcomes.append(_points_of(table, low, high))
        if not job.variables:
            continue  # no trajectory kept: no totals written (Store.write)
        rows = np.load(part_path(job.parts, index, "rows.npy"))
        mine = (rows >= low) & (rows <= high)
        if mine.any():
            totals = np.load(part_path(job.parts, index, "totals.npy"), mmap_mode="r")
            arrays.append((totals, mine, rows[mine]))
    table = pa.concat_tables(outcomes, promote_options="default")
    statistics = table_statistics(table, job.dates)
    quantiles = _point_quantiles(job, arrays) if arrays and job.variables else None
    return PointResult(job.points, statistics, quantiles)


def _points_of(table: pa.Table, low: int, high: int) -> pa.Table:
    """The rows of points low … high of a part, whose rows are in point order (its task's
    segments, one after the other): a slice, not a filter's copy of every column."""
    point = table["point"].to_numpy()
    first, end = np.searchsorted(point, (low, high + 1))
    return table if first == 0 and end == len(point) else table.slice(first, end - first)


def table_statistics(table: pa.Table, dates: pd.DatetimeIndex) -> pd.DataFrame:
    """point_statistics of a sweep's outcome rows (an Arrow table)."""
    columns = {n: _numpy(c) for n, c in zip(table.column_names, table.columns, strict=True)}
    if "collapse_date" in columns:
        columns["months_to_collapse"] = months_to_collapse(columns["collapse_date"], dates)
    return point_statistics(columns)


def _numpy(column: pa.ChunkedArray):
    """A column as numpy, a dictionary one (the venture) as a pandas categorical of its
    codes: decoding it to strings, then hashing them back, took longer than the rest."""
    if not pa.types.is_dictionary(column.type):
        return column.to_numpy()
    whole = column.unify_dictionaries().combine_chunks()
    codes = whole.indices.to_numpy(zero_copy_only=False)
    return pd.Categorical.from_codes(codes, whole.dictionary.to_pylist())


def months_to_collapse(dates: np.ndarray, months: pd.DatetimeIndex) -> np.ndarray:
    """Months from the start to the collapse, the horizon's length for a run that did not
    collapse (so that its mean, the restricted mean time to collapse, is always defined)."""
    first = np.datetime64(months[0], "M").astype(np.int64)
    when = np.asarray(dates).astype("datetime64[M]")
    return np.where(np.isnat(when), len(months), when.astype(np.int64) - first).astype(float)


def _point_quantiles(job: PointJob, arrays: list) -> pd.DataFrame:
    """One table for the job's points: (point, venture, variable, month) rows. The rows of
    the parts, in task order, are in point order."""
    of_row = np.concatenate([rows for _, _, rows in arrays])
    points, sizes = np.unique(of_row, return_counts=True)
    _, V, K, H = arrays[0][0].shape
    step = max(1, min(H, BLOCK_BYTES // max(1, len(of_row) * V * K * 4)))
    means, qs = [], []
    for h0 in range(0, H, step):
        block = np.concatenate([a[mine, :, :, h0 : h0 + step] for a, mine, _ in arrays])
        if (sizes == sizes[0]).all():  # one sort for every point: (P, n, V, K, hb)
            block = block.reshape(len(points), sizes[0], *block.shape[1:])
            means.append(block.mean(axis=1, dtype=np.float64))
            qs.append(_quantiles(block, axis=1))
            continue
        starts = np.concatenate([[0], np.cumsum(sizes)[:-1]])
        parts = [block[a : a + n] for a, n in zip(starts, sizes, strict=True)]
        means.append(np.stack([b.mean(axis=0, dtype=np.float64) for b in parts]))
        qs.append(np.stack([_quantiles(b) for b in parts], axis=1))
    mean = np.concatenate(means, axis=-1)  # (P, V, K, H)
    q = np.concatenate(qs, axis=-1)  # (Q, P, V, K, H)
    p, v, k, t = np.meshgrid(
        np.arange(len(points)), np.arange(V), np.arange(K), np.arange(H), indexing="ij"
    )
    table = pd.DataFrame(
        {
            "point": points.astype(np.int64)[p.ravel()],
            "venture": np.asarray(job.ventures, dtype=object)[v.ravel()],
            "variable": np.asarray(job.variables, dtype=object)[k.ravel()],
            "date": job.dates[t.ravel()],
            "replications": sizes.astype(np.int64)[p.ravel()],
            "mean": mean.ravel(),
        }
    )
    for i, level in enumerate(QUANTILES):
        table[f"q{round(level * 100):02d}"] = q[i].ravel()
    return table


def _quantiles(block: np.ndarray, axis: int = 0) -> np.ndarray:
    """np.quantile(block, QUANTILES, axis=axis) with its default (linear) method, computed
    from one sort instead of one per quantile. The quantiles' axis comes first."""
    ordered = np.moveaxis(np.sort(block, axis=axis), axis, 0)
    position = np.asarray(QUANTILES) * (len(ordered) - 1)
    below = np.floor(position).astype(int)
    above = np.minimum(below + 1, len(ordered) - 1)
    weight = (position - below).reshape(-1, *([1] * (block.ndim - 1)))
    low, high = ordered[below].astype(np.float64), ordered[above].astype(np.float64)
    return low + weight * (high - low)
