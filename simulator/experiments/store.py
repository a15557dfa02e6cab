"""The result store of a sweep: parts written as tasks finish, merged at the end.

Layout of a sweep's directory:

    manifest.json        status "running" until the merge is done, then "complete"
    design.csv           one row per design point
    parts/               per task: NNNNNNNN.totals.npy, .rows.npy, .failures.parquet,
                         and last .outcomes.arrow, whose presence marks the task done
    outcomes.parquet, quantiles.parquet, points.csv, failures.csv, market.csv, *.png

Every file is written under a temporary name and renamed into place, so an
interrupted sweep leaves only whole parts: `--resume` runs the tasks without an
outcomes part, and the merged files equal those of an uninterrupted sweep.
"""

from __future__ import annotations

import json
import math
import os
import shutil
import uuid
from collections import deque
from dataclasses import dataclass, replace
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq

from simulator.analysis.points import point_statistics
from simulator.errors import OutputExistsError
from simulator.experiments.tasks import Task, TaskResult
from simulator.results.folders import is_consim_manifest, output_path, staging
from simulator.results.tables import FAILURE_COLUMNS

QUANTILES = (0.05, 0.25, 0.5, 0.75, 0.95)
_BLOCK_BYTES = 64 * 2**20  # memory for one block of trajectories when computing quantiles


def warm_up() -> None:
    """Nothing to do: a pool worker that unpickles this function imports this module, and
    with it all that tasks and point jobs need (the engine, the tables), before its first
    task (see executors.Processes)."""


def part_path(parts: Path | str, index: int, what: str) -> Path:
    return Path(parts) / f"{index:08d}.{what}"


def temporary_path(path: Path) -> Path:
    """A hidden name next to `path` for writing it before a rename (stale ones, from a killed
    sweep, are removed when it is resumed)."""
    return path.with_name(f".{path.name}.{os.getpid()}-{uuid.uuid4().hex[:6]}.tmp")


def atomic_write(path: Path, write) -> None:
    """Call write(tmp_path), then rename the temporary file onto `path`."""
    tmp = temporary_path(path)
    try:
        write(tmp)
        os.replace(tmp, path)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise


