"""Transfers of ownership between members of a venture (docs/model.md §10.2)."""

from __future__ import annotations

from simulator.scenario.checks.context import CheckContext
from simulator.scenario.checks.exits import exit_shape
from simulator.scenario.checks.membership import candidate_ventures, parent_members
from simulator.scenario.checks.triggers import dated_or_triggered
from simulator.scenario.distributions import Distribution
from simulator.scenario.members import Exit


def transfer_checks(ctx: CheckContext, vid, v) -> None:
    """Each transfer: a date in the horizon (not before the venture opens), a receiver and
    givers that are members of the venture, proportions adding up to 1, a price whose keys
    go together; and no giver passing on more than it owns, where the file says what each
    owns."""
    inside = _members(ctx, vid)
    planned = _planned_shares(ctx, vid)
    dated = sorted((it for it in enumerate(v.transfers) if it[1].at is not None), key=_date)
    for i, t in dated + [it for it in enumerate(v.transfers) if it[1].at is None]:
        path, found = ("ventures", vid, "transfers", i), len(ctx.issues)
        dated_or_triggered(ctx, path, t, "transfer", None, vid)
        if v.opens is not None and t.at is not None and t.at < v.opens:
            ctx.add(path + ("at",), "a transfer before the venture opens (expected a later date)")
        _member_of(ctx, path + ("to",), t.to, vid, inside)
        givers = _givers(ctx, path, t)
        for i, q in enumerate(givers):  # a list's item by its index, a mapping's by its key
            where = path + ("from", i if isinstance(t.from_, list) else q)
            _member_of(ctx, where, q, vid, inside)
            if q == t.to:
                ctx.add(where, f"{q!r} cannot pass ownership to itself")
        if t.price is not None:
            exit_shape(ctx, path, Exit(stake="refund", price=t.price))
        if planned is not None and givers and t.at is not None and len(ctx.issues) == found:
            _owns_enough(ctx, path, t, givers, planned)


def _date(item) -> int:
    return item[1].at


def _givers(ctx: CheckContext, path, t) -> dict[str, float]:
    """Each giver's part of the transfer: equal, or the proportions given (scaled to 1)."""
    if isinstance(t.from_, list):
        if not t.from_:
            ctx.add(path + ("from",), "name at least one member that gives ownership")
            return {}
        if len(set(t.from_)) < len(t.from_):
            ctx.add(path + ("from",), "a member is named twice (expected each once)")
        return {q: 1 / len(t.from_) for q in t.from_}
    if not ctx.parts_add_up(path + ("from",), t.from_, "the givers' parts"):
        return {}
    total = sum(t.from_.values())
    return {q: w / total for q, w in t.from_.items()}


def _members(ctx: CheckContext, vid) -> set[str]:
    s = ctx.s
    joining = {mid for mid, m in s.candidates.items() if vid in candidate_ventures(s, m)}
    return set(parent_members(s, vid)) | joining


def _member_of(ctx: CheckContext, path, mid, vid, inside) -> None:
    if mid not in ctx.member_ids:
        ctx.member_ref(path, mid)
    elif mid not in inside:
        ctx.add(
            path,
            f"{mid!r} is not a member of venture {vid!r} (expected one of: "
            f"{', '.join(sorted(inside)) or 'none'})",
        )


def _planned_shares(ctx: CheckContext, vid) -> dict[str, float] | None:
    """Who owns what of the venture as the file plans it: its partners' fixed pledges (or
    its given capital's shares); None when anything could change that before a transfer
    (an uncertain pledge, a departure, a candidate, a policy, a split bringing members)."""
    s, v = ctx.s, ctx.s.ventures[vid]
    if v.capital is not None:
        total = sum(v.capital.shares.values())
        return {q: w / total for q, w in v.capital.shares.items()}
    amounts, inside = {}, set(parent_members(s, vid))
    for mid, m in s.members().items():
        if mid not in inside:
            continue
        if mid in s.candidates or m.departure is not None or m.pledges is not None:
            return None
        if m.pledge is None or isinstance(m.pledge, Distribution):
            return None
        amounts[mid] = m.pledge
    total = sum(amounts.values())
    if not amounts or total <= 0 or s.policies:
        return None
    return {q: a / total for q, a in amounts.items()}


def _owns_enough(ctx: CheckContext, path, t, givers, planned) -> None:
    """Each giver owns its part when the transfer comes (`planned`, moved on as it goes)."""
    for q, w in givers.items():
        wanted, owned = t.share * w, planned.get(q, 0.0)
        if wanted > owned + 1e-9:
            ctx.add(
                path + ("share",),
                f"passes {100 * wanted:.4g} % of the venture from {q!r}, which owns "
                f"{100 * owned:.4g} % then (expected at most what it owns)",
            )
        planned[q] = owned - wanted
        planned[t.to] = planned.get(t.to, 0.0) + wanted
