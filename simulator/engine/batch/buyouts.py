"""Dated buy-outs in the batch engine (docs/model.md §9.3; exits.buyout): at m + 0.03 of
its month, after the month's departures, the buyer takes every other active member's stake
in the venture. Each seller leaves it (its unpaid pledge cancelled) and sells its stake to
the buyer at the buy-out's price: its paid-in value, a multiple drawn from the seller's own
exit stream, or its part, pro rata to the stakes, of an amount drawn once for the deal.
Then the venture goes on with one owner, or ends absorbed by the buyer (its outstanding
pledge cancelled) or into another venture (its outstanding pledge moved there, the buyer
joining it; cancelled if that venture has ended or the buyer has left it). Clocks waiting
on a seller as their rival draw anew from next month."""

from __future__ import annotations

from collections import namedtuple

import numpy as np

from simulator.engine.batch.book import cancel_from, move_from
from simulator.engine.batch.codes import (
    ABSORBED,
    BUYER_NOT_MEMBER,
    BUYOUT,
    BUYOUT_SKIPPED,
    BY_BUYOUT,
    BY_THE_BUYER,
    HOW_AMOUNT,
    HOW_DEAL,
    HOW_MULTIPLE,
    INTO_ENDED,
    INTO_MOVED,
    STAKES_BOUGHT,
    VENTURE_ENDED,
)
from simulator.engine.batch.departures import changed, drop_member
from simulator.engine.batch.draws import ChunkDraws
from simulator.engine.batch.exits import next_draw, sell, stake
from simulator.engine.batch.jit import step
from simulator.engine.batch.kernels import is_member, record, touch
from simulator.engine.batch.topups import after_change
from simulator.engine.batch.triggers import BUYOUT_ACT, fire, next_fired
from simulator.engine.model import Model
from simulator.engine.outcome import ENDINGS
from simulator.engine.replication import BUYOUT as BUYOUT_TIME
from simulator.scenario.distributions import Distribution

_EPS = 1e-9
_ABSORBED = ENDINGS.index("absorbed")
_RULES = {"paid_in": 0, "multiple": HOW_MULTIPLE, "amount": HOW_AMOUNT}

# multiple[r, b, p, k]: buy-out b's multiple if it is seller p's k-th draw from its exit
# stream (random[b]: drawn, not certain); price[r, b]: the deal's amount; into[b]: the
# venture absorbing it (-1: the buyer); sellers, deal, left, kid, whole: scratch (jit.py)
BuyoutArrays = namedtuple(
    "BuyoutArrays",
    "venture at buyer rule absorbed into multiple random price sellers deal left kid whole",
)


def buyouts(model: Model, draws: ChunkDraws) -> BuyoutArrays:
    """The buy-outs (`at` -1: on an event, triggers.py), their prices drawn up front from
    the streams exits.buyout draws them from."""
    (V, P), n = model.involved.shape, draws.n
    specs = model.plan.buyouts
    multiple, price = np.ones((n, len(specs), P, V)), np.zeros((n, len(specs)))
    for b, (v, spec) in enumerate(specs):
        price[:, b] = draws.number(spec.exit.amount, f"buyout/{model.venture_ids[v]}/amount")
        if spec.exit.rule != "multiple":
            continue
        for p, name in enumerate(model.members):
            for k in range(V):
                multiple[:, b, p, k] = draws.number(spec.exit.multiple, f"exit/{name}/multiple", k)
    return BuyoutArrays(
        np.array([v for v, _ in specs], dtype=np.int64),
        np.array([-1 if s.at is None else s.at for _, s in specs], dtype=np.int64),
        np.array([s.exit.buyer for _, s in specs], dtype=np.int64),
        np.array([_RULES[s.exit.rule] for _, s in specs], dtype=np.int64),
        np.array([s.absorbed for _, s in specs], dtype=bool),
        np.array([-1 if s.into is None else s.into for _, s in specs], dtype=np.int64),
        multiple,
        np.array([isinstance(s.exit.multiple, Distribution) for _, s in specs], dtype=bool),
        price,
        np.zeros(P, dtype=np.int64),
        np.zeros(P),
        np.zeros(P, dtype=np.int64),
        np.zeros(1, dtype=np.int64),
        np.ones(1),
    )


@step
def buy_outs(led, mem, mat, ven, ex, tops, dep, bo, tg, ev, month):
    """m + 0.03: the buy-outs dated this month, in the order of their ventures, then those
    set off by events; then the clocks waiting on a seller as their rival draw anew, once
    each, in SimPy's order: by the first signal of their rival (a member selling twice
    signals once: its waiters have not resumed yet), then in the order they started
    waiting."""
    left = bo.left
    for r in range(mem.block[0], mem.block[1]):
        count = np.int64(0)  # not the literal 0: one compiled buy_out, not two
        for b in range(bo.at.shape[0]):
            if bo.at[b] == month:
                count = attempt(led, mem, mat, ven, ex, tops, bo, tg, ev, r, b, month, count)
        w = next_fired(tg, r, month, BUYOUT_ACT) if tg.kind.shape[0] else -1
        while w >= 0:
            b = tg.index[w]
            count = attempt(led, mem, mat, ven, ex, tops, bo, tg, ev, r, b, month, count)
            w = next_fired(tg, r, month, BUYOUT_ACT)
        if dep.rival_list.shape[0]:
            for i in range(count):
                changed(dep, mem, r, left[i], month)


