"""Negotiations of candidates: simple or in rounds, bargained terms, triggers, and a share
granted at entry."""

from __future__ import annotations

from simulator.scenario.checks.context import CheckContext
from simulator.scenario.checks.membership import candidate_ventures
from simulator.scenario.checks.terms import share_term_checks
from simulator.scenario.checks.triggers import trigger_checks
from simulator.scenario.distributions import Distribution
from simulator.scenario.terms import value_range
from simulator.scenario.types import month_label

_SIMPLE_ONLY = ("duration", "success")


def negotiation_checks(ctx: CheckContext, path, mid, m) -> None:
    s, n = ctx.s, m.negotiation
    path = path + ("negotiation",)
    if (n.start is None) == (n.trigger is None):
        ctx.add(path, "give exactly one of 'start' (a date) or 'trigger' (an event that opens it)")
    if n.start is not None:
        ctx.in_horizon(path + ("start",), n.start)
    _dilution_checks(ctx, path, m)
    if not n.in_rounds:
        return
    for key in _SIMPLE_ONLY:
        if key in n.model_fields_set:
            ctx.add(
                path + (key,),
                f"{key} belongs to the simple form (start, duration, success); a negotiation "
                "in rounds ends by its rounds, deadline or round_failure (remove it)",
            )
    if n.deadline is not None:
        ctx.in_horizon(path + ("deadline",), n.deadline, "deadline")
        if n.start is not None and n.deadline < n.start:
            ctx.add(
                path + ("deadline",),
                f"deadline is before start (got {month_label(n.deadline)}; "
                f"expected ≥ {month_label(n.start)})",
            )
    share_term_checks(ctx, path + ("min_share",), n.min_share)
    for key in ("veto_by", "refuses_with"):
        ids = getattr(n, key)
        if ids == "any":
            ctx.add(path + (key,), "not a list of members (got 'any'; expected member ids)")
            continue
        for i, other in enumerate(ids):
            _member(ctx, path + (key, i), other, mid)
    ventures = candidate_ventures(s, m)
    if not n.bargained:
        for key in ("ask", "min_share", "power"):
            if key in n.model_fields_set:
                ctx.add(path + (key,), f"{key} is a bargained term: it goes with max_pledge")
    elif n.ask is None:
        for vid in ventures:
            if s.ventures[vid].minimum_capital is None:
                ctx.add(
                    path,
                    f"a bargained negotiation asks for 'ask' or the gap to the venture's "
                    f"minimum_capital (venture {vid!r} has none; give ask)",
                )
    if n.until_filled:
        for vid in ventures:
            if s.ventures[vid].minimum_capital is None:
                ctx.add(
                    path + ("until_filled",),
                    f"until_filled stops when the gap to minimum_capital is filled "
                    f"(venture {vid!r} has no minimum_capital)",
                )
    if n.trigger is not None:
        watched = next(iter(ventures)) if len(ventures) == 1 else None
        trigger_checks(ctx, path + ("trigger",), n.trigger, mid, watched)


def _dilution_checks(ctx: CheckContext, path, m) -> None:
    """A share granted at entry (docs/model.md §10): a share to grant, in one venture."""
    n = m.negotiation
    if n.pre_money is not None:
        _valuation_checks(ctx, path, n)
    if n.granted_kind == "capital":
        if n.share is not None:
            ctx.add(
                path + ("share",),
                "share is granted by a dilution (got dilution: capital; expected dilution: "
                "pro_rata or equal)",
            )
        return
    some = isinstance(n.min_share, Distribution) or value_range(n.min_share)[1] > 0
    default = n.bargained and some
    if n.share is None and n.pre_money is None and not default:
        ctx.add(
            path + ("dilution",),
            f"dilution: {n.dilution} needs the share granted at entry (give share, or "
            "min_share > 0 with bargained terms)",
        )
    if m.pledges is not None:
        ventures = list(m.pledges)
    else:
        ventures = ["one"] if m.pledge is not None or n.bargained else []
    if len(ventures) != 1:
        got = f"pledges to {', '.join(ventures)}" if ventures else "no pledge"
        ctx.add(
            path + ("dilution",),
            f"a share granted at entry is a share of one venture (got {got}; expected a "
            "pledge to exactly one venture)",
        )


def _valuation_checks(ctx: CheckContext, path, n) -> None:
    """An entry at a valuation: a positive pre-money value, and the share it gives granted."""
    low = n.pre_money.support()[0] if isinstance(n.pre_money, Distribution) else n.pre_money
    if low <= 0:
        ctx.add(
            path + ("pre_money",),
            f"a valuation must be positive (got {low:g}; expected a pre-money value > 0)",
        )
    if n.share is not None:
        ctx.add(
            path + ("share",),
            "give the share granted or the pre-money value it is bought at, not both",
        )
    if n.dilution == "capital" and "dilution" in n.model_fields_set:
        ctx.add(
            path + ("dilution",),
            "an entry at a valuation grants the share its price gives (got dilution: "
            "capital; expected pro_rata or equal, the default with pre_money: pro_rata)",
        )


def _member(ctx: CheckContext, path, other, mid) -> None:
    ctx.member_ref(path, other)
    if other == mid:
        ctx.add(path, f"a candidate cannot name itself (got {mid!r})")
