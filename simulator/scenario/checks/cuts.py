"""Pledges cut without leaving (docs/model.md §8.6)."""

from __future__ import annotations

from simulator.scenario.checks.context import CheckContext
from simulator.scenario.checks.membership import capital_ventures, member_ventures
from simulator.scenario.checks.triggers import dated_or_triggered


def cut_checks(ctx: CheckContext, path, mid, m) -> None:
    """Each cut: a date in the horizon, exactly one of `by` and `to`, and a venture the
    member pledges to (named when it pledges to several)."""
    pledged = sorted(member_ventures(ctx.s, m) | capital_ventures(ctx.s, mid))
    for i, c in enumerate(m.cuts):
        where = path + ("cuts", i)
        dated_or_triggered(ctx, where, c, "cut", mid, c.venture)
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
