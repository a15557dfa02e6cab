"""Cross-key checks of negotiations in rounds, contagion rules, stops, total caps,
dissolutions, splits and buy-outs (used by checks.py)."""

from __future__ import annotations

from simulator.scenario.distributions import Distribution
from simulator.scenario.schema import Exit
from simulator.scenario.types import month_label

_SIMPLE_ONLY = ("duration", "success")


def candidate_ventures(s, m) -> list[str]:
    """The ventures a candidate pledges to (or bargains for), as far as they are known."""
    if m.pledges is not None:
        return list(m.pledges)
    if m.pledge is None and not m.negotiation.bargained:
        return []
    if m.venture is not None:
        return [m.venture] if m.venture in s.ventures else []
    return list(s.ventures)[:1] if len(s.ventures) == 1 else []


def negotiation_checks(ctx, path, mid, m) -> None:
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
    _share_below_one(ctx, path + ("min_share",), n.min_share, "min_share")
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
        _trigger_checks(ctx, path + ("trigger",), mid, n.trigger, ventures)


def _dilution_checks(ctx, path, m) -> None:
    """A share granted at entry (docs/model.md §10): a share to grant, in one venture."""
    n = m.negotiation
    if n.dilution == "capital":
        if n.share is not None:
            ctx.add(
                path + ("share",),
                "share is granted by a dilution (got dilution: capital; expected dilution: "
                "pro_rata or equal)",
            )
        return
    default = n.bargained and (isinstance(n.min_share, Distribution) or n.min_share > 0)
    if n.share is None and not default:
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


def _trigger_checks(ctx, path, mid, t, ventures) -> None:
    if (t.departure is None) == (t.capital_below is None):
        ctx.add(path, "give exactly one of 'departure' (a member id or any) or 'capital_below'")
    if t.departure is not None and t.departure != "any":
        _member(ctx, path + ("departure",), t.departure, mid)
    if t.venture is not None:
        ctx.venture_ref(path + ("venture",), t.venture)
        if t.capital_below is None:
            ctx.add(path + ("venture",), "venture goes with capital_below")
    elif t.capital_below is not None and len(ventures) != 1 and len(ctx.s.ventures) > 1:
        ctx.add(
            path,
            "capital_below needs the venture it watches: give trigger.venture "
            f"(expected one of: {', '.join(ctx.s.ventures)})",
        )


def _member(ctx, path, other, mid) -> None:
    ctx.member_ref(path, other)
    if other == mid:
        ctx.add(path, f"a candidate cannot name itself (got {mid!r})")


def _share_below_one(ctx, path, value, key) -> None:
    high = value.support()[1] if isinstance(value, Distribution) else value
    if high >= 1:
        ctx.add(path, f"{key} must be below 1 (got up to {high:g}; expected in [0, 1))")


def contagion_checks(ctx, path, rule) -> None:
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


def member_ventures(s, m) -> set[str]:
    """The ventures a member takes part in through its pledges (or bargained pledge)."""
    only = next(iter(s.ventures))
    if m.pledges is not None:
        return set(m.pledges)
    bargained = getattr(getattr(m, "negotiation", None), "bargained", False)
    if m.pledge is not None or bargained:
        return {m.venture or only}
    return set()


def _funded(s, mid) -> set[str]:
    only = next(iter(s.ventures))
    # A total cap (type: cap) spans every venture and makes no one a member of any.
    return {
        p.venture or only for p in s.policies.values() if p.funder == mid and hasattr(p, "venture")
    }


