"""Shares granted at entry in the batch engine (docs/model.md §10; dilution.Dilution):
when a candidate with a dilution rule joins a venture, it is granted its share and the
other active members give it up, pro rata or in equal parts, as ownership transfers that
move no money. Each replication keeps its running register (`granted`) and its grants'
rows, from which the chunk's `grants` are built as the per-replication engine records
them (the tables compute the shares from them). The register is part of the exit rules'
arrays (ExitArrays.dilution): a stake pre-empted is shared out by what each member owns,
its granted ownership included (ownership.ownership)."""

from __future__ import annotations

from collections import namedtuple

import numpy as np

from simulator.engine.batch.book import paid_before
from simulator.engine.batch.codes import DILUTION, DILUTION_GIVES, DILUTION_GRANTED
from simulator.engine.batch.draws import ChunkDraws
from simulator.engine.batch.jit import inline, step
from simulator.engine.batch.kernels import match_committed, record

NONE, PRO_RATA, EQUAL = 0, 1, 2  # kind[p]: a candidate's rule
BARGAINED, SHARE, PRE_MONEY = 0, 1, 2  # priced[p]: where its share comes from
KINDS = ("", "pro_rata", "equal")
_EPS = 1e-9

# Replication r's grants: rows[r, i] (venture, joiner, month, member) and amounts[r, i]
# (x*, transfer g) for i < count[r]; owned, after, order, rank: scratch (jit.py)
DilutionArrays = namedtuple(
    "DilutionArrays", "kind priced value granted rows amounts count owned after order rank"
)


def dilution(model, draws: ChunkDraws) -> DilutionArrays:
    """The candidates' rules, their shares or pre-money values drawn up front (from the
    streams Dilution.joined draws them from), and room for every grant's rows: each
    candidate joins each venture of its pledges once, and moves every member's share."""
    n, (V, P) = draws.n, model.involved.shape
    kind, priced = np.zeros(P, dtype=np.int64), np.zeros(P, dtype=np.int64)
    value = np.zeros((n, P))
    joins = 0
    for t in model.negotiations:
        spec, p = t.dilution, t.member
        if spec is None:
            continue
        kind[p] = KINDS.index(spec.kind)
        key = f"dilution/{model.members[p]}"
        if spec.pre_money is not None:
            priced[p], value[:, p] = PRE_MONEY, draws.number(spec.pre_money, key + "/pre_money")
        elif spec.share is not None:
            priced[p], value[:, p] = SHARE, draws.number(spec.share, key + "/share")
        joins += sum(s.member == p for s in model.pledges)
    room = joins * P if kind.any() else 0
    room += sum(2 * len(t.givers) for _, t in model.plan.transfers if t.rule == "register")
    return DilutionArrays(
        kind,
        priced,
        value,
        np.zeros((n, V, P)),
        np.empty((n, room, 4), dtype=np.int64),
        np.empty((n, room, 2)),
        np.zeros(n, dtype=np.int64),
        np.empty(P),
        np.empty(P),
        np.empty(P, dtype=np.int64),
        np.empty(P, dtype=np.int64),
    )


@inline
def joined(led, mem, mat, ex, ev, r, p, v, month):
    """Candidate p has just joined v (its pledge made): its share granted (joined), if its
    entry dilutes (a step's call costs more than a join's own work: departures.changed)."""
    if ex.dilution.kind[p] != NONE:
        grant_share(led, mem, mat, ex, ev, r, p, v, month)


