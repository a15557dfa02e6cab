"""The batch engine's ledger as a book of pledges (ledger.py's equations, model.md §4).

The per-replication ledger keeps every payment month by month (pledged, due, cancelled:
3 × ventures × members × months numbers, 17 KB a replication of bench.yaml). A chunk of
thousands of such ledgers does not fit in the cache, so every departure read its rows from
main memory, and the chunk was copied once at the start and read again at the end. The
book keeps instead, per replication, the pledges themselves: when each was made, how much,
on which schedule, and from which month its payments were cancelled (the `entry` columns
below). Each member's pledges to a venture are a linked list (`head`, then NEXT), so that
what it has paid or still owes is a sum over its few pledges, read from the schedule's
cumulative weights. The months are written out once, when the chunk settles (settle.py).

A pledge cut (model.md §8.6) scales what a member still owes by `keep` from its month c:
each of its pledges is cancelled from c, and a continuation of it entered (FROM = c):
keep × its amount, on its schedule from its month, paying only from c on, pledging nothing
and taking back, in month c, the cancellation of what it still pays.

A pledge moved to other ventures in month c (a split, ledger.move_from) is cancelled from c
in its venture, and entered in each child with its fraction of the amount, on the same
schedule from the same month, paying only from c on and pledged in c (FROM = -2 - c, so
that one column tells the three kinds apart: `first_month` reads it).
"""

from __future__ import annotations

from collections import namedtuple

import numpy as np

from simulator.engine.batch.jit import inline, kernel, step, u64
from simulator.engine.model import Model, Schedule

# entry[r, i]: pledge i of replication r; its amount is amount[r, i]. CUT: cancelled from;
# AT: recorded in; FROM: a continuation's first month, -2 - a moved pledge's (-1: a pledge)
MONTH, SCHEDULE, CUT, AT, NEXT, FROM = range(6)
NEVER = 1 << 30  # a pledge not cancelled (entries are 32-bit)
_EPS = 1e-9

LedgerArrays = namedtuple(
    "LedgerArrays", "count entry amount head committed total cum ends anchored"
)


class Schedules:
    """Every payment schedule a chunk may pledge on, numbered in the order first added
    (identical ones share a number: 128 partners on one schedule make one row); `tables`
    gives their cumulative weights: cum[s, j], what is paid at offsets before j (0 ≤ j ≤
    H), and ends[s], the whole (payments past the horizon included)."""

    def __init__(self):
        self.items: list[Schedule] = []
        self.numbers: dict = {}

    def add(self, schedule: Schedule) -> int:
        key = (schedule.offsets.tobytes(), schedule.fixed.tobytes(), schedule.anchored)
        if key not in self.numbers:
            self.numbers[key] = len(self.items)
            self.items.append(schedule)
        return self.numbers[key]

    def tables(self, horizon: int) -> tuple:
        S = len(self.items)
        cum, ends = np.zeros((S, horizon + 1)), np.zeros(S)
        for s, item in enumerate(self.items):
            order = np.argsort(item.offsets, kind="stable")
            offsets, prefix = item.offsets[order], np.cumsum(item.fixed[order])
            before = np.searchsorted(offsets, np.arange(horizon + 1), side="left")
            cum[s] = np.where(before > 0, prefix[np.maximum(before - 1, 0)], 0.0)
            ends[s] = prefix[-1]
        anchored = np.array([item.anchored for item in self.items], dtype=bool)
        return cum, ends, anchored


def ledger(model: Model, n: int, room: int, schedules: Schedules) -> LedgerArrays:
    """An empty book per replication with `room` pledges, the founders' fixed pledges
    (model.plan.base's) entered in every replication alike: written once, then copied."""
    V, P = model.involved.shape
    rows, amounts = [], []
    head, committed, total = np.full((V, P), -1, dtype=np.int64), np.zeros((V, P)), np.zeros(V)
    for spec in model.plan.fixed_pledges:
        if spec.amount <= 0:
            continue  # as Ledger.pledge: no pledge
        v, p = spec.venture, spec.member
        rows.append((spec.month, schedules.add(spec.schedule), NEVER, NEVER, head[v, p], -1))
        amounts.append(spec.amount)
        head[v, p] = len(rows) - 1
        committed[v, p] += spec.amount
        total[v] += spec.amount
    entry = np.empty((n, room, 6), dtype=np.int32)
    amount = np.empty((n, room))
    if rows:
        entry[:, : len(rows)] = np.array(rows, dtype=np.int32)
        amount[:, : len(rows)] = amounts
    no_tables = (np.zeros((0, 1)), np.zeros(0), np.zeros(0, dtype=bool))  # with_tables
    return LedgerArrays(
        np.full(n, len(rows), dtype=np.int64),
        entry,
        amount,
        np.repeat(head[None], n, axis=0),
        np.repeat(committed[None], n, axis=0),
        np.repeat(total[None], n, axis=0),
        *no_tables,
    )


