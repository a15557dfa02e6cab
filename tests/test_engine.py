"""The engine on deterministic scenarios: exact figures, worked by hand (docs/model.md).

Every scenario here is either a shipped file or a small YAML string; each runs one
replication (or a few dozen for the seed tests) and finishes in well under a second.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from conftest import run, scenario

import simulator

ROOT = Path(__file__).resolve().parents[1]
SCENARIOS = ROOT / "scenarios"


def at(results, date: str, partner: str | None = None, replication: int = 0) -> pd.DataFrame:
    """Trajectory rows of one month (and one partner), indexed by partner."""
    t = results.trajectories
    rows = t[(t["date"] == pd.Period(date, "M")) & (t["replication"] == replication)]
    if partner is not None:
        rows = rows[rows["partner"] == partner]
    return rows.set_index(rows["partner"].astype(str))


def series(results, partner: str, column: str, replication: int = 0) -> np.ndarray:
    """One partner's column month by month."""
    t = results.trajectories
    rows = t[(t["partner"] == partner) & (t["replication"] == replication)]
    return rows.sort_values("date")[column].to_numpy()


def events(results, kind: str | None = None) -> pd.DataFrame:
    e = results.events
    return e if kind is None else e[e["type"] == kind].reset_index(drop=True)


def only(outcomes: pd.DataFrame) -> pd.Series:
    assert len(outcomes) == 1
    return outcomes.iloc[0]


# --- the shipped scenarios --------------------------------------------------------


def test_andromede_plan_totals():
    r = simulator.run(SCENARIOS / "andromede_plan.yaml", seed=1)
    o = only(r.outcomes)
    assert o["pledged_final"] == pytest.approx(285)
    assert o["committed_final"] == pytest.approx(285)
    assert o["paid_in_final"] == pytest.approx(285)
    assert o["outstanding_final"] == pytest.approx(0)
    assert o["cancelled_final"] == pytest.approx(0)
    assert o["members_final"] == 4
    assert not o["collapsed"]
    assert pd.isna(o["collapse_date"])
    assert r.events.empty


def test_andromede_plan_first_tranche_and_shares():
    r = simulator.run(SCENARIOS / "andromede_plan.yaml", seed=1)
    before = at(r, "2012-05-01")
    assert before["paid_in"].sum() == pytest.approx(0)
    june = at(r, "2012-06-01")
    assert june["paid_in"].sum() == pytest.approx(285 / 4)
    assert june.loc["state", "paid_in"] == pytest.approx(135 / 4)
    assert june.loc["thales", "paid_in"] == pytest.approx(30 / 4)
    assert june["outstanding"].sum() == pytest.approx(285 * 3 / 4)
    # paid-in steps once a year: 71.25 → 142.5 → 213.75 → 285
    for date, paid in [("2013-06-01", 142.5), ("2014-06-01", 213.75), ("2015-06-01", 285)]:
        assert at(r, date)["paid_in"].sum() == pytest.approx(paid)
    end = at(r, "2016-12-01")
    expected = {"state": 135, "orange": 60, "thales": 30, "dassault": 60}
    for partner, amount in expected.items():
        assert end.loc[partner, "share"] == pytest.approx(amount / 285)
        assert end.loc[partner, "committed"] == pytest.approx(amount)
    assert end["share"].sum() == pytest.approx(1)


def test_dassault_leaves():
    r = simulator.run(SCENARIOS / "dassault_leaves.yaml", seed=1)
    o = only(r.outcomes)
    assert o["pledged_final"] == pytest.approx(285)
    assert o["committed_final"] == pytest.approx(225)
    assert o["paid_in_final"] == pytest.approx(225)
    assert o["cancelled_final"] == pytest.approx(60)
    assert o["members_final"] == 3
    assert not o["collapsed"]
    dep = events(r, "departure")
    assert len(dep) == 1
    assert dep.loc[0, "partner"] == "dassault"
    assert dep.loc[0, "date"] == pd.Period("2011-12", "M")
    assert dep.loc[0, "amount"] == pytest.approx(60)
    assert len(events(r)) == 1
    # before the departure Dassault holds 60/285; from its month on, nothing
    assert at(r, "2011-11-01").loc["dassault", "share"] == pytest.approx(60 / 285)
    t = r.trajectories
    after = t[t["date"] >= pd.Period("2011-12", "M")]
    assert (after.loc[after["partner"] == "dassault", "share"] == 0).all()
    assert (~after.loc[after["partner"] == "dassault", "member"]).all()
    others = after[after["partner"] != "dassault"].groupby("date")["share"].sum()
    np.testing.assert_allclose(others.to_numpy(), 1.0, rtol=1e-12)
    end = at(r, "2016-12-01")
    assert end.loc["state", "share"] == pytest.approx(135 / 225)
    assert end.loc["orange", "share"] == pytest.approx(60 / 225)
    assert end.loc["dassault", "cancelled"] == pytest.approx(60)
    assert end.loc["dassault", "paid_in"] == pytest.approx(0)