def exit_checks(ctx) -> None:
    """Exit rules (docs/model.md §6.4): on each departure, and the scenario's default."""
    s = ctx.s
    members = s.members()
    group = {mid: ("candidates" if mid in s.candidates else "partners") for mid in members}
    _exit_shape(ctx, ("exit",), s.exit)
    for mid, m in members.items():
        d = m.departure
        if d is None:
            continue
        left = {d.venture} if d.venture is not None else member_ventures(s, m) | _funded(s, mid)
        if d.exit is not None:
            path = (group[mid], mid, "departure", "exit")
            if _exit_shape(ctx, path, d.exit):
                _buyer(ctx, path + ("buyer",), d.exit.buyer, mid, left)
        elif s.exit.stake == "buyer" and s.exit.buyer is not None:
            _buyer(ctx, ("exit", "buyer"), s.exit.buyer, mid, left, default=True)


def _exit_shape(ctx, path, e) -> bool:
    """Keys that go together; True when a buyer is named and should be checked."""
    if e.stake == "buyer" and e.buyer is None:
        ctx.add(path, "stake: buyer needs 'buyer' (expected a member id)")
    if e.stake != "buyer" and e.buyer is not None:
        ctx.add(
            path + ("buyer",),
            f"buyer goes with stake: buyer (got stake: {e.stake}; expected stake: buyer)",
        )
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


def _buyer(ctx, path, buyer, mid, left, default=False) -> None:
    s = ctx.s
    if buyer == mid:
        where = f" ({mid!r} leaves with the default exit; give it an exit of its own)"
        ctx.add(
            path,
            f"a leaver cannot buy its own stake (got {buyer!r}; expected another member)"
            + (where if default else ""),
        )
        return
    held = member_ventures(s, s.members()[buyer]) | _funded(s, buyer)
    for vid in sorted(v for v in left if v in s.ventures and v not in held):
        takers = sorted(q for q, m in s.members().items() if vid in member_ventures(s, m))
        ctx.add(
            path,
            f"buyer {buyer!r} is not a member of venture {vid!r}, which {mid!r} leaves "
            f"(got {buyer!r}; expected one of: {', '.join(q for q in takers if q != mid)})",
        )


def stop_checks(ctx, path, p) -> None:
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


def cap_checks(ctx) -> None:
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


def dissolution_checks(ctx, path, d) -> None:
    if d.at is None and d.committed_below is None and not d.cash_out:
        ctx.add(
            path,
            "give 'at' (a date), 'committed_below' (an amount) or both (or cash_out: true "
            "with a spending plan)",
        )
    if d.at is not None:
        ctx.in_horizon(path + ("at",), d.at, "dissolution date")


def parent_members(s, vid) -> list[str]:
    """The members of a venture as far as the file says: its pledgers and policy funders,
    and those a split or an absorption brings into it."""
    brought = set()
    for v in s.ventures.values():
        if v.split is not None and vid in v.split.into:
            brought.update(v.split.into[vid].members)
        if v.buyout is not None and getattr(v.buyout.then, "into", None) == vid:
            brought.add(v.buyout.buyer)
    return [
        mid
        for mid, m in s.members().items()
        if vid in member_ventures(s, m) or vid in _funded(s, mid) or mid in brought
    ]


