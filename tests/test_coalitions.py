"""Coalitions as scenarios: the rules that name an absent member keep their meaning for
those who stay (experiments/coalition_rules.py)."""

from __future__ import annotations

from pathlib import Path

import pytest

from simulator import load_scenario
from simulator.errors import ConsimError
from simulator.experiments.coalition_scenarios import coalition_data, coalition_scenario

EXAMPLES = Path(__file__).resolve().parents[1] / "scenarios" / "examples"
# A split that never happens leaves its child venture without members, whose buy-out then
# names a buyer outside it: refused in one line (said in docs/cli.md).
REFUSED = {"buyout_absorbed.yaml"}


def without(path: str, absent: str) -> dict:
    s = load_scenario(EXAMPLES / path)
    return coalition_data(s.source, [m for m in s.members() if m != absent])


@pytest.mark.parametrize("path", sorted(p.name for p in EXAMPLES.glob("*.yaml")))
def test_every_example_has_its_coalitions_without_one_member(path):
    s = load_scenario(EXAMPLES / path)
    for absent in s.members():
        rest = [m for m in s.members() if m != absent]
        if path in REFUSED:
            try:
                coalition_scenario(s, rest)
            except ConsimError as exc:
                assert str(exc).startswith("value: the coalition without ")
            continue
        built = coalition_scenario(s, rest)
        assert built is None or absent not in built.members()


def test_an_event_of_an_absent_member_never_happens():
    """triggers.yaml: Atos negotiates when Dassault Systèmes leaves, and the State steps in
    when those talks fail. Without Dassault Systèmes neither happens."""
    data = without("triggers.yaml", "dassault")
    assert "atos" not in data["candidates"] and "state_steps_in" not in data["policies"]


def test_capital_shares_keep_the_present_members_amounts():
    s = load_scenario(EXAMPLES / "cloudwatt_numergy.yaml")
    before = s.source["ventures"]["cloudwatt"]["capital"]
    after = without("cloudwatt_numergy.yaml", "state")["ventures"]["cloudwatt"]["capital"]
    for member, share in after["shares"].items():
        assert after["amount"] * share == pytest.approx(before["amount"] * before["shares"][member])
    assert sum(after["shares"].values()) == pytest.approx(1.0) and "state" not in after["shares"]


def test_an_absent_buyer_buys_nothing():
    assert "buyout" not in without("buyout.yaml", "orange")["ventures"]["andromede"]
    leaver = without("exit_rules.yaml", "orange")["partners"]["dassault"]["departure"]
    assert "exit" not in leaver  # the scenario's own exit rule applies


def test_an_absent_lender_lends_nothing_and_a_split_goes_to_present_members():
    assert without("state_loan.yaml", "state")["ventures"]["andromede"].get("loans") == {}
    split = without("split.yaml", "state")["ventures"]["andromede"]["split"]
    assert all("state" not in child["members"] for child in split["into"].values())
    assert all(child["members"] for child in split["into"].values())


def test_an_absent_member_leaves_call_defaults_and_transfers():
    calls = without("capital_calls.yaml", "dassault")["ventures"]["andromede"]["capital_calls"]
    assert "dassault" not in calls["default"]["probability"]
    for transfer in without("ownership_transfer.yaml", "orange")["ventures"]["andromede"].get(
        "transfers", []
    ):
        assert transfer["to"] != "orange" and "orange" not in transfer["from"]
