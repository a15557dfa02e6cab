"""Spending plans, capital calls and defaults (docs/model.md §9.5): exact figures on small
deterministic scenarios, each worked by hand in a comment; the number of defaults against
n·p; in-run cash against the tables'."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

import simulator
from simulator.engine.compile import compile_scenario
from simulator.engine.replication import Replication
from simulator.engine.simulate import simulate
from simulator.engine.streams import streams_at
from simulator.experiments.run import is_stochastic
from simulator.results.tables import venture_totals
from simulator.scenario.load import validate_document
from simulator.scenario.yamlio import parse_text

ROOT = Path(__file__).resolve().parents[1]


def load(text: str):
    return validate_document(parse_text(text, "calls.yaml"), default_name="calls")


def run(text: str, **kw) -> simulator.ResultSet:
    return simulator.run(load(text), seed=kw.pop("seed", 1), **kw)


def series(results, column: str, partner: str | None = None) -> list[float]:
    """A column month by month (one replication): a partner's, or the venture's own."""
    t = results.trajectories
    if partner is None:
        t = t.drop_duplicates(["replication", "date", "venture"])
    else:
        t = t[t["partner"] == partner]
    return [round(x, 9) for x in t.sort_values("date")[column]]


def events(results, kind: str) -> pd.DataFrame:
    e = results.events
    return e[e["type"] == kind].reset_index(drop=True)


def month_row(results, month: str) -> pd.DataFrame:
    t = results.trajectories
    rows = t[t["date"] == pd.Period(month, "M")]
    return rows.set_index(rows["partner"].astype(str))


# --- calls pulled forward from a tranche schedule, and on_call pledges ---------------------

TRANCHES = """
start: 2012-01
end: 2012-12
ventures:
  v:
    spending: {per_month: 10}
    capital_calls: {below: 5, target: 20}
partners:
  a: {pledge: 60, schedule: {type: tranches, count: 3, every: 4}}
  b: {pledge: 40, schedule: {type: on_call}}
"""


def test_calls_pull_tranches_forward_and_draw_on_call_pledges():
    # a pays 20 in months 0, 4, 8; b's 40 is on call. Month 0: cash 20 − 10 = 10 ≥ 5, spend:
    # cash 10. Month 1: 10 − 10 = 0 < 5, call 20 − 0 = 20, pro rata to outstanding a 40, b 40:
    # 10 each; a's 10 comes from its month-4 tranche. Cash 30, spend: 20. Month 2: 10. Month 3
    # calls 20 again (a 30, b 30 owed: 10 each, a's month-4 tranche is now empty), month 5
    # (a 20, b 20) and month 7 (a 10, b 10). Month 9 spends the last 10; nothing is owed
    # any more, and from month 10 the cash has run out (0 spent of 10 planned).
    r = run(TRANCHES)
    assert series(r, "paid_in", "a") == [20, 30, 30, 40, 40, 50, 50, 60, 60, 60, 60, 60]
    assert series(r, "paid_in", "b") == [0, 10, 10, 20, 20, 30, 30, 40, 40, 40, 40, 40]
    assert series(r, "venture_cash") == [10, 20, 10, 20, 10, 20, 10, 20, 10, 0, 0, 0]
    assert series(r, "venture_spent") == [10, 20, 30, 40, 50, 60, 70, 80, 90, 100, 100, 100]
    assert series(r, "committed", "a") == [60] * 12  # a call moves payments, not pledges
    calls = events(r, "capital_call")
    assert calls["date"].dt.month.tolist() == [2, 2, 4, 4, 6, 6, 8, 8]
    assert calls["amount"].tolist() == [10.0] * 8
    o = r.outcomes.iloc[0]
    assert (o["spent_final"], o["cash_final"], o["cash_out"]) == (100, 0, True)
    assert o["cash_out_date"] == pd.Period("2012-11", "M")
    assert events(r, "cash_out")["detail"].tolist() == ["planned 10", "planned 10"]
    assert not is_stochastic(load(TRANCHES)) and r.replications == 1


ON_CALL = """
start: 2012-01
end: 2012-12
ventures:
  v:
    spending: {per_year: 24, start: 2012-03}
    capital_calls: {below: 2, target: 6}
partners:
  a: {pledge: 30, schedule: {type: on_call}}
  b: {pledge: 10, schedule: {type: on_call}}
