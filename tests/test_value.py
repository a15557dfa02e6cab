"""Partner values: the Shapley, Banzhaf and veto arithmetic against textbook games worked out
by hand; on scenarios, efficiency (the values add up to v(all) − v(∅)), symmetry, dummies,
veto players, sampled orders against the exact values, coalitions built from a scenario,
and resuming from a folder."""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest

from simulator import load_scenario
from simulator.analysis.coalitions import (
    banzhaf,
    exact_shapley,
    prefixes,
    random_orders,
    replicated_shapley,
    sampled_shapley,
    subsets,
    veto_players,
)
from simulator.errors import ConsimError, OutputExistsError
from simulator.experiments.coalition_scenarios import coalition_data, no_partner_value
from simulator.experiments.value import partner_value, planned_runs

PLAN = "scenarios/andromede_plan.yaml"
ATOS = "scenarios/atos_joins.yaml"


def values(pv) -> dict[str, float]:
    return dict(zip(pv.table["member"], pv.table["value"], strict=True))


def consortium(pledges: dict, minimum: float | None = None, **more) -> dict:
    """A one-venture consortium paying in 4 half-yearly tranches from 2020-06; with a
    minimum capital checked at 2020-12, when half of each pledge is paid in."""
    venture = {"minimum_capital": minimum, "deadline": "2020-12"} if minimum else {}
    schedule = {"type": "tranches", "count": 4, "every": 6, "start": "2020-06"}
    partners = {k: {"pledge": p, "schedule": schedule} for k, p in pledges.items()}
    return {
        "name": "toy",
        "start": "2020-01",
        "end": "2022-12",
        "ventures": {"v": venture},
        "partners": partners,
        **more,
    }


# --- the arithmetic, on games solved by hand ------------------------------------------


def test_weighted_voting_game_4_3_2_1_1():
    """[4; 3, 2, 1, 1]: a is pivotal in half the orders of arrival (after b, c or d alone,
    or after two of them) and swings 6 of the 12 swings; b, c, d are alike (b+c+d = 4)."""
    players = ["a", "b", "c", "d"]
    weight = {"a": 3, "b": 2, "c": 1, "d": 1}

    def wins(s):
        return float(sum(weight[p] for p in s) >= 4)

    assert exact_shapley(players, wins) == pytest.approx(
        {"a": 1 / 2, **dict.fromkeys("bcd", 1 / 6)}
    )
    assert banzhaf(players, wins) == pytest.approx({"a": 6 / 12, **dict.fromkeys("bcd", 2 / 12)})
    assert veto_players(players, wins) == []  # b+c+d wins without a


def test_glove_game():
    """One left glove, two right ones; a pair is worth 1. Shapley: the left glove is pivotal
    unless it arrives first (2/3); Banzhaf: its swings {l,r1}, {l,r2}, {l,r1,r2} against one
    each for the right gloves (3/5, 1/5, 1/5); the left glove is in every winning coalition."""
    players = ["l", "r1", "r2"]
    game = {s: float("l" in s and bool(s & {"r1", "r2"})) for s in subsets(players)}
    assert exact_shapley(players, game) == pytest.approx({"l": 2 / 3, "r1": 1 / 6, "r2": 1 / 6})
    assert banzhaf(players, game) == pytest.approx({"l": 3 / 5, "r1": 1 / 5, "r2": 1 / 5})
    assert veto_players(players, game) == ["l"]
    assert veto_players(players, {s: 0.0 for s in game}) == []  # nothing wins: no veto
    assert np.isnan(banzhaf(players, {s: 0.0 for s in game})["l"])  # nobody swings


def test_sampled_shapley_and_replicated_games():
    players = ["l", "r1", "r2"]
    game = {s: float("l" in s and bool(s & {"r1", "r2"})) for s in subsets(players)}
    orders = random_orders(3, 400, np.random.default_rng(5))
    assert set(prefixes(players, orders)) <= set(game)
    found = sampled_shapley(players, game, orders)
    assert sum(e.value for e in found.values()) == pytest.approx(1.0, abs=1e-12)
    for p, exact in {"l": 2 / 3, "r1": 1 / 6, "r2": 1 / 6}.items():
        assert found[p].low <= exact <= found[p].high
    # Two games at once (the glove game and twice it): each one's own values, mean of both.
    pair = replicated_shapley(players, {s: np.array([v, 2 * v]) for s, v in game.items()})
    assert pair["l"] == pytest.approx([2 / 3, 4 / 3])


# --- scenarios ------------------------------------------------------------------------


