"""Triggers (docs/model.md §9.7): one event, naming what exists and can happen."""

from __future__ import annotations

from simulator.scenario.checks.context import CheckContext, unknown
from simulator.scenario.triggers import EVENTS


def trigger_checks(ctx: CheckContext, path, on, owner=None, venture=None) -> None:
    """`on` names exactly one event, of members, candidates and ventures that exist, and
    one that something in the file can bring about. `owner`: the member whose action it is
    (its own departure cannot set it off); `venture`: the action's venture (what
    `committed_below` watches unless `venture` is given)."""
    given = on.events
    if len(given) != 1:
        got = ", ".join(given) or "none"
        ctx.add(path, f"give exactly one event: {', '.join(EVENTS)} (got {got})")
        return
    event = given[0]
    if on.venture is not None and event != "committed_below":
        ctx.add(path + ("venture",), f"'venture' goes with committed_below (got {event})")
    where, value = path + (event,), getattr(on, event)
    if event == "departure":
        _departure(ctx, where, value, owner)
    elif event in ("joins", "negotiation_failed"):
        _candidate(ctx, where, value, event)
    elif event in ("collapse", "dissolution"):
        _venture(ctx, where, value, event)
    elif on.venture is not None:
        ctx.venture_ref(path + ("venture",), on.venture)
    elif venture is None and len(ctx.s.ventures) > 1:
        ctx.add(path, "committed_below needs the venture it watches (give 'venture')")


def _departure(ctx: CheckContext, path, who, owner) -> None:
    if who == "any":
        return
    if who not in ctx.member_ids:
        ctx.member_ref(path, who)
    elif who == owner:
        ctx.add(path, f"an action of {owner!r} cannot be set off by its own departure")
    elif not can_leave(ctx.s, who):
        ctx.add(
            path,
            f"{who!r} never leaves in this scenario (no departure, no contagion rule, "
            "buy-out or capital-call exclusion that could make it leave): the trigger "
            "could never fire",
        )


def _candidate(ctx: CheckContext, path, who, event: str) -> None:
    if who == "any":
        return
    if who not in ctx.s.candidates:
        ctx.add(path, unknown("candidate", who, ctx.s.candidates))
    elif event == "negotiation_failed" and not can_fail(ctx.s.candidates[who]):
        ctx.add(
            path,
            f"talks with {who!r} cannot fail (success 1, no rounds that could end without "
            "agreement, no departure): the trigger could never fire",
        )


def _venture(ctx: CheckContext, path, vid, event: str) -> None:
    if vid == "any":
        return
    if vid not in ctx.s.ventures:
        ctx.venture_ref(path, vid)
        return
    v = ctx.s.ventures[vid]
    if event == "collapse" and v.minimum_capital is None:
        ctx.add(path, f"{vid!r} has no minimum capital: it cannot collapse")
    elif event == "dissolution" and v.dissolution is None:
        ctx.add(path, f"{vid!r} has no dissolution rule: it is never dissolved")


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


def can_fail(candidate) -> bool:
    """Talks with the candidate can end without agreement."""
    n = candidate.negotiation
    if candidate.departure is not None or n.in_rounds:
        return True  # rounds can end blocked, out of terms, at a deadline or by failure
    return not (isinstance(n.success, float | int) and n.success >= 1)


def dated_or_triggered(ctx: CheckContext, path, x, what: str, owner=None, venture=None) -> None:
    """An action with exactly one of `at` (a date in the horizon) and `on` (an event)."""
    if (x.at is None) == (x.on is None):
        what_on = f"an event that sets off the {what}"
        ctx.add(path, f"give exactly one of 'at' (a date) or 'on' ({what_on})")
    if x.at is not None:
        ctx.in_horizon(path + ("at",), x.at, f"{what} date")
    if x.on is not None:
        trigger_checks(ctx, path + ("on",), x.on, owner, venture)