class Store:
    def __init__(self, directory: Path):
        self.dir = output_path(directory)
        self.parts = self.dir / "parts"

    # --- beginning and resuming ----------------------------------------------------------

    def begin(self, manifest: dict, design: pd.DataFrame, resume: bool, force: bool) -> bool:
        """Create the directory for a new sweep, or check that it holds this sweep's parts.

        Returns True when resuming a sweep that is already complete (nothing to do)."""
        previous = self._manifest()
        if resume:
            if previous is None:
                raise OutputExistsError(
                    f"{self.dir}: nothing to resume (no manifest.json written by consim)"
                )
            if any(previous.get(k) != manifest.get(k) for k in ("sweep_hash", "chunk", "plan")):
                raise OutputExistsError(
                    f"{self.dir}: cannot resume: these results come from a different sweep "
                    "(the sweep file, its base scenario, the chunk size or the version of "
                    "consim that cut it into tasks changed); use another --out, or --force "
                    "to start again"
                )
            if previous.get("status") == "complete":
                return True
            self.parts.mkdir(exist_ok=True)
            for stale in [*self.dir.glob(".*.tmp"), *self.parts.glob(".*.tmp")]:
                stale.unlink(missing_ok=True)  # written by the interrupted run
            return False
        # Born whole: a sweep killed at its start leaves its manifest, or no folder at all.
        with staging(self.dir, force, "--resume to finish an interrupted sweep, ") as tmp:
            (tmp / self.parts.name).mkdir()
            design.to_csv(tmp / "design.csv", index=False)
            (tmp / "manifest.json").write_text(json.dumps(manifest, indent=2, default=str))
        return False

    def _manifest(self) -> dict | None:
        """The folder's manifest, if consim wrote it (another tool's manifest.json is not)."""
        path = self.dir / "manifest.json"
        return json.loads(path.read_text()) if is_consim_manifest(path) else None

    def write_manifest(self, manifest: dict) -> None:
        text = json.dumps(manifest, indent=2, default=str)
        atomic_write(self.dir / "manifest.json", lambda p: p.write_text(text))

    def done(self) -> set[int]:
        """Indices of the tasks whose parts are all on disk."""
        return {int(p.name.split(".")[0]) for p in self.parts.glob("*.outcomes.arrow")}

    # --- parts -------------------------------------------------------------------------

    def _part(self, index: int, what: str) -> Path:
        return part_path(self.parts, index, what)

    def write(self, result: TaskResult) -> None:
        i = result.task.index
        atomic_write(self._part(i, "totals.npy"), lambda p: _save_npy(p, result.trajectories))
        atomic_write(self._part(i, "rows.npy"), lambda p: _save_npy(p, result.rows_point))
        if len(result.failures):
            atomic_write(
                self._part(i, "failures.parquet"),
                lambda p: result.failures.to_parquet(p, index=False),
            )
        # Last: its presence says the task is done. Arrow IPC, not parquet: parts are
        # read once, by the merge, and IPC writes several times faster.
        atomic_write(self._part(i, "outcomes.arrow"), lambda p: _write_ipc(p, result.outcomes))

    # --- the merge -----------------------------------------------------------------------

    def merge(self, tasks: list[Task]) -> OutcomeMerge:
        """A merge of the outcome parts into outcomes.parquet, fed as the parts arrive."""
        return OutcomeMerge(self, tasks)

    def failures(self, tasks: list[Task]) -> pd.DataFrame:
        frames = [
            pd.read_parquet(p)
            for t in tasks
            if (p := self._part(t.index, "failures.parquet")).is_file()
        ]
        return (
            pd.concat(frames, ignore_index=True)
            if frames
            else pd.DataFrame(columns=FAILURE_COLUMNS)
        )

    def point_jobs(
        self, tasks: list[Task], outcomes: list[str], variables: list[str], context
    ) -> PointJobs:
        """The jobs computing each design point's statistics (of its `outcomes` columns) and
        monthly mean and exact quantiles of its venture totals, from the parts of the tasks
        that hold it (`point_results`). A local pool's workers can run them: they see the
        parts on the shared disk."""
        shape = (len(context.model.venture_ids), len(variables), context.model.horizon)
        template = PointJob(
            str(self.parts),
            (),
            (),
            tuple(outcomes),
            context.model.venture_ids,
            variables,
            context.dates,
        )
        return PointJobs(template, tasks, max(1, _BLOCK_BYTES // (4 * max(1, math.prod(shape)))))

    def remove_parts(self) -> None:
        shutil.rmtree(self.parts, ignore_errors=True)


class PointJobs:
    """The jobs of a sweep's design points. A point is ready once all the tasks holding it
    are saved; the points a task completes make one job (consecutive points, at most `rows`
    replications, so that its totals fit a block of memory), which reads each part once:
    with one job per point, a sweep of 2,000 points of 10 replications took 18.2 s
    serially, grouped 8.8 s. Results are gathered here, in whatever order they finish."""

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


class OutcomeMerge:
    """outcomes.parquet written in task order as the parts arrive, so that the parent of a
    pool merges while its workers simulate rather than after them (else the whole merge is
    on the critical path). Parts are gathered into row groups of ROW_GROUP rows: a write per
    part is slow and readers prefer few row groups, but what is left at the end is written
    after the last chunk, so groups stay moderate. Nothing else is kept: the per-point
    statistics are computed from the parts (`point_results`). Until `finish` the file has a
    temporary name.
    """

    ROW_GROUP = 2**14  # rows: ~1 MiB of bench.yaml's outcomes

    def __init__(self, store: Store, tasks: list[Task]):
        self.store = store
        self.order = [t.index for t in tasks]
        self.next = 0  # position in `order` of the next part to append
        self.ready: set[int] = set()
        self.path = store.dir / "outcomes.parquet"
        self.tmp = temporary_path(self.path)
        self.writer: pq.ParquetWriter | None = None
        self.pending: list[pa.Table] = []  # parts read, not yet written
        self.rows = 0

    def add(self, indices) -> None:
        """Tasks whose parts are on disk; appends every part whose turn has come."""
        self.ready.update(indices)
        while self.next < len(self.order) and self.order[self.next] in self.ready:
            self._append(self.order[self.next])
            self.ready.discard(self.order[self.next])
            self.next += 1

    def _append(self, index: int) -> None:
        with pa.OSFile(str(self.store._part(index, "outcomes.arrow"))) as source:
            table = pa.ipc.open_file(source).read_all()
        if self.writer is None:
            self.writer = pq.ParquetWriter(self.tmp, table.schema)
        self.pending.append(table.cast(self.writer.schema))
        self.rows += table.num_rows
        if self.rows >= self.ROW_GROUP:
            self._write()

    def _write(self) -> None:
        if self.pending:
            self.writer.write_table(pa.concat_tables(self.pending), self.ROW_GROUP)
        self.pending, self.rows = [], 0

    def finish(self) -> None:
        """Write what is left and rename the file into place."""
        if self.next < len(self.order):
            raise RuntimeError(f"outcome part {self.order[self.next]} was never written")
        self._write()
        self.writer.close()
        os.replace(self.tmp, self.path)

    def abort(self) -> None:
        if self.writer is not None:
            self.writer.close()
        self.tmp.unlink(missing_ok=True)


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


def _write_ipc(path: Path, arrow: pa.Table) -> None:
    with pa.OSFile(str(path), "wb") as sink, pa.ipc.new_file(sink, arrow.schema) as writer:
        writer.write_table(arrow)


def _save_npy(path: Path, array) -> None:
    with open(path, "wb") as f:
        np.save(f, np.asarray(array))


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
        with pa.OSFile(str(part_path(job.parts, index, "outcomes.arrow"))) as source:
            table = pa.ipc.open_file(source).read_all()
        names = set(table.column_names)
        table = table.select([c for c in job.outcomes if c in names])
        point = table["point"]
        outcomes.append(
            table.filter(pc.and_(pc.greater_equal(point, low), pc.less_equal(point, high)))
        )
        rows = np.load(part_path(job.parts, index, "rows.npy"))
        mine = (rows >= low) & (rows <= high)
        if mine.any():
            totals = np.load(part_path(job.parts, index, "totals.npy"), mmap_mode="r")
            arrays.append((totals, mine, rows[mine]))
    table = pa.concat_tables(outcomes, promote_options="default")
    statistics = point_statistics(
        {n: c.to_numpy() for n, c in zip(table.column_names, table.columns, strict=True)}
    )
    quantiles = _point_quantiles(job, arrays) if arrays and job.variables else None
    return PointResult(job.points, statistics, quantiles)


def _point_quantiles(job: PointJob, arrays: list) -> pd.DataFrame:
    """One table for the job's points: (point, venture, variable, month) rows. The rows of
    the parts, in task order, are in point order."""
    of_row = np.concatenate([rows for _, _, rows in arrays])
    points, sizes = np.unique(of_row, return_counts=True)
    _, V, K, H = arrays[0][0].shape
    step = max(1, min(H, _BLOCK_BYTES // max(1, len(of_row) * V * K * 4)))
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
