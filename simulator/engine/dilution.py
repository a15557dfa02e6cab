"""Entry dilution by a negotiated share (docs/model.md §10): an ownership register kept
apart from capital.

When a candidate with `dilution: pro_rata | equal` joins venture v in month j, it is
granted the share s of v and the other active members give it up, pro rata to what they
own or in equal parts (water-filled). The grant is recorded as ownership transfers g_q
(Σ g = 0) that move no money: shares become x = member · (basis + stake adjustments +
granted)⁺. The replication records the grants; a chunk builds the `granted` arrays
(`granted_flows`) when its shares or tables first ask, so scenarios without dilution, and
sweeps, cost nothing.
"""

from __future__ import annotations

import numpy as np

_EPS = 1e-9


def target_shares(kind: str, share: float, owned: list[float]) -> list[float]:
    """The others' shares after the joiner is granted `share` (of the enlarged venture).

    `owned` (each ≥ 0, not all 0) is what the others own before the join. `pro_rata`: each
    keeps (1 − s) · O_q / T. `equal`: each gives up s/n of share, water-filled: one whose
    share O_q / T is below what it should give gives all it has, and the rest is spread
    equally over the others (Σ min(O_q / T, λ) = s).
    """
    total = sum(owned)
    before = [o / total for o in owned]
    if kind == "pro_rata":
        return [(1.0 - share) * b for b in before]
    given = dict.fromkeys(range(len(owned)), 0.0)
    left, rest = share, len(owned)
    for q in sorted(range(len(owned)), key=before.__getitem__):
        level = left / rest  # what each member not yet filled gives
        given[q] = min(before[q], level)
        left -= given[q]
        rest -= 1
    return [b - given[q] for q, b in enumerate(before)]


class Dilution:
    """The shares granted at entry in one replication, and the running granted ownership."""

    def __init__(self, rep):
        self.rep = rep
        model = rep.model
        self.specs = {n.member: n.dilution for n in model.negotiations if n.dilution is not None}
        V, P = len(model.ventures), len(model.members)
        self.granted = [[0.0] * P for _ in range(V)]  # committed basis, running
        self.records: list = []  # (venture, joiner, month, x*, ((member, g), ...))

    def joined(self, p: int, v: int, month: int, bargained_share: float) -> None:
        """Candidate p has just joined v (its pledge made): grant it its negotiated share."""
        spec = self.specs.get(p)
        if spec is None:
            return
        rep = self.rep
        key = rep.member_key("dilution", p)
        granted = self.granted[v]
        held = rep.holdings(v, month, rep.match_committed(v))
        # What each owns now; below 1e-9 it is a sum's rounding noise (a pledge cut or
        # cancelled whole leaves ±1e-16, whose sign depends on the order of the sum).
        owned = {q: _owned(h + granted[q]) for q, h in held.items()}
        own = owned.pop(p)
        price = ""
        if spec.pre_money is not None:  # the price: x* buys x* / (pre-money + x*)
            pre = rep.draw(spec.pre_money, key + "/pre_money")
            share, price = own / (pre + own), f" at a pre-money value of {pre:.6g}"
        elif spec.share is not None:
            share = rep.draw(spec.share, key + "/share")
        else:
            share = bargained_share
        moves = transfers(spec.kind, share, owned, p, own)
        if not moves:
            return
        others, total = sum(owned.values()), sum(owned.values()) + own
        names, vid = rep.model.members, rep.model.ventures[v].id
        for q, g, after in moves:
            granted[q] += g
            if q == p:
                detail = (
                    f"granted {percent(share)} of {vid}{price} (capital {percent(own / total)})"
                )
            else:
                detail = f"{names[p]} joins; share {percent(owned[q] / others)} → {percent(after)}"
            rep.record_event("dilution", q, v, g, f"{spec.kind}: {detail}")
        self.records.append((v, p, month, own, tuple((q, g) for q, g, _ in moves)))

    def transfer(self, v: int, giver: int, to: int, amount: float, month: int) -> None:
        """Ownership `amount` passes from `giver` to `to` in v's register (model.md §10.2):
        whole at once on either basis (x* = 0 in the records: nothing accrues)."""
        self.granted[v][giver] -= amount
        self.granted[v][to] += amount
        self.records.append((v, to, month, 0.0, ((giver, -amount), (to, amount))))


def _owned(x: float) -> float:
    return x if x > _EPS else 0.0


def transfers(kind: str, share: float, owned: dict, joiner: int, own: float) -> list:
    """(member, ownership transfer g, share after) for the others, then the joiner.

    `owned` maps each other active member to what it owns (≥ 0), `own` is the joiner's
    holding x*. g_q = (T + x*) · s'_q − O_q and g_p = (T + x*) · s − x*, so Σ g = 0.
    Empty when the others own nothing: there is nothing to share.
    """
    others = sum(owned.values())
    if others <= _EPS:
        return []
    total = others + own
    after = target_shares(kind, share, list(owned.values()))
    moves = [(q, total * s - o, s) for (q, o), s in zip(owned.items(), after, strict=True)]
    return [*moves, (joiner, total * share - own, share)]


def percent(x: float) -> str:
    return f"{100 * x:.4g} %"


def granted_flows(bases: tuple, grants: list, paid_in: np.ndarray) -> np.ndarray:
    """Granted ownership per (replication, venture, member, month) of a chunk, each venture
    on its share basis (`bases`).

    `grants` holds (replication index in the chunk, venture, joiner, month j, x*, moves).
    On the committed basis each transfer g takes effect at j; on the paid_in basis it
    accrues as the joiner pays: g · min(1, paid_in of the joiner / x*) (all of it at j if
    x* = 0).
    """
    granted = np.zeros_like(paid_in)
    for i, v, p, month, own, moves in grants:
        if bases[v] == "paid_in" and own > _EPS:
            part = np.minimum(paid_in[i, v, p, month:] / own, 1.0)
        else:
            part = 1.0
        for q, g in moves:
            granted[i, v, q, month:] += g * part
    return granted
