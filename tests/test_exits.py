"""Exit rules (docs/model.md §6.4): exact figures worked by hand on small scenarios.

The scenario `BASE` runs 2020-01 … 2020-06 (months 0-5) with one venture v:
  a pledges 100 in 4 monthly tranches of 25 (months 0-3),
  b pledges 60 upfront (month 0),
  c pledges 40 in 4 monthly tranches of 10 (months 0-3) and leaves in 2020-03 (t = 2).
c has paid months 0 and 1 when it leaves: its stake is S = 20, and its 20 still
due (months 2, 3) is cancelled. Without an exit rule the stake stays with c.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from conftest import month

import simulator
from simulator.results.tables import STAKE_COLUMNS, TRAJECTORY_COLUMNS
from simulator.scenario.load import load_scenario, validate_document
from simulator.scenario.yamlio import parse_text

BASE = """
start: 2020-01
end: 2020-06
ventures:
  v: {{share_basis: {basis}{extra}}}
partners:
  a: {{pledge: 100, schedule: {{type: tranches, count: 4}}}}
  b: {{pledge: 60}}
  c:
    pledge: 40
    schedule: {{type: tranches, count: 4}}
    departure: {{at: 2020-03{exit}}}
"""


def run(exit: str = "", basis: str = "committed", extra: str = "", tail: str = ""):
    text = BASE.format(exit=f", exit: {exit}" if exit else "", basis=basis, extra=extra) + tail
    s = validate_document(parse_text(text, "exits.yaml"), default_name="exits")
    return simulator.run(s, seed=1)


def shares_sum_to_one(r) -> None:
    sums = r.trajectories.groupby("date")["share"].sum()
    np.testing.assert_allclose(sums.to_numpy(), 1.0, atol=1e-12)


def identities(r) -> None:
    t = r.trajectories
    np.testing.assert_allclose(t["pledged"], t["paid_in"] + t["outstanding"] + t["cancelled"])
    np.testing.assert_allclose(t["stake"], t["paid_in"] + t["bought"] - t["sold"] - t["refunded"])
    for column in ("bought", "sold", "refunded", "stake", "paid_for_stakes", "received_for_stake"):
        assert (t[column] >= -1e-12).all(), column
    by_month = t.groupby("date")[["bought", "sold"]].sum()
    np.testing.assert_allclose(by_month["bought"], by_month["sold"])


def test_stake_stays_by_default():
    r = run()
    end = month(r, 5)
    assert end.loc["c", "paid_in"] == pytest.approx(20)  # a passive holding...
    assert end.loc["c", "share"] == 0  # ...that counts in no share (§10)
    assert end.loc["a", "share"] == pytest.approx(100 / 160)
    assert set(r.events["type"]) == {"departure"}
    # Nothing can change hands: the stake columns are left out (they would all be 0).
    assert list(r.trajectories.columns) == TRAJECTORY_COLUMNS


def test_stake_columns_with_an_exit_rule_that_does_not_fire():
    # c keeps its stake; the default refund would apply to a and b, who never leave:
    # the columns are there, all 0.
    r = run("{stake: stays}", tail="exit: {stake: refund}\n")
    t = r.trajectories
    assert list(t.columns) == TRAJECTORY_COLUMNS + STAKE_COLUMNS
    assert not t[["bought", "sold", "refunded", "paid_for_stakes"]].to_numpy().any()
    identities(r)


def test_refund_at_paid_in_value():
    # c is paid back S = 20 by the venture: refunded 20, received 20; the venture's
    # capital falls to 100 + 60 = 160 held by a and b.
    r = run("{stake: refund}")
    end = month(r, 5)
    assert end.loc["c", "refunded"] == pytest.approx(20)
    assert end.loc["c", "received_for_stake"] == pytest.approx(20)
    assert end.loc["c", "stake"] == 0
    assert end["stake"].sum() == pytest.approx(160)
    e = r.events[r.events["type"] == "stake_refunded"].iloc[0]
    assert (e["partner"], e["amount"]) == ("c", pytest.approx(20))
    assert str(e["date"]) == "2020-03"
    assert month(r, 1).loc["c", "refunded"] == 0  # nothing before the departure month
    shares_sum_to_one(r)
    identities(r)


def test_refund_at_a_given_amount_moves_the_stake_at_book_value():
    # The venture pays 15 for a stake of 20: capital falls by 20, c receives 15.
    r = run("{stake: refund, price: {rule: amount, amount: 15}}")
    end = month(r, 5)
    assert end.loc["c", "refunded"] == pytest.approx(20)
    assert end.loc["c", "received_for_stake"] == pytest.approx(15)
    identities(r)


def test_refund_lowers_capital_for_the_deadline_check():
    # minimum 170 at the 2020-03 deadline: committed total 100 + 60 + 40 − 20 cancelled
    # = 180 passes when the stake stays, 180 − 20 refunded = 160 fails with a refund.
    extra = ", minimum_capital: 170, deadline: 2020-03"
    assert not run(extra=extra).outcomes["collapsed"].iloc[0]
    r = run("{stake: refund}", extra=extra)
    assert r.outcomes["collapsed"].iloc[0]
    assert "committed 160 < minimum 170" in r.events[r.events["type"] == "collapse"].iloc[0, -1]


def test_preemption_pro_rata_to_committed_at_a_multiple():
    # a holds 100, b 60 of committed capital: a buys 20·100/160 = 12.5, b 7.5; at 1.5×
    # a pays 18.75, b 11.25, c receives 30. Shares from month 2: a 112.5/180 = 0.625.
    r = run("{stake: preemption, price: {rule: multiple, multiple: 1.5}}")
    end = month(r, 5)
    assert end.loc["a", "bought"] == pytest.approx(12.5)
    assert end.loc["b", "bought"] == pytest.approx(7.5)
    assert end.loc["c", "sold"] == pytest.approx(20)
    assert end.loc["a", "paid_for_stakes"] == pytest.approx(18.75)
    assert end.loc["b", "paid_for_stakes"] == pytest.approx(11.25)
    assert end.loc["c", "received_for_stake"] == pytest.approx(30)
    assert end.loc["a", "stake"] == pytest.approx(112.5)
    assert month(r, 2).loc["a", "share"] == pytest.approx(0.625)
    sold = r.events[r.events["type"] == "stake_sold"]
    assert list(sold["detail"]) == [
        "buyer a: stake 12.5 at 1.5× paid-in",
        "buyer b: stake 7.5 at 1.5× paid-in",
    ]
    assert sold["amount"].tolist() == pytest.approx([18.75, 11.25])
    shares_sum_to_one(r)
    identities(r)


def test_preemption_on_the_paid_in_basis_follows_paid_in_ownership():
    # Paid-in basis: when c leaves (start of month 2) a has paid 50 and b 60, so they own
    # 50 : 60 and pre-empt c's 20 in that proportion (a 9.09, b 10.91), not 100 : 60 by
    # their committed capital (12.5 and 7.5), which would shift their relative ownership.
    r = run("{stake: preemption}", basis="paid_in")
    end = month(r, 5)
    assert end.loc["a", "bought"] == pytest.approx(20 * 50 / 110)
    assert end.loc["b", "bought"] == pytest.approx(20 * 60 / 110)
    shares_sum_to_one(r)
    identities(r)


def test_several_named_buyers_in_stated_parts():
    # c's stake of 20 is sold to a and b in parts 3 : 1 (15 and 5) at 1.5× paid-in: a pays
    # 22.5, b 7.5, c receives 30.
    r = run("{stake: buyers, buyers: {a: 0.75, b: 0.25}, price: {rule: multiple, multiple: 1.5}}")
    end = month(r, 5)
    assert end["bought"].to_dict() == pytest.approx({"a": 15, "b": 5, "c": 0})
    assert end["paid_for_stakes"].to_dict() == pytest.approx({"a": 22.5, "b": 7.5, "c": 0})
    assert end.loc["c", "received_for_stake"] == pytest.approx(30)
    assert end.loc["c", "stake"] == pytest.approx(0)
    shares_sum_to_one(r)
    identities(r)


def test_named_buyer_at_an_amount_on_the_paid_in_basis():
    # b buys the 20 for 50. Paid-in basis: end of month 2, a has paid 75 and b holds
    # 60 + 20 = 80: shares 75/155 and 80/155; from month 3 a 100/180, b 80/180.
    r = run("{stake: buyer, buyer: b, price: {rule: amount, amount: 50}}", basis="paid_in")
    m2, end = month(r, 2), month(r, 5)
    assert m2.loc["a", "share"] == pytest.approx(75 / 155)
    assert m2.loc["b", "share"] == pytest.approx(80 / 155)
    assert end.loc["b", "share"] == pytest.approx(80 / 180)
    assert end.loc["b", "paid_for_stakes"] == pytest.approx(50)
    assert end.loc["c", "received_for_stake"] == pytest.approx(50)
    assert end.loc["c", "stake"] == 0
    shares_sum_to_one(r)
    identities(r)


def test_buyer_that_has_left_leaves_the_stake_where_it_is():
    # b leaves in month 1 (its stake stays: no exit rule of its own, default stays); c's
    # buyer is then gone at month 2, so c keeps its stake (a `stake_kept` event).
    text = BASE.format(exit=", exit: {stake: buyer, buyer: b}", basis="committed", extra="")
    text = text.replace("b: {pledge: 60}", "b: {pledge: 60, departure: {at: 2020-02}}")
    r = simulator.run(validate_document(parse_text(text, "x.yaml"), "x"), seed=1)
    kept = r.events[r.events["type"] == "stake_kept"]
    assert kept["detail"].tolist() == ["stake 20 stays: buyer is not a member"]
    assert month(r, 5).loc["c", "stake"] == pytest.approx(20)


def test_scenario_default_applies_and_departure_overrides_it():
    r = run(tail="exit: {stake: refund}\n")
    assert month(r, 5).loc["c", "refunded"] == pytest.approx(20)
    r = run("{stake: stays}", tail="exit: {stake: refund}\n")
    assert month(r, 5).loc["c", "refunded"] == 0


def test_example_scenario_figures():
    r = simulator.run("scenarios/examples/exit_rules.yaml", seed=1)
    end = month_of(r, "2016-12-01")
    assert end.loc["orange", "bought"] == pytest.approx(30 + 9)
    assert end.loc["orange", "paid_for_stakes"] == pytest.approx(36 + 9)
    assert end.loc["state", "bought"] == pytest.approx(13.5)
    assert end.loc["state", "share"] == pytest.approx(0.6)
    assert end["stake"].sum() == pytest.approx(247.5)
    shares_sum_to_one(r)
    identities(r)


def month_of(r, date: str) -> pd.DataFrame:
    rows = r.trajectories[r.trajectories["date"] == pd.Period(date, "M")]
    return rows.set_index(rows["partner"].astype(str))


def test_top_up_counts_the_stake_a_buyer_holds():
    # state (public, 100) keeps 50 % by top-ups; a 60, b 40, all upfront. b leaves in
    # month 2 and a buys its 40: a holds 100, T = 200, no top-up. c joins in month 4
    # with 50: T = 250, F = 100 → x = (0.5·250 − 100)/0.5 = 50; state 150/300 = 0.5,
    # a 100/300, c 50/300. (Had b's stake stayed, T = 160 + 50 and x would be 10.)
    text = """
