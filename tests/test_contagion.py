"""Contagion (docs/model.md §6.3): Monte Carlo departure rates against closed forms within
3 standard errors, and the exact rules on deterministic cases."""

from __future__ import annotations

import numpy as np
import pytest
from test_statistics import assert_proportion, scenario  # the 3-SE helpers

import simulator

N = 6000
SEED = 20240607

H0, MULT, WINDOW = 0.02, 5, 12

RAISED = f"""\
start: 2020-01
end: 2021-12
ventures: {{v: {{}}}}
partners:
  a: {{pledge: 10, departure: {{at: 2020-07}}}}
  b: {{pledge: 10, departure: {{hazard: {H0}}}}}
  c: {{pledge: 10, departure: {{hazard: {H0}}}}}
contagion:
  after_a: {{from: [a], to: [b], multiplier: {MULT}, months: {WINDOW}}}
"""


def leave_month(results, member: str) -> np.ndarray:
    """Month index (from 2020-01) each replication's member left, -1 if it stayed."""
    e = results.events
    e = e[(e["type"] == "departure") & (e["partner"] == member)]
    out = np.full(results.outcomes["replication"].nunique(), -1)
    months = (e["date"].dt.year - 2020) * 12 + e["date"].dt.month - 1
    out[e["replication"].to_numpy()] = months.to_numpy()
    return out


def test_raised_hazard_matches_the_closed_form():
    r = simulator.run(scenario(RAISED), replications=N, seed=SEED)
    b, c = leave_month(r, "b"), leave_month(r, "c")
    raised = min(1.0, H0 * MULT)
    # a leaves in month 6: b's window is months 7 … 18 (hazard 0.1), h0 in months 1 … 6, 19 … 23
    assert_proportion(b == -1, (1 - H0) ** 11 * (1 - raised) ** 12, "b stays to the end")
    assert_proportion((b >= 7) & (b <= 18), (1 - H0) ** 6 * (1 - (1 - raised) ** 12), "b in window")
    assert_proportion(b == 6, (1 - H0) ** 5 * H0, "b in a's month (old rate)")
    assert_proportion(b == 19, (1 - H0) ** 6 * (1 - raised) ** 12 * H0, "b right after")
    # c is not a target: its plain hazard throughout
    assert_proportion(c == -1, (1 - H0) ** 23, "c stays to the end")


def test_added_hazard_and_a_window_extended_by_a_second_departure():
    text = RAISED.replace(
        "a: {pledge: 10, departure: {at: 2020-07}}",
        "a: {pledge: 10, departure: {at: 2020-07}}\n  d: {pledge: 10, departure: {at: 2020-10}}",
    ).replace(f"from: [a], to: [b], multiplier: {MULT}", "from: [a, d], to: [b], added: 0.08")
    r = simulator.run(scenario(text), replications=N, seed=SEED)
    b = leave_month(r, "b")
    # windows 7 … 18 and 10 … 21 merge into 7 … 21 (15 months at 0.1)
    assert_proportion(b == -1, (1 - H0) ** 8 * 0.9**15, "b stays to the end")
    assert_proportion((b >= 7) & (b <= 21), (1 - H0) ** 6 * (1 - 0.9**15), "b in window")


@pytest.mark.parametrize("rival_first", [False, True])
def test_a_rival_leaving_in_the_source_month_keeps_the_window(rival_first):
    # b: 0.05 while its rival r is in, 0.02 after; r and the source a both leave in month 6,
    # in either order. Month 6 uses 0.02 (§6.1), months 7 … 18 are in a's window (0.1),
    # months 19 … 23 0.02 again.
    rival = "r: {pledge: 10, departure: {at: 2020-07}}"
    text = RAISED.replace(
        "b: {pledge: 10, departure: {hazard: 0.02}}",
        "b: {pledge: 10, departure: {hazard: 0.02, rival: r, rival_hazard: 0.05}}",
    )
    if rival_first:
        text = text.replace("partners:\n", f"partners:\n  {rival}\n")
    else:
        text = text.replace("  c: {", f"  {rival}\n  c: {{")
    r = simulator.run(scenario(text), replications=N, seed=SEED)
    b = leave_month(r, "b")
    assert_proportion(b == -1, 0.95**5 * 0.98 * 0.9**12 * 0.98**5, "b stays to the end")
    assert_proportion(b == 6, 0.95**5 * 0.02, "b leaves in month 6")


EXIT = """\
start: 2020-01
end: 2020-12
ventures: {v: {}}
partners:
  a: {pledge: 10, departure: {at: 2020-03}}
  b: {pledge: 10}
  c: {pledge: 10}
contagion:
  follow: {from: a, to: [b, c], probability: 0.3}
  cascade: {from: b, to: c, probability: 1}
"""


def test_triggered_exits_and_a_cascade():
    r = simulator.run(scenario(EXIT), replications=N, seed=SEED)
    b, c = leave_month(r, "b"), leave_month(r, "c")
    assert set(np.unique(b)) <= {-1, 2} and set(np.unique(c)) <= {-1, 2}
    assert_proportion(b == 2, 0.3, "b follows a")
    # c leaves if b does (the cascade rule, probability 1) or on its own draw (0.3):
    # the cascade acts only when b leaves, i.e. c leaves w.p. 0.3 + 0.7 · 0.3
    assert_proportion(c == 2, 0.3 + 0.7 * 0.3, "c follows a or b")
    details = set(r.events.loc[r.events["partner"] == "c", "detail"])
    assert details <= {"contagion follow", "contagion cascade"} and len(details) == 2


def test_exit_order_and_money_on_a_certain_rule():
    text = EXIT.replace("probability: 0.3", "probability: 1").replace(
        "b: {pledge: 10}", "b: {pledge: 12, schedule: {type: tranches, count: 12}}"
    )
    r = simulator.run(scenario(text), seed=1)
    e = r.events
    assert list(zip(e["partner"], e["detail"], strict=True)) == [
        ("a", ""),
        ("b", "contagion follow"),
        ("c", "contagion follow"),
    ]
    assert list(e["date"].dt.month) == [3, 3, 3]
    b = r.outcomes
    assert b["paid_in_final"].iloc[0] == pytest.approx(10 + 2 + 10)  # b paid months 0, 1
    assert b["cancelled_final"].iloc[0] == pytest.approx(10)  # b's 10 tranches from 2020-03


def test_unused_mechanisms_cost_nothing():
    """Without contagion rules or rounds, a replication builds neither (model.md §12)."""
    from simulator.engine.compile import compile_scenario
    from simulator.engine.replication import Replication
    from simulator.engine.streams import streams_at

    rep = Replication(compile_scenario(scenario(RAISED.split("contagion:")[0])), streams_at(1, 0))
    rep.run()
    assert rep.contagion is None and rep.negotiations is None
    assert rep.plan.contagion_targets == frozenset() and rep.plan.round_negotiations == []
