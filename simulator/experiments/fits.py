"""Will a run fit? A run keeps its outcomes, and the trajectory rows of all its replications
or of a sample of them (experiments/streamed.py), in memory until it writes its tables, and
its files take room on disk: a run too large would fail midway, after minutes, so its size
is estimated before it starts, and refused with the figures unless the user insists."""

from __future__ import annotations

import os
import shutil
import tempfile
from pathlib import Path

from simulator.errors import ConsimError

# Peak resident memory per trajectory row of a run, measured (peak RSS of `simulator.run`
# over replications × rows): 160 bytes on scenarios/reference/bench.yaml, 330 with
# capital calls and their many events (scenarios/examples/capital_calls.yaml).
MEMORY_PER_ROW = 250
DISK_PER_ROW = 8  # the files: about 3 bytes a row in parquet, more in events.csv
# Outcome rows, in memory and on disk, and a streamed run's events on disk, as upper
# bounds: on scenarios/reference/bench.yaml an outcome row takes ~110 bytes in memory
# (300,000 rows: 33 MiB), ~175 in outcomes.csv, ~50 in outcomes.parquet; its events, about
# 8 a replication, take ~50 bytes a replication in events.parquet (1,000,000 replications:
# 51 MB) and ~65 bytes an event in CSV.
OUTCOME_ROW_BYTES = 250
EVENT_BYTES_PER_MEMBER = 140
SHARE = 0.8  # of the memory available, at most


def rows_per_replication(model) -> int:
    """Trajectory rows of one replication: a row per member of each venture per month."""
    return int(model.involved.sum()) * model.horizon


def available_memory() -> int | None:
    """Bytes of memory available now (Linux's MemAvailable), None where unknown."""
    try:
        for line in Path("/proc/meminfo").read_text().splitlines():
            if line.startswith("MemAvailable:"):
                return int(line.split()[1]) * 1024
    except OSError:
        pass
    try:
        return os.sysconf("SC_AVPHYS_PAGES") * os.sysconf("SC_PAGE_SIZE")
    except (ValueError, OSError, AttributeError):
        return None


def check_fits(
    model, replications: int, folder: Path | None = None, kept: int | None = None
) -> None:
    """Refuse, with the estimate, a run whose tables would not fit in memory (or whose
    files would not fit on the disk of `folder`, or of the temporary folder where a run
    without one spools its events). `kept`: replications keeping their trajectories."""
    kept = replications if kept is None else kept
    rows = rows_per_replication(model) * kept
    outcome_rows = replications * len(model.ventures)
    need = rows * MEMORY_PER_ROW + outcome_rows * OUTCOME_ROW_BYTES
    have = available_memory()
    if have is not None and need > SHARE * have:
        raise ConsimError(
            f"{replications:,} replications would keep about {_gib(need)} of tables in memory "
            f"({rows:,} trajectory rows × ~{MEMORY_PER_ROW} bytes); this machine has "
            f"{_gib(have)} available: run fewer (-n), or a sweep, which keeps outcomes only "
            "(--allow-large runs it anyway)"
        )
    files = rows * DISK_PER_ROW + outcome_rows * OUTCOME_ROW_BYTES
    if kept < replications:
        files += replications * int(model.involved.sum()) * EVENT_BYTES_PER_MEMBER
    where = folder if folder is not None or kept == replications else Path(tempfile.gettempdir())
    if where is not None:
        existing = next((p for p in (where, *where.parents) if p.exists()), None)
        free = shutil.disk_usage(existing).free if existing is not None else None
        if free is not None and files > free:
            raise ConsimError(
                f"{replications:,} replications would write about "
                f"{_gib(files)} of files; {existing} has {_gib(free)} free "
                "(--allow-large runs it anyway)"
            )


def _gib(n: float) -> str:
    if n >= 2**30:
        return f"{n / 2**30:,.1f} GiB"
    return f"{n / 2**20:,.0f} MiB" if n >= 2**20 else f"{n / 2**10:,.0f} KiB"