def with_tables(led: LedgerArrays, schedules: Schedules, horizon: int) -> LedgerArrays:
    """The book with the cumulative weights of every schedule added (once all are)."""
    cum, ends, anchored = schedules.tables(horizon)
    return led._replace(cum=cum, ends=ends, anchored=anchored)


@inline
def first_month(start):
    """The first month an entry pays in (its FROM column): -1 for a pledge, paying from
    its schedule's start."""
    return start if start >= -1 else -2 - start


@inline
def weight_before(cum, ends, s, j):
    """The part of schedule s paid at offsets before j (cum and ends: the book's tables)."""
    if j <= 0:
        return 0.0
    if j >= cum.shape[1]:
        return ends[s]
    return cum[s, j]


@inline
def pledge(led, r, v, p, month, amount, s):
    """p pledges `amount` to v in `month`, paid on schedule s (from `month` unless the
    schedule is anchored to the scenario's months)."""
    if amount <= 0.0:
        return
    enter(led, r, v, p, month, amount, s, -1)
    led.committed[r, v, p] += amount
    led.total[r, v] += amount


@inline
def enter(led, r, v, p, month, amount, s, start):
    """A new entry at the head of p's list in v: a pledge (start -1) or a continuation."""
    count, entry, head = led.count, led.entry, led.head
    i = count[r]
    count[r] = i + 1
    entry[r, i, MONTH], entry[r, i, SCHEDULE] = month, s
    entry[r, i, CUT], entry[r, i, AT], entry[r, i, NEXT] = NEVER, NEVER, head[r, v, p]
    entry[r, i, FROM] = start
    head[r, v, p] = i
    led.amount[r, i] = amount


@kernel
def pledge_all(led, v, p, month, amounts, s):
    """pledge in every replication of the chunk (a founder's drawn amount)."""
    for r in range(amounts.shape[0]):
        pledge(led, r, v, p, month, amounts[r], s)


@inline
def paid_before(led, r, v, p, month):
    """What p has paid v in the months before `month`."""
    out = 0.0
    entry, amount, anchored, cum, ends = led.entry, led.amount, led.anchored, led.cum, led.ends
    i = led.head[r, v, p]
    while i >= 0:
        m, s, start = entry[r, i, MONTH], entry[r, i, SCHEDULE], first_month(entry[r, i, FROM])
        base = 0 if anchored[s] else m
        upto = min(month, entry[r, i, CUT])
        if start < 0:
            out += amount[r, i] * weight_before(cum, ends, s, upto - base)
        elif upto > start:
            w0 = weight_before(cum, ends, s, start - base)
            out += amount[r, i] * (weight_before(cum, ends, s, upto - base) - w0)
        i = entry[r, i, NEXT]
    return out


@inline
def cancel_from(led, r, v, p, month, at):
    """Cancel p's payments to v due at `month` or later, recorded in `at` (nothing past the
    horizon, nor an amount below 1e-9, as ledger.cancel_from); the amount."""
    if at >= led.cum.shape[1] - 1:
        return 0.0
    out = outstanding_from(led, r, v, p, month)
    if out <= _EPS:
        return 0.0
    entry = led.entry
    i = led.head[r, v, p]
    while i >= 0:
        if entry[r, i, CUT] > month:
            entry[r, i, CUT], entry[r, i, AT] = month, at
        i = entry[r, i, NEXT]
    led.committed[r, v, p] -= out
    led.total[r, v] -= out
    return out


@inline
def outstanding_from(led, r, v, p, month):
    """What p still has to pay v from `month` on (ledger.outstanding_from)."""
    entry, amount, anchored, cum, ends = led.entry, led.amount, led.anchored, led.cum, led.ends
    out = 0.0
    i = led.head[r, v, p]
    while i >= 0:
        cut, s = entry[r, i, CUT], entry[r, i, SCHEDULE]
        lo = max(month, first_month(entry[r, i, FROM]))
        if cut > lo:
            base = 0 if anchored[s] else entry[r, i, MONTH]
            left = weight_before(cum, ends, s, cut - base) - weight_before(cum, ends, s, lo - base)
            out += amount[r, i] * left
        i = entry[r, i, NEXT]
    return out


