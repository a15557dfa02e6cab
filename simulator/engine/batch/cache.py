"""Where the batch engine's compiled kernels are kept, and whether they are there yet:
read without importing numba, so that a command can say it is about to compile them (a
first run on a machine compiles for about a minute)."""

from __future__ import annotations

import hashlib
import os
import shutil
from pathlib import Path

HERE = Path(__file__).resolve().parent
# the engine's own files and those its kernels take constants from
OWN_FILES = ("streams.py", "exits.py", "replication.py", "negotiation.py", "rules.py")


def folder() -> Path:
    """Where numba keeps the compiled kernels: a folder named after a hash of the engine's
    sources. Numba checks a cached kernel against its own file only, and a kernel whose file
    did not change but whose argument types moved to another module fails to load (an
    AttributeError from pickle) after an upgrade; a new folder per version of the sources
    avoids that. In the package's __pycache__, or NUMBA_CACHE_DIR if set, or
    ~/.cache/consim if the package's folder cannot be written to."""
    sources = sorted(HERE.glob("*.py")) + [HERE.parent / n for n in OWN_FILES]
    tag = hashlib.sha1(b"".join(p.read_bytes() for p in sources)).hexdigest()[:12]
    own = HERE / "__pycache__"
    base = Path(os.environ.get("NUMBA_CACHE_DIR") or own)
    if base == own and not os.access(HERE, os.W_OK):
        base = Path.home() / ".cache" / "consim"
    return base / f"consim-kernels-{tag}"


def remove_others(kept: Path) -> None:
    """Folders of other versions of the sources beside `kept` are consim's own: removed,
    and kernels an earlier version cached loose in the package's cache."""
    for old in kept.parent.glob("consim-kernels-*"):
        if old != kept:
            shutil.rmtree(old, ignore_errors=True)
    if kept.parent == HERE / "__pycache__":
        for loose in [*kept.parent.glob("*.nbi"), *kept.parent.glob("*.nbc")]:
            loose.unlink(missing_ok=True)


def compiled() -> bool:
    """The month's kernel, the largest, is in the cache (numba keeps its index there)."""
    return any(folder().rglob("month.run_months-*.nbi"))
