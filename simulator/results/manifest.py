"""Provenance recorded with every result: inputs, seed, versions, git commit."""

from __future__ import annotations

import functools
import platform
import subprocess
import sys
from datetime import datetime, timezone
from importlib import metadata
from pathlib import Path

from simulator.scenario.load import scenario_hash
from simulator.scenario.schema import Scenario


def build_manifest(scenario: Scenario, seed: int, replications: int, stochastic: bool) -> dict:
    return {
        "kind": "run",
        "scenario": scenario.name,
        "title": scenario.title,
        "unit": scenario.unit,
        "files": scenario.files,
        "labels": labels_of(scenario),
        "seed": seed,
        "replications": replications,
        "stochastic": stochastic,
        "input_hash": scenario_hash(scenario),
        "changes": scenario.changes,  # made in code (with_changes), after the files
        "warnings": [
            {"file": w.file, "line": w.line, "col": w.col, "path": w.path, "message": w.message}
            for w in scenario.warnings
        ],
        "resolved_scenario": scenario.source,
        **provenance(),
    }


def labels_of(scenario: Scenario) -> dict:
    """The partners' and ventures' names by id, as figures and reports show them."""
    return {
        "partners": {k: m.label or k for k, m in scenario.members().items()},
        "ventures": {k: v.label or k for k, v in scenario.ventures.items()},
    }


def provenance() -> dict:
    return {
        "created": datetime.now(timezone.utc).isoformat(timespec="seconds"),
        "command": command_line(),
        "versions": dict(_versions()),
        "git_commit": _git_commit(),
    }


def command_line() -> str:
    """The command as the user would type it again: `consim sweep …` whether it was started
    as `consim` or `python -m simulator`; a script or a notebook as it was started."""
    program = Path(sys.argv[0]) if sys.argv and sys.argv[0] else None
    if program is not None and (
        program.name == "consim" or program.parts[-2:] == ("simulator", "__main__.py")
    ):
        return " ".join(["consim", *sys.argv[1:]])
    return " ".join(sys.argv)


# Both are fixed for the life of a process (the code it imported does not change), so they are
# read once, not on the single-process part of every sweep.
@functools.cache
def _versions() -> dict:
    out = {"python": platform.python_version()}
    for name in (
        "consim",
        "simpy",
        "numpy",
        "pandas",
        "pydantic",
        "pyarrow",
        "matplotlib",
        "SALib",
        "dask",
        "distributed",
    ):
        try:
            out[name] = metadata.version(name)
        except metadata.PackageNotFoundError:
            out[name] = None
    return out


@functools.cache
def _git_commit() -> str | None:
    try:
        done = subprocess.run(
            ["git", "rev-parse", "HEAD"],
            cwd=Path(__file__).resolve().parent,
            capture_output=True,
            text=True,
            timeout=5,
        )
    except (OSError, subprocess.SubprocessError):
        return None
    return done.stdout.strip() or None
