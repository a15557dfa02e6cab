"""Run a scenario's replications and gather them into a ResultSet (the API behind `consim run`)."""

from __future__ import annotations

import platform
import subprocess
import sys
from datetime import datetime, timezone
from importlib import metadata
from pathlib import Path

import numpy as np
from pydantic import BaseModel

from simulator.engine.model import compile_scenario
from simulator.engine.run import simulate
from simulator.errors import ConsimError
from simulator.results import ResultSet
from simulator.scenario.distributions import Distribution
from simulator.scenario.load import load_scenario, scenario_hash
from simulator.scenario.schema import Scenario

DEFAULT_STOCHASTIC_REPLICATIONS = 1000
CHUNK = 500


def is_stochastic(scenario: Scenario) -> bool:
    """True when any number is a distribution or anything happens by chance."""

    def walk(node) -> bool:
        if isinstance(node, Distribution):
            return True
        if isinstance(node, BaseModel):
            return any(walk(getattr(node, name)) for name in type(node).model_fields)
        if isinstance(node, dict):
            return any(walk(v) for v in node.values())
        return False

    if walk(scenario):
        return True
    for member in scenario.members().values():
        d = member.departure
        if d is not None and ((d.hazard or 0) > 0 or (d.rival_hazard or 0) > 0):
            return True
    return any(0 < c.negotiation.success < 1 for c in scenario.candidates.values())


def run(
    scenario: Scenario | str | Path,
    replications: int | None = None,
    seed: int | None = None,
    overrides: tuple[str, ...] | list[str] = (),
    progress: bool = False,
) -> ResultSet:
    """Simulate a scenario (object or file) and return its ResultSet.

    replications defaults to 1 for a deterministic scenario and 1000 otherwise;
    seed None draws fresh entropy, which is recorded in the manifest.
    """
    if not isinstance(scenario, Scenario):
        scenario = load_scenario(scenario, overrides)
    elif overrides:
        raise ConsimError("overrides apply to scenario files; pass a path, not a Scenario")
    stochastic = is_stochastic(scenario)
    if replications is None:
        replications = DEFAULT_STOCHASTIC_REPLICATIONS if stochastic else 1
    if replications < 1:
        raise ConsimError(f"replications must be ≥ 1 (got {replications})")
    if seed is None:
        seed = int(np.random.SeedSequence().entropy % (2**63))
    model = compile_scenario(scenario)
    chunks = []
    bar = _progress(replications, scenario.name, progress)
    for first in range(0, replications, CHUNK):
        n = min(CHUNK, replications - first)
        chunks.append(simulate(model, seed, n, first))
        bar.update(n)
    bar.close()
    manifest = build_manifest(scenario, seed, replications, stochastic)
    return ResultSet.from_chunks(scenario, model, chunks, manifest)


def _progress(total: int, name: str | None, enabled: bool):
    from tqdm.auto import tqdm

    return tqdm(
        total=total,
        desc=name or "replications",
        unit="rep",
        disable=True if (not enabled or total < 2 * CHUNK) else None,  # None: off when not a TTY
        leave=False,
    )


def build_manifest(scenario: Scenario, seed: int, replications: int, stochastic: bool) -> dict:
    return {
        "scenario": scenario.name,
        "title": scenario.title,
        "unit": scenario.unit,
        "files": scenario.files,
        "labels": {
            "partners": {k: m.label or k for k, m in scenario.members().items()},
            "ventures": {k: v.label or k for k, v in scenario.ventures.items()},
        },
        "seed": seed,
        "replications": replications,
        "stochastic": stochastic,
        "input_hash": scenario_hash(scenario),
        "resolved_scenario": scenario.source,
        "created": datetime.now(timezone.utc).isoformat(timespec="seconds"),
        "command": " ".join(sys.argv),
        "versions": _versions(),
        "git_commit": _git_commit(),
    }


def _versions() -> dict:
    out = {"python": platform.python_version()}
    for name in ("consim", "simpy", "numpy", "pandas", "pydantic", "pyarrow", "matplotlib"):
        try:
            out[name] = metadata.version(name)
        except metadata.PackageNotFoundError:
            out[name] = None
    return out


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
