"""Stops, total caps and dissolution (docs/model.md §8.4, §8.5, §9.1): exact figures on
small deterministic scenarios, each worked by hand in a comment."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

import simulator
from simulator.scenario.load import validate_document
from simulator.scenario.yamlio import parse_text

ROOT = Path(__file__).resolve().parents[1]


def run(text: str) -> simulator.ResultSet:
    scenario = validate_document(parse_text(text, "test.yaml"), default_name="test")
    return simulator.run(scenario, seed=1)


def final(results, partner: str, venture: str | None = None) -> pd.Series:
    """A partner's row in the last month."""
    t = results.trajectories
    rows = t[(t["date"] == t["date"].max()) & (t["partner"] == partner)]
    if venture is not None:
        rows = rows[rows["venture"] == venture]
    assert len(rows) == 1
    return rows.iloc[0]


def events(results, kind: str) -> pd.DataFrame:
    e = results.events
    return e[e["type"] == kind].reset_index(drop=True)


# --- stop at a date ---------------------------------------------------------------------

STOP_AT = """
start: 2012-01
end: 2012-12
ventures: {v: {}}
partners:
  state: {public: true, pledge: 120, schedule: {type: tranches, count: 12}}
  o: {pledge: 60, schedule: {type: tranches, count: 12}}
policies:
  m: {type: match, funder: state, ratio: 0.5}
  s: {type: stop, funder: state, at: 2012-05}
  r: {type: raise, funder: state, at: 2012-05, amount: 40}
"""


def test_stop_at_a_date_cancels_the_rest_and_freezes_matching():
    # The State pays 10 a month; the stop at 2012-05 (t = 4, time 4.2) cancels months
    # 4-11: 8 × 10 = 80, paid 40. o pays 5 a month; matching 0.5 × 60 = 30 committed in
    # months 0-3, then frozen at what was paid by the end of month 3: 0.5 × 4 × 5 = 10
    # (20 of matching money cancelled). The raise of the same month comes after the stop
    # and is skipped. State: pledged 120 + 30 = 150, paid 40 + 10 = 50, cancelled 100.
    # It stays a member: share 50 / (50 + 60) on the committed basis.
    r = run(STOP_AT)
    stop = events(r, "stop")
    assert len(stop) == 1
    assert stop.loc[0, "date"] == pd.Period("2012-05", "M")
    assert stop.loc[0, "amount"] == pytest.approx(80)
    skipped = events(r, "policy_skipped")
    assert list(skipped["detail"]) == ["r: funder stopped"]
    state = final(r, "state")
    assert state["pledged"] == pytest.approx(150)
    assert state["paid_in"] == pytest.approx(50)
    assert state["cancelled"] == pytest.approx(100)
    assert state["committed"] == pytest.approx(50)
    assert bool(state["member"])
    assert state["share"] == pytest.approx(50 / 110)
    assert r.outcomes.iloc[0]["members_final"] == 2


def test_a_stopped_funder_no_longer_tops_up():
    # Month 0: F = 60, T = 120, 50 %: no top-up. The stop in 2012-04 (t = 3) cancels the
    # State's 9 × 5 = 45 left (paid 15). Its share falls to 15 / 75 = 20 %; a funder that
    # had not stopped would top up (0.5 × 75 − 15) / 0.5 = 45, a stopped one does nothing.
    r = run(
        """
start: 2012-01
end: 2012-12
ventures: {v: {}}
partners:
  state: {public: true, pledge: 60, schedule: {type: tranches, count: 12}}
  o: {pledge: 60, schedule: {type: tranches, count: 12}}
policies:
  up: {type: top_up, funder: state, share: 0.5}
  s: {type: stop, funder: state, at: 2012-04}
"""
    )
    assert events(r, "top_up").empty
    assert events(r, "stop").loc[0, "amount"] == pytest.approx(45)
    state = final(r, "state")
    assert state["committed"] == pytest.approx(15)
    assert state["share"] == pytest.approx(0.2)


# --- stop on a condition ----------------------------------------------------------------

STOP_WHEN = """
start: 2012-01
end: 2012-12
ventures: {v: {}}
partners:
  state: {public: true, pledge: 120, schedule: {type: tranches, count: 12}}
  o: {pledge: 60, schedule: {type: tranches, count: 12}}
  d: {pledge: 60, schedule: {type: tranches, count: 6, every: 2}, departure: {at: 2012-03}}
policies:
  s: {type: stop, funder: state, at: 2012-06, when: WHEN}
"""


