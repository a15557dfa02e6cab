"""Negotiations in rounds (docs/model.md §7.2-7.5): bargained terms worked by hand, vetoes,
rivals, several candidates, triggers, with exact dates."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest
from conftest import run, scenario

import simulator
from simulator.engine.negotiation import bargain
from simulator.errors import ScenarioError


def story(results, member: str) -> list[tuple[str, str, float, str]]:
    """(month, type, amount, detail) of one member's events, in order."""
    e = results.events
    e = e[(e["partner"] == member) & (e["replication"] == 0)]
    return [
        (d.strftime("%Y-%m"), t, round(a, 6), x)
        for d, t, a, x in zip(e["date"], e["type"], e["amount"], e["detail"], strict=True)
    ]


def final(results, member: str, column: str) -> float:
    t = results.trajectories
    rows = t[(t["partner"] == member) & (t["replication"] == 0)].sort_values("date")
    return float(rows[column].iloc[-1])


# --- the bargaining rule --------------------------------------------------------------


def test_bargain_is_the_generalized_nash_solution():
    # x_lo = max(ask, σT/(1−σ)), x_hi = M, x* = x_lo + α(x_hi − x_lo)
    assert bargain(50, 80, 0.0, 0.5, 150) == (65.0, 50, 80)
    assert bargain(50, 80, 0.0, 1.0, 150)[0] == 80
    assert bargain(50, 80, 0.0, 0.0, 150)[0] == 50
    assert bargain(50, 80, 0.4, 0.5, 150) == (None, pytest.approx(100), 80)
    x, low, _ = bargain(50, 80, 0.4, 0.5, 100)
    assert low == pytest.approx(200 / 3) and x == pytest.approx(200 / 3 + 0.5 * (80 - 200 / 3))


BARGAIN = """\
start: 2012-01
end: 2013-12
ventures:
  v: {minimum_capital: 200, deadline: 2013-06}
partners:
  state: {public: true, pledge: 100}
  orange: {pledge: 50, departure: {at: 2012-05}}
candidates:
  atos:
    schedule: {type: tranches, count: 4}
    negotiation: {start: 2012-03, every: 2, rounds: 3, max_pledge: 80, min_share: 0.4}
"""


def test_hand_computed_bargain_after_a_departure_opens_the_zone_of_agreement():
    # Round 1 (2012-03): A = gap = 200 − 150 = 50, T = 150, σT/(1−σ) = 100 > M = 80.
    # Orange leaves in 2012-05 (its 50 was paid upfront and stays: gap still 50) but
    # T = 100: x_lo = max(50, 66.67) = 66.67, x* = 66.67 + 0.5 (80 − 66.67) = 73.33.
    r = run(BARGAIN)
    assert story(r, "atos") == [
        ("2012-03", "negotiation_start", 0.0, ""),
        ("2012-03", "negotiation_round", 0.0, "round 1: no overlap (needs ≥ 100, offers ≤ 80)"),
        ("2012-05", "join", round(200 / 3 + 20 / 3, 6), "round 2"),
    ]
    x = 220 / 3
    assert final(r, "atos", "pledged") == pytest.approx(x)
    assert final(r, "atos", "paid_in") == pytest.approx(x)  # 4 monthly tranches, 2012-05 … 08
    assert final(r, "atos", "share") == pytest.approx(x / (100 + x))  # 42.3 %
    assert bool(r.outcomes["collapsed"].iloc[0]) is False  # 150 + 73.33 ≥ 200


def test_without_overlap_the_talks_fail_after_the_last_round():
    text = BARGAIN.replace("departure: {at: 2012-05}", "departure: {at: 2013-05}")
    r = run(text)
    assert [e[:2] for e in story(r, "atos")] == [
        ("2012-03", "negotiation_start"),
        ("2012-03", "negotiation_round"),
        ("2012-05", "negotiation_round"),
        ("2012-07", "negotiation_failed"),
    ]
    assert story(r, "atos")[-1][3] == "no overlap (needs ≥ 100, offers ≤ 80) (after 3 rounds)"
    assert final(r, "atos", "pledged") == 0


def test_explicit_ask_and_bargaining_power():
    text = BARGAIN.replace("min_share: 0.4}", "min_share: 0.1, ask: 30, power: 0.25}")
    r = run(text)
    # x_lo = max(30, 0.1·150/0.9 = 16.67) = 30; x* = 30 + 0.25 (80 − 30) = 42.5, round 1
    assert story(r, "atos")[-1] == ("2012-03", "join", 42.5, "round 1")


# --- vetoes, rivals, deadlines --------------------------------------------------------