@step
def attempt(led, mem, mat, ven, ex, tops, bo, tg, ev, r, b, month, count):
    """Buy-out b in replication r, unless its venture has ended or its buyer is not a
    member (exits.buyout); the sellers so far (buy_out)."""
    v, buyer = bo.venture[b], bo.buyer[b]
    if ven.end[r, v] >= 0:
        record(ev, r, month, BUYOUT_SKIPPED, buyer, v, 0.0, VENTURE_ENDED, 0.0, 0.0)
    elif not is_member(mem, r, buyer, v, month):
        record(ev, r, month, BUYOUT_SKIPPED, buyer, v, 0.0, BUYER_NOT_MEMBER, 0.0, 0.0)
    else:
        count = buy_out(led, mem, mat, ven, ex, tops, bo, tg, ev, r, b, month, count)
    return count


@step
def buy_out(led, mem, mat, ven, ex, tops, bo, tg, ev, r, b, month, count):
    """Buy-out b in replication r (exits.buyout): every seller leaves and sells, in member
    order; then the venture goes on or is absorbed. The sellers not yet in bo.left[:count]
    are added to it; the new count."""
    v, buyer, sellers = bo.venture[b], bo.buyer[b], bo.sellers
    n = 0
    for q in range(mem.join.shape[2]):
        if q != buyer and mem.join[r, v, q] <= month < mem.leave[r, v, q]:
            sellers[n] = q
            n += 1
    before = ex.adjust[r, v, buyer]
    if bo.rule[b] == HOW_AMOUNT:
        deal(led, ex, bo, r, b, v, month, n)
    for i in range(n):
        q = sellers[i]
        drop_member(led, mem, mat, ev, r, q, v, month, BY_BUYOUT)
        sell_stake(led, ex, bo, ev, r, b, q, month)
        if tops.venture.shape[0]:
            after_change(led, mem, mat, ven, ex, tops, ev, r, month)
        count = signal(bo.left, count, q)
    bought = ex.adjust[r, v, buyer] - before
    record(ev, r, month, BUYOUT, buyer, v, bought, STAKES_BOUGHT, n, 0.0)
    if bo.absorbed[b]:
        if tg.kind.shape[0]:  # the sellers' departures are heard before v ends
            fire(tg, ven, ev, BUYOUT_TIME)
        absorb(led, mem, mat, ven, ex, tops, bo, ev, r, b, month)
    return count


@step
def absorb(led, mem, mat, ven, ex, tops, bo, ev, r, b, month):
    """The venture ends, absorbed (exits._absorb): the buyer's outstanding pledge is
    cancelled, or moved to venture `into`, which the buyer joins."""
    v, buyer, into = bo.venture[b], bo.buyer[b], bo.into[b]
    ven.end[r, v] = month
    ven.ending[r, v] = _ABSORBED
    touch(mem, r, month)
    if into < 0:
        amount, why = cancel_from(led, r, v, buyer, month, month), BY_THE_BUYER
    elif ven.end[r, into] >= 0 or mem.leave[r, into, buyer] <= month:
        amount, why = cancel_from(led, r, v, buyer, month, month), INTO_ENDED
    else:
        bo.kid[0] = into
        amount, why = move_from(led, r, v, buyer, month, bo.kid, bo.whole, 1), INTO_MOVED
        mem.join[r, into, buyer] = min(mem.join[r, into, buyer], month)  # admit
    record(ev, r, month, ABSORBED, buyer, v, amount, why, 0.0, 0.0, into)
    if tops.venture.shape[0]:
        after_change(led, mem, mat, ven, ex, tops, ev, r, month)


@step
def signal(left, count, q):
    """q added to left[:count] unless there already; the new count."""
    for i in range(count):
        if left[i] == q:
            return count
    left[count] = q
    return count + 1


@step
def deal(led, ex, bo, r, b, v, month, count):
    """Each seller's part of the deal's amount, pro rata to its stake (exits._split_price;
    a seller holding nothing sells nothing, so its part is never read)."""
    parts, total = bo.deal, 0.0
    for i in range(count):
        q = bo.sellers[i]
        parts[q] = max(stake(led, ex, r, v, q, month), 0.0)
        total += parts[q]
    for i in range(count):
        q = bo.sellers[i]
        parts[q] = bo.price[r, b] * (parts[q] / total) if total > _EPS else 0.0


@step
def sell_stake(led, ex, bo, ev, r, b, q, month):
    """Seller q's stake in the venture passes to the buyer at the buy-out's price."""
    v = bo.venture[b]
    held = stake(led, ex, r, v, q, month)
    if held <= _EPS:
        return
    how, k, price = bo.rule[b], 0.0, held
    if how == HOW_MULTIPLE:
        k = bo.multiple[r, b, q, next_draw(ex, r, q, 0, bo.random[b])]
        price = k * held
    elif how == HOW_AMOUNT:
        how, price = HOW_DEAL, bo.deal[q]
    sell(ex, ev, r, q, bo.buyer[b], v, month, held, price, k, how)