@pytest.mark.parametrize(
    "when, seen",
    [
        ("{paid_in_below: 0.5}", "paid in 40 of 120 pledged"),
        ("{committed_below: 200}", "committed 190"),
    ],
)
def test_stop_when_the_condition_holds(when, seen):
    # At the end of 2012-06 (t = 5, tested at 5.45): o has paid 6 × 5 = 30; d paid its
    # tranche of month 0 (10) and left in month 2 before paying the next: paid 10, its
    # 50 cancelled. Private paid-in 40 < 0.5 × 120 pledged. Committed total 120 + 60 + 10
    # = 190 < 200. Either way the State stops from month 6: it has paid 6 × 10 = 60 and
    # 60 is cancelled.
    r = run(STOP_WHEN.replace("WHEN", when))
    stop = events(r, "stop")
    assert len(stop) == 1
    assert stop.loc[0, "date"] == pd.Period("2012-06", "M")
    assert stop.loc[0, "amount"] == pytest.approx(60)
    assert stop.loc[0, "detail"] == f"s: {seen}"
    state = final(r, "state")
    assert state["paid_in"] == pytest.approx(60)
    assert state["cancelled"] == pytest.approx(60)
    assert bool(state["member"])


@pytest.mark.parametrize(
    "when, seen",
    [
        ("{paid_in_below: 0.3}", "paid in 40 of 120 pledged"),  # 40 ≥ 0.3 × 120 = 36
        ("{paid_in_below: 0.3, of: others}", "paid in 40 of 120 pledged"),  # no other public
        ("{committed_below: 190}", "committed 190"),  # not strictly below
    ],
)
def test_no_stop_when_the_condition_does_not_hold(when, seen):
    r = run(STOP_WHEN.replace("WHEN", when))
    assert events(r, "stop").empty
    skipped = events(r, "policy_skipped")
    assert list(skipped["detail"]) == [f"s: condition not met ({seen})"]
    state = final(r, "state")
    assert state["paid_in"] == pytest.approx(120)
    assert state["cancelled"] == pytest.approx(0)


def test_a_stop_in_the_deadline_month_is_seen_by_the_venture_check():
    # Same as above with minimum capital 150 at the deadline 2012-06. The stop test comes
    # first (5.45): committed falls from 190 to 60 + 60 + 10 = 130, so the check at 5.5
    # collapses the venture: o's 30 still to pay is cancelled from month 6. The
    # dissolution threshold (5.55) then finds the venture already ended.
    text = STOP_WHEN.replace("WHEN", "{paid_in_below: 0.5}").replace(
        "ventures: {v: {}}",
        "ventures: {v: {minimum_capital: 150, deadline: 2012-06, "
        "dissolution: {committed_below: 140}}}",
    )
    r = run(text)
    assert list(r.events["type"]) == ["departure", "stop", "collapse"]
    assert events(r, "collapse").loc[0, "amount"] == pytest.approx(30)
    o = r.outcomes.iloc[0]
    assert o["collapsed"]
    assert o["collapse_date"] == pd.Period("2012-06", "M")
    assert o["committed_final"] == pytest.approx(60 + 30 + 10)


def test_a_conditional_stop_freezes_matching_from_the_next_month():
    # As above (private paid-in 40 of 120 at the end of 2012-06: stop from month 6), with
    # a match of 0.5. Matching committed: 0.5 × 120 = 60 in months 0-1, 0.5 × (60 + 10) = 35
    # from d's departure in month 2, frozen from month 6 at what was paid by the end of
    # month 5: 0.5 × (30 + 10) = 20. State: pledged 120 + 60 = 180, paid 60 + 20 = 80,
    # cancelled 60 (own) + 40 (matching) = 100.
    r = run(
        STOP_WHEN.replace("WHEN", "{paid_in_below: 0.5}")
        + "  m: {type: match, funder: state, ratio: 0.5}\n"
    )
    state = final(r, "state")
    assert state["pledged"] == pytest.approx(180)
    assert state["paid_in"] == pytest.approx(80)
    assert state["cancelled"] == pytest.approx(100)
    t = r.trajectories
    rows = t[t["partner"] == "state"].sort_values("date")
    committed = rows["committed"].to_numpy()
    own = [120] * 6 + [60] * 6
    match = [60, 60] + [35] * 4 + [20] * 6
    assert committed == pytest.approx([a + b for a, b in zip(own, match, strict=True)])


