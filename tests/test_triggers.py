"""Actions set off by events (docs/model.md §9.7): exact figures worked by hand.

In the base, `a` pledges 100 to v upfront (2020-01); `b` pledges 80 to v in 4 tranches of
20 (2020-01, -04, -07, -10) and leaves in 2020-03, having paid 20 (60 cancelled): v's
committed capital falls from 180 to 120, below its minimum of 150, and v collapses at its
deadline check (2020-06, at m + 0.5). `c` pledges 40 to w in 4 tranches of 10. Candidate
`x` (simple form) fails in 2020-04 (opens 2020-02, 2 months, success 0, at m + 0.1);
candidate `y` joins w in 2020-02 with 30 upfront.
"""

from __future__ import annotations

import pytest
from conftest import run

from simulator.errors import ScenarioError

BASE = """
start: 2020-01
end: 2021-12
ventures:
  v: {{minimum_capital: {minimum}, deadline: 2020-06}}
  w: {{{w}}}
partners:
  a: {{pledge: 100, venture: v}}
  b: {{pledge: 80, venture: v, schedule: {{type: tranches, count: 4, every: 3}},
      departure: {{at: 2020-03}}}}
  c: {{pledge: 40, venture: w, schedule: {{type: tranches, count: 4, every: 3}}{c}}}
candidates:
  x: {{pledge: 10, venture: w, negotiation: {{start: 2020-02, duration: 2, success: 0}}}}
  y: {{pledge: 30, venture: w, negotiation: {{start: 2020-02}}}}
policies: {policies}
"""


@pytest.fixture(params=["reference", "batch"])
def engine(request, monkeypatch):
    """Run the test on each engine (the batch engine runs every action below)."""
    monkeypatch.setenv("CONSIM_ENGINE", request.param)
    return request.param


def events(policies: str = "{}", w: str = "", c: str = "", minimum: float = 150):
    r = run(BASE.format(policies=policies, w=w, c=c, minimum=minimum))
    e = r.events
    return [
        (str(row.date), row.type, row.partner, row.venture, round(row.amount, 6), row.detail)
        for row in e.itertuples()
    ]


def of(kind: str, found: list) -> list:
    return [e for e in found if e[1] == kind]


def test_a_raise_follows_a_departure_after_two_months(engine):
    pol = "{r: {type: raise, funder: a, venture: v, amount: 10, on: {departure: b, after: 2}}}"
    assert of("raise", events(pol)) == [("2020-05", "raise", "a", "v", 10.0, "r")]


def test_a_stop_on_a_failed_negotiation_happens_that_month():
    # x fails at 2020-04 + 0.1, before the stop's time (0.2): c stops in 2020-04, before
    # that month's payment is settled: 10 paid, 30 cancelled.
    pol = "{s: {type: stop, funder: c, venture: w, on: {negotiation_failed: x}}}"
    assert of("stop", events(pol)) == [("2020-04", "stop", "c", "w", 30.0, "s")]


def test_a_dissolution_on_another_ventures_collapse(engine):
    # v collapses at 2020-06 + 0.5, before dissolutions (0.55): w is dissolved that month;
    # c has paid 10 + 10 (and y its 30), and 20 is cancelled (c's 2020-07 and -10).
    found = events(w="dissolution: {on: {collapse: v}}")
    assert of("collapse", found)[0][0] == "2020-06"
    assert of("dissolution", found) == [("2020-06", "dissolution", "", "w", 20.0, "on its event")]


def test_a_raise_after_a_collapse_comes_the_month_after_plus_its_delay(engine):
    # The collapse (m + 0.5) is past a raise's time (0.2): month 2020-07, plus 3.
    pol = "{r: {type: raise, funder: c, venture: w, amount: 5, on: {collapse: v, after: 3}}}"
    assert of("raise", events(pol)) == [("2020-10", "raise", "c", "w", 5.0, "r")]


def test_a_cut_on_a_candidate_joining(engine):
    # y joins w at 2020-02 + 0.1, before the cut's time (0.2): c cuts by 20 in 2020-02,
    # out of the 30 it still owes.
    found = events(c=", cuts: [{on: {joins: y}, by: 20}]")
    assert of("cut", found) == [("2020-02", "cut", "c", "w", 20.0, "by 20")]


