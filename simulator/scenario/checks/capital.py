"""A venture that opens later, and capital given as an amount with each partner's share
(docs/model.md §5, §10.1)."""

from __future__ import annotations

from simulator.scenario.checks.context import CheckContext
from simulator.scenario.checks.membership import member_ventures
from simulator.scenario.schedules import Upfront, first_date
from simulator.scenario.types import month_label


def opening_checks(ctx: CheckContext, vid, v) -> None:
    """`opens` in the horizon, and nothing of the venture dated before it."""
    path = ("ventures", vid)
    if v.opens is None:
        return
    ctx.in_horizon(path + ("opens",), v.opens, "opening date")
    if v.deadline is not None and v.deadline < v.opens:
        _before(ctx, path + ("deadline",), "deadline", v.deadline, v.opens)
    for group in ("partners", "candidates"):
        for mid, m in getattr(ctx.s, group).items():
            for key, sched in _schedules_to(ctx, m, vid):
                first = first_date(sched)
                if first is not None and first < v.opens:
                    _before(ctx, (group, mid, *key), "payment date", first, v.opens)
            if group == "candidates" and vid in member_ventures(ctx.s, m):
                _candidate_checks(ctx, mid, m, vid, v.opens)
    for other, w in ctx.s.ventures.items():
        children = list(w.split.into) if w.split is not None else []
        into = getattr(w.buyout.then, "into", None) if w.buyout is not None else None
        if vid in children or vid == into:
            ctx.add(
                path + ("opens",),
                f"a venture {other!r} creates by a split or an absorption opens then "
                "(remove opens)",
            )


def capital_checks(ctx: CheckContext, vid, v) -> None:
    """Given capital: shares of partners (each once, without a pledge of its own to the
    venture), adding up to 1 within rounding, on a schedule inside the horizon."""
    if v.capital is None:
        return
    path = ("ventures", vid, "capital")
    for mid in v.capital.shares:
        where = path + ("shares", mid)
        if mid in ctx.s.candidates:
            ctx.add(
                where,
                f"{mid!r} is a candidate: its share comes with its negotiation "
                "(expected a partner)",
            )
        elif mid not in ctx.s.partners:
            ctx.member_ref(where, mid)
        elif vid in member_ventures(ctx.s, ctx.s.partners[mid]):
            ctx.add(
                where,
                f"{mid!r} also pledges to {vid!r} itself: give its share here or "
                "its pledge, not both",
            )
    ctx.parts_add_up(path + ("shares",), v.capital.shares, "shares", " for rounded figures")
    first = first_date(v.capital.schedule)
    if first is not None:
        ctx.in_horizon(path + ("schedule",), first, "payment date")
        if v.opens is not None and first < v.opens:
            _before(ctx, path + ("schedule",), "payment date", first, v.opens)


def _candidate_checks(ctx: CheckContext, mid, m, vid, opens) -> None:
    """A candidate of a venture that opens later negotiates from its opening."""
    n, where = m.negotiation, ("candidates", mid, "negotiation")
    if n.start is None:
        ctx.add(
            where,
            f"a candidate of {vid!r}, which opens in {month_label(opens)}, needs a "
            "dated start (from the opening on)",
        )
    elif n.start < opens:
        _before(ctx, where + ("start",), "negotiation start", n.start, opens)


def _before(ctx: CheckContext, path, what, month, opens) -> None:
    ctx.add(
        path,
        f"{what} before the venture opens (got {month_label(month)}; expected "
        f"{month_label(opens)} or later)",
    )


def _schedules_to(ctx: CheckContext, m, vid):
    """(key path inside the member, schedule) of each of m's pledges to venture vid."""
    only = next(iter(ctx.s.ventures))
    bargained = getattr(getattr(m, "negotiation", None), "bargained", False)
    if (m.pledge is not None or bargained) and (m.venture or only) == vid:
        yield ("schedule",), m.schedule or Upfront()
    for target, pledge in (m.pledges or {}).items():
        if target == vid:
            yield ("pledges", vid, "schedule"), pledge.schedule