# --- a total cap across ventures ---------------------------------------------------------

CAP = """
start: 2012-01
end: 2012-12
ventures: {a: {}, b: {}}
partners:
  state: {public: true, pledges: {a: {amount: 10}, b: {amount: 10}}}
  o: {pledge: 40, venture: a}
  t: {pledge: 60, venture: b}
policies:
  m: {type: match, funder: state, venture: a, ratio: 0.5, cap: 15}
  up: {type: top_up, funder: state, venture: b, share: 0.5}
  r: {type: raise, funder: state, venture: a, at: 2012-04, amount: 30}
  c: {type: cap, funder: state, total: TOTAL}
"""


def test_total_cap_binding():
    # Cap 100. The State's own pledges, 10 + 10, leave room 80. Month 0: the match
    # reserves its own cap 15 (room 65); it commits min(15, 0.5 × 40) = 15. Top-up on b:
    # T = 10 + 60, F = 10, x = (0.5·70 − 10)/0.5 = 50 (room 15). 2012-04: the raise of 30
    # gets the 15 left; 15 is cut (policy_capped). In all 20 + 15 + 50 + 15 = 100.
    r = run(CAP.replace("TOTAL", "100"))
    capped = events(r, "policy_capped")
    assert len(capped) == 1
    assert capped.loc[0, "date"] == pd.Period("2012-04", "M")
    assert capped.loc[0, "amount"] == pytest.approx(15)
    assert capped.loc[0, "detail"] == "r: 15 of 30 pledged (cap c 100)"
    assert events(r, "raise").loc[0, "amount"] == pytest.approx(15)
    assert events(r, "top_up").loc[0, "amount"] == pytest.approx(50)
    assert final(r, "state", "a")["committed"] == pytest.approx(10 + 15 + 15)
    assert final(r, "state", "b")["committed"] == pytest.approx(10 + 50)


def test_total_cap_not_binding():
    # Cap 200: room 200 − 20 (own) − 15 (match) − 50 (top-up) − 30 (raise) = 85 left.
    r = run(CAP.replace("TOTAL", "200"))
    assert events(r, "policy_capped").empty
    assert events(r, "raise").loc[0, "amount"] == pytest.approx(30)
    assert final(r, "state", "a")["committed"] == pytest.approx(10 + 30 + 15)
    assert final(r, "state", "b")["committed"] == pytest.approx(10 + 50)


def test_total_cap_limits_an_uncapped_match():
    # Cap 32 and a match without its own cap: own pledges 20 leave 12, all reserved for
    # the match at month 0 (0.5 × 40 = 20 would be committed); nothing is left for the
    # top-up or the raise. The top-up is cut at month 0 and again when the raise makes
    # it re-evaluate (§8.2).
    r = run(CAP.replace("TOTAL", "32").replace(", cap: 15}", "}"))
    capped = events(r, "policy_capped")
    assert list(capped["detail"]) == [
        "m: match limited to 12 (cap c 32)",
        "up: 0 of 50 pledged (cap c 32)",
        "r: 0 of 30 pledged (cap c 32)",
        "up: 0 of 50 pledged (cap c 32)",
    ]
    assert list(capped["amount"]) == pytest.approx([0, 50, 30, 50])
    assert final(r, "state", "a")["committed"] == pytest.approx(10 + 12)
    assert final(r, "state", "b")["committed"] == pytest.approx(10)


# --- dissolution --------------------------------------------------------------------------

DISSOLVE_AT = """
start: 2012-01
end: 2012-12
ventures: {v: {dissolution: {at: 2012-06}}}
partners:
  a: {pledge: 120, schedule: {type: tranches, count: 12}}
  b: {pledge: 60, schedule: {type: tranches, count: 6, every: 2}}
policies:
  r: {type: raise, funder: a, at: 2012-08, amount: 10}
"""


