"""Splits (docs/model.md §9.2): a venture divided among child ventures, each member of the
parent placed in one or more of them, or leaving."""

from __future__ import annotations

from simulator.scenario.checks.context import CheckContext
from simulator.scenario.checks.membership import parent_members
from simulator.scenario.checks.triggers import trigger_checks


def split_checks(ctx: CheckContext, vid, sp) -> None:
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


def _split_trigger(ctx: CheckContext, path, vid, on, inside) -> str | None:
    """One event (model.md §9.7); a member whose departure splits the venture belongs to
    it. Returns that member, if any."""
    mid = on.departure
    if mid is not None and mid != "any" and mid in ctx.member_ids and mid not in inside:
        ctx.add(
            path + ("departure",),
            f"{mid!r} is not a member of venture {vid!r}, so it cannot leave it (got {mid!r}; "
            f"expected one of: {', '.join(inside) or 'none'})",
        )
    else:
        trigger_checks(ctx, path, on, None, vid)
    return None if mid == "any" else mid


def _parts_checks(ctx: CheckContext, path, vid, table, goes, fractions: bool) -> None:
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