"""


def test_on_call_pledges_are_paid_only_by_calls():
    # 24 a year = 2 a month from month 2. Nothing is paid before a call. Month 2: cash
    # 0 − 2 < 2, call 6 − (−2) = 8 (a 6, b 2: outstanding 30 : 10); spend 2: cash 6. Months
    # 3, 4: 4, 2. Month 5: 2 − 2 = 0 < 2, call 6 (a 4.5, b 1.5): cash 6. And so on every
    # three months: calls of 8, 6, 6, 6 = 26 by month 11, spent 10 × 2 = 20, cash 6.
    r = run(ON_CALL)
    assert series(r, "venture_cash") == [0, 0, 6, 4, 2, 6, 4, 2, 6, 4, 2, 6]
    assert series(r, "paid_in", "a") == [0, 0, 6, 6, 6, 10.5, 10.5, 10.5, 15, 15, 15, 19.5]
    assert series(r, "outstanding", "b")[-1] == 10 - 2 - 3 * 1.5
    assert events(r, "capital_call")["amount"].sum() == 26
    o = r.outcomes.iloc[0]
    assert (o["spent_final"], o["cash_final"], o["cash_out"]) == (20, 6, False)


# --- defaults: dilute, with and without a penalty; exclude ---------------------------------

DEFAULTS = """
start: 2012-01
end: 2012-01
ventures:
  v:
    spending: {{per_month: 80}}
    capital_calls:
      below: 0
      target: 10
      default: {{probability: {{c: 1}}, {rule}}}
partners:
  a: {{pledge: 40, schedule: {{type: tranches, count: 2}}}}
  b: {{pledge: 40, schedule: {{type: tranches, count: 2}}}}
  c: {{pledge: 40, schedule: {{type: tranches, count: 2}}}}
"""
# One month: each pays its first tranche of 20 (cash 60); the second (20 each) falls after
# the horizon. 60 − 80 < 0: call 10 − (60 − 80) = 30, 10 from each (owing 20 each). c never
# pays (probability 1). a and b pay 10 each from their unscheduled tranche: cash 80.


def test_dilute_cancels_the_defaulters_part():
    # c's part, 10, is cancelled: committed a 40, b 40, c 30; shares 4/11, 4/11, 3/11.
    r = run(DEFAULTS.format(rule="rule: dilute"))
    row = month_row(r, "2012-01")
    assert row["paid_in"].to_dict() == {"a": 30, "b": 30, "c": 20}
    assert row["committed"].to_dict() == {"a": 40, "b": 40, "c": 30}
    assert row["cancelled"]["c"] == 10
    np.testing.assert_allclose(row["share"].to_numpy(), [4 / 11, 4 / 11, 3 / 11])
    d = events(r, "call_default")
    assert (d["partner"][0], d["amount"][0]) == ("c", 10)
    assert "stake" not in r.trajectories  # no penalty, no exit: no stake moves
    o = r.outcomes.iloc[0]
    assert (o["spent_final"], o["cash_final"], o["cash_out"]) == (80, 0, False)


def test_dilute_with_a_penalty_forfeits_part_of_the_stake_to_the_payers():
    # As above, and half of c's stake (20 paid) goes to a and b, who paid the call, pro rata
    # to their stakes (30, 30): 5 each at price 0. Holdings a 45, b 45, c 30 − 10 = 20.
    r = run(DEFAULTS.format(rule="rule: dilute, penalty: 0.5"))
    row = month_row(r, "2012-01")
    assert row["stake"].to_dict() == {"a": 35, "b": 35, "c": 10}
    assert row["bought"].to_dict() == {"a": 5, "b": 5, "c": 0}
    assert row["sold"]["c"] == 10
    assert row["received_for_stake"]["c"] == 0 and row["paid_for_stakes"].sum() == 0
    np.testing.assert_allclose(row["share"].to_numpy(), [45 / 110, 45 / 110, 20 / 110])
    assert r.outcomes.iloc[0]["cash_final"] == 0  # a forfeit moves no cash


def test_exclude_makes_the_defaulter_leave_with_its_exit_rule():
    # c leaves in month 0 after its payment of the month: its unscheduled 20 is cancelled;
    # its stake 20 is refunded at 0.5×: the venture pays 10 out of its cash. Cash 80 − 10 =
    # 70 < 80 planned: the cash runs out, 70 spent.
    exit_rule = "exit: {stake: refund, price: {rule: multiple, multiple: 0.5}}"
    r = run(DEFAULTS.format(rule=f"rule: exclude, {exit_rule}"))
    row = month_row(r, "2012-01")
    assert row["member"].to_dict() == {"a": True, "b": True, "c": False}
    assert row["cancelled"]["c"] == 20 and row["refunded"]["c"] == 20
    assert row["received_for_stake"]["c"] == 10
    np.testing.assert_allclose(row["share"].to_numpy(), [0.5, 0.5, 0.0])
    dep = events(r, "departure")
    assert (dep["partner"][0], dep["amount"][0]) == ("c", 20)
    assert dep["detail"][0] == "defaulted on a capital call"
    o = r.outcomes.iloc[0]
    assert (o["spent_final"], o["cash_final"], o["cash_out"]) == (70, 0, True)


def test_exclude_without_an_exit_leaves_the_stake_with_the_member():
    r = run(DEFAULTS.format(rule="rule: exclude"))
    row = month_row(r, "2012-01")
    assert not row["member"]["c"] and row["paid_in"]["c"] == 20
    assert r.outcomes.iloc[0]["cash_final"] == 0  # 80 − 80: its stake stays in the venture


# --- cash runs out; dissolution -------------------------------------------------------------

CASH_OUT = """
start: 2012-01
end: 2012-12
ventures:
  v:
    spending: {per_month: 10}
    dissolution: {cash_out: true}
