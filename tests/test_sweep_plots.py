"""Sweep figures checked by their data: labels from the scenario, ticks on the design's
values, every line visible, P(collapse) against the input that matters."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from test_sweep import write_sweep

import simulator
from simulator.analysis.labels import input_label
from simulator.plots.collapse import plot_collapse_by_input
from simulator.plots.sweeps import plot_outcomes, plot_trajectories

ROOT = Path(__file__).resolve().parents[1]
PLANTED = ROOT / "scenarios" / "examples" / "planted_collapse.yaml"

GRID = """\
parameters:
  candidates.atos.negotiation.success: {low: 0.2, high: 0.8, steps: 3}
  candidates.atos.pledge: {values: [30, 90]}
replications: 40
seed: 5
"""


@pytest.fixture(scope="module")
def grid(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("grid")
    return simulator.sweep(write_sweep(tmp, GRID), out=tmp / "o", executor="serial", plots=False)


def test_inputs_read_as_the_scenario_names_them():
    labels = {"partners": {"atos": "Atos", "thales": "Thales"}}
    assert input_label("candidates.atos.pledge", labels, "M€") == "Atos: pledge (M€)"
    assert input_label("candidates.atos.pledge.mode", labels, "M€") == "Atos: pledge, mode (M€)"
    assert input_label("candidates.atos.negotiation.success", labels) == (
        "Atos: talks succeed (probability)"
    )
    assert input_label("partners.thales.departure.hazard", labels) == (
        "Thales: departure hazard (per month)"
    )
    assert input_label("partners.bull.exit.price.multiple", labels) == "bull: exit price multiple"


def test_small_multiples_tick_the_design_values_and_say_what_bars_are(grid):
    fig = plot_outcomes(grid)
    top = fig.axes[0], fig.axes[1]
    assert [t.get_text() for t in top[0].get_xticklabels()] == ["0.2", "0.5", "0.8"]
    assert [t.get_text() for t in top[1].get_xticklabels()] == ["30", "90"]
    assert top[0].get_xlabel() == "Atos: talks succeed (probability)"
    assert top[1].get_xlabel() == "Atos: pledge (M€)"
    assert "± 2 standard errors" in fig._suptitle.get_text()


def test_coinciding_lines_are_drawn_apart(grid):
    """Members at the end do not depend on Atos's pledge: the two pledge lines coincide;
    each has its own width, marker and dashes, so both show."""
    fig = plot_outcomes(grid, outcomes=["members_final"])
    lines = [c.lines[0] for c in fig.axes[0].containers]  # each errorbar's data line
    assert len(lines) == 2
    a, b = lines
    assert np.allclose(np.asarray(a.get_ydata(), float), np.asarray(b.get_ydata(), float))
    assert a.get_linewidth() > b.get_linewidth()
    assert a.get_marker() != b.get_marker() and a.get_linestyle() != b.get_linestyle()


def test_trajectories_show_every_line_from_zero(grid):
    fig = plot_trajectories(grid)
    ax = fig.axes[0]
    low, high = ax.get_ylim()
    assert low == 0.0
    for line in ax.get_lines():
        assert np.nanmax(line.get_ydata()) < high
    q = grid.quantiles[grid.quantiles["variable"] == "committed"]
    assert q["q95"].max() < high


COLLAPSE = """\
parameters:
  partners.orange.label: {values: [Orange, France Télécom]}
  partners.thales.departure.hazard: {low: 0.0, high: 0.1}
design: {type: sobol, samples: 32}
replications: 30
seed: 2
"""


def test_collapse_is_drawn_against_the_input_that_drives_it(tmp_path):
    """Thales's hazard drives the planted collapse and Orange's name cannot: the figure
    has one panel, for the hazard, though the sweep lists the name first."""
    r = simulator.sweep(
        write_sweep(tmp_path, COLLAPSE, base=PLANTED), out=tmp_path / "o", executor="serial"
    )
    assert (tmp_path / "o" / "outcomes.png").is_file()  # text values on a sampled design
    fig = plot_collapse_by_input(r, "v")
    assert len(fig.axes) == 1
    ax = fig.axes[0]
    assert ax.get_xlabel() == "Thales: departure hazard (per month)"
    drawn = ax.lines[0].get_ydata()
    hits = (r.points["p_collapse"] * r.points["replications"]).sum()
    assert min(drawn) < hits / r.points["replications"].sum() < max(drawn)
    assert drawn[-1] > drawn[0]  # more likely the likelier Thales leaves


def test_a_sweep_without_collapse_says_so(tmp_path):
    body = (
        "parameters:\n  candidates.atos.pledge: {low: 20, high: 90}\n"
        "design: {type: lhs, samples: 12}\nreplications: 10\nseed: 1\n"
    )
    r = simulator.sweep(
        write_sweep(tmp_path, body), out=tmp_path / "o", executor="serial", plots=False
    )
    fig = plot_collapse_by_input(r, "andromede")
    assert "no run collapsed at any design point" in [t.get_text() for t in fig.texts]