def test_efficiency_and_exact_values_on_the_plan():
    """The plan is additive in pledges but not in committed capital: a coalition below the
    200 M€ minimum collapses at 2012-12 with a quarter of its pledges paid in. Thales, whose
    30 M€ lift the State and Orange (195) over 200, gets more than it pledges; by hand:
    φ = pledge/4 + 0.75·φ(W), W(S) = pledged(S) if S reaches 200 else 0."""
    pledged = partner_value(PLAN, "pledged_final", progress=False, seed=1)
    assert values(pledged) == {"state": 135.0, "orange": 60.0, "thales": 30.0, "dassault": 60.0}
    pv = partner_value(PLAN, progress=False, seed=1)
    expected = {"state": 131.25, "orange": 56.25, "thales": 41.25, "dassault": 56.25}
    assert values(pv) == pytest.approx(expected, abs=1e-9)
    assert (pv.grand, pv.empty, pv.method, pv.runs) == (285.0, 0.0, "exact", 15)
    assert (pv.table["low"] == pv.table["value"]).all()  # deterministic: zero width
    assert pv.table["value"].sum() == pytest.approx(pv.grand - pv.empty, abs=1e-9)


def test_efficiency_on_a_stochastic_scenario():
    pv = partner_value(ATOS, replications=200, seed=3, progress=False)
    assert pv.table["value"].sum() == pytest.approx(pv.grand - pv.empty, abs=1e-9)
    assert planned_runs(5, 200, 200, candidates=1) == ("exact", pv.runs) == ("exact", 30 * 200)
    assert (pv.table["low"] < pv.table["value"]).all() and (
        pv.table["value"] < pv.table["high"]
    ).all()
    atos_alone = pv.coalitions.set_index("members").loc["atos"]
    assert not atos_alone["simulated"] and atos_alone["value"] == 0.0  # no partner: no money


def test_symmetric_members_get_equal_values():
    """a and b pledge alike; with c, either reaches the 120 minimum (a + b does not)."""
    pv = partner_value(consortium({"a": 50, "b": 50, "c": 80}, minimum=120), progress=False)
    v = values(pv)
    assert v["a"] == pytest.approx(v["b"], abs=1e-9)
    assert v["a"] == pytest.approx(25 + 0.5 * (130 / 6 + 50 / 3))  # by hand, as for the plan
    assert sum(v.values()) == pytest.approx(180.0)


def test_a_member_who_pledges_nothing_is_worth_nothing():
    data = consortium({"a": 50, "b": 70, "zero": 0}, minimum=100)
    for outcome in ("committed_final", "p_no_collapse"):
        pv = partner_value(data, outcome, progress=False)
        assert values(pv)["zero"] == pytest.approx(0.0, abs=1e-12)
    assert pv.table.set_index("member").loc["zero", "banzhaf"] == 0.0


def test_banzhaf_and_veto_of_a_minimum_capital():
    """Minimum 200 from pledges 150, 60, 55: {big, mid}, {big, small} and all three reach
    it. big swings in all three, mid and small once each: Banzhaf 3/5, 1/5, 1/5; big is the
    one veto player."""
    data = consortium({"big": 150, "mid": 60, "small": 55}, minimum=200)
    pv = partner_value(data, "p_no_collapse", progress=False)
    table = pv.table.set_index("member")
    assert table["banzhaf"].to_dict() == pytest.approx({"big": 0.6, "mid": 0.2, "small": 0.2})
    assert pv.veto == ["big"] and table["veto"].tolist() == [True, False, False]
    assert pv.empty == 0.0  # no partner and a minimum capital: it collapses
    # The same success read from a money outcome with a threshold.
    money = partner_value(data, "committed_final", threshold=200, progress=False)
    assert money.veto == ["big"]
    assert money.table["banzhaf"].tolist() == pytest.approx([0.6, 0.2, 0.2])
    assert "banzhaf" not in partner_value(data, progress=False).table  # no threshold
    assert no_partner_value(load_scenario(consortium({"a": 1})), "p_no_collapse") == 1.0


def test_sampled_values_agree_with_exact_ones():
    exact = values(partner_value(PLAN, progress=False, seed=1))
    pv = partner_value(PLAN, progress=False, seed=1, exact_up_to=0, samples=200)
    assert pv.method == "sampled" and pv.manifest["samples"] == 200
    assert pv.table["value"].sum() == pytest.approx(pv.grand - pv.empty, abs=1e-9)
    for row in pv.table.itertuples():
        assert row.low <= exact[row.member] <= row.high
        assert row.high - row.low > 0
    method, most = planned_runs(4, 1, 200, exact_up_to=0)
    assert method == "sampled" and pv.runs <= most


def test_resume_reuses_every_coalition(tmp_path):
    folder = tmp_path / "v"
    first = partner_value(ATOS, replications=20, seed=2, progress=False, out=folder)
    assert {p.name for p in folder.iterdir()} >= {"values.csv", "coalitions.csv", "value.png"}
    again = partner_value(ATOS, replications=20, seed=2, progress=False, out=folder, resume=True)
    assert again.manifest["result"]["reused"] == len(first.coalitions) == 32
    assert again.table.equals(first.table)
    manifest = json.loads((folder / "manifest.json").read_text(encoding="utf-8"))
    assert (manifest["kind"], manifest["status"], manifest["method"]) == (
        "value",
        "complete",
        "exact",
    )
    with pytest.raises(OutputExistsError, match="another search"):
        partner_value(ATOS, replications=20, seed=9, progress=False, out=folder, resume=True)


