"""Terms that vary (docs/model.md §6.1, §7.6, §7.7): departure hazards by month, bargaining
terms by round, a candidate leaving at a date. Exact figures worked by hand, the draws of a
constant term unchanged, and the survival function by Monte Carlo."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest
from conftest import run, scenario
from test_negotiation import story
from test_statistics import assert_proportion, membership

import simulator
from simulator.engine.terms import Piecewise, in_round, leave_month
from simulator.errors import ScenarioError

# --- the inversion, by hand --------------------------------------------------------------


def test_leave_month_inverts_the_survival_function():
    # h = 0 in months 1-2, 0.5 in months 3-4, 1 from month 5: survival through month t is
    # 1, 1, 0.5, 0.25, 0. A member leaves in the first month t with S(t) < 1 − u.
    h = Piecewise.of(0.0, [(3, 0.5), (5, 1.0)])
    assert [h.at(t) for t in range(7)] == [0, 0, 0, 0.5, 0.5, 1, 1]
    assert h.leave_month(1, 0.3) == 3  # 0.5 < 0.7
    assert h.leave_month(1, 0.6) == 4  # 0.5 ≥ 0.4 > 0.25
    assert h.leave_month(1, 0.8) == 5  # 0.25 ≥ 0.2, then h = 1
    assert h.leave_month(6, 0.99) == 6
    assert Piecewise.of(0.0, [(3, 0.5), (5, 0.0)]).leave_month(1, 0.8) == math.inf


def test_a_constant_piece_draws_what_the_constant_draws():
    # A schedule whose values are all equal is one piece: the same floor(ln(1−u)/ln(1−h)).
    equal = Piecewise.of(0.0, [(0, 0.07), (12, 0.07), (30, 0.07)])
    assert equal.starts == (0,) and equal.values == (0.07,)
    for u in np.random.default_rng(1).random(2000):
        assert leave_month(equal, 1, u) == leave_month(0.07, 1, u)


def test_round_terms_by_hand():
    assert [in_round((0.5, 0.4, 0.3), k) for k in (1, 2, 3, 4, 9)] == [0.5, 0.4, 0.3, 0.3, 0.3]


# --- departure hazards by month: exact months --------------------------------------------

HAZARD = """\
start: 2012-01
end: 2014-12
ventures: {{v: {{}}}}
partners:
  a:
    pledge: 24
    schedule: {{type: tranches, count: 24}}     # 1 a month, 2012-01 … 2013-12
    departure: {{hazard: {hazard}}}
  b: {{pledge: 10}}
