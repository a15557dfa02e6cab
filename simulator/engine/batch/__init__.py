"""The batch engine: a whole chunk of replications at once (docs/engine.md).

One SimPy environment per chunk schedules the months in which anything happens in any of
its replications; the chunk's state lives in arrays; each mechanism's handler is a numba
kernel looping over the chunk's replications. Draws come from the same counter-based
streams as the per-replication engine (streams.py), so that both engines give the same
numbers replication by replication.
"""

from __future__ import annotations

import hashlib
import os
import shutil
from pathlib import Path

import numba

from simulator.engine.batch.memory import keep_freed_memory


def cache_folder() -> Path:
    """Where numba keeps the compiled kernels: a folder named after a hash of the engine's
    sources. Numba checks a cached kernel against its own file only, and a kernel whose file
    did not change but whose argument types moved to another module fails to load (an
    AttributeError from pickle) after an upgrade; a new folder per version of the sources
    avoids that. Folders of other versions beside it are consim's own and removed. In the
    package's __pycache__, or NUMBA_CACHE_DIR if set, or ~/.cache/consim if the package's
    folder cannot be written to."""
    here = Path(__file__).resolve().parent
    # the engine's own files and those its kernels take constants from
    sources = sorted(here.glob("*.py")) + [here.parent / n for n in ("streams.py", "exits.py")]
    tag = hashlib.sha1(b"".join(p.read_bytes() for p in sources)).hexdigest()[:12]
    own = here / "__pycache__"
    base = Path(os.environ.get("NUMBA_CACHE_DIR") or own)
    if base == own and not os.access(here, os.W_OK):
        base = Path.home() / ".cache" / "consim"
    for old in base.glob("kernels-*"):
        if old.name != f"kernels-{tag}":
            shutil.rmtree(old, ignore_errors=True)
    if base == own:  # kernels cached by an earlier version, loose in the package's cache
        for loose in [*own.glob("*.nbi"), *own.glob("*.nbc")]:
            loose.unlink(missing_ok=True)
    return base / f"kernels-{tag}"


numba.config.CACHE_DIR = str(cache_folder())
keep_freed_memory()
