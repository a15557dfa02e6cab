"""What `consim run` prints: every mean with its interval, every probability with a Wilson
interval, the statistic named, money moved at a split told apart from money cancelled."""

from __future__ import annotations

import numpy as np
import pytest
from conftest import run, scenario

import simulator
from simulator.analysis.summary import format_summary, membership_changes, summarize

HAZARD = """
start: 2020-01
end: 2020-12
ventures: {v: {}}
partners:
  a: {pledge: 100, schedule: {type: tranches, count: 12}, departure: {hazard: 0.05}}
  b: {pledge: 50}
"""
# a leaves by month 11 (its last month) with probability 1 - 0.95^11 (hazard from month 1)
P_LEAVES = 1 - 0.95**11


def test_a_deterministic_run_prints_exact_figures():
    text = format_summary(simulator.run("scenarios/dassault_leaves.yaml", seed=1))
    assert "(nothing uncertain: every figure is exact)" in text
    for line in (
        "pledged       285.0 M€",
        "committed     225.0 M€",
        "cancelled     60.0 M€",
        "members       3 at the end",
        "P(collapsed)  0%",
        "P(leaves)     Dassault Systèmes: 100%",
        "0.64 %",
    ):
        assert line in text, line
    assert "CI" not in text


def test_an_uncertain_run_names_its_statistics_and_intervals():
    r = run(HAZARD, replications=2000, seed=4)
    text = format_summary(r)
    committed = next(line for line in text.splitlines() if "committed" in line)
    assert "mean" in committed and "95 % CI" in committed and "median" in committed
    assert "5–95 % of runs" in committed
    changes = membership_changes(r).set_index("partner")
    p, low, high = changes.loc["a", ["probability", "ci_low", "ci_high"]]
    assert low <= P_LEAVES <= high  # the printed interval holds the true value
    assert f"P(leaves)     a: {p:.1%} (95 % CI {low:.1%}–{high:.1%})" in text
    s = summarize(r).iloc[0]
    assert s["committed_final_ci_low"] < s["committed_final_mean"] < s["committed_final_ci_high"]


@pytest.mark.slow
def test_the_printed_intervals_cover_the_truth_95_percent_of_the_time():
    model = scenario(HAZARD)
    hits = []
    for seed in range(300):
        r = simulator.run(model, replications=200, seed=seed, progress=False)
        c = membership_changes(r).set_index("partner").loc["a"]
        # E[committed] = 50 + 100 · E[months paid] / 12: a pays months 0 … K-1, K the month
        # it leaves (≥ 1), so E[min(K, 12)] = Σ_{m<12} P(K > m) = Σ_{m<12} 0.95^m
        paid = sum(0.95**m for m in range(12))
        s = summarize(r).iloc[0]
        hits.append(
            (
                c["ci_low"] <= P_LEAVES <= c["ci_high"],
                s["committed_final_ci_low"] <= 50 + 100 * paid / 12 <= s["committed_final_ci_high"],
            )
        )
    share = np.mean(hits, axis=0)
    # 95 % within 3 standard errors of 300 runs (the Wilson interval's exact coverage at
    # n = 200 and this P_LEAVES is 94.6 %)
    margin = 3 * np.sqrt(0.95 * 0.05 / len(hits))
    assert (np.abs(share - 0.95) <= margin).all(), share


def test_money_a_split_moves_is_not_reported_as_cancelled():
    text = format_summary(
        simulator.run("scenarios/examples/split.yaml", replications=50, seed=1, progress=False)
    )
    block = text.split("venture andromede:")[1].split("venture ")[0]
    assert "cancelled     45.0 M€ in every run" in block  # Dassault Systèmes' unpaid part
    assert "moved         168.8 M€ in every run" in block  # to Cloudwatt and Numergy
    assert "members" not in block  # the venture ended in every run


def test_benchmarks_are_in_the_summary():
    s = simulator.load_scenario(
        "scenarios/dassault_leaves.yaml",
        additions=["benchmarks.us={label: US groups, points: {2012-12: 5000, 2014-12: 9000}}"],
    )
    text = format_summary(simulator.run(s, seed=1))
    assert "benchmark     US groups: 9,000 M€ in 2014-12" in text
    assert f"is {225 / 9000:.1%} of it" in text