partners:
  a: {pledge: 30}
  b: {pledge: 12, schedule: {type: tranches, count: 12}}
"""


def test_cash_runs_out_and_the_venture_is_dissolved():
    # No calls. Cash 31 → 21, 22 → 12, 13 → 3; month 3: 4 < 10, 4 spent, cash out; the
    # dissolution at m + 0.55 cancels b's 8 tranches from month 4; spending stops.
    r = run(CASH_OUT)
    assert series(r, "venture_cash") == [21, 12, 3, 0, 0, 0, 0, 0, 0, 0, 0, 0]
    assert series(r, "venture_spent")[3:] == [34] * 9
    o = r.outcomes.iloc[0]
    assert (o["dissolved"], o["cash_out"], o["cancelled_final"]) == (True, True, 8)
    assert o["dissolution_date"] == o["cash_out_date"] == pd.Period("2012-04", "M")
    assert events(r, "dissolution")["detail"].tolist() == ["cash ran out"]
    assert len(events(r, "cash_out")) == 1  # the venture has ended: no more spending


# --- uncertain spending; defaults by chance --------------------------------------------------


def test_uncertain_spending_is_drawn_once_per_replication():
    text = """
start: 2012-01
end: 2012-12
ventures:
  v: {spending: {per_year: {dist: uniform, low: 12, high: 36}}}
partners:
  a: {pledge: 1000}
"""
    s = load(text)
    assert is_stochastic(s)
    r = simulator.run(s, replications=200, seed=4)
    t = r.trajectories.drop_duplicates(["replication", "date"]).sort_values("date")
    monthly = t.groupby("replication")["venture_spent"].apply(lambda x: np.diff(x.to_numpy()))
    for steps in monthly:
        np.testing.assert_allclose(steps, steps[0])  # the same amount every month
    first = t.groupby("replication")["venture_spent"].first()
    assert first.std() > 0.5  # differs between replications
    assert abs(first.mean() - 2.0) < 3 * (24 / 12 / np.sqrt(12)) / np.sqrt(200)


def test_number_of_defaults_matches_n_p():
    # Calls every month (the threshold is never reached: 12 calls per replication, each
    # capped at a small part of the pledges); b defaults with p = 0.3 at each, diluted.
    text = """
start: 2012-01
end: 2012-12
ventures:
  v:
    spending: {per_month: 1}
    capital_calls: {below: 1000, default: {probability: {b: 0.3}, rule: dilute}}
partners:
  a: {pledge: 100000, schedule: {type: on_call}}
  b: {pledge: 100000, schedule: {type: on_call}}
