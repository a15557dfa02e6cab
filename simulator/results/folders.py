"""Output folders are consim's alone: locked while written, replaced whole, never a user's.

A results folder is consim's when its manifest.json says so (a run's or a sweep's,
with consim's version) and every entry in it is a file consim writes. `--force`
replaces only such a folder; anything else is refused with the entries that stand
in the way. One process at a time writes a folder: its lock (an advisory `flock` on a
file in the user's temporary folder, released by the kernel when the process dies) is
held from the first check to the final move, for a whole sweep.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
import shutil
import sys
import tempfile
import time
import uuid
from contextlib import contextmanager
from pathlib import Path

from simulator.errors import OutputExistsError

try:
    import fcntl
except ImportError:  # pragma: no cover - Windows: folders are not locked there
    fcntl = None

# Every file consim writes into a results folder (a test checks that a run and a sweep
# write nothing else): --force may delete these and nothing more.
OWN_FILES = frozenset(
    {
        "manifest.json",
        "outcomes.csv",
        "outcomes.parquet",
        "trajectories.parquet",
        "events.csv",
        "events.parquet",  # a streamed run's (experiments/streamed.py)
        "market.csv",
        "failures.csv",
        "design.csv",
        "points.csv",
        "quantiles.parquet",
        "sensitivity.csv",
        "funding.png",
        "outcomes.png",
        "collapse.png",
        "heatmap.png",
        "trajectories.png",
        "sensitivity.png",
        "comparison.csv",
        "comparison.png",
        "report.html",  # consim report's default files
        "report.xlsx",
        "calibrated.yaml",  # consim calibrate's
        "fit.csv",
        "posterior.csv",
        "backtest.csv",
        "calibration.png",
        "evaluations.jsonl",  # consim solve's and value's (experiments/journal.py)
        "evaluations.csv",
        "solve.png",
        "front.csv",
        "front.png",
        "values.csv",
        "coalitions.csv",
        "value.png",
    }
)
PARTS = "parts"  # a sweep's chunks while it runs (see experiments/store.py)
_PART = re.compile(r"^\d{8}\.[a-z.]+$")
_TEMPORARY = re.compile(r"^\..+\.tmp$")  # written under a hidden name, then renamed
_KINDS = ("run", "sweep", "comparison", "calibration", "solve", "value")


def check_name(name: str, what: str = "scenario") -> str:
    """A name must be one plain folder name: `..`, `/x` or `a/b` would write, and with
    --force delete, outside the results folder."""
    plain = name not in {"", ".", ".."} and Path(name).name == name and "\\" not in name
    if not plain or any(ord(c) < 32 for c in name):
        raise OutputExistsError(
            f"{what} name {name!r} cannot name a results folder (expected one folder name, "
            "no '/', '..' or control characters); rename it or choose the output folder (--out)"
        )
    return name


def default_output(name: str, what: str = "scenario", root: Path = Path("results")) -> Path:
    """results/<name>, for a name that is a name and not a path."""
    return Path(root) / check_name(name, what)


def output_path(directory: str | Path) -> Path:
    """The folder to write: a symbolic link to a folder stands for that folder (the link is
    kept); a link to nothing or to a file is refused."""
    directory = Path(directory)
    if directory.is_symlink():
        target = directory.resolve()
        if not target.is_dir():
            raise OutputExistsError(
                f"{directory}: is a symbolic link to {target}, which is not a folder; "
                "choose another output folder"
            )
        return target
    if directory.exists() and not directory.is_dir():
        raise OutputExistsError(f"{directory}: exists and is not a folder")
    return directory


def consim_kind(path: Path) -> str | None:
    """The kind of results ("run", "sweep", "comparison") a manifest consim wrote says it
    describes; None for anything else (another tool's manifest.json, no file)."""
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    if not isinstance(data, dict):
        return None
    versions = data.get("versions")
    ours = data.get("kind") in _KINDS and isinstance(versions, dict) and "consim" in versions
    return data["kind"] if ours else None


def is_consim_manifest(path: Path) -> bool:
    """Whether `path` is a manifest consim wrote (another tool's manifest.json is not)."""
    return consim_kind(path) is not None


def foreign_entries(directory: Path) -> list[str]:
    """The entries of `directory` that consim did not write, sorted. A comparison's folder
    holds one run's folder per scenario: each must be wholly consim's too."""
    comparison = consim_kind(directory / "manifest.json") == "comparison"
    foreign = []
    for entry in directory.iterdir():
        name = entry.name
        if entry.is_symlink():
            foreign.append(name)
        elif entry.is_file() and (name in OWN_FILES or _TEMPORARY.match(name)):
            continue
        elif entry.is_dir() and name == PARTS:
            foreign += [f"{PARTS}/{e}" for e in _foreign_parts(entry)]
        elif entry.is_dir() and comparison and consim_kind(entry / "manifest.json") == "run":
            foreign += [f"{name}/{e}" for e in foreign_entries(entry)]
        else:
            foreign.append(name + ("/" if entry.is_dir() else ""))
    return sorted(foreign)


def _foreign_parts(parts: Path) -> list[str]:
    return [
        e.name
        for e in parts.iterdir()
        if e.is_symlink()
        or not e.is_file()
        or not (_PART.match(e.name) or _TEMPORARY.match(e.name))
    ]


def check_replaceable(directory: Path, force: bool, other_ways: str = "") -> None:
    """Refuse a non-empty folder unless `force`, and even then one that is not wholly
    consim's: --force replaces earlier results, never a user's files.

    other_ways: more ways out to suggest, e.g. "--resume to finish an interrupted sweep, ".
    """
    directory = output_path(directory)
    if not (directory.exists() and any(directory.iterdir())):
        return
    if not force:
        raise OutputExistsError(
            f"{directory}: output directory is not empty (use {other_ways}--force to replace "
            "it, or --out for another directory; in Python: force=True, or another folder)"
        )
    if not is_consim_manifest(directory / "manifest.json"):
        raise OutputExistsError(
            f"{directory}: not replacing this directory: it is not a consim results "
            "directory (no manifest.json written by consim); choose another --out"
        )
    foreign = foreign_entries(directory)
    if foreign:
        shown = ", ".join(foreign[:5]) + (
            f" and {len(foreign) - 5} more" if len(foreign) > 5 else ""
        )
        raise OutputExistsError(
            f"{directory}: not replacing this directory: it holds files consim did not write "
            f"({shown}); move them away or choose another --out"
        )
    cwd = Path.cwd().resolve()
    if directory.resolve() in (cwd, *cwd.parents):
        raise OutputExistsError(
            f"{directory}: not replacing the working folder or one that contains it; "
            "choose another --out"
        )


# --- locking ------------------------------------------------------------------------------

_held: dict[Path, list] = {}  # lock file → [descriptor, depth]: re-entrant in one process


def lock_path(directory: Path) -> Path:
    """The lock file of `directory`: in this user's temporary folder, named by a hash of the
    folder's real path, so that nothing is written beside it (not even its parent) before
    its results exist, and a link and its target share one lock."""
    real = Path(os.path.realpath(directory))
    digest = hashlib.sha256(str(real).encode()).hexdigest()[:24]
    return _lock_dir() / f"{digest}.lock"


def _lock_dir() -> Path:
    uid = os.getuid() if hasattr(os, "getuid") else "user"
    folder = Path(tempfile.gettempdir()) / f"consim-locks-{uid}"
    try:
        folder.mkdir(mode=0o700, exist_ok=True)
    except OSError as exc:
        raise OutputExistsError(
            f"{folder}: cannot keep the output folders' locks ({exc})"
        ) from None
    return folder


@contextmanager
def locked(directory: str | Path):
    """Hold the lock of `directory` (re-entrant within a process); another consim process
    holding it is bad input: it says which process, and nothing is touched."""
    folder = output_path(directory)
    path = lock_path(folder)
    if path in _held:
        _held[path][1] += 1
        try:
            yield
        finally:
            _held[path][1] -= 1
        return
    handle = _acquire(path, folder)
    _held[path] = [handle, 1]
    try:
        yield
    finally:
        del _held[path]
        _release(path, handle)


def _acquire(path: Path, folder: Path) -> int:
    """Open and lock `path`; return its descriptor. A lock file unlinked by its previous
    holder between our open and our lock is not the lock any more: try again."""
    while True:
        fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o644)
        if fcntl is None:  # pragma: no cover
            return fd
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            holder = _holder(fd)
            os.close(fd)
            raise OutputExistsError(
                f"{folder}: in use by {holder or 'another consim process'}; wait for it to "
                "finish or choose another --out"
            ) from None
        try:
            same = os.stat(path).st_ino == os.fstat(fd).st_ino
        except FileNotFoundError:
            same = False
        if same:
            command = " ".join(["consim", *sys.argv[1:]])[:200]
            os.ftruncate(fd, 0)
            os.pwrite(fd, f"consim (pid {os.getpid()}: {command})\n{folder}".encode(), 0)
            return fd
        os.close(fd)