def split_checks(ctx, vid, sp) -> None:
    """A split (docs/model.md §9.2): a date or an event, declared children, members of the
    parent going to them, every member placed, fractions adding up to 1 for each member,
    amounts only for a member's children."""
    s, path = ctx.s, ("ventures", vid, "split")
    if (sp.at is None) == (sp.on is None):
        ctx.add(path, "give exactly one of 'at' (a date) or 'on' (an event that splits it)")
    if sp.at is not None:
        ctx.in_horizon(path + ("at",), sp.at, "split date")
    inside = parent_members(s, vid)
    trigger = None if sp.on is None else _split_trigger(ctx, path + ("on",), vid, sp.on, inside)
    goes: dict[str, list[str]] = {}
    for cid, child in sp.into.items():
        cpath = path + ("into", cid)
        if cid == vid:
            ctx.add(cpath, f"a venture cannot split into itself (got {cid!r})")
        elif cid not in s.ventures:
            ctx.venture_ref(cpath, cid)
        elif _dated_before(s.ventures[cid].split, sp.at):
            ctx.add(cpath, f"child {cid!r} splits before its parent does (expected a later date)")
        for i, mid in enumerate(child.members):
            if mid not in ctx.member_ids:
                ctx.member_ref(cpath + ("members", i), mid)
            elif mid not in inside:
                ctx.add(
                    cpath + ("members", i),
                    f"{mid!r} is not a member of venture {vid!r} (got {mid!r}; expected one "
                    f"of: {', '.join(inside) or 'none'})",
                )
            else:
                goes.setdefault(mid, []).append(cid)
    for i, mid in enumerate(sp.leaving):
        if mid in goes:
            ctx.add(path + ("leaving", i), f"{mid!r} goes to {goes[mid][0]!r}; it is not leaving")
        elif mid not in inside:
            ctx.add(path + ("leaving", i), f"{mid!r} is not a member of venture {vid!r}")
    for mid in inside:
        if mid not in goes and mid not in sp.leaving and mid != trigger:
            ctx.add(
                path + ("into",),
                f"member {mid!r} of {vid!r} goes to no child venture (list it in a child's "
                "members, or in 'leaving' to cancel its outstanding pledge)",
            )
    if sp.amounts is not None and "pledges" in sp.model_fields_set:
        ctx.add(path + ("amounts",), "give either pledges (fractions) or amounts, not both")
    given = {} if sp.pledges == "equal" else sp.pledges
    for key, table in (("pledges", given), ("amounts", sp.amounts or {})):
        _parts_checks(ctx, path + (key,), vid, table, goes, fractions=key == "pledges")


def _dated_before(child_split, at) -> bool:
    """A child's dated split not later than its parent's dated split."""
    return child_split is not None and None not in (child_split.at, at) and child_split.at <= at


def _split_trigger(ctx, path, vid, on, inside) -> str | None:
    """One event; a member it names belongs to the venture. Returns that member, if any."""
    if (on.departure is None) == (on.committed_below is None):
        ctx.add(
            path,
            "give exactly one of 'departure' (a member id or any) or 'committed_below' (an amount)",
        )
    mid = on.departure
    if mid is None or mid == "any":
        return None
    if mid not in ctx.member_ids:
        ctx.member_ref(path + ("departure",), mid)
        return None
    if mid not in inside:
        ctx.add(
            path + ("departure",),
            f"{mid!r} is not a member of venture {vid!r}, so it cannot leave it (got {mid!r}; "
            f"expected one of: {', '.join(inside) or 'none'})",
        )
    return mid


def _parts_checks(ctx, path, vid, table, goes, fractions: bool) -> None:
    """Per member, the children it is given fractions (adding up to 1) or amounts for."""
    for mid, parts in table.items():
        ppath = path + (mid,)
        if mid not in goes:
            ctx.add(
                ppath,
                f"{mid!r} goes to no child venture of {vid!r} (expected one of: "
                f"{', '.join(goes) or 'none'})",
            )
            continue
        for cid in parts:
            if cid not in goes[mid]:
                ctx.add(
                    ppath + (cid,),
                    f"{mid!r} does not go to {cid!r} (expected one of: {', '.join(goes[mid])})",
                )
        if not fractions:
            continue
        total = sum(parts.values())
        if abs(total - 1.0) > 1e-9:
            got = ", ".join(f"{c}={x:g}" for c, x in parts.items())
            ctx.add(
                ppath,
                f"fractions of {mid!r}'s outstanding pledge add up to {total * 100:g} % "
                f"(got {got}; expected 100 %)",
            )


def buyout_checks(ctx, vid, b) -> None:
    """A buy-out (docs/model.md §9.3): a date in the horizon, a buyer that is a member of
    the venture, a price whose keys go together, absorption into another declared venture."""
    path = ("ventures", vid, "buyout")
    ctx.in_horizon(path + ("at",), b.at, "buy-out date")
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
    _exit_shape(ctx, path, Exit(stake="buyer", buyer=b.buyer, price=b.price))
