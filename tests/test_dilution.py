"""Entry dilution by a negotiated share (docs/model.md §10): exact figures worked by hand.

The scenario `BASE` runs 2020-01 … 2020-12 (months 0-11) with one venture v: the State
135, Orange 60 and Thales 30, all paid upfront in month 0 (T = 225), and Atos, which
joins in 2020-03 (t = 2) pledging 50 and is granted a share s of v.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from conftest import month

import simulator
from simulator.engine.dilution import target_shares, transfers
from simulator.results.tables import TRAJECTORY_COLUMNS
from simulator.scenario.load import validate_document
from simulator.scenario.members import Negotiation
from simulator.scenario.yamlio import parse_text

BASE = """
start: 2020-01
end: 2020-12
ventures:
  v: {{share_basis: {basis}}}
partners:
  state: {{public: true, pledge: 135}}
  orange: {{pledge: 60{orange}}}
  thales: {{pledge: {thales}}}
candidates:
  atos:
    pledge: 50
    schedule: {schedule}
    negotiation: {{start: 2020-03{terms}}}
"""


def run(
    terms="", basis="committed", thales=30, schedule="{type: upfront}", orange="", n=None, tail=""
):
    """BASE with Atos's negotiation `terms`; `tail` adds lines (another candidate)."""
    text = BASE.format(terms=terms, basis=basis, thales=thales, schedule=schedule, orange=orange)
    text += tail
    s = validate_document(parse_text(text, "dilution.yaml"), default_name="dilution")
    return simulator.run(s, replications=n, seed=1)


def test_pro_rata_on_the_committed_basis():
    # T + x* = 275; Atos gets 25 %, the others scale by 1 − s = 0.75:
    # State 60 % → 45 %, Orange 26.67 % → 20 %, Thales 13.33 % → 10 %.
    # g = 275 · share − holding: State −11.25, Orange −5, Thales −2.5, Atos +18.75.
    r = run(", dilution: pro_rata, share: 0.25")
    before, at = month(r, 1), month(r, 2)
    assert before["share"].to_dict() == pytest.approx(
        {"state": 0.6, "orange": 60 / 225, "thales": 30 / 225, "atos": 0}
    )
    assert not before["granted"].any()
    assert at["share"].to_dict() == pytest.approx(
        {"state": 0.45, "orange": 0.2, "thales": 0.1, "atos": 0.25}
    )
    assert at["granted"].to_dict() == pytest.approx(
        {"state": -11.25, "orange": -5, "thales": -2.5, "atos": 18.75}
    )
    # Ownership, not capital: committed and paid-in are what each member put in.
    assert at["committed"].to_dict() == {"state": 135, "orange": 60, "thales": 30, "atos": 50}
    pd.testing.assert_frame_equal(month(r, 11)[["share", "granted"]], at[["share", "granted"]])
    e = r.events[r.events["type"] == "dilution"]
    assert list(e["partner"]) == ["state", "orange", "thales", "atos"]
    assert list(e["amount"]) == pytest.approx([-11.25, -5, -2.5, 18.75])
    assert e["detail"].iloc[0] == "pro_rata: atos joins; share 60 % → 45 %"
    assert e["detail"].iloc[-1] == "pro_rata: granted 25 % of v (capital 18.18 %)"


def test_equal_water_filled_when_a_small_member_gives_all_it_has():
    # Thales 10: T = 205, shares 27/41, 12/41, 2/41. Each should give s/3 = 0.15, more
    # than Thales's 2/41: Thales gives all it has, the State and Orange give
    # (0.45 − 2/41)/2 each. After: State 28/41 − 0.225, Orange 13/41 − 0.225, Thales 0.
    r = run(", dilution: equal, share: 0.45", thales=10)
    at = month(r, 2)
    assert at["share"].to_dict() == pytest.approx(
        {"state": 28 / 41 - 0.225, "orange": 13 / 41 - 0.225, "thales": 0, "atos": 0.45}
    )
    assert at["granted"].to_dict() == pytest.approx(
        {
            "state": 255 * (28 / 41 - 0.225) - 135,
            "orange": 255 * (13 / 41 - 0.225) - 60,
            "thales": -10,
            "atos": 255 * 0.45 - 50,
        }
    )
    assert at["granted"].sum() == pytest.approx(0, abs=1e-12)


