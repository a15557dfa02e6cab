"""Partners and candidates: pledges and their schedules, departures; a candidate's
negotiation is checked by negotiations.py."""

from __future__ import annotations

from simulator.scenario.checks.context import CheckContext
from simulator.scenario.checks.cuts import cut_checks
from simulator.scenario.checks.negotiations import negotiation_checks
from simulator.scenario.checks.terms import hazard_checks
from simulator.scenario.distributions import Distribution
from simulator.scenario.members import Member
from simulator.scenario.schedules import Calendar, Tranches, Upfront, first_date
from simulator.scenario.types import month_label


def member_checks(ctx: CheckContext, path, mid, m: Member, is_candidate) -> None:
    """A partner's or candidate's pledges, schedules, negotiation and departure."""
    if m.pledges is not None and (m.pledge is not None or m.schedule is not None):
        ctx.add(path + ("pledges",), "give either pledge (+ schedule) or pledges, not both")
    bargained = is_candidate and m.negotiation.bargained
    if bargained and (m.pledge is not None or m.pledges is not None):
        key = "pledge" if m.pledge is not None else "pledges"
        ctx.add(
            path + (key,),
            "the amount is bargained: remove it (negotiation.max_pledge is the most the "
            "candidate puts in; give venture and schedule without a pledge)",
        )
    elif m.pledge is None and (m.schedule is not None or m.venture is not None) and not bargained:
        ctx.add(path + ("pledge",), "schedule/venture given without a pledge amount")
    if bargained and m.pledge is None:
        ctx.default_venture(path, m.venture)
        if m.schedule is not None:
            schedule_checks(ctx, path + ("schedule",), m.schedule, 0.0, is_candidate)
    if m.pledge is not None:
        ctx.default_venture(path, m.venture)
        if m.schedule is not None:
            schedule_checks(ctx, path + ("schedule",), m.schedule, m.pledge, is_candidate)
    for vid, pledge in (m.pledges or {}).items():
        ctx.venture_ref(path + ("pledges", vid), vid)
        schedule_checks(
            ctx, path + ("pledges", vid, "schedule"), pledge.schedule, pledge.amount, is_candidate
        )
    if is_candidate:
        negotiation_checks(ctx, path, mid, m)
    if m.departure is not None:
        departure_checks(ctx, path + ("departure",), mid, m.departure)
    cut_checks(ctx, path, mid, m)
    envelope = None if m.budget is None else m.budget.per_year
    if envelope is not None and not isinstance(envelope, Distribution) and envelope <= 0:
        ctx.add(
            path + ("budget", "per_year"),
            f"a yearly envelope of {envelope:g} pays nothing (expected > 0; to pledge "
            "nothing, remove the pledge)",
        )


def schedule_checks(ctx: CheckContext, path, sched, amount, is_candidate) -> None:
    """A pledge's schedule: dates in the horizon, payments adding up to the pledge."""
    first = None if isinstance(sched, Calendar) else first_date(sched)
    if first is not None and is_candidate:
        ctx.add(path, "a candidate's schedule starts when it joins (remove the date)")
        return
    if isinstance(sched, Calendar):
        if is_candidate:
            ctx.add(path, "a candidate joins at an uncertain date: use upfront or tranches")
            return
        for month in sched.payments:
            ctx.in_horizon(path + ("payments", month_label(month)), month, "payment date")
        fixed = [v for v in sched.payments.values() if not isinstance(v, Distribution)]
        if not isinstance(amount, Distribution) and len(fixed) == len(sched.payments):
            total = sum(fixed)
            if abs(total - amount) > 1e-9 * max(1.0, abs(amount)):
                ctx.add(
                    path + ("payments",),
                    f"payments add up to {total:g} but the pledge is {amount:g} "
                    "(expected equal amounts)",
                )
        return
    if first is not None:
        ctx.in_horizon(path + (("at",) if isinstance(sched, Upfront) else ("start",)), first)
    if isinstance(sched, Tranches) and sched.start is not None:
        last = sched.start + (sched.count - 1) * sched.every
        if last > ctx.s.end:
            ctx.add(
                path,
                f"tranches run to {month_label(last)}, past the end of the horizon "
                f"(expected the last payment by {month_label(ctx.s.end)})",
            )


def departure_checks(ctx: CheckContext, path, mid, d) -> None:
    """A departure: a date or a hazard (constant or varying), a rival, the venture it leaves."""
    if (d.at is None) == (d.hazard is None):
        ctx.add(path, "give exactly one of 'at' (a date) or 'hazard' (a monthly probability)")
    if d.at is not None:  # a candidate that has not joined by then walks out of its talks
        ctx.in_horizon(path + ("at",), d.at, "departure date")
    for key in ("hazard", "rival_hazard"):
        hazard_checks(ctx, path + (key,), getattr(d, key))
    if d.start is not None:
        ctx.in_horizon(path + ("start",), d.start)
    if d.at is not None and d.rival is not None:
        ctx.add(path + ("rival",), "a rival raises a hazard; a dated departure has none")
    if (d.rival is None) != (d.rival_hazard is None):
        ctx.add(path, "rival and rival_hazard go together (got only one of them)")
    if d.rival is not None:
        ctx.member_ref(path + ("rival",), d.rival)
        if d.rival == mid:
            ctx.add(path + ("rival",), f"a member cannot be its own rival (got {mid!r})")
    if d.venture is not None:
        ctx.venture_ref(path + ("venture",), d.venture)
