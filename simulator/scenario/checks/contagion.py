"""Contagion rules: one member's departure raising another's hazard, or making it leave."""

from __future__ import annotations

from simulator.scenario.checks.context import CheckContext


def contagion_checks(ctx: CheckContext, path, rule) -> None:
    for key, ids in (("from", rule.from_), ("to", rule.to)):
        if ids != "any":
            for i, other in enumerate(ids):
                ctx.member_ref(path + (key, i), other)
    effects = [k for k in ("multiplier", "added", "probability") if getattr(rule, k) is not None]
    if len(effects) != 1:
        got = ", ".join(effects) if effects else "none"
        ctx.add(
            path,
            "give exactly one of 'multiplier' or 'added' (a raised hazard, with months) "
            f"or 'probability' (an exit at once) (got {got})",
        )
        return
    if effects[0] == "probability":
        if rule.months is not None:
            ctx.add(path + ("months",), "months goes with multiplier or added, not probability")
        return
    if rule.months is None:
        ctx.add(path, f"{effects[0]} raises a hazard for a time: give months")
    if rule.to != "any":
        for i, other in enumerate(rule.to):
            member = ctx.s.members().get(other)
            if member is not None and (member.departure is None or member.departure.hazard is None):
                ctx.add(
                    path + ("to", i),
                    f"{other!r} has no departure hazard to raise "
                    "(give it departure: {hazard: ...}, possibly 0)",
                )