def test_target_shares_water_filling():
    # Owned 1, 2, 97 and s = 0.3: each should give 0.1; the first gives its 0.01, the
    # second (0.29/2 = 0.145 > 0.02) its 0.02, the third the remaining 0.27.
    assert target_shares("equal", 0.3, [1, 2, 97]) == pytest.approx([0, 0, 0.7])
    # Nobody short: each gives s/n.
    assert target_shares("equal", 0.3, [70, 24, 6]) == pytest.approx([0.58, 0.12, 0])
    assert target_shares("equal", 0.3, [40, 30, 30]) == pytest.approx([0.3, 0.2, 0.2])
    assert target_shares("pro_rata", 0.3, [40, 30, 30]) == pytest.approx([0.28, 0.21, 0.21])
    assert target_shares("equal", 1.0, [40, 30, 30]) == pytest.approx([0, 0, 0])


def test_transfers_add_up_to_zero():
    moves = transfers("pro_rata", 0.25, {0: 135, 1: 60, 2: 30}, 3, 50)
    assert [(q, g) for q, g, _ in moves] == [
        (0, pytest.approx(-11.25)),
        (1, pytest.approx(-5)),
        (2, pytest.approx(-2.5)),
        (3, pytest.approx(18.75)),
    ]
    assert transfers("equal", 0.25, {0: 0.0, 1: 0.0}, 2, 50) == []  # nothing to share


def test_a_larger_member_can_gain_under_equal_dilution():
    # Owned 70, 24, 6 (T = 100), x* = 25, s = 0.3: after 0.58, 0.12, 0 of 125, so the
    # largest member's ownership rises from 70 to 72.5 (each gave up the same share of
    # the venture before the join).
    assert [125 * x for x in target_shares("equal", 0.3, [70, 24, 6])] == pytest.approx(
        [72.5, 15, 0]
    )


def test_paid_in_basis_accrues_as_the_joiner_pays():
    # Atos pays 12.5 a month in months 2-5; the transfers accrue by the fraction paid,
    # g · (k + 1)/4 in month 2 + k, and are whole from month 5 on.
    r = run(
        ", dilution: pro_rata, share: 0.25",
        basis="paid_in",
        schedule="{type: tranches, count: 4}",
    )
    g = {"state": -11.25, "orange": -5, "thales": -2.5, "atos": 18.75}
    paid = {"state": 135, "orange": 60, "thales": 30}
    for k in range(4):
        m = month(r, 2 + k)
        own = {**paid, "atos": 12.5 * (k + 1)}
        granted = {q: g[q] * (k + 1) / 4 for q in g}
        total = sum(own.values())
        assert m["granted"].to_dict() == pytest.approx(granted), k
        assert m["share"].to_dict() == pytest.approx(
            {q: (own[q] + granted[q]) / total for q in own}
        ), k
    # Month 2: Atos has paid 12.5 and holds 12.5 + 18.75/4 = 17.1875 of 237.5.
    assert month(r, 2).loc["atos", "share"] == pytest.approx(17.1875 / 237.5)
    assert month(r, 5)["share"].to_dict() == pytest.approx(
        {"state": 0.45, "orange": 0.2, "thales": 0.1, "atos": 0.25}
    )


def test_a_later_departure_leaves_the_others_shares_summing_to_one():
    # Orange leaves in 2020-06 after the pro rata grant: its granted −5 counts in no
    # share. Active: State 135 − 11.25 = 123.75, Thales 27.5, Atos 68.75 (of 220).
    r = run(", dilution: pro_rata, share: 0.25", orange=", departure: {at: 2020-06}")
    end = month(r, 11)
    assert end["share"].to_dict() == pytest.approx(
        {"state": 123.75 / 220, "orange": 0, "thales": 27.5 / 220, "atos": 68.75 / 220}
    )
    assert end.loc["orange", "granted"] == pytest.approx(-5)  # the register keeps it
    # Pro rata transfers keep the others' relative shares: State/Thales is still 135/30.
    assert end.loc["state", "share"] / end.loc["thales", "share"] == pytest.approx(135 / 30)