start: 2020-01
end: 2020-06
ventures: {v: {}}
partners:
  state: {public: true, pledge: 100}
  a: {pledge: 60}
  b: {pledge: 40, departure: {at: 2020-03, exit: {stake: buyer, buyer: a}}}
candidates:
  c: {pledge: 50, negotiation: {start: 2020-05, duration: 0}}
policies:
  keep_half: {type: top_up, funder: state, share: 0.5}
"""
    r = simulator.run(validate_document(parse_text(text, "t.yaml"), "t"), seed=1)
    top_up = r.events[r.events["type"] == "top_up"]
    assert top_up["amount"].tolist() == pytest.approx([50])
    end = month(r, 5)
    assert end.loc["state", "share"] == pytest.approx(0.5)
    assert end.loc["a", "share"] == pytest.approx(1 / 3)
    assert end.loc["c", "share"] == pytest.approx(1 / 6)
    shares_sum_to_one(r)
    identities(r)


def test_contagion_exit_uses_the_leavers_rule():
    # c's departure makes b leave in the same month (probability 1); b has no departure
    # of its own, so the scenario's default (refund) applies to its 60 paid upfront.
    tail = "exit: {stake: refund}\ncontagion:\n  k: {from: [c], to: [b], probability: 1}\n"
    r = run("{stake: stays}", tail=tail)
    end = month(r, 5)
    assert end.loc["b", "refunded"] == pytest.approx(60)
    assert end.loc["c", "refunded"] == 0
    assert end.loc["a", "share"] == 1.0


# --- buy-out (model.md §9.3) ------------------------------------------------------------

BUYOUT = """
start: 2012-01
end: 2012-12
ventures: {{v: {{buyout: {{at: 2012-05, buyer: {buyer}{price}}}}}}}
partners:
  s: {{public: true, pledge: 120, schedule: {{type: tranches, count: 12}}}}
  o: {{pledge: 60, schedule: {{type: tranches, count: 12}}}}
  t: {{pledge: 24, schedule: {{type: tranches, count: 12}}{t_extra}}}
