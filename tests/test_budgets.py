"""Yearly envelopes (docs/model.md §8.7): exact figures worked by hand."""

from __future__ import annotations

import pandas as pd
import pytest
from conftest import run

BASE = """
start: 2020-01
end: 2022-12
ventures:
  v: {{{venture}}}
partners:
  a:
    pledge: 120
    schedule: {{type: tranches, count: 2, every: 6}}
    budget: {{per_year: 80{beyond}}}
  b: {{pledge: 30{b}}}
policies: {policies}
"""


def scenario(beyond: str = "", venture: str = "", b: str = "", policies: str = "{}") -> str:
    return BASE.format(beyond=beyond, venture=venture, b=b, policies=policies)


def paid(r, who: str) -> dict:
    t = r.trajectories
    rows = t[t["partner"] == who].set_index("date")
    return {str(d): float(x) for d, x in rows["paid_in"].items()}


def events(r, kind: str) -> list:
    e = r.events[r.events["type"] == kind]
    return [
        (str(d), p, round(a, 9), x)
        for d, p, a, x in e[["date", "partner", "amount", "detail"]].values
    ]


def test_payments_beyond_the_envelope_wait_for_next_year():
    # a pays 60 in 2020-01 and would pay 60 in 2020-07: 20 fits in 2020's 80, 40 waits for
    # 2021-01. The envelope is applied when the pledge is made (month 0).
    r = run(scenario())
    a = paid(r, "a")
    assert (a["2020-06"], a["2020-07"], a["2020-12"], a["2021-01"]) == (60, 80, 80, 120)
    assert events(r, "budget_deferred") == [("2020-01", "a", 40.0, "beyond 80 a year: paid later")]
    assert r.outcomes["committed_final"].iloc[0] == pytest.approx(150)


def test_payments_beyond_the_envelope_refused_are_cancelled():
    r = run(scenario(beyond=", beyond: refuse"))
    a = paid(r, "a")
    assert (a["2020-07"], a["2022-12"]) == (80, 80)
    assert events(r, "budget_refused") == [("2020-01", "a", 40.0, "beyond 80 a year")]
    assert r.outcomes["committed_final"].iloc[0] == pytest.approx(110)  # 80 + 30


def test_a_raise_counts_against_the_year_already_planned():
    # a raises by 40 upfront in 2020-03: 2020 holds 60 (Jan) + 20 (Jul, after the first
    # fit): the envelope is full; the raise waits for 2021-01, where 40 + 40 = 80 fits.
    pol = "{r: {type: raise, funder: a, at: 2020-03, amount: 40}}"
    r = run(scenario(policies=pol))
    a = paid(r, "a")
    assert (a["2020-12"], a["2021-01"]) == (80, 160)
    assert events(r, "budget_deferred")[-1] == (
        "2020-03",
        "a",
        40.0,
        "beyond 80 a year: paid later",
    )


CALLS = """
start: 2020-01
end: 2022-12
ventures:
  v:
    spending: {per_month: 5}
    capital_calls: {below: 0}
partners:
  c:
    pledge: 100
    schedule: {type: on_call}
    budget: {per_year: 30}
"""


def test_capital_calls_beyond_the_envelope_wait_and_the_cash_runs_out():
    # Each month the venture calls its 5 of spending; c's 30 a year pays January to June.
    # July to December the calls wait (the cash runs out), and January pays again.
    r = run(CALLS)
    c = paid(r, "c")
    assert (c["2020-06"], c["2020-12"], c["2021-06"], c["2021-12"], c["2022-12"]) == (
        30,
        30,
        60,
        60,
        90,
    )
    deferred = r.events[r.events["type"] == "budget_deferred"]
    assert [str(d) for d in deferred["date"]][:2] == ["2020-07", "2020-08"]
    cash_out = r.events[r.events["type"] == "cash_out"]
    assert len(cash_out) == 18  # 6 months a year, three years
    by_year = pd.Series(c).diff().fillna(c["2020-01"])
    assert by_year.groupby(lambda d: d[:4]).sum().max() <= 30 + 1e-9


def test_the_state_envelope_example():
    # scenarios/examples/state_envelope.yaml: its "Figures to check", exactly.
    from pathlib import Path

    import simulator

    path = Path(__file__).resolve().parents[1] / "scenarios/examples/state_envelope.yaml"
    r = simulator.run(path, progress=False)
    state = paid(r, "state")
    ends = [state[d] for d in ("2012-12", "2013-12", "2014-12", "2015-12", "2016-01")]
    assert ends == pytest.approx([40, 80, 120, 160, 195])
    assert events(r, "budget_deferred") == [
        ("2012-03", "state", 87.5, "beyond 40 a year: paid later")
    ]
    assert r.outcomes["committed_final"].iloc[0] == pytest.approx(285)
