"""Checks across keys: references between ids, dates against the horizon, sums of shares.

One module per concept (ventures, members, negotiations, policies, exits, splits, spending,
contagion, market); each check records its issues on a CheckContext (context.py). Warnings
(what a valid scenario probably does not mean) are in warnings.py.
"""

from __future__ import annotations

from simulator.scenario.checks.contagion import contagion_checks
from simulator.scenario.checks.context import CheckContext, Issue
from simulator.scenario.checks.exits import exit_checks
from simulator.scenario.checks.market import benchmark_checks, market_checks
from simulator.scenario.checks.members import member_checks
from simulator.scenario.checks.observed import observed_checks
from simulator.scenario.checks.policies import cap_checks, policy_checks, share_sums
from simulator.scenario.checks.spending import on_call_checks
from simulator.scenario.checks.ventures import venture_checks
from simulator.scenario.checks.warnings import funding_warnings
from simulator.scenario.schema import Scenario
from simulator.scenario.types import month_label

__all__ = ["CheckContext", "Issue", "check", "check_warnings"]


def check(s: Scenario) -> list[Issue]:
    """Every cross-key problem in a scenario that passed the schema."""
    issues: list[Issue] = []
    if s.end < s.start:
        got, start = month_label(s.end), month_label(s.start)
        issues.append((("end",), f"end is before start (got {got}; expected ≥ {start})"))
        return issues
    if s.horizon > 1200:
        issues.append((("end",), f"horizon too long (got {s.horizon} months; expected ≤ 1200)"))
    ctx = CheckContext(s, issues)
    both = sorted(set(s.partners) & set(s.candidates))
    for pid in both:
        issues.append((("candidates", pid), f"id {pid!r} is already a partner (expected a new id)"))
    for vid, venture in s.ventures.items():
        venture_checks(ctx, vid, venture)
    for group in ("partners", "candidates"):
        for pid, member in getattr(s, group).items():
            member_checks(ctx, (group, pid), pid, member, group == "candidates")
    for pol_id, policy in s.policies.items():
        policy_checks(ctx, ("policies", pol_id), policy)
    cap_checks(ctx)
    for rule_id, rule in s.contagion.items():
        contagion_checks(ctx, ("contagion", rule_id), rule)
    exit_checks(ctx)
    on_call_checks(ctx)
    share_sums(ctx)
    if s.market is not None:
        market_checks(ctx)
    benchmark_checks(ctx)
    observed_checks(ctx)
    return issues


def check_warnings(s: Scenario) -> list[Issue]:
    """What a valid scenario may mean but probably does not (shown, not refused)."""
    return funding_warnings(s)
