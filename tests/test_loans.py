"""Loans and guarantees (docs/model.md §9.8): exact figures worked by hand.

The venture spends 10 a month from 2020-01; `a` pledges 60 upfront, so the cash is 60 − 10
per month until a loan comes. Capital is equity; a loan is cash, not capital.
"""

from __future__ import annotations

import pytest
from conftest import run

from simulator.errors import ScenarioError

BASE = """
start: 2020-01
end: 2021-12
ventures:
  v:
    spending: {{per_month: 10}}
    loans:
      bank: {{lender: b, amount: 50, at: 2020-03, term: 12, rate: 0.1{guarantee}}}
partners:
  a: {{pledge: 60}}
  b: {{}}
  g: {{}}
"""


def events(r, kind: str) -> list:
    e = r.events[r.events["type"] == kind]
    return [
        (str(d), p, round(a, 9), x)
        for d, p, a, x in e[["date", "partner", "amount", "detail"]].values
    ]


def cash(r) -> dict:
    t = r.trajectories
    rows = t[t["partner"] == "a"].set_index("date")["venture_cash"]
    return {str(d): float(x) for d, x in rows.items()}


def test_a_loan_is_cash_not_capital_and_is_repaid_with_interest():
    # 2020-03: 50 lent (cash 60 − 20 = 40, + 50 − 10 = 80 after the month's spending).
    # Due 2021-03: 50 · (1 + 0.1 · 12/12) = 55. Cash runs 80 − 10 a month: 0 at the end of
    # 2020-11, so nothing is left in 2021-03: the loan defaults, 55 lost.
    r = run(BASE.format(guarantee=""))
    assert events(r, "loan") == [("2020-03", "b", 50.0, "bank: 55 due 2021-03")]
    assert cash(r)["2020-03"] == pytest.approx(80)
    assert cash(r)["2020-11"] == pytest.approx(0)
    assert events(r, "loan_repaid") == [("2021-03", "b", 0.0, "bank: 0 of 55")]
    assert events(r, "loan_default") == [("2021-03", "b", 55.0, "bank: lost")]
    o = r.outcomes.iloc[0]
    assert (o["pledged_final"], o["paid_in_final"]) == (60, 60)  # not equity
    b = r.trajectories[r.trajectories["partner"] == "b"]
    assert (b["share"] == 0).all() and (b["paid_in"] == 0).all()


def test_a_guarantor_pays_what_the_cash_cannot():
    r = run(BASE.format(guarantee=", guarantor: g, guarantee: 40"))
    assert events(r, "guarantee_called") == [("2021-03", "g", 40.0, "bank: to b")]
    assert events(r, "loan_default") == [("2021-03", "b", 15.0, "bank: lost")]


def test_a_loan_repaid_in_full_when_the_cash_is_there():
    # A larger pledge: a's 300 keeps the cash positive; in 2021-03 the cash after spending
    # is 300 + 50 − 15 · 10 = 200 ≥ 55: all repaid, and the cash drops by 55.
    r = run(BASE.format(guarantee="").replace("a: {pledge: 60}", "a: {pledge: 300}"))
    assert events(r, "loan_repaid") == [("2021-03", "b", 55.0, "bank: 55 of 55")]
    c = cash(r)
    assert (c["2021-02"], c["2021-03"]) == pytest.approx((210, 145))
    assert events(r, "loan_default") == []


def test_a_loan_needs_a_spending_plan():
    text = BASE.format(guarantee="").replace("    spending: {per_month: 10}\n", "")
    with pytest.raises(ScenarioError, match="a loan is repaid out of the venture's cash"):
        run(text)


def test_the_state_loan_example():
    # scenarios/examples/state_loan.yaml, its deterministic "Figures to check".
    from pathlib import Path

    import simulator

    path = Path(__file__).resolve().parents[1] / "scenarios/examples/state_loan.yaml"
    r = simulator.run(
        path, overrides=["ventures.andromede.capital_calls.default=null"], progress=False
    )
    assert events(r, "loan_repaid") == [("2015-01", "state", 27.0, "state_loan: 27 of 42.4")]
    assert events(r, "guarantee_called") == [("2015-01", "orange", 15.4, "state_loan: to state")]
    calls = r.events[(r.events["type"] == "capital_call") & (r.events["partner"] == "state")]
    assert [str(d) for d in calls["date"]][:4] == ["2012-06", "2013-11", "2014-08", "2015-02"]
    o = r.outcomes.iloc[0]
    assert (o["paid_in_final"], o["cash_final"]) == pytest.approx((285, 23))
