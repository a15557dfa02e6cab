"""What each active member owns of a venture during a replication (docs/model.md §10's x,
on the venture's share basis): the weights of pre-emption (§6.4), so that a leaver's
stake shared out leaves the buyers' relative ownership as it was.

The chunk computes the shares after the replication from whole arrays; a departure needs
them at one moment, before the month's payments, from the replication's running state.
"""

from __future__ import annotations

from simulator.engine import matching

_EPS = 1e-9


def ownership(rep, v: int, month: int) -> dict[int, float]:
    """x_q ≥ 0 of each active member q of v at `month` (its payments of `month` not yet
    made): on the committed basis its holding with its matching money; on the paid_in basis
    its stake with the matching money paid; plus, on either, the ownership granted at entry
    (on the paid_in basis as far as the joiner has paid)."""
    committed = rep.model.ventures[v].share_basis != "paid_in"
    if committed:
        held = rep.holdings(v, month, rep.match_committed(v))
    else:
        held = {q: _stake(rep, v, q, month) for q in rep.holdings(v, month, {})}
        for q, paid in matching.paid(rep, v, month).items():
            if q in held:
                held[q] += paid
    if rep.dilution is not None:
        for q, g in _granted(rep, v, month, committed).items():
            if q in held:
                held[q] += g
    # a holding of at most 1e-9 owns nothing: a pledge cut or cancelled whole leaves a sum's
    # rounding noise, of either sign (model.md §6.4, §10)
    return {q: (x if x > _EPS else 0.0) for q, x in held.items()}


def _stake(rep, v: int, q: int, month: int) -> float:
    """q's paid-in stake (exits.Exits.stake): what it has paid, where no stake ever moves."""
    if rep.exits is not None:
        return rep.exits.stake(v, q, month)
    return rep.ledger.paid_by(v, q, month - 1) if month else 0.0


def _granted(rep, v: int, month: int, committed: bool) -> dict[int, float]:
    """The ownership register of v now (model.md §10): each grant whole on the committed
    basis, in proportion to what its joiner has paid of x* on the paid_in basis."""
    out: dict[int, float] = {}
    for venture, joiner, _, own, moves in rep.dilution.records:
        if venture != v:
            continue
        part = 1.0
        if not committed and own > _EPS:
            paid = rep.ledger.paid_by(v, joiner, month - 1) if month else 0.0
            part = min(1.0, paid / own)
        for q, g in moves:
            out[q] = out.get(q, 0.0) + g * part
    return out