VETO = """\
start: 2012-01
end: 2013-12
ventures: {{v: {{}}}}
partners:
  state: {{pledge: 100}}
  dassault: {{pledge: 60, departure: {{at: {leaves}}}}}
candidates:
  atos:
    pledge: 40
    negotiation: {{start: 2012-01, deadline: 2012-12, {key}: [dassault]}}
"""


@pytest.mark.parametrize(
    ("key", "reason"),
    [("veto_by", "vetoed by dassault"), ("refuses_with", "rival present: dassault")],
)
def test_a_veto_or_a_rival_blocks_rounds_until_it_leaves(key, reason):
    r = run(VETO.format(leaves="2012-06", key=key))
    s = story(r, "atos")
    assert s[0] == ("2012-01", "negotiation_start", 0.0, "")
    assert s[1:6] == [
        (f"2012-0{m}", "negotiation_round", 0.0, f"round {m}: {reason}") for m in range(1, 6)
    ]
    # Dassault leaves at 2012-06 + 0.0; the round at + 0.15 is no longer blocked.
    assert s[6:] == [("2012-06", "join", 40.0, "round 6")]


def test_a_veto_that_holds_to_the_deadline_ends_the_talks():
    r = run(VETO.format(leaves="2013-06", key="veto_by"))
    s = story(r, "atos")
    assert len(s) == 13
    assert s[-1] == ("2012-12", "negotiation_failed", 0.0, "vetoed by dassault (deadline 2012-12)")
    assert final(r, "atos", "member") == 0


def test_talks_that_cannot_meet_again_before_the_deadline_fail_at_the_deadline():
    """Rounds every 4 months from 2012-01 (01, 05, 09): the next would be 2013-01, past the
    2012-12 deadline, so the talks fail in 2012-12, not at the last round (2012-09)."""
    text = VETO.format(leaves="2013-06", key="veto_by").replace("deadline:", "every: 4, deadline:")
    s = story(run(text), "atos")
    assert [m for m, kind, *_ in s if kind == "negotiation_round"] == ["2012-01", "2012-05"]
    assert s[-1] == ("2012-12", "negotiation_failed", 0.0, "vetoed by dassault (deadline 2012-12)")


def test_outside_failure_ends_the_talks_in_the_first_round_held():
    text = VETO.format(leaves="2012-06", key="veto_by").replace(
        "deadline:", "round_failure: 1, deadline:"
    )
    s = story(run(text), "atos")
    assert s[-1] == ("2012-06", "negotiation_failed", 0.0, "outside failure (round 6)")


# --- several candidates; until_filled -------------------------------------------------

SEVERAL = """\
start: 2012-01
end: 2012-12
ventures:
  v: {minimum_capital: 200, deadline: 2012-12}
partners:
  state: {pledge: 150}
candidates:
  c1:
    negotiation: {start: 2012-02, max_pledge: 60}
  c2:
    negotiation: {start: 2012-02, max_pledge: 50, power: 0.2}
  c3:
    pledge: 10
    negotiation: {start: 2012-02, until_filled: true}
  c4:
    pledge: 10
    negotiation: {start: 2012-03, until_filled: true}
"""


def test_same_month_rounds_in_file_order_and_until_filled():
    r = run(SEVERAL)
    # c1 first: ask = gap = 50, x = 50 + 0.5 (60 − 50) = 55. c2 next: the gap is closed,
    # ask 0, x = 0 + 0.2 · 50 = 10 (it has no until_filled). c3 (until_filled, same
    # month, listed after): abandoned without bargaining; c4 likewise the month after.
    assert story(r, "c1")[-1] == ("2012-02", "join", 55.0, "round 1")
    assert story(r, "c2")[-1] == ("2012-02", "join", 10.0, "round 1")
    assert story(r, "c3")[-1] == ("2012-02", "negotiation_abandoned", 0.0, "gap filled (round 1)")
    assert story(r, "c4")[-1] == ("2012-03", "negotiation_abandoned", 0.0, "gap filled (round 1)")
    assert r.outcomes["committed_final"].iloc[0] == pytest.approx(215)


def test_a_candidate_that_cannot_meet_the_gap_does_not_join():
    r = run(SEVERAL.replace("max_pledge: 60}", "max_pledge: 30}"))
    assert story(r, "c1")[-1] == (
        "2012-02",
        "negotiation_failed",
        0.0,
        "no overlap (needs ≥ 50, offers ≤ 30) (after 1 round)",
    )
    # c2: ask = gap = 50 = its maximum, so x_lo = x_hi = 50 whatever its power.
    assert story(r, "c2")[-1] == ("2012-02", "join", 50.0, "round 1")


def test_without_until_filled_a_candidate_joins_once_the_gap_is_closed():
    r = run(SEVERAL.replace("{start: 2012-03, until_filled: true}", "{start: 2012-03, rounds: 1}"))
    assert story(r, "c4")[-1] == ("2012-03", "join", 10.0, "round 1")


