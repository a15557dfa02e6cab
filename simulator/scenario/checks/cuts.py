"""Pledges cut without leaving (docs/model.md §8.6)."""

from __future__ import annotations

from simulator.scenario.checks.context import CheckContext
from simulator.scenario.checks.membership import capital_ventures, member_ventures


def cut_checks(ctx: CheckContext, path, mid, m) -> None:
    """Each cut: a date in the horizon, exactly one of `by` and `to`, and a venture the
    member pledges to (named when it pledges to several)."""
    pledged = sorted(member_ventures(ctx.s, m) | capital_ventures(ctx.s, mid))
    for i, c in enumerate(m.cuts):
        where = path + ("cuts", i)
        if (c.at is None) == (c.on is None):
            ctx.add(where, "give exactly one of 'at' (a date) or 'on' (the departure it follows)")
        if c.at is not None:
            ctx.in_horizon(where + ("at",), c.at, "cut date")
        if c.on is not None:
            _trigger_checks(ctx, where + ("on", "departure"), mid, c.on.departure)
        if (c.by is None) == (c.to is None):
            ctx.add(where, "give exactly one of 'by' (an amount cut) or 'to' (what is left)")
        if c.venture is not None:
            ctx.venture_ref(where + ("venture",), c.venture)
            if c.venture in ctx.s.ventures and c.venture not in pledged:
                ctx.add(
                    where + ("venture",),
                    f"{mid!r} pledges nothing to {c.venture!r} (expected one of: "
                    f"{', '.join(pledged) or 'none'})",
                )
        elif len(pledged) != 1:
            got = f"pledges to {', '.join(pledged)}" if pledged else "no pledge"
            ctx.add(where, f"a cut needs the venture it cuts (got {got}; give 'venture')")


def _trigger_checks(ctx: CheckContext, path, mid, who) -> None:
    """A member (or `any`) other than the one cutting, that can leave at all."""
    if who == "any":
        return
    if who not in ctx.member_ids:
        ctx.member_ref(path, who)
    elif who == mid:
        ctx.add(path, f"a member cannot cut its pledge on its own departure (got {mid!r})")
    elif not can_leave(ctx.s, who):
        ctx.add(
            path,
            f"{who!r} never leaves in this scenario (no departure, no contagion rule, "
            "buy-out or capital-call exclusion that could make it leave): the cut could "
            "never happen",
        )


def can_leave(s, mid) -> bool:
    """Some mechanism of the scenario can make member `mid` leave a venture."""
    if s.members()[mid].departure is not None:
        return True
    if any(c.to == "any" or mid in c.to for c in s.contagion.values()):
        return True
    for v in s.ventures.values():
        if v.buyout is not None and v.buyout.buyer != mid:
            return True
        calls = v.capital_calls
        if calls is not None and calls.default is not None and calls.default.rule == "exclude":
            return True
    return False