def test_state_raises_share():
    r = simulator.run(SCENARIOS / "state_raises_share.yaml", seed=1)
    o = only(r.outcomes)
    assert o["committed_final"] == pytest.approx(285)
    assert o["cancelled_final"] == pytest.approx(60)
    assert o["pledged_final"] == pytest.approx(345)
    end = at(r, "2016-12-01")
    assert end.loc["state", "committed"] == pytest.approx(195)
    assert end.loc["state", "share"] == pytest.approx(195 / 285)
    raised = events(r, "raise")
    assert len(raised) == 1
    assert raised.loc[0, "date"] == pd.Period("2012-03", "M")
    assert raised.loc[0, "amount"] == pytest.approx(60)
    # the raise is paid in 4 yearly tranches of 15 from 2012-03
    assert at(r, "2012-03-01").loc["state", "paid_in"] == pytest.approx(15)
    assert at(r, "2012-02-01").loc["state", "pledged"] == pytest.approx(135)


# --- departures and schedules -------------------------------------------------------

TWO_PAYERS = """\
start: 2020-01
end: 2021-12
ventures: {v: {}}
partners:
  a: {pledge: 120, schedule: {type: tranches, count: 12}}
  b:
    pledge: 60
    schedule: {type: tranches, count: 12}
    departure: {at: 2020-05}
"""


def test_departure_after_some_tranches_keeps_paid_in_and_cancels_the_rest():
    # b pays 5 a month in months 0-3 (20), leaves in month 4: that month's 5 is not paid
    r = run(TWO_PAYERS)
    o = only(r.outcomes)
    assert o["paid_in_final"] == pytest.approx(120 + 20)
    assert o["cancelled_final"] == pytest.approx(40)
    assert o["committed_final"] == pytest.approx(140)
    assert o["members_final"] == 1
    dep = events(r, "departure")
    assert len(dep) == 1 and dep.loc[0, "amount"] == pytest.approx(40)
    assert dep.loc[0, "date"] == pd.Period("2020-05", "M")
    np.testing.assert_allclose(series(r, "b", "paid_in")[:6], [5, 10, 15, 20, 20, 20])
    np.testing.assert_allclose(series(r, "b", "cancelled")[:6], [0, 0, 0, 0, 40, 40])
    np.testing.assert_allclose(series(r, "b", "outstanding")[:6], [55, 50, 45, 40, 0, 0])
    np.testing.assert_allclose(series(r, "b", "committed")[3:6], [60, 20, 20])
    np.testing.assert_allclose(series(r, "b", "share")[:6], [1 / 3] * 4 + [0, 0])
    np.testing.assert_allclose(series(r, "a", "share")[4:], 1.0)
    assert series(r, "b", "pledged")[-1] == pytest.approx(60)


def test_tranches_beyond_the_horizon_stay_outstanding():
    # a candidate joining in month 4 pays 12 monthly tranches of 10: 8 fall inside the
    # 12-month horizon (months 4-11), 4 after it
    r = run("""\
start: 2020-01
end: 2020-12
ventures: {v: {}}
partners:
  a: {pledge: 10}
candidates:
  c:
    pledge: 120
    schedule: {type: tranches, count: 12}
    negotiation: {start: 2020-03, duration: 2}
""")
    o = only(r.outcomes)
    assert o["pledged_final"] == pytest.approx(130)
    assert o["committed_final"] == pytest.approx(130)
    assert o["paid_in_final"] == pytest.approx(10 + 80)
    assert o["outstanding_final"] == pytest.approx(40)
    assert o["cancelled_final"] == pytest.approx(0)
    end = at(r, "2020-12-01")
    assert end.loc["c", "outstanding"] == pytest.approx(40)


