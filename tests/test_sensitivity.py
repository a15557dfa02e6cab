"""Sensitivity indices of Sobol and Morris sweeps against what the model makes certain."""

from __future__ import annotations

from pathlib import Path

import pytest
from test_sweep import write_sweep

import simulator

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
    t = r.sensitivity[r.sensitivity["outcome"] == "committed_final"]
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


def test_no_sensitivity_table_for_a_grid(tmp_path):
    body = PARAMETERS.replace("{low: 100, high: 200}", "{low: 100, high: 200, steps: 3}")
    r = simulator.sweep(
        write_sweep(tmp_path, body, base=PLAN), out=tmp_path / "o", executor="serial", plots=False
    )
    assert r.sensitivity is None
    assert r.points["committed_final_mean"].tolist() == [250.0, 250.0, 300.0, 300.0, 350.0, 350.0]