"""


def final(results) -> pd.DataFrame:
    """The last month's trajectory rows, indexed by partner."""
    t = results.trajectories
    last = t[t["date"] == t["date"].max()]
    return last.set_index(last["partner"].astype(str))


def run_buyout(buyer="o", price="", t_extra=""):
    text = BUYOUT.format(buyer=buyer, price=price, t_extra=t_extra)
    s = validate_document(parse_text(text, "buyout.yaml"), default_name="buyout")
    return simulator.run(s, seed=1)


def test_buyout_at_a_multiple():
    # Monthly tranches from 2012-01; the buy-out is at 2012-05 (t = 4) + 0.03, so months
    # 0-3 are paid: s 4 × 10 = 40, t 4 × 2 = 8 (o 4 × 5 = 20). s and t leave: their
    # 80 and 16 still due are cancelled; o buys stakes 40 and 8 for 1.5 × = 60 and 12.
    # o then holds its 60 committed + 48 bought = 108, all of the venture.
    r = run_buyout(price=", price: {rule: multiple, multiple: 1.5}")
    ev = r.events
    assert ev["type"].tolist() == ["departure", "stake_sold", "departure", "stake_sold", "buyout"]
    assert ev["amount"].tolist() == pytest.approx([80, 60, 16, 12, 48])
    assert (ev["date"] == pd.Period("2012-05", "M")).all()
    last = final(r)
    assert last.loc["o", "bought"] == pytest.approx(48)
    assert last.loc["o", "paid_for_stakes"] == pytest.approx(72)
    assert last.loc["s", "received_for_stake"] == pytest.approx(60)
    assert last.loc["t", "sold"] == pytest.approx(8)
    assert last["share"].to_dict() == pytest.approx({"s": 0.0, "o": 1.0, "t": 0.0})
    assert r.outcomes.iloc[0]["members_final"] == 1


