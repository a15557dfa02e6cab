"""The public API: what `import simulator` offers, pinned, and its ResultSet round trip."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest
from matplotlib.figure import Figure
from test_sweep import GRID, write_sweep

import simulator

ROOT = Path(__file__).resolve().parents[1]


def test_public_names_are_pinned():
    assert sorted(simulator.__all__) == [
        "Comparison",
        "ConsimError",
        "ResultSet",
        "ScenarioError",
        "TargetCI",
        "calibrate",
        "compare",
        "explore",
        "is_stochastic",
        "load_scenario",
        "pareto",
        "partner_value",
        "plot_against_market",
        "plot_comparison",
        "plot_discovery",
        "plot_funding",
        "plot_sensitivity",
        "replay",
        "report",
        "run",
        "solve",
        "sweep",
        "tornado",
    ]
    for name in simulator.__all__:
        assert getattr(simulator, name) is not None


def test_importing_changes_no_global_state():
    import subprocess
    import sys

    code = (
        "import multiprocessing, random, numpy as np; "
        "before = (multiprocessing.get_start_method(allow_none=True), random.getstate(), "
        "np.random.get_state()[1].sum()); import simulator; "
        "after = (multiprocessing.get_start_method(allow_none=True), random.getstate(), "
        "np.random.get_state()[1].sum()); print(before == after)"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert done.stdout.strip() == "True"


def test_run_result_saves_and_loads_back(tmp_path):
    r = simulator.run(ROOT / "scenarios" / "atos_joins.yaml", replications=40, seed=3)
    r.save(tmp_path / "r", plots=False)
    back = simulator.ResultSet.load(tmp_path / "r")
    assert back.kind == "run" and back.replications == 40
    pd.testing.assert_frame_equal(
        back.outcomes, r.outcomes, check_categorical=False, check_dtype=False
    )
    pd.testing.assert_frame_equal(back.trajectories, r.trajectories)
    assert back.events["partner"].tolist() == r.events["partner"].tolist()


def test_sweep_result_is_the_same_type_and_round_trips(tmp_path):
    r = simulator.sweep(
        write_sweep(tmp_path, GRID), out=tmp_path / "s", executor="serial", plots=False
    )
    assert isinstance(r, simulator.ResultSet) and r.kind == "sweep"
    for figure in (r.plot_outcome(), r.plot_heatmap(), r.plot_collapse()):
        assert isinstance(figure, Figure)
    r.save(tmp_path / "copy", plots=False)
    back = simulator.ResultSet.load(tmp_path / "copy")
    for name in ("outcomes", "quantiles", "points", "design"):
        pd.testing.assert_frame_equal(getattr(back, name), getattr(r, name), check_dtype=False)


def test_bad_scenario_raises_scenario_error_with_problems(tmp_path):
    path = tmp_path / "bad.yaml"
    path.write_text(
        "start: 2020-01\nend: 2021-01\nventures: {v: {}}\n"
        "partners: {a: {pledge: -1}, b: {pledge: x}}\n"
    )
    with pytest.raises(simulator.ScenarioError) as info:
        simulator.load_scenario(path)
    assert [(p.line, p.path) for p in info.value.problems] == [
        (4, "partners.a.pledge"),
        (4, "partners.b.pledge"),
    ]
    assert all(p.file == str(path) for p in info.value.problems)


def test_run_takes_additions_and_overrides_of_a_file():
    plan = ROOT / "scenarios" / "andromede_plan.yaml"
    r = simulator.run(
        plan,
        additions=["partners.atos={pledge: 40, schedule: {type: upfront}}"],
        overrides=["partners.atos.pledge=45"],
        progress=False,
    )
    assert r.manifest["resolved_scenario"]["partners"]["atos"]["pledge"] == 45
    assert r.outcomes["committed_final"].tolist() == [330.0]
    with pytest.raises(simulator.ConsimError):
        simulator.run(simulator.load_scenario(plan), additions=["title=x"])


def test_import_and_version_load_nothing_heavy():
    """`import simulator` and `consim --version` import neither pandas nor matplotlib (the
    public names load on first use): the command answers at once, workers start light."""
    code = (
        "import sys, simulator; from simulator.cli import main; "
        "print(sorted(m for m in ('pandas', 'matplotlib', 'simpy', 'scipy') if m in sys.modules))"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert done.stdout.strip() == "[]"


def test_a_consim_error_shows_in_a_notebook_as_its_message():
    error = simulator.ConsimError("--where 'x <': does not parse")
    assert error._render_traceback_() == ["ConsimError: --where 'x <': does not parse"]


@pytest.mark.parametrize("name", simulator.__all__)
def test_every_public_name_has_an_example_that_runs(name, monkeypatch):
    """Each public function and class shows how it is used, and the example runs as a
    doctest (from the repository's root, where its paths point)."""
    import doctest

    monkeypatch.chdir(Path(__file__).resolve().parents[1])
    obj = getattr(simulator, name)
    tests = doctest.DocTestFinder(recurse=False).find(obj, name, globs={})
    assert tests and tests[0].examples, f"{name}: no example in its docstring"
    runner = doctest.DocTestRunner(optionflags=doctest.ELLIPSIS | doctest.NORMALIZE_WHITESPACE)
    for test in tests:
        runner.run(test)
    assert runner.failures == 0, f"{name}: {runner.failures} example(s) failed"


def test_the_seed_scenarios_travel_with_the_package():
    """simulator/seeds is scenarios/ (a link in the repository; files in a wheel, through
    package-data), so `consim demo` works wherever consim is installed."""
    seeds = Path(simulator.__file__).resolve().parent / "seeds"
    scenarios = Path(__file__).resolve().parents[1] / "scenarios"
    names = sorted(p.name for p in scenarios.glob("*.yaml"))
    assert names and sorted(p.name for p in seeds.glob("*.yaml")) == names
    assert (seeds / "sweeps" / "atos_terms.yaml").is_file()
