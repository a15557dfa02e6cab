"""Pledge cuts in the batch engine (docs/model.md §8.6; cuts.cut_pledge): at m + 0.2 of
its month, before the month's raises, a member of a running venture cuts what it still
owes by an amount or down to a committed amount; what remains is scaled alike (the book's
continuations, book.py). Otherwise the cut is skipped, and the events say why."""

from __future__ import annotations

from simulator.engine.batch.book import cut, outstanding_from
from simulator.engine.batch.codes import (
    CUT,
    CUT_BY,
    CUT_NOT_MEMBER,
    CUT_SKIPPED,
    CUT_TO,
    VENTURE_ENDED,
)
from simulator.engine.batch.jit import step
from simulator.engine.batch.kernels import is_member, record, touch
from simulator.engine.batch.topups import after_change

_EPS = 1e-9


@step
def drawn(cs, r, k):
    """Cut k's amount in replication r: a certain one, or its stream's next draw."""
    s = cs.stream[k]
    if s < 0:
        return cs.amount[r, k, 0]
    j = cs.used[r, s]
    cs.used[r, s] = j + 1
    return cs.amount[r, k, j]


@step
def cuts(led, mem, mat, ven, ex, tops, cs, ev, month):
    """m + 0.2: the cuts dated this month, in file order."""
    for k in range(cs.at.shape[0]):
        if cs.at[k] == month:
            for r in range(mem.block[0], mem.block[1]):
                cut_pledge(led, mem, mat, ven, ex, tops, cs, ev, r, k, month)


@step
def cut_pledge(led, mem, mat, ven, ex, tops, cs, ev, r, k, month):
    """Cut k in replication r, or why it cannot be (cuts.cut_pledge)."""
    v, p = cs.venture[k], cs.member[k]
    if ven.end[r, v] >= 0:
        record(ev, r, month, CUT_SKIPPED, p, v, 0.0, VENTURE_ENDED, 0.0, 0.0)
    elif not is_member(mem, r, p, v, month):
        record(ev, r, month, CUT_SKIPPED, p, v, 0.0, CUT_NOT_MEMBER, 0.0, 0.0)
    else:
        outstanding = outstanding_from(led, r, v, p, month)
        value = drawn(cs, r, k)
        asked = led.committed[r, v, p] - value if cs.is_to[k] else value
        amount = cut(led, r, v, p, month, asked)
        detail = CUT_TO if cs.is_to[k] else CUT_BY
        only = 1 if amount < asked - _EPS else 0
        record(ev, r, month, CUT, p, v, amount, detail, value, outstanding, 0, only)
        touch(mem, r, month)
        if tops.venture.shape[0]:
            after_change(led, mem, mat, ven, ex, tops, ev, r, month)
