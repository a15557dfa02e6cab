"""Policies (stops, total caps, top-ups, matching, raises): their funder, venture, dates,
shares and schedules."""

from __future__ import annotations

from simulator.scenario.checks.context import CheckContext
from simulator.scenario.checks.triggers import dated_or_triggered, trigger_checks
from simulator.scenario.distributions import Distribution
from simulator.scenario.schedules import Calendar
from simulator.scenario.schema import Cap, Raise, Stop, TopUp


def policy_checks(ctx: CheckContext, path, p) -> None:
    """One policy: its funder and venture, its date, share and schedule."""
    ctx.member_ref(path + ("funder",), p.funder)
    if isinstance(p, Cap):
        return
    vid = ctx.default_venture(path, p.venture)
    if isinstance(p, Stop):
        stop_checks(ctx, path, p)
    if isinstance(p, Raise | Stop):
        dated_or_triggered(ctx, path, p, p.type, p.funder, vid)
    if isinstance(p, TopUp) and p.on is not None:
        trigger_checks(ctx, path + ("on",), p.on, p.funder, vid)
    if isinstance(p, TopUp):
        high = p.share.support()[1] if isinstance(p.share, Distribution) else p.share
        if high >= 1:
            ctx.add(
                path + ("share",),
                f"share must be below 100 % (got up to {high:g}; expected < 1)",
            )
    if hasattr(p, "schedule") and p.schedule is not None:
        sched = p.schedule
        if isinstance(sched, Calendar):
            ctx.add(
                path + ("schedule",),
                "a policy's payments start when it acts: use upfront or tranches",
            )
        elif getattr(sched, "start", None) is not None or getattr(sched, "at", None) is not None:
            ctx.add(
                path + ("schedule",),
                "a policy's schedule starts when it acts (remove the date)",
            )


def share_sums(ctx: CheckContext) -> None:
    """The fixed top_up shares of each venture stay below 100 % together."""
    by_venture: dict = {}
    for pol_id, p in ctx.s.policies.items():
        if isinstance(p, TopUp) and not isinstance(p.share, Distribution):
            vid = p.venture or next(iter(ctx.s.ventures))
            by_venture.setdefault(vid, []).append((pol_id, p.share))
    for vid, items in by_venture.items():
        total = sum(share for _, share in items)
        if total >= 1:
            names = ", ".join(f"{i}={s:g}" for i, s in items)
            ctx.add(
                ("policies", items[-1][0], "share"),
                f"top_up shares for venture {vid!r} add up to {round(total * 100, 1):g} % "
                f"(got {names}; expected below 100 % together)",
            )


def stop_checks(ctx: CheckContext, path, p) -> None:
    """A stop's condition: exactly one test; `of` only with paid_in_below."""
    w = p.when
    if w is None:
        return
    if (w.paid_in_below is None) == (w.committed_below is None):
        ctx.add(
            path + ("when",),
            "give exactly one of 'paid_in_below' (a fraction of the others' pledges) or "
            "'committed_below' (an amount)",
        )
    if w.paid_in_below is None and "of" in w.model_fields_set:
        ctx.add(path + ("when", "of"), "of goes with paid_in_below (whose pledges are compared)")


def cap_checks(ctx: CheckContext) -> None:
    """At most one total cap per funder: two would leave unclear which one binds."""
    seen: dict = {}
    for pol_id, p in ctx.s.policies.items():
        if p.type != "cap":
            continue
        if p.funder in ctx.s.candidates:
            ctx.add(
                ("policies", pol_id, "funder"),
                f"a total cap counts the funder's pledges from the start: it applies to a "
                f"partner (got candidate {p.funder!r})",
            )
        if p.funder in seen:
            ctx.add(
                ("policies", pol_id, "funder"),
                f"{p.funder!r} already has a total cap (got {seen[p.funder]!r} and {pol_id!r}; "
                "expected one cap policy per funder)",
            )
        else:
            seen[p.funder] = pol_id