def test_a_second_grant_counts_the_first():
    # After Atos's 25 % (ownership 123.75 / 55 / 27.5 / 68.75 of 275), Bull joins in month
    # 4 with 25 and 10 % pro rata: T = 275 counts the first grant, T + x* = 300, everyone
    # else keeps 90 % of its share: 40.5 / 18 / 9 / 22.5 %, Bull 10 % (g = 30 − 25 = 5).
    bull = "  bull: {pledge: 25, negotiation: {start: 2020-05, dilution: pro_rata, share: 0.1}}\n"
    r = run(", dilution: pro_rata, share: 0.25", tail=bull)
    at = month(r, 4)
    assert at["share"].to_dict() == pytest.approx(
        {"state": 0.405, "orange": 0.18, "thales": 0.09, "atos": 0.225, "bull": 0.1}
    )
    assert at.loc["bull", "granted"] == pytest.approx(5)
    assert at.loc["atos", "granted"] == pytest.approx(18.75 + (300 * 0.225 - 68.75))
    assert at["granted"].sum() == pytest.approx(0, abs=1e-12)


def test_bargained_terms_grant_min_share_by_default():
    # Bargained: T = 150, ask 50, max_pledge 80, σ = 0.2, power 0.5: x_lo = max(50, 37.5),
    # x* = 50 + 0.5 · 30 = 65, a capital share 65/215 = 30.2 %. Granted exactly σ = 20 %,
    # Atos gives 65 − 43 = 22 of ownership to the others, pro rata (100 : 50).
    text = """
start: 2020-01
end: 2020-06
ventures: {v: {}}
partners:
  a: {pledge: 100}
  b: {pledge: 50}
candidates:
  atos:
    negotiation:
      start: 2020-02
      max_pledge: 80
      ask: 50
      min_share: 0.2
      dilution: pro_rata
"""
    s = validate_document(parse_text(text, "bargained.yaml"), default_name="bargained")
    at = month(simulator.run(s, seed=1), 1)
    assert at.loc["atos", "committed"] == pytest.approx(65)
    assert at["share"].to_dict() == pytest.approx(
        {"a": 0.8 * 100 / 150, "b": 0.8 * 50 / 150, "atos": 0.2}
    )
    assert at["granted"].to_dict() == pytest.approx(
        {"a": 22 * 100 / 150, "b": 22 * 50 / 150, "atos": -22}
    )


def test_capital_dilution_is_todays_behaviour():
    # `dilution: capital` (the default) changes nothing: same tables, no granted column.
    plain, explicit = run(), run(", dilution: capital")
    assert list(explicit.trajectories.columns) == TRAJECTORY_COLUMNS
    pd.testing.assert_frame_equal(plain.trajectories, explicit.trajectories)
    pd.testing.assert_frame_equal(plain.events, explicit.events)
    pd.testing.assert_frame_equal(plain.outcomes, explicit.outcomes)
    assert month(plain, 2)["share"].to_dict() == pytest.approx(
        {"state": 135 / 275, "orange": 60 / 275, "thales": 30 / 275, "atos": 50 / 275}
    )


def test_entry_terms_keep_the_simple_form():
    n = Negotiation(start="2012-03", duration=2, success=0.5, dilution="pro_rata", share=0.2)
    assert not n.in_rounds
    assert Negotiation(start="2012-03", every=2).in_rounds