def test_coalitions_drop_what_names_absent_members():
    data = consortium(
        {"a": 10, "b": 20, "c": 30},
        policies={"m": {"type": "match", "funder": "b"}, "n": {"type": "match", "funder": "a"}},
        contagion={
            "one": {"from": ["a", "b"], "to": "any", "multiplier": 2, "months": 6},
            "two": {"from": "b", "to": ["c"], "multiplier": 2, "months": 6},
            "three": {"from": "any", "to": ["b"], "multiplier": 2, "months": 6},
        },
    )
    data["partners"]["c"]["departure"] = {"hazard": 0.01, "rival": "b", "rival_hazard": 0.05}
    kept = coalition_data(data, ["a", "c"])
    assert list(kept["partners"]) == ["a", "c"] and list(kept["policies"]) == ["n"]
    assert kept["contagion"] == {"one": {**data["contagion"]["one"], "from": ["a"]}}
    assert kept["partners"]["c"]["departure"] == {"hazard": 0.01}
    load_scenario(kept)  # a valid scenario
    assert data["contagion"]["one"]["from"] == ["a", "b"]  # the original is left as it was


def test_an_invalid_coalition_is_one_line():
    """A split that never happens (it waits for the departure of a member left out) leaves
    its child venture without members, whose buy-out then names a buyer outside it."""
    with pytest.raises(ConsimError) as caught:
        partner_value("scenarios/examples/buyout_absorbed.yaml", progress=False)
    message = str(caught.value)
    assert message.startswith("value: the coalition without dassault is not a valid scenario: ")
    assert "ventures.cloudwatt.buyout.buyer" in message and "\n" not in message


def test_value_command_prints_the_plan_then_the_values(tmp_path):
    from click.testing import CliRunner

    from simulator.cli import main

    out = tmp_path / "v"
    r = CliRunner().invoke(main, ["value", PLAN, "--outcome", "pledged_final", "--out", str(out)])
    assert r.exit_code == 0, r.output
    lines = r.output.splitlines()
    assert lines[0] == (
        "andromede_plan: 4 members, every one of the 16 coalitions; 15 runs at most, "
        "1 per coalition"
    )
    assert "French State       135.00 M€" in r.output and "sum 285.00 M€" in r.output
    assert {p.name for p in out.iterdir()} >= {"values.csv", "coalitions.csv", "value.png"}
    from simulator import report

    html = report(out).read_text(encoding="utf-8")
    assert "partner values" in html and "coalitions" in html


def test_value_beyond_twelve_members_says_it_samples_first(tmp_path):
    """13 partners of 10 each: sampled orders, announced with their run count."""
    from click.testing import CliRunner

    from simulator.cli import main

    partners = "\n".join(f"  p{k:02d}: {{pledge: {10 + k}}}" for k in range(13))
    path = tmp_path / "many.yaml"
    path.write_text(
        "start: 2020-01\nend: 2020-12\nventures: {v: {}}\npartners:\n" + partners + "\n"
    )
    args = ["value", str(path), "--outcome", "pledged_final", "--samples", "6", "--seed", "1"]
    r = CliRunner().invoke(main, [*args, "--out", str(tmp_path / "v")])
    assert r.exit_code == 0, r.output
    first = r.output.splitlines()[0]
    assert first == (
        "many: 13 members, more than 12: sampling 6 orders of arrival; 73 runs at most, "
        "1 per coalition"
    )
    table = pd.read_csv(tmp_path / "v" / "values.csv")
    assert table["value"].tolist() == pytest.approx([10.0 + k for k in range(13)])  # additive


def test_value_with_an_unknown_outcome_is_one_line_exit_2(tmp_path):
    from click.testing import CliRunner

    from simulator.cli import main

    r = CliRunner().invoke(main, ["value", PLAN, "--outcome", "nope", "--out", str(tmp_path / "v")])
    assert r.exit_code == 2 and "nope" in r.output and not (tmp_path / "v").exists()


def test_coalitions_on_worker_processes_give_the_same_values(tmp_path):
    """Common random numbers hold whichever process runs a coalition."""
    here = partner_value(
        ATOS, "p_no_collapse", replications=200, seed=4, progress=False, executor="serial"
    )
    there = partner_value(
        ATOS,
        "p_no_collapse",
        replications=200,
        seed=4,
        progress=False,
        executor="processes",
        workers=2,
        out=tmp_path / "v",
    )
    assert there.table["value"].tolist() == here.table["value"].tolist()
    assert there.coalitions["value"].tolist() == here.coalitions["value"].tolist()
