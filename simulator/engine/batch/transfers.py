"""Dated transfers of ownership in the batch engine (docs/model.md §10.2; transfers.py): at
m + 0.04 of its month, after the month's departures and buy-outs, each giver passes its
part of `share` of what the active members own to the receiver, in the register of
ownership (the grants' rows, batch/dilution.py) or as paid-in capital at book value (the
exit rules' stake flows), at most what it owns (with `capital`, what it has paid in); a
price, if given, is cash between the parties. Otherwise the transfer, or a giver's part,
is skipped, and the events say why."""

from __future__ import annotations

from collections import namedtuple

import numpy as np

from simulator.engine.batch.codes import (
    GIVER_NOT_MEMBER,
    NOBODY_OWNS,
    RECEIVER_NOT_MEMBER,
    TRANSFER,
    TRANSFER_SKIPPED,
    TRANSFERRED,
    VENTURE_ENDED,
)
from simulator.engine.batch.dilution import grant
from simulator.engine.batch.draws import ChunkDraws
from simulator.engine.batch.exits import move, ownership, stake
from simulator.engine.batch.jit import step
from simulator.engine.batch.kernels import record, touch
from simulator.engine.batch.topups import after_change
from simulator.engine.batch.triggers import TRANSFER_ACT, next_fired
from simulator.engine.model import Model
from simulator.scenario.distributions import Distribution

_EPS = 1e-9
REGISTER, CAPITAL = 0, 1  # rule[k]
NO_PRICE, BOOK, MULTIPLE, AMOUNT = 0, 1, 2, 3  # price[k]

# givers[k, i] (-1 past the last) with parts[k, i]; value[r, k, j]: transfer k's multiple
# or amount if it is the j-th draw of its stream (stream[k], -1 if none or certain), used[r,
# s] the draws made from stream s; owns, given, asked: scratch (jit.py)
TransferArrays = namedtuple(
    "TransferArrays",
    "venture at to share rule price givers parts value stream used owns given asked",
)


def transfers(model: Model, draws: ChunkDraws) -> TransferArrays:
    """The transfers in the order the per-replication engine books them. Transfers
    of one venture in one month share their price's stream (transfers._prices names it),
    each drawing its next number when it is made: drawn up front for every place."""
    specs = model.plan.transfers  # `at` -1: on an event (triggers.py)
    (_, P), n = model.involved.shape, draws.n
    kinds, names, values = [], [], []
    for v, t in specs:
        rule = "none" if t.price is None else t.price.rule
        kinds.append({"none": NO_PRICE, "paid_in": BOOK, "multiple": MULTIPLE}.get(rule, AMOUNT))
        value = t.price.multiple if rule == "multiple" else t.price.amount if t.price else None
        name = f"transfer/{model.venture_ids[v]}/{t.at}/{rule}"
        names.append(name if isinstance(value, Distribution) else None)
        values.append(value)
    streams = sorted({x for x in names if x is not None})
    places = max([names.count(x) for x in streams], default=1)
    value = np.zeros((n, len(specs), places))
    givers, parts = np.full((len(specs), P), -1, dtype=np.int64), np.zeros((len(specs), P))
    for k, (_, t) in enumerate(specs):
        for j in range(places):
            if values[k] is not None:
                value[:, k, j] = draws.number(values[k], names[k], j)
        for i, (q, w) in enumerate(t.givers):
            givers[k, i], parts[k, i] = q, w
    return TransferArrays(
        np.array([v for v, _ in specs], dtype=np.int64),
        np.array([-1 if t.at is None else t.at for _, t in specs], dtype=np.int64),
        np.array([t.to for _, t in specs], dtype=np.int64),
        np.array([t.share for _, t in specs], dtype=float),
        np.array([REGISTER if t.rule == "register" else CAPITAL for _, t in specs], dtype=np.int64),
        np.array(kinds, dtype=np.int64),
        givers,
        parts,
        value,
        np.array([-1 if x is None else streams.index(x) for x in names], dtype=np.int64),
        np.zeros((n, len(streams)), dtype=np.int64),
        np.zeros(P),
        np.zeros(P),
        np.zeros(P),
    )


