"""A venture splitting into child ventures (docs/model.md §9.2): exact figures on a small
deterministic scenario, worked by hand in a comment."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

import simulator
from simulator.engine.model import compile_scenario
from simulator.errors import ScenarioError
from simulator.scenario.load import load_scenario, validate_document
from simulator.scenario.schema import Scenario
from simulator.scenario.yamlio import parse_text

ROOT = Path(__file__).resolve().parents[1]


def scenario(text: str):
    return validate_document(parse_text(text, "test.yaml"), default_name="test")


def run(text: str) -> simulator.ResultSet:
    return simulator.run(scenario(text), seed=1)


def row(results, partner: str, venture: str, date: str = "2012-12") -> pd.Series:
    t = results.trajectories
    rows = t[
        (t["date"] == pd.Timestamp(date)) & (t["partner"] == partner) & (t["venture"] == venture)
    ]
    assert len(rows) == 1
    return rows.iloc[0]


SPLIT = """
start: 2012-01
end: 2012-12
ventures:
  a:
    split:
      at: 2012-05
      into:
        b: {members: [x, s]}
        c: {members: [y, s]}
      pledges: {s: {b: 0.25, c: 0.75}}
  b: {}
  c: {}
partners:
  s: {public: true, venture: a, pledge: 120, schedule: {type: tranches, count: 12}}
  x: {venture: a, pledge: 60, schedule: {type: tranches, count: 6}}
  y: {pledges: {a: {amount: 24, schedule: {type: tranches, count: 12}}, c: {amount: 10}}}
policies:
  r: {type: raise, funder: s, venture: a, at: 2012-08, amount: 40}
