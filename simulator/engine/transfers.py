"""Transfers of ownership between members of a venture (docs/model.md §10.2).

At its date, after the month's departures and buy-outs, each giver passes its part of
`share` of the venture's ownership (what each owns on the venture's basis, ownership.py)
to the receiver: in the register of ownership, no capital moving (`register`), or as
paid-in capital at book value (`capital`), so that ownership keeps following capital. A
giver passes on at most what it owns (with `capital`, what it has paid in); a price, if
given, is cash between the parties.
"""

from __future__ import annotations

from simulator.engine.ownership import ownership

TRANSFER = 0.04  # after departures (0.0) and buy-outs (0.03), before splits (0.05)
_EPS = 1e-9


def transfer(rep, v: int, spec) -> None:
    """Carry out one transfer now, or record why it cannot be."""
    month, names = rep.month(), rep.model.members
    owned = ownership(rep, v, month)
    why = _skip_reason(rep, v, spec, owned)
    if why:
        rep.record_event("transfer_skipped", spec.to, v, 0.0, why)
        return
    total = sum(owned.values())
    wanted = spec.share * total
    parts = []
    for q, w in spec.givers:
        if q not in owned:
            rep.record_event("transfer_skipped", q, v, 0.0, f"to {names[spec.to]}: not a member")
            continue
        have = owned[q] if spec.rule == "register" else max(rep.exits.stake(v, q, month), 0.0)
        parts.append((q, min(wanted * w, have), wanted * w))
    prices = _prices(rep, v, spec, parts)
    for (q, given, asked), paid in zip(parts, prices, strict=True):
        _apply(rep, v, spec, q, given, paid, month)
        detail = f"to {names[spec.to]}: {_pct(given / total)} of the venture ({spec.rule})"
        if given < asked - _EPS:
            what = "all it owns" if spec.rule == "register" else "all it has paid in"
            detail += f", {what}: {_pct(asked / total)} asked"
        rep.record_event("transfer", q, v, given, detail)
    rep.after_change(month)


def _skip_reason(rep, v: int, spec, owned: dict) -> str:
    if rep.collapse[v] is not None:
        return "venture ended"
    if spec.to not in owned:
        return "receiver is not a member"
    if sum(owned.values()) <= _EPS:
        return "nobody owns anything yet"
    return ""


def _prices(rep, v: int, spec, parts: list) -> list[float]:
    """Cash each giver receives: its part at book value, a multiple of it, or its share (by
    part) of an amount for the whole transfer, drawn once."""
    price = spec.price
    if price is None:
        return [0.0] * len(parts)
    if price.rule == "amount":
        key = f"transfer/{rep.model.venture_ids[v]}/{spec.at}/amount"
        amount, total = rep.draw(price.amount, key), sum(g for _, g, _ in parts)
        return [amount * g / total if total > _EPS else 0.0 for _, g, _ in parts]
    if price.rule == "multiple":
        k = rep.draw(price.multiple, f"transfer/{rep.model.venture_ids[v]}/{spec.at}/multiple")
        return [k * g for _, g, _ in parts]
    return [g for _, g, _ in parts]


def _apply(rep, v: int, spec, q: int, given: float, paid: float, month: int) -> None:
    if spec.rule == "capital":
        rep.exits.move(q, spec.to, v, month, given, paid)
        return
    rep.dilution.transfer(v, q, spec.to, given, month)
    if paid and rep.exits is not None:  # cash only: no capital moves
        rep.exits.move(q, spec.to, v, month, 0.0, paid)


def _pct(x: float) -> str:
    return f"{100 * x:.4g} %"