# --- triggers ---------------------------------------------------------------------------

TRIGGER = """\
start: 2012-01
end: 2013-12
ventures:
  v: {{minimum_capital: 200, deadline: 2012-09}}
partners:
  state: {{pledge: 150, schedule: {{type: tranches, count: 24}}}}
  dassault: {{pledge: 60, schedule: {{type: tranches, count: 24}}, departure: {{at: 2012-04}}}}
candidates:
  atos:
    pledge: 45
    negotiation: {{trigger: {trigger}, every: 3, rounds: 2}}
"""


def test_trigger_on_a_named_departure_opens_talks_that_month():
    r = run(TRIGGER.format(trigger="{departure: dassault}"))
    assert story(r, "atos") == [
        ("2012-04", "negotiation_start", 0.0, ""),
        ("2012-04", "join", 45.0, "round 1"),
    ]


def test_trigger_on_any_departure_and_on_a_member_that_never_leaves():
    assert story(run(TRIGGER.format(trigger="{departure: any}")), "atos")[0][0] == "2012-04"
    with pytest.raises(ScenarioError, match="'state' never leaves in this scenario"):
        run(TRIGGER.format(trigger="{departure: state}"))


def test_trigger_on_capital_falling_below_a_threshold():
    # Dassault leaves in 2012-04 having paid 3 × 2.5: committed 150 + 7.5 = 157.5 < 180.
    r = run(TRIGGER.format(trigger="{committed_below: 180}"))
    assert story(r, "atos")[0][:2] == ("2012-04", "negotiation_start")
    # Below from the start (committed never reached 250): the threshold is never crossed
    # and the talks never open (model.md §9.6).
    r = run(TRIGGER.format(trigger="{committed_below: 250}"))
    assert "negotiation_start" not in [line[1] for line in story(r, "atos")]
    # A collapse at the deadline (157.5 < 200 at 2012-09 + 0.5) opens it the month after.
    text = TRIGGER.format(trigger="{committed_below: 100}").replace(
        "pledge: 45", "pledge: 45\n    venture: v"
    )
    s = story(run(text), "atos")
    assert s[0][:2] == ("2012-10", "negotiation_start")
    assert s[1] == ("2012-10", "negotiation_abandoned", 0.0, "its ventures collapsed")


def test_trigger_after_the_deadline_does_not_open_the_talks():
    text = TRIGGER.format(trigger="{departure: dassault}").replace("rounds: 2", "deadline: 2012-03")
    assert story(run(text), "atos") == [
        ("2012-04", "negotiation_failed", 0.0, "deadline passed before the trigger")
    ]


# --- the simple form is untouched; checks ------------------------------------------------


def test_simple_form_keeps_its_events():
    text = VETO.format(leaves="2012-06", key="veto_by").replace(
        "{start: 2012-01, deadline: 2012-12, veto_by: [dassault]}", "{start: 2012-01, duration: 2}"
    )
    assert story(run(text), "atos") == [
        ("2012-01", "negotiation_start", 0.0, ""),
        ("2012-03", "join", 40.0, "after 2 months"),
    ]


def test_rounds_form_rejects_duration():
    with pytest.raises(ScenarioError, match="duration belongs to the simple form"):
        scenario(
            VETO.format(leaves="2012-06", key="veto_by").replace(
                "deadline:", "duration: 2, deadline:"
            )
        )


def test_round_events_reach_the_tables():
    r = run(BARGAIN)
    assert isinstance(r.events, pd.DataFrame)
    assert set(r.events["type"]) >= {"negotiation_round", "join", "departure"}


# --- the example scenarios ------------------------------------------------------------------

EXAMPLES = sorted((Path(__file__).resolve().parents[1] / "scenarios" / "examples").glob("*.yaml"))


@pytest.mark.parametrize("path", EXAMPLES, ids=lambda p: p.stem)
def test_example_scenarios_run(path):
    r = simulator.run(path, replications=20, seed=2)
    assert r.outcomes["replication"].nunique() == 20
    assert not r.events.empty


def test_negotiation_rounds_example_tells_its_story():
    r = simulator.run(EXAMPLES[[p.stem for p in EXAMPLES].index("negotiation_rounds")], 200, 1)
    e = r.events
    assert set(e.loc[e["partner"] == "ovh", "type"]) == {
        "negotiation_start",
        "negotiation_round",
        "negotiation_failed",
    }
    ovh = e[(e["partner"] == "ovh") & (e["type"] != "negotiation_start")]
    assert ovh["detail"].str.contains("rival present: orange").all()
    atos_start = e[(e["partner"] == "atos") & (e["type"] == "negotiation_start")]
    assert (atos_start["date"] == pd.Period("2011-12", "M")).all()  # opened by Dassault leaving