def test_buyout_at_an_amount_is_the_whole_deals_price_split_by_stakes():
    # The price 120 is for the whole deal (not paid to each seller): s holds 40 and t 8 of
    # the 48 bought, so s receives 120 · 40/48 = 100 and t 120 · 8/48 = 20; o pays 120.
    r = run_buyout(price=", price: {rule: amount, amount: 120}")
    sold = r.events[r.events["type"] == "stake_sold"]
    assert sold["amount"].tolist() == pytest.approx([100, 20])
    assert set(sold["detail"].str.endswith("its part of the buy-out price")) == {True}
    last = final(r)
    assert last.loc["o", "paid_for_stakes"] == pytest.approx(120)
    assert last.loc["s", "received_for_stake"] == pytest.approx(100)
    assert last.loc["t", "received_for_stake"] == pytest.approx(20)
    # A drawn price is drawn once for the deal: the parts always add up to it.
    r = run_buyout(price=", price: {rule: amount, amount: {dist: uniform, low: 50, high: 150}}")
    sold = r.events[r.events["type"] == "stake_sold"]
    parts = sold["amount"].to_numpy().reshape(-1, 2)  # (s, t) in each replication
    np.testing.assert_allclose(parts[:, 0], 5 * parts[:, 1])
    deal = parts.sum(axis=1)
    assert deal.min() >= 50 and deal.max() <= 150 and deal.std() > 20


def test_buyout_overrides_the_sellers_own_exit_rule_and_skips_when_the_buyer_left():
    # t's own exit rule (refund) does not apply to a buy-out: its stake is sold to o.
    r = run_buyout(t_extra=", departure: {hazard: 0, exit: {stake: refund}}")
    assert "stake_refunded" not in set(r.events["type"])
    assert final(r).loc["o", "bought"] == pytest.approx(48)  # at paid-in value
    # A buyer that has left by then buys nothing.
    r = run_buyout(buyer="t", t_extra=", departure: {at: 2012-03}")
    skipped = r.events[r.events["type"] == "buyout_skipped"]
    assert skipped["detail"].tolist() == ["buyer is not a member"]
    assert final(r)["bought"].sum() == 0


# --- absorption after a buy-out (model.md §9.3) ------------------------------------------


def test_buyout_then_absorbed_by_the_buyer():
    # As above at paid-in value: o buys s's 40 and t's 8, then absorbs v: its own 60 − 20 =
    # 40 still due is cancelled (v is now its own business) and v ends in 2012-05. What
    # stays recorded in v: paid-in 40 + 20 + 8 = 68, all of it o's stake (100 %).
    r = run_buyout(price=", then: absorbed")
    ev = r.events
    assert ev["type"].tolist() == [
        "departure",
        "stake_sold",
        "departure",
        "stake_sold",
        "buyout",
        "absorbed",
    ]
    assert ev["amount"].tolist() == pytest.approx([80, 40, 16, 8, 48, 40])
    last = final(r)
    assert last.loc["o", "cancelled"] == pytest.approx(40)
    assert last.loc["o", "stake"] == pytest.approx(68)
    assert last["share"].to_dict() == pytest.approx({"s": 0.0, "o": 1.0, "t": 0.0})
    o = r.outcomes.iloc[0]
    assert (o["ended"], o["end_date"]) == ("absorbed", pd.Period("2012-05", "M"))
    assert (o["committed_final"], o["cancelled_final"]) == pytest.approx((68, 136))
    assert not o["collapsed"] and not o["dissolved"]


