"""Exit rules in the batch engine (docs/model.md §6.4; exits.Exits.left): when a member
leaves a venture, its paid-in stake S is refunded, pre-empted by the remaining members pro
rata to what they own (ownership.ownership), or bought by named buyers, at a price X (S, a
multiple of S, or an amount); capital moves at book value S, X is cash between the
parties. Stake flows are recorded per month: bought, sold, refunded, paid for stakes,
received for a stake (exits.FLOWS)."""

from __future__ import annotations

import numpy as np

from simulator.engine.batch.book import paid_before
from simulator.engine.batch.codes import (
    BUYER_STAKE_AT,
    BUYERS,
    HOW_AMOUNT,
    HOW_MULTIPLE,
    KEPT,
    PREEMPTION,
    REFUND,
    REFUNDED,
    SOLD,
    STAKE_AT,
    STAYS_NO_BUYER,
    STAYS_NO_MEMBER,
)
from simulator.engine.batch.dilution import granted_paid_in
from simulator.engine.batch.jit import inline, step
from simulator.engine.batch.kernels import match_committed, private_paid, record
from simulator.engine.exits import BOUGHT, PAID_FOR, RECEIVED
from simulator.engine.exits import REFUNDED as REFUNDED_FLOW
from simulator.engine.exits import SOLD as SOLD_FLOW

_EPS = 1e-9


@step
def stake(led, ex, r, v, p, month):
    """Paid-in capital p holds in v at `month`, its payments of `month` not yet made."""
    return paid_before(led, r, v, p, month) + ex.adjust[r, v, p]


@step
def left(led, mem, mat, ven, ex, ev, r, p, v, month):
    """p has just left v at m + 0.0: its exit rule applies to its stake."""
    kind = ex.kind[p]
    if kind == 0:  # the stake stays: nothing to compute
        return
    held = stake(led, ex, r, v, p, month)
    if held <= _EPS:
        return
    how, k, price = ex.rule[p], 0.0, held
    if how == HOW_MULTIPLE:
        k = ex.multiple[r, p, next_draw(ex, r, p, 0, ex.random[p, 0])]
        price = k * held
    elif how == HOW_AMOUNT:
        price = ex.amount[r, p, next_draw(ex, r, p, 1, ex.random[p, 1])]
    if kind == REFUND:
        flow(ex, REFUNDED_FLOW, r, v, p, month, held)
        flow(ex, RECEIVED, r, v, p, month, price)
        ex.adjust[r, v, p] -= held
        ex.refunded[r, v] += held
        record(ev, r, month, REFUNDED, p, v, price, STAKE_AT, held, k, 0, how)
        return
    weights = ex.weights
    buyers(led, mem, mat, ven, ex, r, p, v, month)
    if weights.sum() <= 0.0:
        why = STAYS_NO_MEMBER if kind == PREEMPTION else STAYS_NO_BUYER
        record(ev, r, month, KEPT, p, v, 0.0, why, held, 0.0, 0, 0)
        return
    for q in range(weights.shape[0]):
        if weights[q] > 0.0:
            sell(ex, ev, r, p, q, v, month, held * weights[q], price * weights[q], k, how)


@inline
def next_draw(ex, r, p, stream, random):
    """The place of p's next draw from its exit stream `stream` (0: multiple, 1: amount),
    if the term is `random`; a certain one is at place 0 and draws nothing."""
    if not random:
        return 0
    k = ex.drawn[r, p, stream]
    ex.drawn[r, p, stream] = k + 1
    return k


@step
def sell(ex, ev, r, p, q, v, month, part, paid, k, how):
    """move, with a `stake_sold` event."""
    move(ex, r, p, q, v, month, part, paid)
    record(ev, r, month, SOLD, p, v, paid, BUYER_STAKE_AT, part, k, q, how)


@step
def move(ex, r, p, q, v, month, part, paid):
    """Paid-in capital `part` of p's stake in v passes to q at book value, q paying p
    `paid` (exits.Exits.move)."""
    flow(ex, SOLD_FLOW, r, v, p, month, part)
    flow(ex, RECEIVED, r, v, p, month, paid)
    flow(ex, BOUGHT, r, v, q, month, part)
    flow(ex, PAID_FOR, r, v, q, month, paid)
    ex.adjust[r, v, p] -= part
    ex.adjust[r, v, q] += part


@step
def flow(ex, which, r, v, p, month, amount):
    ex.flows[which, r, v, p, month] += amount


@step
def buyers(led, mem, mat, ven, ex, r, p, v, month):
    """Each buyer's fraction of p's stake (zeros: nobody to buy it), written into
    ex.weights: named buyers that are members, their parts rescaled to 1; or pro rata to
    what the active members own."""
    P = mem.public.shape[0]
    weights = ex.weights
    if ex.kind[p] == BUYERS:
        for q in range(P):
            active = mem.join[r, v, q] <= month < mem.leave[r, v, q]
            weights[q] = ex.buyers[p, q] if active else 0.0
    else:
        ownership(led, mem, mat, ven, ex, weights, r, v, month)
    total = weights.sum()
    if ex.kind[p] == PREEMPTION and total <= _EPS:  # nobody owns anything: equal parts
        for q in range(P):
            weights[q] = 1.0 if mem.join[r, v, q] <= month < mem.leave[r, v, q] else 0.0
        total = weights.sum()
    if total > 0.0:
        weights /= total


@step
def ownership(led, mem, mat, ven, ex, out, r, v, month):
    """What each active member of v owns into out (0 for the others), as
    ownership.ownership reads it: nothing at or below 1e-9 (a pledge cut or cancelled whole
    leaves a sum's rounding noise, of either sign); their sum, in member order."""
    total = 0.0
    for q in range(mem.join.shape[2]):
        out[q] = 0.0
        if mem.join[r, v, q] <= month < mem.leave[r, v, q]:
            x = owned(led, mem, mat, ven, ex, r, v, q, month)
            out[q] = x if x > _EPS else 0.0
            total += out[q]
    return total


@step
def owned(led, mem, mat, ven, ex, r, v, q, month):
    """What active member q owns of v (ownership.ownership): on the committed basis its
    holding with its matching money; on the paid_in basis its stake with the matching
    money paid; plus the ownership granted at entry (on the paid_in basis, as far as each
    joiner has paid)."""
    dil = ex.dilution
    granting = dil.rows.shape[1] > 0  # room for grants: some candidate is granted a share
    if not ven.paid_basis[v]:
        held = led.committed[r, v, q] + match_committed(led, mem, mat, r, v, month, q)
        held += ex.adjust[r, v, q]
        return held + dil.granted[r, v, q] if granting else held
    held = stake(led, ex, r, v, q, month) + match_paid(led, mem, mat, r, v, q, month)
    return held + granted_paid_in(led, dil, r, v, q, month) if granting else held


@step
def match_paid(led, mem, mat, r, v, q, month):
    """q's matching money paid into v by the end of month − 1 (matching.paid), frozen once
    it left."""
    out = 0.0
    for k in range(mat.venture.shape[0]):
        if mat.venture[k] != v or mat.funder[k] != q or mem.join[r, v, q] > month:
            continue
        if not np.isnan(mat.frozen[r, k]):
            out += mat.frozen[r, k]
            continue
        private = private_paid(led, mem, r, v, q, month)
        out += min(mat.ratio[r, k] * private, mat.cap[r, k])
    return out