"""


def departures(results, member: str = "a") -> pd.Series:
    e = results.events
    return e[(e["type"] == "departure") & (e["partner"] == member)].set_index("replication")


def test_a_step_to_one_makes_the_member_leave_in_that_month():
    # 0 before 2013-03, 1 from it: a leaves in 2013-03 in every run, having paid the 14
    # tranches 2012-01 … 2013-02; the 10 left are cancelled then.
    r = run(HAZARD.format(hazard="{steps: {2012-06: 0, 2013-03: 1}}"), replications=50)
    d = departures(r)
    assert len(d) == 50 and (d["date"] == pd.Period("2013-03", "M")).all()
    # to the last bits: the batch engine reads what is left from cumulative weights (1 −
    # 14/24 summed in steps of 1/24), the per-replication one sums the payments left
    exact = {"rel": 1e-12, "abs": 0}
    assert d["amount"].tolist() == [pytest.approx(10, **exact)] * 50
    o = r.outcomes
    assert o["paid_in_final"].tolist() == [pytest.approx(24, **exact)] * 50  # 14 + 10 from b
    assert o["cancelled_final"].tolist() == [pytest.approx(10, **exact)] * 50


def test_a_drift_reaching_one():
    # start 0 in 2013-01, +12 a year = +1 a month: h = 1 in 2013-02, a leaves then.
    r = run(HAZARD.format(hazard="{start: 0, per_year: 12, from: 2013-01}"), replications=20)
    assert (departures(r)["date"] == pd.Period("2013-02", "M")).all()
    # 0.25 in 2012-01, +1.5 a year = +0.125 a month: 0.375 in 2012-02 (the first month at
    # risk), … 0.875 in 2012-06, 1 from 2012-07: every run has left by 2012-07, and reaches
    # it only with probability 0.625 · 0.5 · 0.375 · 0.25 · 0.125 = 0.0037.
    r = run(HAZARD.format(hazard="{start: 0.25, per_year: 1.5}"), replications=400)
    d = departures(r)["date"]
    assert len(d) == 400 and d.max() <= pd.Period("2012-07", "M")
    assert d.min() == pd.Period("2012-02", "M")


def test_a_drift_stops_at_its_maximum_and_at_zero():
    r = run(
        HAZARD.format(hazard="{start: 0, per_year: 12, from: 2013-01, max: 0.5}"), replications=400
    )
    d = departures(r)["date"]
    assert d.min() == pd.Period("2013-02", "M")  # at most 0.5 a month: not all then
    assert 0.4 < (d == pd.Period("2013-02", "M")).mean() < 0.6
    r = run(HAZARD.format(hazard="{start: 0.5, per_year: -12, from: 2011-12}"), replications=100)
    assert departures(r).empty  # 0.5 in 2011-12, 0 from 2012-01 on: never at risk


# --- constant terms draw as before; equal values draw as the constant ---------------------

MANY = """\
start: 2012-01
end: 2016-12
ventures: {{v: {{}}}}
partners:
  a: {{pledge: 30, departure: {{hazard: {h}}}}}
  b: {{pledge: 30, departure: {{hazard: {h}, rival: r, rival_hazard: {h2}}}}}
  r: {{pledge: 10, departure: {{at: 2013-06}}}}
  t: {{pledge: 30, departure: {{hazard: {h}}}}}
  s: {{pledge: 10, departure: {{hazard: 0.05}}}}
candidates:
  c:
    pledge: 20
    departure: {{hazard: {h}}}
    negotiation: {{start: 2012-04, duration: 2}}
contagion:
  doubt: {{from: [s], to: [t], multiplier: 2, months: 6}}