INTO = """
start: 2012-01
end: 2012-12
ventures:
  v: {buyout: {at: 2012-05, buyer: o, then: {into: w}}}
  w: {}
partners:
  s: {public: true, venture: v, pledge: 120, schedule: {type: tranches, count: 12}}
  o: {venture: v, pledge: 60, schedule: {type: tranches, count: 12}}
  t: {pledges: {v: {amount: 24, schedule: {type: tranches, count: 12}}, w: {amount: 10}}}
"""


def test_buyout_then_absorbed_into_another_venture():
    # o's 40 still due to v moves to w, each payment in its month (5 a month, 2012-05 to
    # 2012-12); o becomes a member of w in 2012-05. Its paid-in 20 and the 48 it bought stay
    # in v, which ends. In w: o 40, t 10 (shares 0.8 and 0.2).
    s = validate_document(parse_text(INTO, "into.yaml"), default_name="into")
    r = simulator.run(s, seed=1)
    absorbed = r.events[r.events["type"] == "absorbed"].iloc[0]
    assert (absorbed["partner"], absorbed["venture"]) == ("o", "v")
    assert absorbed["amount"] == pytest.approx(40)
    assert absorbed["detail"] == "into w: outstanding moved"
    t = r.trajectories
    ow = t[(t["partner"] == "o") & (t["venture"] == "w")].set_index("date")
    assert ow.loc["2012-04", ["pledged", "member"]].tolist() == [0, False]
    # (the batch engine reads what is left from cumulative weights: equal to rounding)
    assert ow.loc["2012-05", ["pledged", "paid_in"]].tolist() == pytest.approx([40, 5])
    assert ow.loc["2012-05", "member"]
    assert ow.loc["2012-12", ["paid_in", "share"]].tolist() == pytest.approx([40, 0.8])
    last = final(r)
    v = last[last["venture"] == "v"]
    assert v.loc["o", ["paid_in", "bought", "cancelled"]].tolist() == pytest.approx([20, 48, 40])
    o = r.outcomes.set_index("venture")
    assert list(o["ended"]) == ["absorbed", ""]
    assert o.loc["w", "committed_final"] == pytest.approx(50)


def test_absorbed_into_a_venture_that_has_ended_cancels_the_pledge():
    text = INTO.replace("  w: {}", "  w: {dissolution: {at: 2012-02}}")
    s = validate_document(parse_text(text, "into.yaml"), default_name="into")
    r = simulator.run(s, seed=1)
    absorbed = r.events[r.events["type"] == "absorbed"].iloc[0]
    assert absorbed["detail"] == "into w, ended or left by the buyer: outstanding cancelled"
    t = r.trajectories
    assert t[(t["partner"] == "o") & (t["venture"] == "w")]["pledged"].max() == 0


def test_the_buyout_absorbed_example():
    # scenarios/examples/buyout_absorbed.yaml: Orange buys 50.625 + 22.5 in Cloudwatt at
    # 2015-03 and absorbs it; its last tranche (12.5) is cancelled; into Numergy, it moves.
    path = "scenarios/examples/buyout_absorbed.yaml"
    r = simulator.run(path, seed=1)
    o = r.outcomes.set_index("venture")
    assert (o.loc["cloudwatt", "ended"], o.loc["cloudwatt", "end_date"]) == (
        "absorbed",
        pd.Period("2015-03", "M"),
    )
    assert o.loc["cloudwatt", "committed_final"] == pytest.approx(110.625)
    last = final(r)
    cw = last[last["venture"] == "cloudwatt"]
    assert cw.loc["orange", ["bought", "stake", "share"]].tolist() == pytest.approx(
        [73.125, 110.625, 1.0]
    )
    into = load_scenario(path, overrides=["ventures.cloudwatt.buyout.then={into: numergy}"])
    o = simulator.run(into, seed=1).outcomes.set_index("venture")
    assert o.loc["numergy", "committed_final"] == pytest.approx(80)
    assert o.loc["cloudwatt", "ended"] == "absorbed"
