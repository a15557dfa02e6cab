"""Exits (docs/model.md §6.4): the default exit rule and each departure's, a buyer of a
leaver's stake, buy-outs (§9.3) and dissolutions."""

from __future__ import annotations

from simulator.scenario.checks.context import CheckContext
from simulator.scenario.checks.membership import funded_ventures, member_ventures, parent_members
from simulator.scenario.checks.triggers import dated_or_triggered, trigger_checks
from simulator.scenario.members import Exit


def exit_checks(ctx: CheckContext) -> None:
    """Exit rules (docs/model.md §6.4): on each departure, and the scenario's default."""
    s = ctx.s
    members = s.members()
    group = {mid: ("candidates" if mid in s.candidates else "partners") for mid in members}
    exit_shape(ctx, ("exit",), s.exit)
    for mid, m in members.items():
        d = m.departure
        if d is None:
            continue
        left = (
            {d.venture}
            if d.venture is not None
            else member_ventures(s, m) | funded_ventures(s, mid)
        )
        if d.exit is not None:
            path = (group[mid], mid, "departure", "exit")
            if exit_shape(ctx, path, d.exit):
                _buyer(ctx, path + ("buyer",), d.exit.buyer, mid, left)
            for buyer in d.exit.buyers or {}:
                if buyer in ctx.member_ids:
                    _buyer(ctx, path + ("buyers", buyer), buyer, mid, left)
        elif s.exit.stake == "buyer" and s.exit.buyer is not None:
            _buyer(ctx, ("exit", "buyer"), s.exit.buyer, mid, left, default=True)


def exit_shape(ctx: CheckContext, path, e) -> bool:
    """Keys that go together; True when a buyer is named and should be checked."""
    if e.stake == "buyer" and e.buyer is None:
        ctx.add(path, "stake: buyer needs 'buyer' (expected a member id)")
    if e.stake != "buyer" and e.buyer is not None:
        ctx.add(
            path + ("buyer",),
            f"buyer goes with stake: buyer (got stake: {e.stake}; expected stake: buyer)",
        )
    _buyers_shape(ctx, path, e)
    if e.stake == "stays" and e.price is not None:
        ctx.add(
            path + ("price",),
            "a stake that stays is neither sold nor refunded (got a price; expected none)",
        )
    p = e.price
    if p is not None:
        for key in ("multiple", "amount"):
            given = getattr(p, key) is not None
            if given and p.rule != key:
                ctx.add(
                    path + ("price", key),
                    f"{key} goes with rule: {key} (got rule: {p.rule}; expected rule: {key})",
                )
            elif p.rule == key and not given:
                what = "a ratio ≥ 0" if key == "multiple" else "an amount ≥ 0"
                ctx.add(path + ("price",), f"rule: {key} needs '{key}' (expected {what})")
    if e.buyer is not None and e.buyer not in ctx.member_ids:
        ctx.member_ref(path + ("buyer",), e.buyer)
        return False
    return e.buyer is not None


def _buyers_shape(ctx: CheckContext, path, e) -> None:
    """`buyers` with stake: buyers, known members, parts adding up to 1."""
    if (e.stake == "buyers") != (e.buyers is not None):
        ctx.add(
            path + (("buyers",) if e.buyers is not None else ()),
            "stake: buyers and 'buyers' (a map member → part of the stake) go together",
        )
    if e.buyers is None:
        return
    for buyer in e.buyers:
        if buyer not in ctx.member_ids:
            ctx.member_ref(path + ("buyers", buyer), buyer)
    ctx.parts_add_up(path + ("buyers",), e.buyers, "the buyers' parts")


def _buyer(ctx: CheckContext, path, buyer, mid, left, default=False) -> None:
    s = ctx.s
    if buyer == mid:
        where = f" ({mid!r} leaves with the default exit; give it an exit of its own)"
        ctx.add(
            path,
            f"a leaver cannot buy its own stake (got {buyer!r}; expected another member)"
            + (where if default else ""),
        )
        return
    held = member_ventures(s, s.members()[buyer]) | funded_ventures(s, buyer)
    for vid in sorted(v for v in left if v in s.ventures and v not in held):
        takers = sorted(q for q, m in s.members().items() if vid in member_ventures(s, m))
        ctx.add(
            path,
            f"buyer {buyer!r} is not a member of venture {vid!r}, which {mid!r} leaves "
            f"(got {buyer!r}; expected one of: {', '.join(q for q in takers if q != mid)})",
        )


def dissolution_checks(ctx: CheckContext, path, d) -> None:
    if d.at is None and d.on is None and d.committed_below is None and not d.cash_out:
        ctx.add(
            path,
            "give 'at' (a date), 'on' (an event), 'committed_below' (an amount) or several "
            "(or cash_out: true with a spending plan)",
        )
    if d.at is not None:
        ctx.in_horizon(path + ("at",), d.at, "dissolution date")
    if d.on is not None:
        trigger_checks(ctx, path + ("on",), d.on, None, path[1])


def buyout_checks(ctx: CheckContext, vid, b) -> None:
    """A buy-out (docs/model.md §9.3): a date in the horizon, a buyer that is a member of
    the venture, a price whose keys go together, absorption into another declared venture."""
    path = ("ventures", vid, "buyout")
    dated_or_triggered(ctx, path, b, "buy-out", None, vid)
    if not isinstance(b.then, str):
        into = b.then.into
        if into == vid:
            ctx.add(
                path + ("then", "into"),
                f"a venture cannot be absorbed into itself (got {into!r}; expected another "
                "venture)",
            )
        else:
            ctx.venture_ref(path + ("then", "into"), into)
    if b.buyer not in ctx.member_ids:
        ctx.member_ref(path + ("buyer",), b.buyer)
        return
    inside = parent_members(ctx.s, vid)
    if b.buyer not in inside:
        ctx.add(
            path + ("buyer",),
            f"buyer {b.buyer!r} is not a member of venture {vid!r} "
            f"(got {b.buyer!r}; expected one of: {', '.join(inside) or 'none'})",
        )
    exit_shape(ctx, path, Exit(stake="buyer", buyer=b.buyer, price=b.price))
