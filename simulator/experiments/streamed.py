"""A run too large to keep whole in memory: what it keeps, and its events streamed to disk.

A run keeps every table in memory while it fits a budget of trajectory rows (KEEP_ROWS).
Beyond it, a run keeps the outcomes of every replication, the per-partner trajectories and
events of its first replications only (an i.i.d. sample: replications are independent and
identically distributed, so the first K are as good a sample as any K), and writes the
events of every replication to a parquet file, task by task as they finish. Its outcomes
and events are saved as parquet (outcomes.parquet, events.parquet), as a sweep's outcomes
are: millions of rows are beyond what a spreadsheet opens, and parquet keeps their types
and is read back in a fraction of the time, by pandas, pyarrow datasets or DuckDB. Any
other replication is simulated again on demand (experiments/replay.holding): replication i
draws the same numbers however the work was chunked (docs/model.md §12).

Why not every trajectory row: a million replications of the reference scenario are 720
million rows (a row per partner per month), about 3 GB of parquet and minutes of writing,
whatever the engine's speed.
"""

from __future__ import annotations

import shutil
import tempfile
import weakref
from collections import Counter
from pathlib import Path

import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq

from simulator.analysis.summary import CHANGES
from simulator.experiments.fits import rows_per_replication
from simulator.results.event_files import EVENT_SCHEMA, frame_arrow
from simulator.results.folders import spool_folder

# Trajectory rows a run keeps in memory: about 250 bytes each at their peak (fits.py), so a
# run whose trajectories are sampled stays near a quarter of a gibibyte for them, whatever
# its size (a run of the reference scenario keeps 1,388 replications whole).
KEEP_ROWS = 1_000_000


def kept_replications(model, replications: int) -> int:
    """How many of a run's replications keep their trajectories and events in memory."""
    per = max(rows_per_replication(model), 1)
    if per * replications <= KEEP_ROWS:
        return replications
    return max(1, KEEP_ROWS // per)


class EventSpool:
    """The events of every replication of a run, appended to a parquet file as tasks finish
    (in a hidden folder beside where the run will be saved, on the same disk, so that saving
    links the file in without copying it; removed with the ResultSet that holds it)."""

    def __init__(self, beside: Path | None):
        if beside is None:  # the API without a folder: the system's temporary folder
            self.folder = Path(tempfile.mkdtemp(prefix="consim-spool-"))
        else:
            self.folder = spool_folder(beside)
        self.path = self.folder / "events.parquet"
        self.rows = 0
        self.writer = None
        self.changes: Counter = Counter()  # (venture, partner, change) → replications
        self._cleanup = weakref.finalize(self, shutil.rmtree, self.folder, True)

    def write(self, events) -> None:
        """Append one task's events (an events table, or already Arrow) as a row group; the
        caller writes tasks in replication order, so that a reader of the sample skips
        every later group."""
        table = events if isinstance(events, pa.Table) else frame_arrow(events)
        self._count_changes(table)
        if self.writer is None:
            self.writer = _event_writer(self.path)
        self.writer.write_table(table)
        self.rows += len(table)

    def _count_changes(self, table: pa.Table) -> None:
        """Runs in which each member leaves or joins each venture (the summary's membership
        changes, as summary.change_counts counts them, here since only a sample of the
        events stays in memory; with Arrow's grouping: millions of rows)."""
        columns = ["type", "venture", "partner", "replication"]
        kept = pc.is_in(pc.cast(table["type"], pa.string()), value_set=pa.array(list(CHANGES)))
        rows = table.select(columns).filter(kept)  # names still dictionary-encoded
        runs = (
            rows.group_by(columns)
            .aggregate([])
            .group_by(columns[:3])
            .aggregate([("replication", "count")])
        )
        for kind, venture, partner, n in zip(
            *(runs[c].to_pylist() for c in runs.column_names), strict=True
        ):
            self.changes[(venture, partner, CHANGES[kind])] += n

    def close(self) -> Path:
        if self.writer is None:  # no event at all: an empty table
            self.writer = _event_writer(self.path)
        self.writer.close()
        return self.path

    def keep(self) -> None:
        """The file is in a saved folder now (linked or copied there): remove the spool."""
        self._cleanup()

    def change_counts(self) -> list[dict]:
        """The counts as summary.change_counts lists them: who leaves, then who joins."""
        order = list(CHANGES.values())
        counts = sorted(self.changes.items(), key=lambda item: order.index(item[0][2]))
        return [{"venture": v, "partner": p, "change": c, "runs": n} for (v, p, c), n in counts]


def _event_writer(path: Path) -> pq.ParquetWriter:
    """Dictionary pages for the texts only (amounts rarely repeat: a dictionary of them
    costs time for nothing); statistics for the replication, by which the sample is read."""
    texts = ["type", "partner", "venture", "detail"]
    return pq.ParquetWriter(
        path, EVENT_SCHEMA, use_dictionary=texts, write_statistics=["replication"]
    )
