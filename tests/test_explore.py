"""Live what-if controls: sliders over key paths, each change a paired run and a redraw."""

from __future__ import annotations

from pathlib import Path

import pytest

import simulator
from simulator.errors import ConsimError

ATOS = Path(__file__).resolve().parents[1] / "scenarios" / "atos_joins.yaml"
KEYS = ["partners.state.pledge", "candidates.atos.pledge.mode", "candidates.atos.negotiation.start"]


@pytest.fixture(scope="module")
def explorer():
    return simulator.explore(ATOS, KEYS, replications=100, seed=3)


def test_ranges_come_from_the_scenario(explorer):
    assert explorer.params["partners.state.pledge"] == (0.0, 270.0)  # 0 to twice the pledge
    assert explorer.params["candidates.atos.pledge.mode"] == (20.0, 60.0)  # its triangle
    months = explorer.params["candidates.atos.negotiation.start"]
    assert months[0] == "2011-10" and months[-1] == "2016-12"


def test_a_change_is_a_paired_run_of_the_variant(explorer):
    base = explorer.results.outcomes["committed_final"].to_numpy()
    moved = explorer.update(**{"partners.state.pledge": 195}).outcomes["committed_final"]
    assert (moved.to_numpy() - base).round(9).tolist() == [60.0] * 100  # the same luck
    assert "partners.state.pledge=195" in explorer.results.manifest["changes"]
    assert explorer.png[:4] == b"\x89PNG" and explorer.seconds["run"] > 0
    explorer.update(**{"partners.state.pledge": 135})


def test_the_widget_has_a_slider_per_key_and_redraws(explorer):
    box = explorer.widget()
    sliders = box.children[: len(KEYS)]
    assert [s.tooltip for s in sliders] == KEYS
    before = explorer.png
    sliders[0].value = 100.0  # as a person would move it
    assert explorer.values["partners.state.pledge"] == 100.0 and explorer.png != before
    assert "s</small>" in box.children[len(KEYS)].value  # the time it took, shown


def test_a_value_out_of_bounds_is_said_not_raised(explorer):
    box = explorer.widget()
    sliders = box.children[: len(KEYS)]
    sliders[2].value = "2016-12"  # talks that start at the end: allowed
    sliders[1].value = 60.0
    assert "Traceback" not in box.children[len(KEYS)].value


def test_a_key_path_the_scenario_lacks_is_one_line():
    with pytest.raises(ConsimError, match=r"explore: partners.stat.pledge: not a value"):
        simulator.explore(ATOS, ["partners.stat.pledge"], replications=10)