def _holder(fd: int) -> str:
    """Who holds the lock, as it wrote in the file; it writes just after locking, so a lock
    taken a moment ago may not say yet: wait for it a little."""
    for _ in range(50):
        text = os.pread(fd, 400, 0).decode("utf-8", "replace").split("\n")[0].strip()
        if text:
            return text
        time.sleep(0.01)
    return ""


def _release(path: Path, fd: int) -> None:
    """Unlink while still holding the lock, so that no one locks a file about to vanish."""
    try:
        path.unlink(missing_ok=True)
    finally:
        os.close(fd)


# --- writing ------------------------------------------------------------------------------


def _sibling(directory: Path, what: str) -> Path:
    return directory.parent / f".{directory.name}.{what}-{os.getpid()}-{uuid.uuid4().hex[:8]}"


def spool_folder(directory: str | Path) -> Path:
    """A new hidden sibling of `directory` for a streamed run's files until it is saved."""
    path = _sibling(output_path(directory), "spool")
    path.parent.mkdir(parents=True, exist_ok=True)
    path.mkdir()
    return path


def _remove_leftovers(directory: Path) -> None:
    """Staging, discarded and spool folders of a killed consim process (this one holds the
    lock, so no other living process owns them; its own spool stays); only names of
    `_sibling`'s exact form."""
    ours = re.compile(rf"^\.{re.escape(directory.name)}\.(tmp|old|spool)-(\d+)-[0-9a-f]{{8}}$")
    if not directory.parent.is_dir():
        return
    for stale in directory.parent.iterdir():
        found = ours.match(stale.name)
        if not found or int(found.group(2)) == os.getpid():
            continue
        if stale.is_dir() and not stale.is_symlink():
            shutil.rmtree(stale, ignore_errors=True)


