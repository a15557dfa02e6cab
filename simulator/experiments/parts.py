"""The files of a sweep's parts: their names, and writes that leave a whole file or none."""

from __future__ import annotations

import os
import uuid
from pathlib import Path

import numpy as np
import pyarrow as pa


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


def write_ipc(path: Path, arrow: pa.Table) -> None:
    with pa.OSFile(str(path), "wb") as sink, pa.ipc.new_file(sink, arrow.schema) as writer:
        writer.write_table(arrow)


def read_ipc(path: Path) -> pa.Table:
    """A part written by write_ipc, memory-mapped (only the columns read are paged in)."""
    with pa.memory_map(str(path)) as source:
        return pa.ipc.open_file(source).read_all()


def save_npy(path: Path, array) -> None:
    with open(path, "wb") as f:
        np.save(f, np.asarray(array))
