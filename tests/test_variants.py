"""Scenarios edited in code: `with_changes` validates with a file's checks and messages,
leaves the original alone, and the variant's manifest records the variant."""

from __future__ import annotations

from pathlib import Path

import pytest

import simulator
from simulator.errors import ConsimError, ScenarioError

ROOT = Path(__file__).resolve().parents[1]
PLAN = ROOT / "scenarios" / "andromede_plan.yaml"


@pytest.fixture
def plan():
    return simulator.load_scenario(PLAN)


def test_a_change_is_validated_and_the_original_is_left_alone(plan):
    variant = plan.with_changes({"partners.state.pledge": 195})
    assert variant.partners["state"].pledge == 195
    assert plan.partners["state"].pledge == 135
    assert variant.changes == ["partners.state.pledge=195"] and plan.changes == []
    assert simulator.run(variant, progress=False).outcomes["committed_final"].iloc[0] == 345.0


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        (
            {"partners.stat.pledge": 195},
            "with_changes partners.stat.pledge: partners.stat: no partner 'stat' (did you mean "
            "'state'? expected one of: state, orange, thales, dassault; add one with add={...})",
        ),
        (
            {"partners.state.pledge": -5},
            "with_changes partners.state.pledge: partners.state.pledge: out of range (got -5; "
            "expected an amount ≥ 0)",
        ),
        (
            {"partners.state.pledgee": 5},
            "with_changes partners.state.pledgee: partners.state.pledgee: unknown key (did you "
            "mean 'pledge'? expected one of: label, public, pledge, venture, schedule, pledges, "
            "departure, cuts, budget)",
        ),
        (
            {"partners.state.schedule.type": "monthly"},
            "with_changes partners.state.schedule.type: partners.state.schedule.type: unknown "
            "type (got 'monthly'; expected one of: 'upfront', 'tranches', 'calendar', 'on_call')",
        ),
    ],
)
def test_a_bad_change_names_the_key_path_and_what_is_allowed(plan, changes, message):
    before = plan.model_dump()
    with pytest.raises(ScenarioError) as info:
        plan.with_changes(changes)
    assert str(info.value) == message
    assert plan.model_dump() == before


def test_the_same_mistake_reads_the_same_in_a_file(tmp_path):
    """The message after the location is a file's, word for word."""
    path = tmp_path / "typo.yaml"
    path.write_text(f"extends: {PLAN}\npartners:\n  state: {{pledgee: 5}}\n", encoding="utf-8")
    with pytest.raises(ScenarioError) as from_file:
        simulator.load_scenario(path)
    with pytest.raises(ScenarioError) as in_code:
        simulator.load_scenario(PLAN).with_changes({"partners.state.pledgee": 5})
    tail = str(from_file.value).split(": ", 1)[1]
    assert str(in_code.value).endswith(tail)


def test_the_manifest_records_the_variant(plan):
    base = simulator.run(plan, progress=False).manifest
    variant = simulator.run(plan.with_changes({"partners.state.pledge": 195}), progress=False)
    m = variant.manifest
    assert m["input_hash"] != base["input_hash"]
    assert m["changes"] == ["partners.state.pledge=195"] and base["changes"] == []
    assert m["resolved_scenario"]["partners"]["state"]["pledge"] == 195


def test_changes_add_up_and_new_members_need_add(plan):
    atos = {"pledge": 40, "label": "Atos"}
    v = plan.with_changes({"partners.state.pledge": 150}, add={"partners.atos": atos})
    assert v.partners["atos"].pledge == 40 and v.partners["state"].pledge == 150
    w = v.with_changes({"partners.atos.pledge": 45})
    assert w.changes == [  # additions first, then changes, as --add before --set
        '+partners.atos={"pledge": 40, "label": "Atos"}',
        "partners.state.pledge=150",
        "partners.atos.pledge=45",
    ]


def test_scenarios_load_from_text_and_dicts_and_compare_by_content(plan):
    text = f"extends: {PLAN}\nname: andromede_plan\n"
    from_text = simulator.load_scenario(text)
    assert from_text == plan and hash(from_text) == hash(plan)
    assert len({plan, from_text, plan.with_changes({"partners.state.pledge": 195})}) == 2
    data = {"start": "2020-01", "end": "2020-12", "ventures": {"v": {}}, "partners": {}}
    data["partners"]["a"] = {"pledge": 10}
    assert simulator.load_scenario(data).partners["a"].pledge == 10
    with pytest.raises(ScenarioError, match=r"<dict>:\d+:\d+: partners.a.pledge: out of range"):
        simulator.load_scenario({**data, "partners": {"a": {"pledge": -1}}})


def test_model_copy_with_an_update_is_refused(plan):
    with pytest.raises(ConsimError, match="with_changes"):
        plan.model_copy(update={"name": "x"})


def test_results_read_short_in_a_notebook(plan, tmp_path):
    r = simulator.run(plan.with_changes({"partners.state.pledge": 195}), progress=False)
    assert repr(r) == "<ResultSet run of 'andromede_plan': 1 replication(s), seed " + (
        f"{r.manifest['seed']}; in memory>"
    )
    page = r._repr_html_()
    assert "committed at the end 345.0 M€, P(collapse) 0.0%" in page
    assert page.count("data:image/png;base64,") == 1 and len(page) < 400_000
    r.save(tmp_path / "v", plots=False)
    assert repr(r).endswith(f"files in {tmp_path / 'v'}>")
    assert len(repr(simulator.ResultSet.load(tmp_path / "v"))) < 200


def test_a_sweep_from_python_without_a_folder_runs_again(tmp_path):
    body = {
        "scenario": str(PLAN),
        "parameters": {"partners.state.pledge": {"values": [100, 200]}},
        "replications": 1,
        "seed": 1,
    }
    first = simulator.sweep(body, executor="serial", progress=False, plots=False)
    again = simulator.sweep(body, executor="serial", progress=False, plots=False)
    assert first.path != again.path and first.path.is_dir()
    assert first.points["committed_final_mean"].tolist() == [250.0, 350.0]
    assert again.points["committed_final_mean"].tolist() == [250.0, 350.0]