@contextmanager
def staging(directory: str | Path, force: bool, other_ways: str = ""):
    """Yield a new hidden sibling folder to write into; on success it replaces `directory`
    at once (with --force only a folder that is wholly consim's), on error it is removed.
    The folder's lock is held throughout. other_ways: as for check_replaceable."""
    directory = output_path(directory)
    with locked(directory):
        check_replaceable(directory, force, other_ways)
        _remove_leftovers(directory)
        directory.parent.mkdir(parents=True, exist_ok=True)
        tmp = _sibling(directory, "tmp")
        # mkdir (not tempfile.mkdtemp, which makes it 0700) so the umask decides the mode.
        tmp.mkdir()
        try:
            yield tmp
            check_replaceable(directory, force, other_ways)  # as it is now, not at the start
            _move_into_place(tmp, directory)
        except BaseException:
            shutil.rmtree(tmp, ignore_errors=True)
            raise


def _move_into_place(tmp: Path, directory: Path) -> None:
    """Rename `tmp` onto `directory`; the folder it replaces is renamed aside first and
    removed last, so that a failure in between restores it."""
    old = None
    if directory.exists():
        old = _sibling(directory, "old")
        os.rename(directory, old)
    try:
        os.rename(tmp, directory)
    except OSError as exc:
        if old is not None:
            os.rename(old, directory)
        raise OutputExistsError(
            f"{directory}: cannot move the results into place ({exc})"
        ) from None
    if old is not None:
        shutil.rmtree(old, ignore_errors=True)