def test_departure_cancels_payments_beyond_the_horizon_too():
    # a raise in month 6 of 120 in 12 monthly tranches: 6 inside the horizon, 6 beyond
    text = """\
start: 2020-01
end: 2020-12
ventures: {v: {}}
partners:
  a: {pledge: 10%s}
  b: {pledge: 10}
policies:
  r: {type: raise, funder: a, at: 2020-07, amount: 120, schedule: {type: tranches, count: 12}}
"""
    o = only(run(text % "").outcomes)
    assert o["outstanding_final"] == pytest.approx(60)
    assert o["paid_in_final"] == pytest.approx(20 + 60)
    # a leaves in month 9 having paid 3 tranches of the raise: 3 inside + 6 beyond cancelled
    r = run(text % ", departure: {at: 2020-10}")
    o = only(r.outcomes)
    assert o["outstanding_final"] == pytest.approx(0)
    assert o["paid_in_final"] == pytest.approx(20 + 30)
    assert o["cancelled_final"] == pytest.approx(90)
    assert events(r, "departure").loc[0, "amount"] == pytest.approx(90)


def test_calendar_of_zero_payments_with_an_uncertain_pledge_is_split_equally():
    # scenario-reference §9: with a distribution among pledge and payments, the payments
    # are proportions; if they all come out 0, the pledge is split equally.
    r = run(
        """\
start: 2020-01
end: 2020-06
ventures: {v: {}}
partners:
  a: {pledge: 10}
  b:
    pledge: {dist: uniform, low: 10, high: 20}
    schedule: {type: calendar, payments: {2020-02: 0, 2020-04: 0}}
""",
        replications=3,
    )
    t = r.trajectories
    b = t[t["partner"] == "b"]
    for column in ("pledged", "paid_in", "outstanding", "committed", "share"):
        assert np.isfinite(b[column]).all(), f"{column} has NaN"
    for _, rows in b.groupby("replication"):
        pledge = rows["pledged"].iloc[-1]
        assert 10 <= pledge <= 20
        np.testing.assert_allclose(
            rows.sort_values("date")["paid_in"], [0, pledge / 2, pledge / 2, pledge] + [pledge] * 2
        )
    np.testing.assert_allclose(r.outcomes["outstanding_final"], 0, atol=1e-9)


# --- minimum capital and deadline -----------------------------------------------------


def minimum_scenario(a: float, b_leaves: str, minimum: float = 100) -> str:
    return f"""\
start: 2020-01
end: 2021-12
ventures: {{v: {{minimum_capital: {minimum}, deadline: 2020-06}}}}
partners:
  a: {{pledge: {a}, schedule: {{type: tranches, count: 12}}}}
  b:
    pledge: 60
    schedule: {{type: tranches, count: 12}}
    departure: {{at: {b_leaves}}}
"""


def test_collapse_at_the_deadline_when_committed_is_below_minimum():
    # b leaves in month 3 having paid 15: committed = 60 + 15 = 75 < 100 at the deadline
    # (month 5). a's payments of months 0-5 are made (30); the 30 left are cancelled.
    r = run(minimum_scenario(60, "2020-04"))
    o = only(r.outcomes)
    assert o["collapsed"]
    assert o["collapse_date"] == pd.Period("2020-06", "M")
    assert o["paid_in_final"] == pytest.approx(30 + 15)
    assert o["committed_final"] == pytest.approx(45)
    assert o["cancelled_final"] == pytest.approx(45 + 30)
    col = events(r, "collapse")
    assert len(col) == 1
    assert col.loc[0, "date"] == pd.Period("2020-06", "M")
    assert col.loc[0, "amount"] == pytest.approx(30)
    np.testing.assert_allclose(series(r, "a", "paid_in")[4:8], [25, 30, 30, 30])
    np.testing.assert_allclose(series(r, "a", "cancelled")[4:8], [0, 0, 30, 30])
    np.testing.assert_allclose(series(r, "a", "outstanding")[4:8], [35, 30, 0, 0])


def test_no_collapse_when_committed_reaches_the_minimum():
    r = run(minimum_scenario(85, "2020-04"))  # 85 + 15 = 100 ≥ 100
    o = only(r.outcomes)
    assert not o["collapsed"]
    assert pd.isna(o["collapse_date"])
    assert o["paid_in_final"] == pytest.approx(100)
    assert events(r, "collapse").empty


