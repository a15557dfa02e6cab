"""The demo: every scenario of a folder compared with one of them (the baseline), with one
seed (common random numbers), saved as a comparison folder."""

from __future__ import annotations

from pathlib import Path

from simulator.errors import ConsimError, ScenarioError
from simulator.experiments.compare import Comparison, compare
from simulator.results.folders import check_replaceable
from simulator.scenario.load import load_scenario
from simulator.scenario.schema import Scenario


def load_folder(folder: Path) -> dict[str, Scenario]:
    """Every scenario file of `folder` by name, all checked before any runs: a typo in one
    is reported with the others' problems, and nothing is half-written."""
    files = sorted(Path(folder).glob("*.yaml"))
    if not files:
        raise ConsimError(f"{folder}: no scenario files (*.yaml) found")
    loaded, files_of, problems = {}, {}, []
    for f in files:
        try:
            s = load_scenario(f)
        except ScenarioError as exc:
            problems.extend(exc.problems)
            continue
        name = s.name or f.stem
        if name in loaded:
            raise ConsimError(f"{f}: scenario name {name!r} is also used by {files_of[name]}")
        loaded[name], files_of[name] = s, f
    if problems:
        raise ScenarioError(problems)
    return loaded


def demo(
    folder: Path,
    out: Path,
    replications: int,
    seed: int,
    baseline: str,
    progress: bool = True,
) -> Comparison:
    """Compare every scenario of `folder` with `baseline` (one seed: common random numbers)
    and save the comparison into `out` (replacing only a folder consim wrote)."""
    loaded = load_folder(folder)
    if baseline not in loaded:
        raise ConsimError(
            f"{folder}: no scenario named {baseline!r} to compare with "
            f"(expected one of {', '.join(loaded)})"
        )
    check_replaceable(out, force=True)  # before running, not after
    order = [baseline, *(name for name in loaded if name != baseline)]
    comparison = compare(
        *(loaded[name] for name in order),
        replications=replications,
        seed=seed,
        progress=progress,
    )
    comparison.save(out, force=True)
    return comparison