"""
    reps, p = 500, 0.3
    assert is_stochastic(load(text))  # a default probability strictly between 0 and 1
    r = run(text, replications=reps, seed=11)
    n = reps * 12
    assert len(events(r, "capital_call")) == n + n - len(events(r, "call_default"))
    defaults = len(events(r, "call_default"))
    assert abs(defaults - n * p) < 3 * np.sqrt(n * p * (1 - p))


def test_in_run_cash_equals_the_tables():
    """The cash the engine decides on (§9.5) is the tables' cash, month by month, with
    matching money, refunds at a price and calls together."""
    text = """
start: 2012-01
end: 2013-12
ventures:
  v:
    spending: {per_month: {dist: uniform, low: 2, high: 6}}
    capital_calls:
      below: 5
      target: 15
      default:
        probability: 0.2
        rule: exclude
        exit: {stake: refund, price: {rule: multiple, multiple: 1.5}}
partners:
  state: {public: true, pledge: 40, schedule: {type: on_call}}
  a: {pledge: 40, schedule: {type: tranches, count: 4, every: 6}}
  b: {pledge: 30, schedule: {type: on_call}, departure: {hazard: 0.03}}
policies:
  m: {type: match, funder: state, ratio: 0.5, cap: 20}
exit: {stake: refund}
"""
    s = load(text)
    model = compile_scenario(s)
    r = simulator.run(s, replications=20, seed=5)
    t = r.trajectories.drop_duplicates(["replication", "date"])
    for i in range(20):
        rep = Replication(model, streams_at(5, i))
        rep.run()
        path = rep.calls.cash_path[0]
        table = t[t["replication"] == i].sort_values("date")["venture_cash"].to_numpy()
        months = sorted(path)
        np.testing.assert_allclose(table[months], [path[m] for m in months], atol=1e-9)
        assert min(path.values()) >= -1e-9


def test_example_scenario_figures():
    """The deterministic figures its header gives, then the run with defaults."""
    path = ROOT / "scenarios" / "examples" / "capital_calls.yaml"
    r = simulator.run(path, overrides=["ventures.andromede.capital_calls.default=null"])
    calls = events(r, "capital_call").groupby("date")["amount"].sum()
    assert calls.round(9).tolist() == [57, 45, 45, 45, 45, 45, 3]
    assert [d.strftime("%Y-%m") for d in calls.index[1:6]] == [
        "2013-03",
        "2013-12",
        "2014-09",
        "2015-06",
        "2016-03",
    ]
    first = events(r, "capital_call").set_index("partner")["amount"][:4]
    assert first.to_dict() == {"state": 27, "orange": 12, "thales": 6, "dassault": 12}
    o = r.outcomes.iloc[0]
    assert (o["paid_in_final"], o["spent_final"], o["cash_final"]) == (285, 275, 10)
    r = simulator.run(path, replications=50, seed=1)
    assert (r.outcomes["cash_final"] >= 0).all() and r.outcomes["cash_out"].any()


def test_venture_totals_carry_spent_and_cash():
    """The sweep's venture totals (tables.venture_totals) give the same spent and cash."""
    chunk = simulate(compile_scenario(load(TRANCHES)), 1, 1)
    totals = venture_totals(chunk, ["spent", "cash"])[0, 0]
    assert totals[0].tolist() == [10, 20, 30, 40, 50, 60, 70, 80, 90, 100, 100, 100]
    assert totals[1].tolist() == [10, 20, 10, 20, 10, 20, 10, 20, 10, 0, 0, 0]


def test_a_refund_is_paid_only_up_to_the_cash():
    # Month 0: cash 30 + 20 − 10 = 40. Month 1: b leaves (m + 0.0) and its stake 20 is
    # refunded at 3× = 60, more than the 40 of cash: it is paid 40. Nothing is left to spend.
    r = run("""
start: 2012-01
end: 2012-03
ventures:
  v: {spending: {per_month: 10}}
partners:
  a: {pledge: 30}
  b:
    pledge: 20
    departure:
      at: 2012-02
      exit: {stake: refund, price: {rule: multiple, multiple: 3}}
""")
    assert month_row(r, "2012-02")["received_for_stake"]["b"] == 40
    assert "capped at the venture's cash" in events(r, "stake_refunded")["detail"][0]
    assert series(r, "venture_cash") == [40, 0, 0]
    assert series(r, "venture_spent") == [10, 10, 10]
