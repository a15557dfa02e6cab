"""`consim tornado`: one input at a time at its 5th and 95th percentiles, paired runs."""

from __future__ import annotations

import numpy as np
import pytest
from click.testing import CliRunner

from simulator.cli import main
from simulator.experiments.tornado import tornado, uncertain_inputs
from simulator.scenario.load import load_scenario

# `a`'s pledge moves committed capital one for one; the candidate's talks last 1 to 5
# months and always succeed within the horizon, so their length moves nothing at the end.
TEXT = """
name: planted
start: 2020-01
end: 2021-12
ventures: {v: {}}
partners:
  a: {pledge: {dist: uniform, low: 0, high: 100}}
  b: {pledge: 50, departure: {hazard: 0.02}}
candidates:
  c:
    pledge: 30
    negotiation: {start: 2020-03, duration: {dist: uniform, low: 1, high: 5}, success: 1}
"""


@pytest.fixture
def planted(tmp_path):
    path = tmp_path / "planted.yaml"
    path.write_text(TEXT)
    return path


def test_the_input_that_matters_ranks_first_and_the_other_swings_nothing(planted):
    t = tornado(planted, replications=300, seed=2, progress=False)
    table = t.table.set_index("input")
    assert list(table.index) == ["partners.a.pledge", "candidates.c.negotiation.duration"]
    # paired: between its two ends every run moves by 95 - 5 = 90, no noise
    assert table.loc["partners.a.pledge", "swing"] == pytest.approx(90.0)
    # the other input moves no draw of anything else: exactly nothing changes
    duration = table.loc["candidates.c.negotiation.duration"]
    assert duration["swing"] == 0.0 and duration["diff_high_ci_high"] == 0.0
    fig = t.plot()
    bars = [p.get_width() for p in fig.axes[0].patches]
    # around the base mean (E = 50 + 50 + 30): 5 → about -45, 95 → about +45
    assert np.allclose(sorted(bars)[0], -45.0, atol=6) and np.allclose(max(bars), 45.0, atol=6)


def test_inputs_are_found_at_their_key_paths(planted):
    found = uncertain_inputs(load_scenario(planted))
    assert set(found) == {"partners.a.pledge", "candidates.c.negotiation.duration"}


def test_the_cli_prints_and_draws(planted, tmp_path):
    out = tmp_path / "t.png"
    done = CliRunner().invoke(
        main, ["tornado", str(planted), "-n", "100", "--seed", "1", "--out", str(out)]
    )
    assert done.exit_code == 0, done.output
    assert done.output.splitlines()[1].split()[0] == "partners.a.pledge"
    assert out.read_bytes()[:4] == b"\x89PNG"
    again = CliRunner().invoke(main, ["tornado", str(planted), "--out", str(out)])
    assert again.exit_code == 2 and "exists" in again.output


def test_a_scenario_with_nothing_uncertain_is_one_line(tmp_path):
    done = CliRunner().invoke(main, ["tornado", "scenarios/dassault_leaves.yaml"])
    assert done.exit_code == 2
    assert "nothing in it is a distribution" in done.output
    assert len(done.output.strip().splitlines()) == 1


def test_p_collapse_swings_with_the_input_that_drives_it(tmp_path):
    """The planted scenario collapses when Thales leaves by 2013-01 and Atos pledges below
    40: Atos's pledge drawn at its 5th percentile (22) or 95th (58) moves P(collapse) from
    P(Thales leaves by 2013-01) to 0."""
    path = "scenarios/examples/planted_collapse.yaml"
    t = tornado(path, outcome="collapsed", replications=400, seed=3, progress=False)
    row = t.table.set_index("input").loc["candidates.atos.pledge"]
    left = 1 - (1 - 0.03) ** 15  # Thales's monthly hazard, 2011-10 … 2013-01 (15 months)
    assert row["mean_at_high"] == 0.0
    assert abs(row["mean_at_low"] - left) < 3 * np.sqrt(left * (1 - left) / 400)
    fig = t.plot()
    assert fig.axes[0].get_xlabel().startswith("P(collapsed), any venture")