def test_no_collapse_from_a_shortfall_before_the_deadline_only_from_the_deadline_on():
    # b leaves in month 8 (after the deadline) having paid 40: 60 + 40 = 100, no collapse
    r = run(minimum_scenario(60, "2020-09"))
    assert not only(r.outcomes)["collapsed"]
    # b leaves in month 7 having paid 35: 60 + 35 = 95 < 100, collapse in that month
    r = run(minimum_scenario(60, "2020-08"))
    o = only(r.outcomes)
    assert o["collapsed"]
    assert o["collapse_date"] == pd.Period("2020-08", "M")
    assert o["paid_in_final"] == pytest.approx(35 + 40)  # a paid months 0-7


# --- policies ---------------------------------------------------------------------------

MATCH = """\
start: 2020-01
end: 2020-12
ventures: {v: {}}
partners:
  state: {public: true}
  a: {pledge: 120, schedule: {type: tranches, count: 12}}
  b: {pledge: 60, schedule: {type: tranches, count: 6}, departure: {at: 2020-03}}
  pub: {public: true, pledge: 50}
policies:
  m: {type: match, funder: state, ratio: 0.5, cap: 80}
"""


def test_match_follows_private_money_month_by_month():
    r = run(MATCH)
    private = [p for p in ("a", "b")]
    committed_priv = sum(series(r, p, "committed") for p in private)
    paid_priv = sum(series(r, p, "paid_in") for p in private)
    committed = series(r, "state", "committed")
    paid = series(r, "state", "paid_in")
    np.testing.assert_allclose(committed, np.minimum(80, 0.5 * committed_priv), atol=1e-9)
    np.testing.assert_allclose(paid, np.minimum(80, 0.5 * paid_priv), atol=1e-9)
    # by hand: private committed 180 (capped match 80), then 140 once b leaves (match 70)
    np.testing.assert_allclose(committed[:4], [80, 80, 70, 70])
    np.testing.assert_allclose(paid[:4], [10, 20, 25, 30])  # a 10/month, b 10/month to month 1
    assert paid[-1] == pytest.approx(0.5 * (120 + 20))


def test_match_reduced_by_a_private_departure_is_a_cancellation():
    r = run(MATCH)
    np.testing.assert_allclose(series(r, "state", "pledged")[:4], [80, 80, 80, 80])
    np.testing.assert_allclose(series(r, "state", "cancelled")[:4], [0, 0, 10, 10])
    o = only(r.outcomes)
    # b's 40 and the state's 10 of matching money
    assert o["cancelled_final"] == pytest.approx(50)
    assert o["committed_final"] == pytest.approx(140 + 50 + 70)
    # matching cancellations are not events: the only event is b's departure
    assert list(r.events["type"]) == ["departure"]
    assert r.events.loc[0, "amount"] == pytest.approx(40)


def test_match_frozen_when_the_funder_leaves():
    # the funder leaves in month 4: matching money stays at what was paid by month 3
    r = run(
        MATCH.replace("state: {public: true}", "state: {public: true, departure: {at: 2020-05}}")
    )
    paid = series(r, "state", "paid_in")
    committed = series(r, "state", "committed")
    np.testing.assert_allclose(paid[:4], [10, 20, 25, 30])
    np.testing.assert_allclose(paid[4:], 30)
    np.testing.assert_allclose(committed[4:], 30)
    assert series(r, "state", "cancelled")[-1] == pytest.approx(80 - 30)
    assert not series(r, "state", "member")[4:].any()


def test_top_up_at_the_start_is_the_closed_form():
    # T = 100, F = 10, s = 0.4: x = (0.4·100 − 10)/0.6 = 50
    r = run("""\
start: 2020-01
end: 2020-12
ventures: {v: {}}
partners:
  state: {public: true, pledge: 10}
  a: {pledge: 60, schedule: {type: tranches, count: 12}}
  b: {pledge: 30}
policies:
  t: {type: top_up, funder: state, share: 0.4}
""")
    top = events(r, "top_up")
    assert len(top) == 1
    assert top.loc[0, "date"] == pd.Period("2020-01", "M")
    assert top.loc[0, "amount"] == pytest.approx(50)
    np.testing.assert_allclose(series(r, "state", "share"), 0.4)
    assert series(r, "state", "paid_in")[0] == pytest.approx(60)  # upfront