def test_a_drawn_share_makes_the_run_stochastic():
    r = run(", dilution: pro_rata, share: {dist: uniform, low: 0.1, high: 0.3}", n=20)
    assert r.stochastic
    shares = month(r, 2).loc["atos", "share"]
    assert shares.between(0.1, 0.3).all() and shares.nunique() == 20
    np.testing.assert_allclose(
        r.trajectories.groupby(["replication", "date"])["granted"].sum(), 0, atol=1e-9
    )


def test_example_scenario_figures():
    # scenarios/examples/entry_dilution.yaml: the figures its header states (the others
    # keep 0.8 × 265 = 212 of ownership: Orange 212 · 60/225 − 60 = −3.47).
    r = simulator.run("scenarios/examples/entry_dilution.yaml", seed=1)
    t = r.trajectories
    may, june = (t[t["date"] == pd.Period(year=2012, month=m, freq="M")] for m in (5, 6))
    may, june = (x.set_index(x["partner"].astype(str)) for x in (may, june))
    assert may["share"].to_dict() == pytest.approx(
        {"state": 0.6, "orange": 60 / 225, "thales": 30 / 225, "dassault": 0, "atos": 0}
    )
    assert june["share"].to_dict() == pytest.approx(
        {
            "state": 0.48,
            "orange": 0.8 * 60 / 225,
            "thales": 0.8 * 30 / 225,
            "dassault": 0,
            "atos": 0.2,
        }
    )
    assert june["granted"].to_dict() == pytest.approx(
        {
            "state": -7.8,
            "orange": 212 * 60 / 225 - 60,
            "thales": 212 * 30 / 225 - 30,
            "dassault": 0,
            "atos": 13,
        }
    )


def test_preemption_follows_ownership_with_the_register():
    # Atos granted 25 % pro rata: owned State 123.75, Orange 55, Thales 27.5, Atos 68.75.
    # Thales leaves in 2020-06 and its stake of 30 is pre-empted by what the others own
    # (123.75 : 55 : 68.75 of 247.5), not by their capital (135 : 60 : 50): the State buys
    # 15, Orange 6.667, Atos 8.333, and their shares stay 45 : 20 : 25 (50 %, 22.2 %, 27.8 %).
    thales = "30, departure: {at: 2020-06, exit: {stake: preemption}}"
    r = run(", dilution: pro_rata, share: 0.25", thales=thales)
    end = month(r, 11)
    assert end["bought"].to_dict() == pytest.approx(
        {"state": 15, "orange": 20 / 3, "thales": 0, "atos": 25 / 3}
    )
    assert end["share"].to_dict() == pytest.approx(
        {"state": 0.5, "orange": 2 / 9, "thales": 0, "atos": 25 / 90}
    )
    before = month(r, 4)["share"]  # the month before: 45 : 20 : 10 : 25 %
    assert before.to_dict() == pytest.approx(
        {"state": 0.45, "orange": 0.2, "thales": 0.1, "atos": 0.25}
    )


def test_entry_at_a_valuation_grants_the_share_its_price_gives():
    # Atos's 50 at a pre-money value of 150 buys 50 / 200 = 25 % of the enlarged venture:
    # the figures of the pro rata 25 % grant (State 45 %, Orange 20 %, Thales 10 %).
    r = run(", pre_money: 150")
    assert month(r, 2)["share"].to_dict() == pytest.approx(
        {"state": 0.45, "orange": 0.2, "thales": 0.1, "atos": 0.25}
    )
    granted = r.events[(r.events["type"] == "dilution") & (r.events["partner"] == "atos")]
    assert granted["detail"].tolist() == [
        "pro_rata: granted 25 % of v at a pre-money value of 150 (capital 18.18 %)"
    ]
    assert granted["amount"].tolist() == pytest.approx([18.75])
    # At book value (pre-money 225 = the capital already in) the price gives the capital
    # share, 50 / 275: nobody gives up any ownership beyond what capital says.
    r = run(", pre_money: 225")
    moved = r.events[r.events["type"] == "dilution"]["amount"]
    assert np.abs(moved.to_numpy()).max() < 1e-9
    assert month(r, 2)["share"]["atos"] == pytest.approx(50 / 275)