@step
def cut(led, r, v, p, month, asked):
    """ledger.cut: p's outstanding pledge to v cut by `asked` (at most what is outstanding
    from `month`), what remains scaled alike by continuations (the module's docstring),
    recorded as cancelled in `month`; the amount cut."""
    outstanding = outstanding_from(led, r, v, p, month)
    amount = min(max(asked, 0.0), outstanding)
    if amount <= _EPS or month >= led.cum.shape[1] - 1:
        return 0.0
    keep = 1.0 - amount / outstanding
    entry, i = led.entry, led.head[r, v, p]
    while i >= 0:  # the pledges still paying from `month`, before any continuation is added
        nxt = entry[r, i, NEXT]
        if entry[r, i, CUT] > max(month, first_month(entry[r, i, FROM])):
            entry[r, i, CUT], entry[r, i, AT] = month, month
            kept = keep * led.amount[r, i]
            if kept > 0.0:
                enter(led, r, v, p, entry[r, i, MONTH], kept, entry[r, i, SCHEDULE], month)
        i = nxt
    led.committed[r, v, p] -= amount
    led.total[r, v] -= amount
    return amount


@step
def move_from(led, r, v, p, month, kids, fractions, n):
    """ledger.move_from: p's payments to v from `month` on cancelled, and pledged in
    `month` to the ventures kids[:n], fractions[:n] of each (moved pledges, the module's
    docstring); the amount cancelled in v. (A pledge cancelled from a later month, which
    only a collapse or a withdrawal before an opening makes, never reaches a split.)"""
    outstanding = outstanding_from(led, r, v, p, month)
    if outstanding <= _EPS or month >= led.cum.shape[1] - 1:
        return 0.0
    entry, i = led.entry, led.head[r, v, p]
    while i >= 0:
        if entry[r, i, CUT] > max(month, first_month(entry[r, i, FROM])):
            for k in range(n):
                x = fractions[k] * led.amount[r, i]
                if x > 0.0:
                    m, s = entry[r, i, MONTH], entry[r, i, SCHEDULE]
                    enter(led, r, kids[k], p, m, x, s, -2 - month)
        i = entry[r, i, NEXT]
    amount = cancel_from(led, r, v, p, month, month)
    for k in range(n):
        led.committed[r, kids[k], p] += fractions[k] * amount
        led.total[r, kids[k]] += fractions[k] * amount
    return amount


@inline
def write_rows(pledged, paid, cancelled, i, entry, amount, cum, ends, anchored):
    """A member's pledged, paid-in and cancelled in a venture, cumulative by month, written
    from its pledges (i: the first of them; entry and amount: its replication's book)."""
    pledged[:] = 0.0
    paid[:] = 0.0
    cancelled[:] = 0.0
    add_rows(pledged, paid, cancelled, i, entry, amount, cum, ends, anchored)


@inline
def add_rows(pledged, paid, cancelled, i, entry, amount, cum, ends, anchored):
    """write_rows, added to the rows given. Rows of contiguous months, so that the loops
    compile to vector instructions."""
    H = pledged.shape[0]
    while i >= 0:
        m, s, cut, at = entry[i, MONTH], entry[i, SCHEDULE], entry[i, CUT], entry[i, AT]
        x, base, weights = amount[i], 0 if anchored[s] else m, cum[s]
        if entry[i, FROM] != -1:
            add_continuation(pledged, paid, cancelled, entry[i], x, cum, ends, anchored)
            i = entry[i, NEXT]
            continue
        for t in range(m, H):
            pledged[u64(t)] += x
        # paid by the end of month t: the weights at offsets before min(t + 1, cut) − base
        last = min(cut, H) - 1  # the last month with payments
        for t in range(base, last + 1):
            paid[u64(t)] += x * weights[u64(t + 1 - base)]
        if last + 1 > base:
            done = x * weights[last + 1 - base]
            for t in range(last + 1, H):
                paid[u64(t)] += done
        if at < H:
            gone = x * (ends[s] - weight_before(cum, ends, s, cut - base))
            for t in range(at, H):
                cancelled[u64(t)] += gone
        i = entry[i, NEXT]


@inline
def add_continuation(pledged, paid, cancelled, row, x, cum, ends, anchored):
    """add_rows for a continuation or a moved pledge `row` of amount x: paid from its first
    month on; a continuation's part of the cancellation then taken back, a moved pledge's
    remainder pledged; cancelled in its turn if cut again."""
    H = paid.shape[0]
    start = first_month(row[FROM])
    s, cut, at = row[SCHEDULE], max(row[CUT], start), row[AT]
    base = 0 if anchored[s] else row[MONTH]
    w0 = weight_before(cum, ends, s, start - base)
    for t in range(start, min(cut, H)):
        paid[u64(t)] += x * (weight_before(cum, ends, s, t + 1 - base) - w0)
    done = x * (weight_before(cum, ends, s, cut - base) - w0)
    for t in range(cut, H):  # cut ≥ start
        paid[u64(t)] += done
    back = x * (ends[s] - w0)
    if row[FROM] >= 0:
        for t in range(start, H):
            cancelled[u64(t)] -= back
    else:
        for t in range(start, H):
            pledged[u64(t)] += back
    if at < H:
        gone = x * (ends[s] - weight_before(cum, ends, s, cut - base))
        for t in range(at, H):
            cancelled[u64(t)] += gone