TOP_UP_AFTER_DEPARTURE = """\
start: 2020-01
end: 2021-12
ventures: {v: {}}
partners:
  state: {public: true}
  pub: {public: true, pledge: 20}
  a: {pledge: 60, schedule: {type: tranches, count: 6, start: 2020-06}}
  b:
    pledge: 40
    schedule: {type: tranches, count: 4, start: 2020-06}
    departure: {at: 2020-03}
policies:
  m: {type: match, funder: state, ratio: 1}
  t: {type: top_up, funder: state, share: 0.45}
"""


def test_top_up_after_a_departure_restores_the_target_share_exactly():
    # The state matches private money 1:1. Month 0: F = 100 (match), T = 20 + 100 + 100
    # = 220, 45.45 % ≥ 45 %: no top-up. b leaves in month 2 with nothing paid: the match
    # falls to 60, T = 20 + 60 + 60 = 140, F = 60 (42.9 %), so the state tops up
    # x = (s·T − F)/(1 − s) = (0.45·140 − 60)/0.55.
    r = run(TOP_UP_AFTER_DEPARTURE)
    s, T, F = 0.45, 140.0, 60.0
    x = (s * T - F) / (1 - s)
    top = events(r, "top_up")
    assert len(top) == 1
    assert top.loc[0, "date"] == pd.Period("2020-03", "M")
    assert top.loc[0, "amount"] == pytest.approx(x)
    share = series(r, "state", "share")
    np.testing.assert_allclose(share[:2], 100 / 220)
    np.testing.assert_allclose(share[2:], s, rtol=1e-12)
    committed = series(r, "state", "committed")
    assert committed[-1] == pytest.approx(F + x)
    end = at(r, "2021-12-01")
    assert end.loc["state", "committed"] / end["committed"].sum() == pytest.approx(s)


def test_top_up_after_a_join_and_its_cap():
    text = """\
start: 2020-01
end: 2020-12
ventures: {v: {}}
partners:
  state: {public: true, pledge: 40}
  a: {pledge: 60}
candidates:
  c: {pledge: 50, negotiation: {start: 2020-04, duration: 2}}
policies:
  t: {type: top_up, funder: state, share: 0.4%s}
"""
    # 40/100 = 40 % at the start: nothing. c joins in month 5: T = 150, F = 40,
    # x = (0.4·150 − 40)/0.6 = 33.33
    r = run(text % "")
    top = events(r, "top_up")
    assert len(top) == 1
    assert top.loc[0, "date"] == pd.Period("2020-06", "M")
    assert top.loc[0, "amount"] == pytest.approx(20 / 0.6)
    np.testing.assert_allclose(series(r, "state", "share")[5:], 0.4)
    # with a cap of 10 the state adds 10 only: 50/160
    r = run(text % ", cap: 10")
    assert events(r, "top_up")["amount"].sum() == pytest.approx(10)
    np.testing.assert_allclose(series(r, "state", "share")[5:], 50 / 160)


# --- negotiations -------------------------------------------------------------------------

CANDIDATE = """\
start: 2020-01
end: 2020-12
ventures: {v: {}}
partners:
  a: {pledge: 60}
candidates:
  c:
    pledge: 40
    schedule: {type: tranches, count: 4}
    negotiation: {start: 2020-02, duration: 3, success: %s}
"""


def test_candidate_with_certain_success_joins_after_the_duration():
    r = run(CANDIDATE % 1)
    assert r.manifest["stochastic"] is False
    joined = events(r, "join")
    assert len(joined) == 1
    assert joined.loc[0, "partner"] == "c"
    assert joined.loc[0, "date"] == pd.Period("2020-05", "M")  # 2020-02 + 3 months
    assert joined.loc[0, "amount"] == pytest.approx(40)
    started = events(r, "negotiation_start")
    assert started.loc[0, "date"] == pd.Period("2020-02", "M")
    member = series(r, "c", "member")
    assert not member[:4].any() and member[4:].all()
    np.testing.assert_allclose(series(r, "c", "pledged"), [0] * 4 + [40] * 8)
    np.testing.assert_allclose(series(r, "c", "paid_in"), [0] * 4 + [10, 20, 30] + [40] * 5)
    np.testing.assert_allclose(series(r, "c", "share")[4:], 0.4)
    assert only(r.outcomes)["members_final"] == 2


