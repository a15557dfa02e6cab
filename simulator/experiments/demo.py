"""The demo: every scenario of a folder run with one seed (common random numbers), each saved
in its own results folder, and a figure of them side by side."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from simulator.errors import ConsimError, ScenarioError
from simulator.experiments.parts import atomic_write
from simulator.experiments.run import is_stochastic, run
from simulator.plots.runs import plot_comparison
from simulator.results.folders import check_replaceable, default_output
from simulator.results.resultset import ResultSet
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
    on_result: Callable[[ResultSet], None] | None = None,
) -> dict[str, ResultSet]:
    """Run and save every scenario of `folder` into out/<name>/ (replacing only consim's own
    folders), then draw out/comparison.png; `on_result` sees each result as it is saved."""
    loaded = load_folder(folder)
    targets = {name: default_output(name, root=out) for name in loaded}
    for target in targets.values():
        check_replaceable(target, force=True)
    named = {}
    for name, s in loaded.items():
        n = replications if is_stochastic(s) else 1
        results = run(s, replications=n, seed=seed, progress=True)
        results.save(targets[name], force=True)
        named[name] = results
        if on_result is not None:
            on_result(results)
    figure = plot_comparison(named)
    atomic_write(out / "comparison.png", lambda tmp: figure.savefig(tmp, dpi=110, format="png"))
    return named
