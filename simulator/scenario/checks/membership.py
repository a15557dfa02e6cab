"""Who takes part in which venture, as far as the file says (read by several checks)."""

from __future__ import annotations


def member_ventures(s, m) -> set[str]:
    """The ventures a member takes part in through its pledges (or bargained pledge)."""
    only = next(iter(s.ventures))
    if m.pledges is not None:
        return set(m.pledges)
    bargained = getattr(getattr(m, "negotiation", None), "bargained", False)
    if m.pledge is not None or bargained:
        return {m.venture or only}
    return set()


def candidate_ventures(s, m) -> list[str]:
    """The ventures a candidate pledges to (or bargains for), as far as they are known."""
    if m.pledges is not None:
        return list(m.pledges)
    if m.pledge is None and not m.negotiation.bargained:
        return []
    if m.venture is not None:
        return [m.venture] if m.venture in s.ventures else []
    return list(s.ventures)[:1] if len(s.ventures) == 1 else []


def funded_ventures(s, mid) -> set[str]:
    """The ventures a member funds by a policy or by a share of a venture's given capital."""
    only = next(iter(s.ventures))
    # A total cap (type: cap) spans every venture and makes no one a member of any.
    by_policy = {
        p.venture or only for p in s.policies.values() if p.funder == mid and hasattr(p, "venture")
    }
    return by_policy | capital_ventures(s, mid)


def capital_ventures(s, mid) -> set[str]:
    """The ventures whose given capital names a share of member `mid` (model.md §10.1)."""
    return {vid for vid, v in s.ventures.items() if v.capital and mid in v.capital.shares}


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
        if vid in member_ventures(s, m) or vid in funded_ventures(s, mid) or mid in brought
    ]
