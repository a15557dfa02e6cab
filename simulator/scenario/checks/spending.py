"""Cross-key checks of spending plans, capital calls and on_call pledges (docs/model.md §9.5;
used by ventures.py)."""

from __future__ import annotations

from simulator.scenario.checks.context import CheckContext
from simulator.scenario.checks.exits import exit_shape
from simulator.scenario.checks.membership import parent_members
from simulator.scenario.schedules import OnCall
from simulator.scenario.types import month_label


def spending_checks(ctx: CheckContext, vid, v) -> None:
    """A venture's spending plan, its capital calls, and a dissolution when cash runs out."""
    path = ("ventures", vid)
    sp, cc = v.spending, v.capital_calls
    if sp is not None:
        given = [k for k in ("per_month", "per_year") if getattr(sp, k) is not None]
        if len(given) != 1:
            ctx.add(
                path + ("spending",),
                f"give exactly one of 'per_month' or 'per_year' (got {', '.join(given) or 'none'})",
            )
        for key in ("start", "end"):
            if getattr(sp, key) is not None:
                ctx.in_horizon(path + ("spending", key), getattr(sp, key))
        if sp.start is not None and sp.end is not None and sp.end < sp.start:
            ctx.add(
                path + ("spending", "end"),
                f"end is before start (got {month_label(sp.end)}; "
                f"expected ≥ {month_label(sp.start)})",
            )
    if v.dissolution is not None and v.dissolution.cash_out and sp is None:
        ctx.add(
            path + ("dissolution", "cash_out"),
            "cash runs out only under a spending plan (give spending: {per_month: ...})",
        )
    if cc is None:
        return
    cpath = path + ("capital_calls",)
    if sp is None:
        ctx.add(cpath, "capital calls cover a spending plan (give spending: {per_month: ...})")
    if cc.target is not None and cc.target < cc.below:
        ctx.add(
            cpath + ("target",),
            f"target is below the threshold (got {cc.target:g}; expected ≥ below = {cc.below:g})",
        )
    if cc.default is not None:
        _default_checks(ctx, vid, cpath + ("default",), cc.default)


def _default_checks(ctx: CheckContext, vid, path, d) -> None:
    if isinstance(d.probability, dict):
        for mid in d.probability:
            ctx.member_ref(path + ("probability", mid), mid)
    if d.rule == "exclude" and d.penalty is not None:
        ctx.add(path + ("penalty",), "penalty goes with rule: dilute (got rule: exclude)")
    if d.rule == "dilute" and d.exit is not None:
        ctx.add(path + ("exit",), "exit goes with rule: exclude (got rule: dilute)")
    if d.exit is not None and exit_shape(ctx, path + ("exit",), d.exit):
        inside = parent_members(ctx.s, vid)
        if d.exit.buyer not in inside:
            ctx.add(
                path + ("exit", "buyer"),
                f"buyer {d.exit.buyer!r} is not a member of venture {vid!r} "
                f"(expected one of: {', '.join(inside) or 'none'})",
            )


def on_call_checks(ctx: CheckContext) -> None:
    """An on_call pledge is paid only by capital calls: its venture must have them."""
    s = ctx.s
    only = next(iter(s.ventures))
    found = []  # (path to the schedule, venture id)
    for group in ("partners", "candidates"):
        for mid, m in getattr(s, group).items():
            if isinstance(m.schedule, OnCall):
                found.append(((group, mid, "schedule"), m.venture or only))
            for vid, pledge in (m.pledges or {}).items():
                if isinstance(pledge.schedule, OnCall):
                    found.append(((group, mid, "pledges", vid, "schedule"), vid))
    for pid, p in s.policies.items():
        if isinstance(getattr(p, "schedule", None), OnCall):
            found.append((("policies", pid, "schedule"), p.venture or only))
    for path, vid in found:
        venture = s.ventures.get(vid)
        if venture is not None and venture.capital_calls is None:
            ctx.add(
                path,
                f"an on_call pledge is paid only by capital calls, and venture {vid!r} has "
                "none (it could never be paid; give the venture capital_calls)",
            )
