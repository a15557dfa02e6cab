"""Sensitivity indices of Sobol and Morris sweeps against what the model makes certain."""

from __future__ import annotations

from pathlib import Path

import pytest
from click.testing import CliRunner
from test_sweep import write_sweep

import simulator
from simulator.cli import main
from simulator.plots.sensitivity import plot_indices

PLAN = Path(__file__).resolve().parents[1] / "scenarios" / "andromede_plan.yaml"
# The plan is deterministic: committed at the end = State's pledge + 150 (Orange, Thales,
# Dassault Systèmes); Orange's label changes nothing.
PARAMETERS = """\
parameters:
  partners.state.pledge: {low: 100, high: 200}
  partners.orange.label: {values: [Orange, France Télécom]}
replications: 2
seed: 1
"""


def indices(tmp_path, design: str) -> dict:
    path = write_sweep(tmp_path, PARAMETERS + design, base=PLAN)
    r = simulator.sweep(path, out=tmp_path / "o", executor="serial", plots=True)
    assert (tmp_path / "o" / "sensitivity.png").is_file()
    t = r.indices[r.indices["outcome"] == "committed_final"]
    return t.set_index("parameter")


def test_morris_effect_of_a_linear_parameter_is_its_range(tmp_path):
    # y = u·(high − low) + const on the unit scale, so every elementary effect is 100.
    t = indices(tmp_path, "design: {type: morris, samples: 10, levels: 4}\n")
    assert t.loc["partners.state.pledge", "mu_star"] == pytest.approx(100.0)
    assert t.loc["partners.state.pledge", "sigma"] == pytest.approx(0.0, abs=1e-9)
    assert t.loc["partners.orange.label", "mu_star"] == pytest.approx(0.0)


def test_sobol_gives_all_the_variance_to_the_only_parameter_that_acts(tmp_path):
    t = indices(tmp_path, "design: {type: sobol, samples: 256}\n")
    assert t.loc["partners.state.pledge", "S1"] == pytest.approx(1.0, abs=0.05)
    assert t.loc["partners.state.pledge", "ST"] == pytest.approx(1.0, abs=0.05)
    assert t.loc["partners.orange.label", "ST"] == pytest.approx(0.0, abs=1e-9)


def test_a_grid_gets_exact_indices_with_intervals(tmp_path):
    body = PARAMETERS.replace("{low: 100, high: 200}", "{low: 100, high: 200, steps: 3}")
    r = simulator.sweep(
        write_sweep(tmp_path, body, base=PLAN), out=tmp_path / "o", executor="serial", plots=False
    )
    t = r.sensitivity("committed_final").set_index("parameter")
    assert t.index.tolist() == ["partners.state.pledge", "partners.orange.label"]
    assert t.loc["partners.state.pledge", ["S1", "ST"]].tolist() == pytest.approx([1.0, 1.0])
    assert t.loc["partners.orange.label", ["S1", "ST"]].tolist() == pytest.approx([0.0, 0.0])
    # a deterministic plan: the means carry no Monte Carlo error, the intervals no width
    assert t.loc["partners.state.pledge", ["S1_ci_low", "S1_ci_high"]].tolist() == pytest.approx(
        [1.0, 1.0]
    )


PLANTED = Path(__file__).resolve().parents[1] / "scenarios" / "examples" / "planted_collapse.yaml"
COLLAPSE = """\
parameters:
  partners.thales.departure.hazard: {low: 0.0, high: 0.1}
  partners.orange.label: {values: [Orange, France Télécom]}
design: {type: sobol, samples: 64}
replications: 40
seed: 2
"""


@pytest.fixture(scope="module")
def collapse_sweep(tmp_path_factory):
    """Thales's hazard drives the planted collapse; Orange's name cannot."""
    tmp = tmp_path_factory.mktemp("collapse")
    path = write_sweep(tmp, COLLAPSE, base=PLANTED)
    return simulator.sweep(path, out=tmp / "o", executor="serial", plots=False), tmp / "o"


@pytest.mark.parametrize("outcome", ["collapsed", "months_to_collapse"])
def test_p_collapse_and_the_time_to_it_have_indices(collapse_sweep, outcome):
    r, _ = collapse_sweep
    t = r.sensitivity(outcome).set_index("parameter")
    assert t.index[0] == "partners.thales.departure.hazard"
    assert t.loc["partners.thales.departure.hazard", "ST"] > 0.8
    assert t.loc["partners.thales.departure.hazard", "ST_ci_low"] > 0.5
    assert t.loc["partners.orange.label", "ST"] == pytest.approx(0.0, abs=1e-9)


def test_analyze_sensitivity_prints_the_ranking(collapse_sweep, tmp_path):
    _, folder = collapse_sweep
    png = tmp_path / "why.png"
    done = CliRunner().invoke(
        main,
        ["analyze", "sensitivity", str(folder), "--outcome", "collapsed", "--plot", str(png)],
    )
    assert done.exit_code == 0, done.output
    lines = done.output.splitlines()
    assert lines[0] == "collapsed (sobol; ranked by ST):"
    assert lines[1].lstrip().startswith("partners.thales.departure.hazard")
    assert lines[2].lstrip().startswith("partners.orange.label")
    assert png.is_file()
    fig = plot_indices(simulator.ResultSet.load(folder), ["collapsed"])
    bars = fig.axes[0].patches
    t = simulator.ResultSet.load(folder).sensitivity("collapsed")
    assert [b.get_width() for b in bars[:2]] == pytest.approx(t["ST"].tolist())


@pytest.mark.parametrize(
    ("which", "args", "message"),
    [
        ("sweep", ["--outcome", "nothing"], "no outcome nothing in this sweep (it has: "),
        ("run", [], "sensitivity indices need a sweep"),
    ],
)
def test_analyze_sensitivity_bad_input(collapse_sweep, tmp_path, which, args, message):
    _, folder = collapse_sweep
    if which == "run":
        folder = tmp_path / "run"
        simulator.run(PLAN, replications=1, progress=False).save(folder, plots=False)
    done = CliRunner().invoke(main, ["analyze", "sensitivity", str(folder), *args])
    assert done.exit_code == 2, done.output
    assert done.output.startswith(message) and len(done.output.strip().splitlines()) == 1