@step
def transfers_due(led, mem, mat, ven, ex, tops, ts, tg, ev, month):
    """m + 0.04: the transfers dated this month, in order; then those set off by events."""
    for k in range(ts.at.shape[0]):
        if ts.at[k] == month:
            for r in range(mem.block[0], mem.block[1]):
                transfer(led, mem, mat, ven, ex, tops, ts, ev, r, k, month)
    if tg.kind.shape[0]:
        for r in range(mem.block[0], mem.block[1]):
            w = next_fired(tg, r, month, TRANSFER_ACT)
            while w >= 0:
                transfer(led, mem, mat, ven, ex, tops, ts, ev, r, tg.index[w], month)
                w = next_fired(tg, r, month, TRANSFER_ACT)


@step
def transfer(led, mem, mat, ven, ex, tops, ts, ev, r, k, month):
    """Transfer k in replication r (transfers.transfer)."""
    v, to = ts.venture[k], ts.to[k]
    total = ownership(led, mem, mat, ven, ex, ts.owns, r, v, month)
    why = -1
    if ven.end[r, v] >= 0:
        why = VENTURE_ENDED
    elif not mem.join[r, v, to] <= month < mem.leave[r, v, to]:
        why = RECEIVER_NOT_MEMBER
    elif total <= _EPS:
        why = NOBODY_OWNS
    if why >= 0:
        record(ev, r, month, TRANSFER_SKIPPED, to, v, 0.0, why, 0.0, 0.0)
        return
    wanted, given, asked = ts.share[k] * total, ts.given, ts.asked
    for i in range(ts.givers.shape[1]):
        q = ts.givers[k, i]
        if q < 0:
            break
        given[i] = asked[i] = -1.0  # not a member: no part
        if not mem.join[r, v, q] <= month < mem.leave[r, v, q]:
            record(ev, r, month, TRANSFER_SKIPPED, q, v, 0.0, GIVER_NOT_MEMBER, 0.0, 0.0, to)
            continue
        have = ts.owns[q] if ts.rule[k] == REGISTER else max(stake(led, ex, r, v, q, month), 0.0)
        asked[i] = wanted * ts.parts[k, i]
        given[i] = min(asked[i], have)
    hand_over(ex, ts, ev, r, k, month, total)
    touch(mem, r, month)
    if tops.venture.shape[0]:
        after_change(led, mem, mat, ven, ex, tops, ev, r, month)


@step
def hand_over(ex, ts, ev, r, k, month, total):
    """Each giver's part passes to the receiver, for its price (transfers._prices)."""
    v, to, given = ts.venture[k], ts.to[k], ts.given
    x = 0.0  # the price's multiple or amount, drawn once for the transfer
    if ts.price[k] == MULTIPLE or ts.price[k] == AMOUNT:
        s, j = ts.stream[k], 0
        if s >= 0:
            j = ts.used[r, s]
            ts.used[r, s] = j + 1
        x = ts.value[r, k, j]
    parts = 0.0
    for i in range(ts.givers.shape[1]):
        if ts.givers[k, i] < 0:
            break
        parts += max(given[i], 0.0)
    for i in range(ts.givers.shape[1]):
        q = ts.givers[k, i]
        if q < 0:
            break
        if given[i] < 0.0:
            continue
        paid = price(ts.price[k], x, given[i], parts)
        if ts.rule[k] == REGISTER:
            ex.dilution.granted[r, v, q] -= given[i]
            ex.dilution.granted[r, v, to] += given[i]
            grant(ex.dilution, r, v, to, month, q, 0.0, -given[i])
            grant(ex.dilution, r, v, to, month, to, 0.0, given[i])
            if paid != 0.0:
                move(ex, r, q, to, v, month, 0.0, paid)
        else:
            move(ex, r, q, to, v, month, given[i], paid)
        short = 1 if given[i] < ts.asked[i] - _EPS else 0
        a, b = given[i] / total, ts.asked[i] / total
        record(
            ev, r, month, TRANSFER, q, v, given[i], TRANSFERRED, a, b, to, ts.rule[k] + 2 * short
        )


@step
def price(rule, x, g, parts):
    """The cash for part g (transfers._prices): none, g at book value, x times g, or g's
    part of the amount x."""
    if rule == BOOK:
        return g
    if rule == MULTIPLE:
        return x * g
    if rule == AMOUNT:
        return x * g / parts if parts > _EPS else 0.0
    return 0.0