def test_dissolution_at_a_date():
    # Dissolved in 2012-06 (t = 5, time 5.55): month 5's payments are made. a has paid
    # 6 × 10 = 60 and 60 is cancelled; b paid its tranches of months 0, 2, 4 (30) and 30
    # is cancelled: 90 in the dissolution event. The raise in 2012-08 is skipped. Not a
    # collapse: the outcome says collapsed = False; members stay members.
    r = run(DISSOLVE_AT)
    d = events(r, "dissolution")
    assert len(d) == 1
    assert d.loc[0, "date"] == pd.Period("2012-06", "M")
    assert d.loc[0, "amount"] == pytest.approx(90)
    assert list(events(r, "policy_skipped")["detail"]) == ["r: venture dissolved"]
    o = r.outcomes.iloc[0]
    assert o["committed_final"] == pytest.approx(90)
    assert o["cancelled_final"] == pytest.approx(90)
    assert not o["collapsed"]
    assert o["dissolved"] and o["dissolution_date"] == pd.Period("2012-06", "M")
    assert o["members_final"] == 2


DISSOLVE_BELOW = """
start: 2012-01
end: 2012-12
ventures: {v: {dissolution: {committed_below: BELOW}}}
partners:
  a: {pledge: 120, schedule: {type: tranches, count: 12}, departure: {at: 2012-04}}
  b: {pledge: 60, schedule: {type: tranches, count: 12}}
"""


def test_dissolution_when_committed_falls_below():
    # a leaves in 2012-04 (t = 3) having paid 3 × 10 = 30: committed 30 + 60 = 90 < 100.
    # Dissolved at 3.55: b's payment of month 3 is made (paid 4 × 5 = 20), its 40 left
    # is cancelled from month 4. Final committed 30 + 20 = 50.
    r = run(DISSOLVE_BELOW.replace("BELOW", "100"))
    d = events(r, "dissolution")
    assert len(d) == 1
    assert d.loc[0, "date"] == pd.Period("2012-04", "M")
    assert d.loc[0, "amount"] == pytest.approx(40)
    assert d.loc[0, "detail"] == "committed 90 < 100"
    assert r.outcomes.iloc[0]["committed_final"] == pytest.approx(50)
    assert final(r, "b")["paid_in"] == pytest.approx(20)


def test_no_dissolution_above_the_threshold():
    r = run(DISSOLVE_BELOW.replace("BELOW", "90"))  # 90 is not below 90
    assert events(r, "dissolution").empty
    assert not r.outcomes.iloc[0]["dissolved"]
    assert pd.isna(r.outcomes.iloc[0]["dissolution_date"])
    assert r.outcomes.iloc[0]["committed_final"] == pytest.approx(90)


# --- the example and the schema -------------------------------------------------------------


def test_example_scenario_runs():
    r = simulator.run(ROOT / "scenarios/examples/funder_policies.yaml", replications=20, seed=1)
    assert set(r.events["type"]) >= {"stop", "policy_capped"}


def test_new_keys_are_in_the_json_schema():
    from simulator.scenario.schema import Scenario

    text = str(Scenario.model_json_schema())
    for key in ("paid_in_below", "committed_below", "'cap'", "'stop'", "dissolution"):
        assert key in text


CROSSING = """
start: 2012-01
end: 2012-12
ventures:
  v: {dissolution: {committed_below: 100}}
partners:
  a: {pledge: 50}
  b: {pledge: 45, schedule: {type: tranches, count: 9}, departure: {at: 2012-04}}
policies:
  r: {type: raise, funder: a, at: 2012-02, amount: 20}
"""


def test_a_threshold_fires_when_crossed_not_because_the_venture_started_below():
    # 95 committed from the start, below 100: not crossed, no dissolution in month 0. The
    # raise lifts it to 115 in 2012-02; b leaving in 2012-04 after 3 tranches of 5 cancels
    # 30: 85 < 100, crossed, dissolved in 2012-04.
    r = run(CROSSING)
    d = events(r, "dissolution")
    assert d["date"].tolist() == [pd.Period("2012-04", "M")]
    assert d["detail"].tolist() == ["committed 85 < 100"]
    # Without the raise the venture never reaches 100: b's departure takes it from 95 to
    # 65, and nothing is dissolved (before 2026-12 it was dissolved in month 0).
    r = run(
        CROSSING.replace("policies:\n  r: {type: raise, funder: a, at: 2012-02, amount: 20}\n", "")
    )
    assert events(r, "dissolution").empty
    assert r.outcomes["committed_final"].iloc[0] == pytest.approx(65)