"""


def events_of(text: str) -> pd.DataFrame:
    r = simulator.run(scenario(text), replications=300, seed=11)
    return r.events[["replication", "date", "type", "partner", "amount"]]


@pytest.mark.parametrize(
    ("h", "h2"),
    [
        ("{steps: {2012-01: 0.03, 2014-01: 0.03}}", "{steps: {2012-01: 0.08}}"),
        ("{start: 0.03, per_year: 0}", "{start: 0.08, per_year: 0, from: 2010-01}"),
    ],
)
def test_equal_values_leave_in_the_months_the_constant_does(h, h2):
    # Every way a hazard is drawn: a partner alone (the vector of plain hazards), with a
    # rival, as a contagion target, a candidate from its join.
    constant = events_of(MANY.format(h=0.03, h2=0.08))
    varying = events_of(MANY.format(h=h, h2=h2))
    assert (constant["type"] == "departure").sum() > 100
    pd.testing.assert_frame_equal(constant, varying)


def test_a_constant_hazard_draws_what_it_always_drew():
    # Pinned with the counter-based streams (model.md §12, seed 7): the departure months of
    # a plain hazard, a rival's, a contagion target's and a candidate's do not move.
    r = simulator.run(scenario(MANY.format(h=0.03, h2=0.08)), replications=6, seed=7)
    d = r.events[r.events["type"] == "departure"]
    got = sorted(zip(d["replication"], d["partner"], d["date"].astype(str), strict=True))
    assert got == PINNED


PINNED = [
    (0, "a", "2012-04"),
    (0, "b", "2012-11"),
    (0, "r", "2013-06"),
    (0, "s", "2012-06"),
    (0, "t", "2012-11"),
    (1, "a", "2013-04"),
    (1, "b", "2013-02"),
    (1, "c", "2012-07"),
    (1, "r", "2013-06"),
    (1, "s", "2012-12"),
    (2, "a", "2013-07"),
    (2, "b", "2012-02"),
    (2, "c", "2014-08"),
    (2, "r", "2013-06"),
    (2, "s", "2014-04"),
    (2, "t", "2013-07"),
    (3, "a", "2014-05"),
    (3, "b", "2012-03"),
    (3, "c", "2016-03"),
    (3, "r", "2013-06"),
    (3, "t", "2013-04"),
    (4, "a", "2015-11"),
    (4, "b", "2012-05"),
    (4, "c", "2015-06"),
    (4, "r", "2013-06"),
    (4, "s", "2012-07"),
    (4, "t", "2013-01"),
    (5, "a", "2016-07"),
    (5, "b", "2014-02"),
    (5, "c", "2016-01"),
    (5, "r", "2013-06"),
    (5, "s", "2016-09"),
    (5, "t", "2012-05"),
]


# --- a rival with varying hazards --------------------------------------------------------

RIVAL = """\
start: 2012-01
end: 2014-12
ventures: {{v: {{}}}}
partners:
  a:
    pledge: 10
    departure:
      hazard: {{steps: {{2013-01: 1}}}}          # 0 until 2012-12, 1 from 2013-01
      rival: r
      rival_hazard: {{steps: {{2012-09: 1}}}}    # while r is in: 0 until 2012-08, then 1
  r: {{pledge: 10, departure: {{at: {leaves}}}}}
"""


@pytest.mark.parametrize(
    ("leaves", "month"),
    [
        ("2012-10", "2012-09"),  # r still in in 2012-09: the raised hazard, 1 then
        ("2012-09", "2013-01"),  # r left at 2012-09 + 0.0: month 2012-09 has the base, 0
        ("2012-03", "2013-01"),
    ],
)
def test_the_rate_in_force_each_month_is_the_schedule_of_the_rival_state(leaves, month):
    r = run(RIVAL.format(leaves=leaves), replications=5)
    assert (departures(r)["date"] == pd.Period(month, "M")).all()


# --- the hazard's survival function, by Monte Carlo -------------------------------------

N = 4000
SURVIVAL = """\
start: 2020-01
end: 2021-12
ventures: {{v: {{}}}}
partners:
  a: {{pledge: 10, departure: {{hazard: {hazard}}}}}
candidates:
  c:
    pledge: 10
    departure: {{hazard: {hazard}}}
    negotiation: {{start: 2020-04, duration: 0}}   # joins in 2020-04: at risk from 2020-05
"""
STEPS = "{steps: {2020-01: 0.02, 2020-07: 0.08, 2021-01: 0, 2021-04: 0.15}}"
DRIFT = "{start: 0.01, per_year: 0.12, from: 2020-03, max: 0.06}"


def stepped(t: int) -> float:
    return 0.02 if t < 6 else 0.08 if t < 12 else 0.0 if t < 15 else 0.15


def drifting(t: int) -> float:
    return min(0.06, 0.01 + 0.01 * max(t - 2, 0))  # 0.01 up to 2020-03, +0.01 a month


@pytest.mark.parametrize(("hazard", "h"), [(STEPS, stepped), (DRIFT, drifting)])
def test_share_gone_by_month_m_is_one_minus_the_survival_product(hazard, h):
    # P(left by month m) = 1 − Π_{t=s₀..m} (1 − h_t), s₀ = 1 for a partner, 2020-05 (t = 4)
    # for a candidate that joined in 2020-04; 4,000 runs, within 3 standard errors.
    r = simulator.run(scenario(SURVIVAL.format(hazard=hazard)), replications=N, seed=20240601)
    for who, first in (("a", 1), ("c", 4)):
        member = membership(r, who)
        for m in (3, 5, 8, 11, 14, 16, 23):
            if m < first:
                continue
            gone = 1 - np.prod([1 - h(t) for t in range(first, m + 1)])
            assert_proportion(~member[:, m].astype(bool), gone, f"{who}: P(left by month {m})")


# --- bargaining terms by round -----------------------------------------------------------

BARGAIN = """\
start: 2012-01
end: 2013-12
ventures:
  v: {{minimum_capital: 200, deadline: 2013-06}}