def test_a_buyout_when_capital_crosses_a_threshold():
    # b's departure at 2020-03 + 0.0 takes v from 180 to 120 < 130: the buy-out follows at
    # 2020-03 + 0.03. The buyer a takes b's paid-in stake of 20 at book value.
    text = BASE.format(policies="{}", w="", c="", minimum=0).replace(
        "v: {minimum_capital: 0, deadline: 2020-06}",
        "v: {buyout: {on: {committed_below: 130}, buyer: a}}",
    )
    r = run(text)
    buyouts = r.events[r.events["type"] == "buyout"]
    assert [str(d) for d in buyouts["date"]] == ["2020-03"]


def test_a_dissolution_on_any_departure(engine):
    found = events(w="dissolution: {on: {departure: any}}")
    assert of("dissolution", found) == [("2020-03", "dissolution", "", "w", 30.0, "on its event")]


def test_talks_opened_by_a_collapse():
    # z, in rounds, waits for v's collapse (2020-06 + 0.5, past the rounds' 0.15): its first
    # round is in 2020-07, where it joins w.
    text = BASE.format(policies="{}", w="", c="", minimum=150) + (
        "  z: {pledge: 15, venture: w, negotiation: {trigger: {collapse: v}, rounds: 1}}\n"
    ).replace("policies: {}\n", "")
    text = text.replace("policies: {}\n", "") + "policies: {}\n"
    r = run(text)
    z = r.events[r.events["partner"] == "z"]
    assert [(str(d), t) for d, t in zip(z["date"], z["type"], strict=True)] == [
        ("2020-07", "negotiation_start"),
        ("2020-07", "join"),
    ]


def test_a_trigger_whose_event_never_happens_does_nothing():
    # Minimum 100: v never collapses, so the raise waiting for it never comes.
    pol = "{r: {type: raise, funder: c, venture: w, amount: 5, on: {collapse: v}}}"
    found = events(pol, minimum=100)
    assert of("collapse", found) == [] and of("raise", found) == []


def test_a_top_up_applies_only_from_its_event():
    # c's top-up to 70 % of w: once y has joined (2020-02: c 40, y 30 of 70), c adds
    # x = (0.7 · 70 − 40) / 0.3 = 30. With `on: {departure: b}` it waits for 2020-03.
    pol = "{{t: {{type: top_up, funder: c, venture: w, share: 0.7{on}}}}}"
    assert of("top_up", events(pol.format(on=""))) == [
        ("2020-02", "top_up", "c", "w", pytest.approx(30.0), "t")
    ]
    assert of("top_up", events(pol.format(on=", on: {departure: b}"))) == [
        ("2020-03", "top_up", "c", "w", pytest.approx(30.0), "t")
    ]


@pytest.mark.parametrize(
    ("on", "message"),
    [
        ("{collapse: w}", "'w' has no minimum capital: it cannot collapse"),
        ("{dissolution: v}", "'v' has no dissolution rule: it is never dissolved"),
        ("{negotiation_failed: y}", "talks with 'y' cannot fail"),
        ("{joins: a}", "unknown candidate 'a'"),
        ("{departure: b, collapse: v}", "give exactly one event"),
        ("{departure: b, venture: v}", "'venture' goes with committed_below"),
        ("{departure: c}", "'c' never leaves in this scenario"),
    ],
)
def test_a_trigger_that_cannot_fire_is_refused(on, message):
    pol = f"{{r: {{type: raise, funder: a, venture: v, amount: 5, on: {on}}}}}"
    with pytest.raises(ScenarioError, match=message):
        events(pol)


def test_actions_on_events_run_after_the_dated_ones_of_their_time(engine):
    # a pays 100 in 10 monthly tranches. b leaves at 2020-03 + 0.0, setting off a's cut to
    # 60 committed at 2020-03 + 0.2; a's raise of 50 is dated 2020-03 + 0.2 too. Booked
    # first, the raise comes first: a's 150 committed is cut to 60 (by 90), not its 100 cut
    # to 60 (by 40) and raised to 110.
    text = BASE.format(
        policies="{r: {type: raise, funder: a, venture: v, amount: 50, at: 2020-03}}",
        w="",
        c="",
        minimum=0,
    )
    mine = "a: {pledge: 100, venture: v, schedule: {type: tranches, count: 10, every: 1},"
    mine += " cuts: [{to: 60, on: {departure: b}}]}"
    e = run(text.replace("a: {pledge: 100, venture: v}", mine)).events
    rows = [(str(x.date), x.type, round(x.amount, 6)) for x in e.itertuples()]
    assert [x for x in rows if x[1] in ("raise", "cut")] == [
        ("2020-03", "raise", 50.0),
        ("2020-03", "cut", 90.0),
    ]
