"""A run too large to keep whole in memory: what it keeps, and its events streamed to disk.

A run keeps every table in memory while it fits a budget of trajectory rows (KEEP_ROWS).
Beyond it, a run keeps the outcomes of every replication, the per-partner trajectories and
events of its first replications only (an i.i.d. sample: replications are independent and
identically distributed, so the first K are as good a sample as any K), and writes the
events of every replication to a CSV file task by task as they finish. Any other
replication is simulated again on demand (`replay_run`): replication i draws the same
numbers however the work was chunked (docs/model.md §12).

Why not stream every trajectory row to disk: a million replications of the reference
scenario are 720 million rows (a row per partner per month), about 20 GB of CSV or 3 GB of
parquet, and minutes of writing whatever the engine's speed.
"""

from __future__ import annotations

import shutil
import tempfile
import weakref
from collections import Counter
from pathlib import Path

import pandas as pd
import pyarrow as pa
import pyarrow.csv as pacsv

from simulator.analysis.summary import change_counts
from simulator.experiments.fits import rows_per_replication
from simulator.results.folders import spool_folder
from simulator.results.tables import EVENT_COLUMNS

# Trajectory rows a run keeps in memory: about 250 bytes each at their peak (fits.py), so a
# run whose trajectories are sampled stays near half a gibibyte for them, whatever its size.
KEEP_ROWS = 2_000_000


def kept_replications(model, replications: int) -> int:
    """How many of a run's replications keep their trajectories and events in memory."""
    per = max(rows_per_replication(model), 1)
    if per * replications <= KEEP_ROWS:
        return replications
    return max(1, KEEP_ROWS // per)


class EventSpool:
    """The events of every replication of a run, appended to a CSV file as tasks finish
    (in a hidden folder beside where the run will be saved, so that saving it is a rename;
    removed with the ResultSet that holds it unless it was saved)."""

    def __init__(self, beside: Path | None):
        if beside is None:  # the API without a folder: the system's temporary folder
            self.folder = Path(tempfile.mkdtemp(prefix="consim-spool-"))
        else:
            self.folder = spool_folder(beside)
        self.path = self.folder / "events.csv"
        self.rows = 0
        self.csv_writer = None
        self.changes: Counter = Counter()  # (venture, partner, change) → replications
        self._cleanup = weakref.finalize(self, shutil.rmtree, self.folder, True)

    def write(self, events: pd.DataFrame) -> None:
        """Append one task's events (the caller writes tasks in replication order)."""
        self._count_changes(events)
        days = events["date"].to_numpy().astype("datetime64[D]")  # written as 2012-03-01
        table = pa.Table.from_pandas(events.assign(date=days), preserve_index=False)
        if self.csv_writer is None:
            self.csv_writer = pacsv.CSVWriter(str(self.path), table.schema)
        self.csv_writer.write_table(table)
        self.rows += len(events)

    def _count_changes(self, events: pd.DataFrame) -> None:
        """Runs in which each member leaves or joins each venture (the summary's membership
        changes, counted here since only a sample of the events stays in memory)."""
        for c in change_counts(events):
            self.changes[(c["venture"], c["partner"], c["change"])] += int(c["runs"])

    def close(self) -> Path:
        if self.csv_writer is not None:
            self.csv_writer.close()
            self.csv_writer = None
        elif not self.path.exists():  # no event at all: the header alone
            pd.DataFrame(columns=EVENT_COLUMNS).to_csv(self.path, index=False)
        return self.path

    def keep(self) -> None:
        """The file has been moved into a saved folder: leave only the empty spool."""
        self._cleanup()

    def change_counts(self) -> list[dict]:
        return [
            {"venture": v, "partner": p, "change": c, "runs": n}
            for (v, p, c), n in self.changes.items()
        ]