def test_candidate_with_zero_success_never_joins():
    r = run(CANDIDATE % 0)
    assert events(r, "join").empty
    assert len(events(r, "negotiation_failed")) == 1
    assert not series(r, "c", "member").any()
    np.testing.assert_allclose(series(r, "c", "pledged"), 0)
    o = only(r.outcomes)
    assert o["committed_final"] == pytest.approx(60)
    assert o["members_final"] == 1


# --- seeds and common random numbers ----------------------------------------------------


def test_same_seed_same_numbers():
    path = SCENARIOS / "atos_joins.yaml"
    one = simulator.run(path, replications=20, seed=11)
    two = simulator.run(path, replications=20, seed=11)
    pd.testing.assert_frame_equal(one.outcomes, two.outcomes)
    pd.testing.assert_frame_equal(one.trajectories, two.trajectories)
    pd.testing.assert_frame_equal(one.events, two.events)


def test_different_seeds_differ():
    path = SCENARIOS / "atos_joins.yaml"
    one = simulator.run(path, replications=20, seed=11)
    two = simulator.run(path, replications=20, seed=12)
    assert not np.allclose(
        one.outcomes["committed_final"].to_numpy(), two.outcomes["committed_final"].to_numpy()
    )


@pytest.mark.parametrize("name", ["atos_joins", "dassault_may_leave"])
def test_replication_i_does_not_depend_on_the_number_of_replications(name):
    path = SCENARIOS / f"{name}.yaml"
    few = simulator.run(path, replications=10, seed=5)
    many = simulator.run(path, replications=30, seed=5)
    assert many.outcomes["committed_final"].nunique() > 1  # the draws do vary
    head = many.outcomes[many.outcomes["replication"] < 10].reset_index(drop=True)
    pd.testing.assert_frame_equal(few.outcomes, head)
    traj = many.trajectories
    pd.testing.assert_frame_equal(
        few.trajectories, traj[traj["replication"] < 10].reset_index(drop=True)
    )
    ev = many.events
    pd.testing.assert_frame_equal(few.events, ev[ev["replication"] < 10].reset_index(drop=True))


def test_match_and_top_up_worked_example():
    # docs/model.md §14.3, computed by hand there.
    r = run("""\
start: 2012-01
end: 2012-12
ventures: {v: {}}
partners:
  state: {public: true, pledge: 10}
  o: {pledge: 30, schedule: {type: tranches, count: 10}}
  d: {pledge: 20, schedule: {type: tranches, count: 10}, departure: {at: 2012-04}}
candidates:
  atos:
    pledge: 60
    schedule: {type: tranches, count: 4}
    negotiation: {start: 2012-02, duration: 2}
policies:
  m: {type: match, funder: state, ratio: 0.5, cap: 50}
  t: {type: top_up, funder: state, share: 0.4}
""")
    top_ups = events(r, "top_up")
    assert len(top_ups) == 1 and top_ups.loc[0, "date"] == pd.Period("2012-04", "M")
    assert top_ups.loc[0, "amount"] == pytest.approx(2.0)
    april = at(r, "2012-04-01")
    assert april.loc["state", "committed"] == pytest.approx(60.0)
    assert april.loc["state", "paid_in"] == pytest.approx(28.5)
    for partner, share in {"state": 0.4, "o": 0.2, "d": 0.0, "atos": 0.4}.items():
        assert april.loc[partner, "share"] == pytest.approx(share)


@pytest.mark.parametrize(
    ("extra", "stochastic"),
    [
        ("", False),
        ("contagion: {c: {from: a, to: b, probability: 0.5}}\n", True),
        ("contagion: {c: {from: a, to: b, probability: 1}}\n", False),
        ("contagion: {c: {from: a, to: b, added: 0.1, months: 3}}\n", True),
    ],
)
def test_what_counts_as_random(extra, stochastic):
    text = """\
start: 2020-01
end: 2020-12
ventures: {v: {}}
partners:
  a: {pledge: 10, departure: {at: 2020-03}}
  b: {pledge: 10, departure: {hazard: 0}}
"""
    assert simulator.is_stochastic(scenario(text + extra)) is stochastic
