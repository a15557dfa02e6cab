"""Reports of results folders: one self-contained HTML page, or an Excel workbook."""

from __future__ import annotations

import os
import tempfile
from pathlib import Path

from simulator.errors import ConsimError
from simulator.reports.content import load_report

FORMATS = ("html", "xlsx")


def report(
    results: str | Path, out: str | Path | None = None, format: str = "html", force: bool = False
) -> Path:
    """Write the report of a results folder (a run, a comparison, a sweep, a goal seek or
    partner values) and return its path: by default `report.html` (or `.xlsx`) inside the
    folder, consim's own file there; a file named with `out` is never replaced unless
    `force`.

    >>> import tempfile
    >>> from simulator import report, run
    >>> plan = run("scenarios/andromede_plan.yaml", progress=False)
    >>> folder = plan.save(tempfile.mkdtemp() + "/plan")
    >>> report(folder).name
    'report.html'
    """
    if format not in FORMATS:
        raise ConsimError(f"--format {format!r}: expected one of {', '.join(FORMATS)}")
    folder = Path(results)
    made = load_report(folder)
    own = out is None
    path = folder / f"report.{format}" if own else Path(out)
    if path.is_dir():
        raise ConsimError(f"{path}: a folder; give a file name for the report")
    if path.exists() and not own and not force:
        raise ConsimError(f"{path}: exists; choose a new file, or --force to replace it")
    _write_atomically(path, made, format)
    return path


def _write_atomically(path: Path, made, format: str) -> None:
    """Into a temporary file beside it, then renamed: never a half-written report."""
    # a hidden .tmp name: a results folder holding it is still wholly consim's
    fd, tmp = tempfile.mkstemp(prefix=".report-", suffix=".tmp", dir=path.parent)
    os.close(fd)
    try:
        if format == "html":
            from simulator.reports.html import render

            Path(tmp).write_text(render(made), encoding="utf-8")
        else:
            from simulator.reports.xlsx import write_workbook

            write_workbook(made, Path(tmp))
        mask = os.umask(0)
        os.umask(mask)
        os.chmod(tmp, 0o666 & ~mask)  # as a file made by open() would be
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