partners:
  state: {{public: true, pledge: 100}}
  orange: {{pledge: 50}}
candidates:
  atos:
    schedule: {{type: tranches, count: 4}}
    negotiation:
      start: 2012-03
      every: 2
      rounds: 4
      max_pledge: 80
      min_share: {min_share}
      round_failure: {failure}
"""


@pytest.mark.parametrize(
    "min_share", ["{by_round: [0.5, 0.4, 0.3]}", "{first: 0.5, per_round: -0.1}"]
)
def test_a_min_share_by_round_makes_round_three_the_first_agreement(min_share):
    # A = gap = 200 − 150 = 50, T = 150, M = 80. Round 1: σ = 0.5, σT/(1 − σ) = 150 > 80;
    # round 2: σ = 0.4, 100 > 80; round 3 (2012-07): σ = 0.3, x_lo = 0.3 · 150 / 0.7 =
    # 450/7 = 64.29, x* = 450/7 + 0.5 (80 − 450/7) = 505/7 = 72.14, a share 505/1555.
    r = run(BARGAIN.format(min_share=min_share, failure=0))
    assert story(r, "atos") == [
        ("2012-03", "negotiation_start", 0.0, ""),
        ("2012-03", "negotiation_round", 0.0, "round 1: no overlap (needs ≥ 150, offers ≤ 80)"),
        ("2012-05", "negotiation_round", 0.0, "round 2: no overlap (needs ≥ 100, offers ≤ 80)"),
        ("2012-07", "join", round(505 / 7, 6), "round 3"),
    ]
    t = r.trajectories
    atos = t[(t["partner"] == "atos") & (t["date"] == pd.Period("2012-07", "M"))].iloc[0]
    assert atos["share"] == pytest.approx(505 / 1555)


def test_a_round_failure_by_round_and_a_rising_ask():
    # The outside failure is 0 in rounds 1-2, 1 from round 3: no overlap twice (σ 0.5,
    # 0.4), then the talks break off in round 3 before any bargaining.
    r = run(
        BARGAIN.format(min_share="{by_round: [0.5, 0.4, 0.3]}", failure="{by_round: [0, 0, 1]}")
    )
    assert story(r, "atos")[-1] == (
        "2012-07",
        "negotiation_failed",
        0.0,
        "outside failure (round 3)",
    )
    # An ask rising by 10 a round from 50 (min_share 0): x* = (ask + 80)/2 in round 1 = 65.
    text = BARGAIN.format(min_share=0, failure=0).replace(
        "max_pledge: 80", "max_pledge: 80\n      ask: {first: 50, per_round: 10, max: 70}"
    )
    assert story(run(text), "atos")[-1] == ("2012-03", "join", 65.0, "round 1")


def test_a_rising_min_share_needs_a_bound_below_one():
    text = BARGAIN.format(min_share="{first: 0.1, per_round: 0.05}", failure=0)
    with pytest.raises(ScenarioError, match="min_share rises by round: give max below 1"):
        scenario(text)
    with pytest.raises(ScenarioError, match=r"min_share must be below 1 \(got up to 1;"):
        scenario(BARGAIN.format(min_share="{by_round: [0.5, 1]}", failure=0))


# --- a candidate leaving at a date ------------------------------------------------------

DATED = """\
start: 2012-01
end: 2012-12
ventures: {{v: {{}}}}
partners:
  a: {{pledge: 100}}