@step
def grant_share(led, mem, mat, ex, ev, r, p, v, month):
    """joined's work: the others' shares granted to p by its rule."""
    dil = ex.dilution
    owned, order, granted = dil.owned, dil.order, dil.granted
    own = others = 0.0
    n = 0
    for q in range(mem.join.shape[2]):  # what each active member owns now, in member order
        if mem.join[r, v, q] <= month < mem.leave[r, v, q]:
            held = led.committed[r, v, q] + match_committed(led, mem, mat, r, v, month, q)
            x = held + ex.adjust[r, v, q] + granted[r, v, q]
            x = x if x > _EPS else 0.0  # rounding noise (dilution.Dilution.joined)
            if q == p:
                own = x
            else:
                order[n], owned[n] = q, x
                n += 1
                others += x
    if others <= _EPS:
        return  # the others own nothing: there is nothing to share
    share = 0.0  # the bargained share: simple negotiations bargain none
    if dil.priced[p] == PRE_MONEY:
        share = own / (dil.value[r, p] + own)
    elif dil.priced[p] == SHARE:
        share = dil.value[r, p]
    target_shares(dil, dil.kind[p], n, share, others)
    total = others + own
    for i in range(n):
        q, g = order[i], total * dil.after[i] - owned[i]
        granted[r, v, q] += g
        grant(dil, r, v, p, month, q, own, g)
        share_before = owned[i] / others
        record(ev, r, month, DILUTION, q, v, g, DILUTION_GIVES, share_before, dil.after[i], p)
    g = total * share - own
    granted[r, v, p] += g
    grant(dil, r, v, p, month, p, own, g)
    price = dil.value[r, p] if dil.priced[p] == PRE_MONEY else np.nan
    record(ev, r, month, DILUTION, p, v, g, DILUTION_GRANTED, share, own / total, 0, 0, price)


@step
def target_shares(dil, kind, n, share, others):
    """dilution.target_shares into after[:n]: the others' shares once the joiner has
    `share`, pro rata or in equal parts water-filled (smallest owners first, ties in member
    order)."""
    owned, after, rank = dil.owned, dil.after, dil.rank
    for i in range(n):
        after[i] = owned[i] / others
    if kind == PRO_RATA:
        for i in range(n):
            after[i] = (1.0 - share) * after[i]
        return
    for i in range(n):  # a stable insertion sort of the members by share
        j = i
        while j > 0 and after[rank[j - 1]] > after[i]:
            rank[j] = rank[j - 1]
            j -= 1
        rank[j] = i
    left, rest = share, n
    for k in range(n):
        i = rank[k]
        given = min(after[i], left / rest)
        left -= given
        rest -= 1
        after[i] -= given


@step
def grant(dil, r, v, p, month, q, own, g):
    i = dil.count[r]
    dil.count[r] = i + 1
    rows = dil.rows[r]
    rows[i, 0], rows[i, 1], rows[i, 2], rows[i, 3] = v, p, month, q
    dil.amounts[r, i, 0], dil.amounts[r, i, 1] = own, g


@step
def granted_paid_in(led, dil, r, v, q, month):
    """q's ownership granted in v on the paid_in basis (ownership._granted): each grant
    in proportion to what its joiner has paid of x* by the end of month − 1."""
    out = 0.0
    rows, amounts = dil.rows[r], dil.amounts[r]
    for i in range(dil.count[r]):
        if rows[i, 0] != v or rows[i, 3] != q:
            continue
        own, part = amounts[i, 0], 1.0
        if own > _EPS:
            paid = paid_before(led, r, v, rows[i, 1], month) if month else 0.0
            part = min(1.0, paid / own)
        out += amounts[i, 1] * part
    return out


def grants(dil: DilutionArrays) -> list:
    """The chunk's grants as the per-replication engine records them: (replication in the
    chunk, venture, joiner, month, x*, ((member, g), ...)), replication by replication.
    A record's last row is its joiner's (a transfer's: its receiver's)."""
    out, open_ = [], False
    for r in np.flatnonzero(dil.count).tolist():
        rows, amounts = dil.rows[r].tolist(), dil.amounts[r].tolist()
        for i in range(dil.count[r]):
            v, p, month, q = rows[i]
            if not open_:
                out.append([r, v, p, month, amounts[i][0], []])
            out[-1][5].append((q, amounts[i][1]))
            open_ = q != p
    return [(*head, tuple(moves)) for *head, moves in out]
