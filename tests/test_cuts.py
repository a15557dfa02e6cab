"""Pledges cut without leaving (docs/model.md §8.6): exact figures worked by hand.

`a` pledges 100 in 4 tranches of 25 (2020-01, -04, -07, -10), `b` 50 upfront."""

from __future__ import annotations

import pandas as pd
import pytest

import simulator
from simulator.scenario.load import validate_document
from simulator.scenario.yamlio import parse_text

BASE = """
start: 2020-01
end: 2020-12
ventures:
  v: {{minimum_capital: {minimum}, deadline: 2020-06}}
partners:
  a:
    pledge: 100
    schedule: {{type: tranches, count: 4, every: 3}}
    cuts: {cuts}
  b: {{pledge: 50}}
"""


def run(cuts: str, minimum: float = 0):
    text = BASE.format(cuts=cuts, minimum=minimum)
    s = validate_document(parse_text(text, "cuts.yaml"), default_name="cuts")
    return simulator.run(s, seed=1)


def of_a(r) -> pd.DataFrame:
    t = r.trajectories
    return t[t["partner"] == "a"].set_index("date")


def test_a_cut_by_an_amount_scales_the_remaining_payments():
    # In 2020-05 a has paid 50 and owes 50 (25 in -07 and -10); cut by 30, each remaining
    # payment keeps 20/50 of itself: 10 and 10. a commits 70, b 50: a's share 70/120.
    # In 2020-08 a cut `to` 60 of committed capital cancels its last 10.
    r = run("[{at: 2020-05, by: 30}, {at: 2020-08, to: 60}]")
    a = of_a(r)
    assert a["paid_in"].tolist() == pytest.approx([25] * 3 + [50] * 3 + [60] * 6)
    assert a["cancelled"].tolist() == pytest.approx([0] * 4 + [30] * 3 + [40] * 5)
    assert a.loc["2020-05", "share"] == pytest.approx(70 / 120)
    assert a.loc["2020-12", "share"] == pytest.approx(60 / 110)
    cuts = r.events[r.events["type"] == "cut"]
    assert cuts[["amount", "detail"]].values.tolist() == [[30.0, "by 30"], [10.0, "to 60"]]
    assert bool(r.outcomes["collapsed"].iloc[0]) is False


def test_a_cut_takes_only_what_is_outstanding_and_can_sink_the_venture():
    # Cut by 80 in 2020-05: only 50 is still owed, so 50 is cut (paid-in stays) and a
    # commits 50; with 110 needed by 2020-06 the venture collapses then (50 + 50 < 110).
    r = run("[{at: 2020-05, by: 80}]", minimum=110)
    cut = r.events[r.events["type"] == "cut"].iloc[0]
    assert cut["amount"] == pytest.approx(50)
    assert cut["detail"] == "by 80, only 50 outstanding (paid-in stays)"
    o = r.outcomes.iloc[0]
    assert o["collapsed"] and o["collapse_date"] == pd.Period("2020-06", "M")


def test_a_drawn_cut_is_drawn_per_run_and_conserves_money():
    r = simulator.run(
        validate_document(
            parse_text(
                BASE.format(
                    cuts="[{at: 2020-05, by: {dist: uniform, low: 0, high: 40}}]", minimum=0
                ),
                "cuts.yaml",
            ),
            default_name="cuts",
        ),
        replications=200,
        seed=4,
    )
    cut = r.events[r.events["type"] == "cut"]["amount"]
    assert cut.min() >= 0 and cut.max() <= 40 and cut.std() > 5
    assert abs(cut.mean() - 20) < 4 * cut.std() / len(cut) ** 0.5
    o = r.outcomes
    assert (o["pledged_final"] - o["cancelled_final"] - o["committed_final"]).abs().max() < 1e-9


def test_the_pledge_cut_example_gives_its_figures():
    r = simulator.run("scenarios/examples/pledge_cut.yaml", seed=1)
    t = r.trajectories
    jan = t[t["date"] == pd.Period("2013-01", "M")].set_index("partner")
    assert jan.loc["thales", "committed"] == pytest.approx(20)
    assert jan.loc["thales", "share"] == pytest.approx(20 / 215)
    later = t[(t["partner"] == "thales") & (t["date"] == pd.Period("2013-06", "M"))]
    assert later["paid_in"].iloc[0] == pytest.approx(7.5 + 12.5 / 3)
    assert r.outcomes["committed_final"].iloc[0] == pytest.approx(215)


def test_a_cut_on_a_departure_comes_the_given_months_after_it():
    # b leaves in 2020-04; a cuts by 30 one month later, in 2020-05: the figures of the
    # dated cut above (a owes 50 then; its last two tranches become 10 and 10).
    text = BASE.format(cuts="[{on: {departure: b, after: 1}, by: 30}]", minimum=0).replace(
        "b: {pledge: 50}", "b: {pledge: 50, departure: {at: 2020-04}}"
    )
    r = simulator.run(validate_document(parse_text(text, "cuts.yaml"), default_name="cuts"))
    cut = r.events[r.events["type"] == "cut"]
    assert cut[["date", "amount"]].values.tolist() == [[pd.Period("2020-05", "M"), 30.0]]
    assert of_a(r)["paid_in"].iloc[-1] == pytest.approx(70)
    # Nobody leaves: no cut.
    text = BASE.format(cuts="[{on: {departure: any}, by: 30}]", minimum=0)
    r = simulator.run(validate_document(parse_text(text, "cuts.yaml"), default_name="cuts"))
    assert r.events.empty
