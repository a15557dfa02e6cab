"""Pledge cuts in the batch engine (docs/model.md §8.6; cuts.cut_pledge): at m + 0.2 of
its month, before the month's raises, a member of a running venture cuts what it still
owes by an amount or down to a committed amount; what remains is scaled alike (the book's
continuations, book.py). Otherwise the cut is skipped, and the events say why."""

from __future__ import annotations

import math

from simulator.engine.batch.book import cut, outstanding_from
from simulator.engine.batch.codes import (
    CUT,
    CUT_BY,
    CUT_NOT_MEMBER,
    CUT_SKIPPED,
    CUT_TO,
    CUT_VENTURE_ENDED,
)
from simulator.engine.batch.jit import kernel
from simulator.engine.batch.kernels import is_member, record, touch
from simulator.engine.batch.topups import after_change

_EPS = 1e-9


@kernel
def cuts(led, mem, mat, ven, ex, tops, cs, ev, month):
    """m + 0.2: the cuts dated this month, in file order (by[r, k]: the amount, or NaN
    for a cut to the committed amount to[r, k])."""
    for k in range(cs.at.shape[0]):
        if cs.at[k] != month:
            continue
        v, p = cs.venture[k], cs.member[k]
        for r in range(mem.join.shape[0]):
            if ven.end[r, v] >= 0:
                record(ev, r, month, CUT_SKIPPED, p, v, 0.0, CUT_VENTURE_ENDED, 0.0, 0.0)
            elif not is_member(mem, r, p, v, month):
                record(ev, r, month, CUT_SKIPPED, p, v, 0.0, CUT_NOT_MEMBER, 0.0, 0.0)
            else:
                outstanding = outstanding_from(led, r, v, p, month)
                by = cs.by[r, k]
                asked = by if not math.isnan(by) else led.committed[r, v, p] - cs.to[r, k]
                amount = cut(led, r, v, p, month, asked)
                detail, shown = (CUT_BY, by) if not math.isnan(by) else (CUT_TO, cs.to[r, k])
                only = 1 if amount < asked - _EPS else 0
                record(ev, r, month, CUT, p, v, amount, detail, shown, outstanding, 0, only)
                touch(mem, r, month)
                if tops.venture.shape[0]:
                    after_change(led, mem, mat, ven, ex, tops, ev, r, month)
