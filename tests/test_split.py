"""A venture splitting into child ventures (docs/model.md §9.2): exact figures on a small
deterministic scenario, worked by hand in a comment."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from conftest import scenario

import simulator
from simulator.analysis.summary import format_summary
from simulator.engine.compile import compile_scenario
from simulator.engine.simulate import simulate
from simulator.errors import ScenarioError
from simulator.experiments.tasks import _sweep_outcomes
from simulator.results.tables import Context
from simulator.scenario.load import load_scenario
from simulator.scenario.schema import Scenario

ROOT = Path(__file__).resolve().parents[1]


def run(text: str) -> simulator.ResultSet:
    return simulator.run(scenario(text), seed=1)


def row(results, partner: str, venture: str, date: str = "2012-12") -> pd.Series:
    t = results.trajectories
    rows = t[
        (t["date"] == pd.Period(date, "M")) & (t["partner"] == partner) & (t["venture"] == venture)
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
    after = t[t["date"] >= pd.Period("2012-05", "M")]
    sums = after[after["venture"].isin(["b", "c"])].groupby(["venture", "date"], observed=True)
    assert np.allclose(sums["share"].sum(), 1.0)
    # Every pledge either paid somewhere or still outstanding: 120 + 60 + 24 + 10 in all.
    last = t[t["date"] == t["date"].max()]
    assert last["paid_in"].sum() == pytest.approx(214)
    accounted = last["paid_in"] + last["outstanding"] + last["cancelled"]
    assert np.allclose(last["pledged"], accounted, rtol=1e-12, atol=1e-9)  # sums' rounding
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
    assert (split["date"] == pd.Period("2012-05", "M")).all()
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


# --- split by amounts, on an event (model.md §9.2) -----------------------------------------

AMOUNTS = SPLIT.replace(
    "pledges: {s: {b: 0.25, c: 0.75}}", "amounts: {s: {b: 20, c: 30}, y: {c: 40}}"
)


def split_events(results) -> pd.DataFrame:
    e = results.events
    return e[e["type"] == "split"].reset_index(drop=True)


def test_amounts_below_and_above_the_outstanding_pledge():
    # At 2012-05 s has 80 outstanding: its amounts add up to 50 ≤ 80, so b gets 20 and c 30
    # (fractions 0.25 and 0.375 of every remaining payment: 2.5 and 3.75 a month) and the
    # other 30 is cancelled. y has 16 outstanding and is given 40 > 16: scaled down, all 16
    # go to c. x, not listed, divides its 20 equally over its one child b.
    r = run(AMOUNTS)
    expected = {
        ("s", "a"): (120, 40, 80),
        ("s", "b"): (20, 20, 0),
        ("s", "c"): (30, 30, 0),
        ("x", "b"): (20, 20, 0),
        ("y", "c"): (26, 26, 0),
    }
    for (p, v), figures in expected.items():
        got = row(r, p, v)
        assert (got["pledged"], got["paid_in"], got["cancelled"]) == pytest.approx(figures), (p, v)
    assert row(r, "s", "b", "2012-05")["paid_in"] == pytest.approx(2.5)
    assert row(r, "s", "c", "2012-05")["paid_in"] == pytest.approx(3.75)
    assert row(r, "s", "c")["share"] == pytest.approx(30 / 56)
    split = split_events(r)
    assert list(split["amount"]) == pytest.approx([20, 30, 30, 20, 16, 116])
    assert list(split["venture"]) == ["b", "c", "a", "b", "c", "a"]
    assert split.loc[2, "detail"] == "not given to a child: outstanding cancelled"
    assert split.loc[0, "detail"] == "from a (0.25 of 80)"
    assert split.loc[4, "detail"] == "from a (1 of 16, amounts 40 scaled)"


def test_uncertain_amounts_are_drawn_at_the_split():
    text = AMOUNTS.replace("y: {c: 40}", "y: {c: {dist: uniform, low: 0, high: 16}}")
    assert simulator.is_stochastic(scenario(text))
    r = simulator.run(scenario(text), replications=30, seed=4)
    t = r.trajectories
    y = t[(t["partner"] == "y") & (t["venture"] == "c") & (t["date"] == t["date"].max())]
    moved = y["pledged"].to_numpy() - 10  # its own 10 to c, plus its drawn amount
    assert ((moved >= 0) & (moved <= 16)).all() and moved.std() > 1
    a = t[(t["partner"] == "y") & (t["venture"] == "a") & (t["date"] == t["date"].max())]
    assert a["cancelled"].to_numpy() == pytest.approx(16)  # the rest is cancelled in a


ON_DEPARTURE = SPLIT.replace("      at: 2012-05\n", "      on: {departure: x}\n").replace(
    "count: 6}}", "count: 6}, departure: {at: 2012-03, exit: {stake: buyer, buyer: y}}}"
)


def test_split_on_a_departure_follows_it_in_the_same_month():
    # x leaves at 2012-03 (t = 2, time 2.0) having paid 2 × 10 = 20: its 40 still due is
    # cancelled and its exit rule sells its stake of 20 to y, both at 2.0. The split
    # follows at 2.05: s moves 120 − 20 = 100 (25 to b, 75 to c), y moves 24 − 4 = 20 to
    # c; x, gone, moves nothing and joins no child. y's bought stake stays in a.
    r = run(ON_DEPARTURE)
    e = r.events
    assert list(e["type"]) == ["departure", "stake_sold", *["split"] * 4, "policy_skipped"]
    assert (e["date"][:6] == pd.Period("2012-03", "M")).all()
    assert list(split_events(r)["amount"]) == pytest.approx([25, 75, 20, 120])
    assert row(r, "s", "c")["pledged"] == pytest.approx(75)
    assert row(r, "y", "c")["pledged"] == pytest.approx(30)
    assert not row(r, "x", "b")["member"]
    a = row(r, "y", "a")
    assert (a["paid_in"], a["bought"], a["stake"]) == pytest.approx((4, 20, 24))
    o = r.outcomes.set_index("venture")
    assert o.loc["a", "ended"] == "split"
    assert o.loc["a", "end_date"] == pd.Period("2012-03", "M")


def test_split_on_any_departure_happens_once():
    # y leaves too, at 2012-06: the split of 2012-03 has already ended a.
    text = ON_DEPARTURE.replace("departure: x", "departure: any").replace(
        "c: {amount: 10}}}", "c: {amount: 10}}, departure: {at: 2012-06}}"
    )
    r = run(text)
    assert list(split_events(r)["date"]) == [pd.Period("2012-03", "M")] * 4


def test_a_departure_that_never_happens_splits_nothing():
    r = run(ON_DEPARTURE.replace("departure: {at: 2012-03, exit", "departure: {hazard: 0, exit"))
    assert split_events(r).empty
    assert r.outcomes["ended"].eq("").all()
    assert r.outcomes["end_date"].isna().all()


BELOW = (
    SPLIT.replace("      at: 2012-05\n", "      on: {committed_below: 180}\n")
    .replace("pledges: {s: {b: 0.25, c: 0.75}}", "leaving: [x]")
    .replace("b: {members: [x, s]}", "b: {members: [s]}")
    .replace(
        "  r: {type: raise",
        "  st: {type: stop, funder: x, venture: a, at: 2012-04}\n  r: {type: raise",
    )
)


def test_split_on_committed_below_comes_at_the_next_split_time():
    # Committed in a: 120 + 60 + 24 = 204. x stops paying at 2012-04 (t = 3, time 3.2, its
    # month-3 payment not made): it has paid 30, so committed falls to 120 + 30 + 24 = 174
    # < 180. The month's splits (3.05) are past: a splits at 4.05, 2012-05. s moves
    # 120 − 40 = 80 (40 to each child), y 24 − 8 = 16 to c; x has nothing outstanding.
    r = run(BELOW)
    e = r.events
    assert list(e["type"]) == ["stop", "split", "split", "split", "split", "policy_skipped"]
    assert list(split_events(r)["amount"]) == pytest.approx([40, 40, 16, 96])
    assert (split_events(r)["date"] == pd.Period("2012-05", "M")).all()
    assert row(r, "s", "b")["pledged"] == pytest.approx(40)
    # A departure is a change before the month's splits: a threshold crossed by it
    # splits in the same month (x leaves at 2012-04 having paid 30).
    r = run(BELOW.replace("count: 6}}", "count: 6}, departure: {at: 2012-04}}"))
    assert (split_events(r)["date"] == pd.Period("2012-04", "M")).all()
    # Below the threshold from the start (204 < 205): never crossed, so no split (model.md
    # §9.6; before 2026-12 it split in month 0, a venture punished for how it started).
    r = run(BELOW.replace("committed_below: 180", "committed_below: 205"))
    assert split_events(r).empty
    assert r.outcomes.set_index(r.outcomes["venture"].astype(str)).loc["a", "ended"] == ""


# --- how a venture ended, in the outcome table -----------------------------------------------

ENDINGS = """
start: 2012-01
end: 2012-12
ventures:
  short: {minimum_capital: 100, deadline: 2012-03}
  wound: {dissolution: {at: 2012-04}}
  parent: {split: {at: 2012-05, into: {child: {members: [o]}}}}
  child: {}
  bought: {buyout: {at: 2012-06, buyer: o, then: absorbed}}
