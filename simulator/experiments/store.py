"""The result store of a sweep: parts written as tasks finish, merged at the end.

Layout of a sweep's directory:

    manifest.json        status "running" until the merge is done, then "complete"
    design.csv           one row per design point
    parts/               per task: NNNNNNNN.totals.npy, .rows.npy (when trajectories are
                         kept), .failures.parquet, and last .outcomes.arrow, whose
                         presence marks the task done
    outcomes.parquet, quantiles.parquet, points.csv, failures.csv, market.csv, *.png

Every file is written under a temporary name and renamed into place, so an
interrupted sweep leaves only whole parts: `--resume` runs the tasks without an
outcomes part, and the merged files equal those of an uninterrupted sweep.
"""

from __future__ import annotations

import json
import os
import shutil
from pathlib import Path

import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq

from simulator.errors import OutputExistsError
from simulator.experiments.parts import (
    atomic_write,
    part_path,
    read_ipc,
    save_npy,
    temporary_path,
    write_ipc,
)
from simulator.experiments.point_jobs import PointJobs, jobs_for
from simulator.experiments.tasks import Task, TaskResult
from simulator.results.encoding import dictionary_columns
from simulator.results.folders import is_consim_manifest, output_path, staging
from simulator.results.tables import FAILURE_COLUMNS


def warm_up() -> None:
    """Nothing to do: a pool worker that unpickles this function imports this module, and
    with it all that tasks and point jobs need (the engine, the tables), before its first
    task (see executors.Processes)."""


class Store:
    def __init__(self, directory: Path):
        self.dir = output_path(directory)
        self.parts = self.dir / "parts"

    # --- beginning and resuming ----------------------------------------------------------

    def chunk(self) -> int | None:
        """The task size the sweep in this folder was cut with, if consim wrote it."""
        previous = self._manifest()
        return None if previous is None else previous.get("chunk")

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
        resume = "--resume (resume=True) to finish an interrupted sweep, "
        with staging(self.dir, force, resume) as tmp:
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
        if result.trajectories.shape[2]:  # trajectories kept (none: nothing to write)
            atomic_write(self._part(i, "totals.npy"), lambda p: save_npy(p, result.trajectories))
            atomic_write(self._part(i, "rows.npy"), lambda p: save_npy(p, result.rows_point))
        if result.failures is not None and len(result.failures):
            atomic_write(
                self._part(i, "failures.parquet"),
                lambda p: result.failures.to_parquet(p, index=False),
            )
        # Last: its presence says the task is done. Arrow IPC, not parquet: parts are
        # read once, by the merge, and IPC writes several times faster.
        atomic_write(self._part(i, "outcomes.arrow"), lambda p: write_ipc(p, result.outcomes))

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
        """The jobs computing each design point's statistics from this store's parts."""
        return jobs_for(str(self.parts), tasks, outcomes, variables, context)

    def remove_parts(self) -> None:
        shutil.rmtree(self.parts, ignore_errors=True)


class OutcomeMerge:
    """outcomes.parquet written in task order as the parts arrive, so that the parent of a
    pool merges while its workers simulate rather than after them (else the whole merge is
    on the critical path). Parts are gathered until they hold ROW_GROUP rows, then written
    as one row group: a write per part is slow and readers prefer few row groups, but what
    is left at the end is written after the last chunk, so groups stay moderate (cutting
    the gathered parts at exactly ROW_GROUP rows left a small group after each). Nothing
    else is kept: the per-point statistics are computed from the parts (`point_results`).
    Until `finish` the file has a temporary name.
    """

    ROW_GROUP = 2**17  # rows: ~9 MiB of bench.yaml's outcomes, 8 of a sweep's parts

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
        table = read_ipc(self.store._part(index, "outcomes.arrow"))
        if self.writer is None:
            schema = table.schema
            # Floats byte-stream split (their bytes grouped by place before compression):
            # the merge's largest cost was compressing them, which saved little. On a
            # million of bench.yaml's rows, 0.155 s against 0.212 s, a file of 47.1 MiB
            # against 47.5 (any reader of Parquet 2.8, 2019: pyarrow, DuckDB, polars, Spark).
            floats = [f.name for f in schema if pa.types.is_floating(f.type)]
            # Min/max statistics only for the columns rows are picked by (the point, the
            # parameters, the replication), which let a reader skip row groups: those of
            # the outcomes took a quarter of the merge's time and skip nothing, every row
            # group holding runs of every kind (0.161 s against 0.214 a million rows).
            keys = schema.names[: schema.get_field_index("replication") + 1]
            self.writer = pq.ParquetWriter(
                self.tmp,
                schema,
                use_dictionary=dictionary_columns(schema),
                use_byte_stream_split=floats or False,
                write_statistics=keys,
            )
        self.pending.append(table.cast(self.writer.schema))
        self.rows += table.num_rows
        if self.rows >= self.ROW_GROUP:
            self._write()

    def _write(self) -> None:
        if self.pending:
            table = pa.concat_tables(self.pending)
            self.writer.write_table(table, max(1, table.num_rows))
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