candidates:
  c:
    pledge: 40
    schedule: {{type: tranches, count: 4}}      # 10 a month from the join
    departure: {{at: {at}}}
    negotiation: {negotiation}
"""
SIMPLE = "{start: 2012-01, duration: 2}"  # joins in 2012-03
ROUNDS = "{start: 2012-01, every: 2, rounds: 3, veto_by: [a]}"  # a never leaves: no join


def test_a_candidate_that_has_joined_leaves_at_its_date():
    # Joins in 2012-03, pays 10 in 2012-03 and 2012-04, leaves in 2012-05: 20 cancelled.
    r = run(DATED.format(at="2012-05", negotiation=SIMPLE))
    assert story(r, "c") == [
        ("2012-01", "negotiation_start", 0.0, ""),
        ("2012-03", "join", 40.0, "after 2 months"),
        ("2012-05", "departure", 20.0, ""),
    ]
    o = r.outcomes.iloc[0]
    assert (o["paid_in_final"], o["cancelled_final"]) == (120, 20)


@pytest.mark.parametrize(
    ("at", "negotiation", "before"),
    [
        ("2012-02", SIMPLE, [("2012-01", "negotiation_start", 0.0, "")]),
        ("2012-03", SIMPLE, [("2012-01", "negotiation_start", 0.0, "")]),  # before the join
        (
            "2012-05",
            ROUNDS,
            [
                ("2012-01", "negotiation_start", 0.0, ""),
                ("2012-01", "negotiation_round", 0.0, "round 1: vetoed by a"),
                ("2012-03", "negotiation_round", 0.0, "round 2: vetoed by a"),
            ],
        ),
        ("2012-02", "{trigger: {departure: a}}", []),  # waiting: a leaves only in 2012-10
    ],
)
def test_a_candidate_still_talking_walks_out_at_its_date(at, negotiation, before):
    text = DATED.format(at=at, negotiation=negotiation)
    if "trigger" in negotiation:  # the talks would open when a leaves: after the walk-out
        text = text.replace("a: {pledge: 100}", "a: {pledge: 100, departure: {at: 2012-10}}")
    r = run(text)
    walk_out = (at, "negotiation_abandoned", 0.0, "walks out at its departure date")
    assert story(r, "c") == [*before, walk_out]
    assert r.outcomes.iloc[0]["committed_final"] == 100


def test_a_candidate_takes_at_or_hazard_not_both():
    text = DATED.format(at="2012-05", negotiation=SIMPLE).replace(
        "{at: 2012-05}", "{at: 2012-05, hazard: 0.1}"
    )
    with pytest.raises(ScenarioError, match="give exactly one of 'at' .a date. or 'hazard'"):
        scenario(text)


def test_the_example_gives_the_figures_its_comments_state():
    # scenarios/examples/time_varying_terms.yaml: Atos joins only in round 3 (2012-04),
    # with x* = 300/7 + 0.5 (45 − 300/7) = 615/14 = 43.93; Bull, in or not, is out in 2013-06.
    r = simulator.run("scenarios/examples/time_varying_terms.yaml", replications=300, seed=1)
    e = r.events
    joins = e[(e["type"] == "join") & (e["partner"] == "atos")]
    assert 0.7 < len(joins) / 300 < 0.9
    assert (joins["date"] == pd.Period("2012-04", "M")).all()
    assert joins["amount"].to_numpy() == pytest.approx(615 / 14)
    bull = e[(e["partner"] == "bull") & e["type"].isin(["departure", "negotiation_abandoned"])]
    walked = bull["detail"] == "walks out at its departure date"
    assert walked.any() and (bull.loc[walked, "date"] == pd.Period("2013-06", "M")).all()
    left = bull[bull["type"] == "departure"]
    assert len(left) and (left["date"] == pd.Period("2013-06", "M")).all()