partners:
  o:
    pledges: {short: {amount: 50}, wound: {amount: 10}, parent: {amount: 10}, bought: {amount: 10}}
  t: {pledges: {bought: {amount: 5}}}
"""


def test_ended_and_end_date_for_each_way_of_ending():
    o = run(ENDINGS).outcomes.set_index("venture")
    assert list(o["ended"]) == ["collapsed", "dissolved", "split", "", "absorbed"]
    assert isinstance(o["ended"].dtype, pd.CategoricalDtype)
    dates = ["2012-03", "2012-04", "2012-05", None, "2012-06"]
    assert list(o["end_date"]) == [pd.NaT if d is None else pd.Period(d, "M") for d in dates]
    # The older columns keep their meaning: a collapse, a dissolution, nothing else.
    assert list(o["collapsed"]) == [True, False, False, False, False]
    assert list(o["dissolved"]) == [False, True, False, False, False]
    assert o.loc["short", "collapse_date"] == pd.Period("2012-03", "M")
    assert o["collapse_date"].isna().sum() == 4


def test_the_split_on_departure_example():
    # scenarios/examples/split_on_departure.yaml: the State's 75 + 75 > 135 is scaled to
    # 67.5 each; Orange's 50 of 60 goes to Cloudwatt and 10 is cancelled; Thales moves 30.
    r = simulator.run(ROOT / "scenarios/examples/split_on_departure.yaml", seed=1)
    o = r.outcomes.set_index("venture")
    assert o["committed_final"].to_dict() == pytest.approx(
        {"andromede": 0, "cloudwatt": 147.5, "numergy": 67.5}
    )
    assert (o.loc["andromede", "ended"], o.loc["andromede", "end_date"]) == (
        "split",
        pd.Period("2011-12", "M"),
    )
    assert o.loc["cloudwatt", "capital_to_market"] == pytest.approx(147.5 / 35000)
    lines = split_events(r)
    assert "scaled" in lines[lines["partner"] == "state"]["detail"].iloc[0]
    cancelled = lines[(lines["partner"] == "orange") & (lines["venture"] == "andromede")]
    assert cancelled["amount"].tolist() == pytest.approx([10])


def test_ended_in_the_summary_in_arrow_and_after_saving(tmp_path):
    r = run(ENDINGS)
    text = format_summary(r)
    assert "P(split)      100%" in text
    assert "P(absorbed)   100%" in text
    assert "P(dissolved)  100%" in text
    assert text.count("members") == 1  # only the child runs to the end: ended ventures have none
    # A sweep builds its Arrow outcomes from the same columns: `ended` is a dictionary.
    model = compile_scenario(scenario(ENDINGS))
    chunk = simulate(model, 1, 2)
    table = _sweep_outcomes(Context(scenario(ENDINGS), model), chunk, 0, {}, None)
    assert (
        str(table.schema.field("ended").type)
        == "dictionary<values=string, indices=int8, ordered=0>"
    )
    assert table.column("ended").to_pylist()[:5] == [
        "collapsed",
        "dissolved",
        "split",
        "",
        "absorbed",
    ]
    # CSV writes "" as an empty cell: loading gives the categories back.
    back = simulator.ResultSet.load(r.save(tmp_path / "r"))
    assert back.outcomes["ended"].tolist() == r.outcomes["ended"].tolist()
    assert back.outcomes["end_date"].tolist() == r.outcomes["end_date"].tolist()