"""


def test_split_moves_outstanding_pledges_to_the_children():
    # Split at 2012-05 (t = 4, time 4.05, before month 4's payments). Paid in a, months
    # 0-3: s 4 × 10 = 40, x 4 × 10 = 40, y 4 × 2 = 8 (paid-in stays in a).
    # Outstanding moved: s 120 − 40 = 80 → b 0.25 × 80 = 20 (2.5 a month, months 4-11),
    # c 0.75 × 80 = 60 (7.5 a month); x 60 − 40 = 20 → b (10 in months 4 and 5);
    # y 24 − 8 = 16 → c (2 a month), plus its own 10 to c paid in month 0.
    # a: pledged 120/60/24, paid 40/40/8, cancelled 80/20/16; the raise in 2012-08 is
    # skipped. b: s 20, x 20 (shares 1/2 each). c: s 60, y 16 + 10 = 26 (60/86, 26/86).
    r = run(SPLIT)
    expected = {
        ("s", "a"): (120, 40, 80),
        ("x", "a"): (60, 40, 20),
        ("y", "a"): (24, 8, 16),
        ("s", "b"): (20, 20, 0),
        ("x", "b"): (20, 20, 0),
        ("s", "c"): (60, 60, 0),
        ("y", "c"): (26, 26, 0),
    }
    for (p, v), (pledged, paid, cancelled) in expected.items():
        got = row(r, p, v)
        assert (got["pledged"], got["paid_in"], got["cancelled"]) == pytest.approx(
            (pledged, paid, cancelled)
        ), (p, v)
        assert got["outstanding"] == pytest.approx(0)
    assert row(r, "s", "b")["share"] == pytest.approx(0.5)
    assert row(r, "s", "c")["share"] == pytest.approx(60 / 86)
    assert row(r, "y", "c")["share"] == pytest.approx(26 / 86)
    # In the split month: s has paid 2.5 to b and 7.5 to c; before it, nothing.
    assert row(r, "s", "b", "2012-05")["paid_in"] == pytest.approx(2.5)
    assert row(r, "s", "c", "2012-05")["paid_in"] == pytest.approx(7.5)
    assert row(r, "s", "a", "2012-05")["paid_in"] == pytest.approx(40)
    assert row(r, "s", "a", "2012-05")["outstanding"] == pytest.approx(0)
    before = row(r, "s", "b", "2012-04")
    assert (before["pledged"], before["member"], before["share"]) == (0, False, 0)
    assert row(r, "s", "b", "2012-05")["member"]


def test_split_shares_in_each_child_sum_to_one_and_money_is_conserved():
    r = run(SPLIT)
    t = r.trajectories
    after = t[t["date"] >= pd.Timestamp("2012-05")]
    sums = after[after["venture"].isin(["b", "c"])].groupby(["venture", "date"], observed=True)
    assert np.allclose(sums["share"].sum(), 1.0)
    # Every pledge either paid somewhere or still outstanding: 120 + 60 + 24 + 10 in all.
    last = t[t["date"] == t["date"].max()]
    assert last["paid_in"].sum() == pytest.approx(214)
    assert (last["pledged"] == last["paid_in"] + last["outstanding"] + last["cancelled"]).all()
    # The parent's cancellations are exactly what the children were pledged from it.
    moved = last[last["venture"] == "a"]["cancelled"].sum()
    assert moved == pytest.approx(116)
    assert last[last["venture"] != "a"]["pledged"].sum() == pytest.approx(116 + 10)


def test_split_events_and_outcome():
    r = run(SPLIT)
    e = r.events
    split = e[e["type"] == "split"].reset_index(drop=True)
    assert list(split["amount"]) == pytest.approx([20, 60, 20, 16, 116])
    assert list(split["venture"].astype(str)) == ["b", "c", "b", "c", "a"]
    assert split.loc[4, "detail"] == "into b, c"
    assert (split["date"] == pd.Timestamp("2012-05")).all()
    skipped = e[e["type"] == "policy_skipped"]
    assert list(skipped["detail"]) == ["r: venture split"]
    assert not r.outcomes["collapsed"].any()


def test_equal_parts_and_a_member_leaving():
    # Equal: s's outstanding 80 → 40 to b, 40 to c. x leaves at the split: its 20 is
    # cancelled in a and goes nowhere; y goes to c (16).
    text = SPLIT.replace("pledges: {s: {b: 0.25, c: 0.75}}", "leaving: [x]").replace(
        "b: {members: [x, s]}", "b: {members: [s]}"
    )
    r = run(text)
    assert row(r, "s", "b")["pledged"] == pytest.approx(40)
    assert row(r, "s", "c")["pledged"] == pytest.approx(40)
    assert row(r, "x", "a")["cancelled"] == pytest.approx(20)
    t = r.trajectories
    assert t[(t["partner"] == "x") & (t["venture"] == "b")].empty
    e = r.events
    nowhere = e[(e["type"] == "split") & (e["partner"] == "x")]
    assert list(nowhere["amount"]) == pytest.approx([20])


def test_a_member_gone_before_the_split_does_not_join():
    # x leaves a in 2012-03 (its outstanding 60 − 20 = 40 cancelled then): nothing to move,
    # and it never becomes a member of b.
    gone = "count: 6}, departure: {at: 2012-03}}"
    r = run(SPLIT.replace("count: 6}}", gone))
    assert row(r, "x", "b")["pledged"] == 0
    assert not row(r, "x", "b")["member"]
    assert row(r, "x", "a")["cancelled"] == pytest.approx(40)


def test_unused_split_costs_nothing():
    # No split: no mask, no split spec, no Splits object in a replication.
    plain = compile_scenario(load_scenario(ROOT / "scenarios" / "andromede_plan.yaml"))
    assert plain.split_only is None
    assert all(v.split is None for v in plain.ventures)
    model = compile_scenario(scenario(SPLIT))
    assert model.split_only is not None
    assert model.split_only.sum() == 3  # (b, s), (b, x), (c, s); (c, y) pledges directly
    assert not model.split_only[2, 2]


def test_split_key_in_the_json_schema():
    assert "SplitChild" in str(Scenario.model_json_schema())


def test_child_venture_must_exist():
    with pytest.raises(ScenarioError, match="unknown venture 'd'"):
        scenario(SPLIT.replace("c: {members: [y, s]}", "d: {members: [y, s]}"))


def test_the_example_scenario():
    # scenarios/examples/split.yaml: at 2012-09 the State has paid its 2012-06 tranche
    # (33.75 of 135): 101.25 left → 50.625 to each child; Orange 60 − 15 = 45 and
    # Thales 30 − 7.5 = 22.5 to Cloudwatt: 118.125; Dassault's 45 is cancelled.
    r = simulator.run(ROOT / "scenarios/examples/split.yaml", replications=20, seed=1)
    t = r.trajectories
    state = t[(t["partner"] == "state") & (t["date"] == t["date"].max())]
    assert state[state["venture"] == "cloudwatt"]["pledged"].to_numpy() == pytest.approx(50.625)
    assert state[state["venture"] == "numergy"]["pledged"].to_numpy() == pytest.approx(50.625)
    o = r.outcomes
    assert o[o["venture"] == "cloudwatt"]["committed_final"].to_numpy() == pytest.approx(118.125)
    assert o[o["venture"] == "andromede"]["paid_in_final"].to_numpy() == pytest.approx(71.25)
    assert not o["collapsed"].any()


def test_a_parent_already_ended_moves_nothing():
    # a is dissolved at 2012-03 (payments from 2012-04 cancelled): at the split nothing is
    # outstanding; the split event has amount 0 and nobody joins b or c through it.
    r = run(SPLIT.replace("  a:\n    split:", "  a:\n    dissolution: {at: 2012-03}\n    split:"))
    split = r.events[r.events["type"] == "split"]
    assert list(split["amount"]) == [0.0]
    assert "already ended" in split["detail"].iloc[0]
    assert not row(r, "s", "b")["member"]
    assert row(r, "s", "a")["cancelled"] == pytest.approx(120 - 30)
