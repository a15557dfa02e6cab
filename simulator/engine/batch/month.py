"""The months of a chunk between two dated events (run.py's clock), block of replications by
block, and each month's mechanisms in the per-replication engine's same-month order
(replication.py): departures at m + 0.0, buy-outs at m + 0.03, transfers at m + 0.04,
splits at m + 0.05, walking out and negotiation outcomes at m + 0.1, cuts then raises at
m + 0.2, the deadline's checks at m + 0.5, dissolutions at m + 0.55.

A block runs all its months before the next block starts, so that its state stays in the
core's cache while its months are run (rooms.block_size): with 128 partners, blocks of 44
replications ran 32,600 replications per CPU-second against 23,200 for chunks of 2,000 in
one block (on the reference scenario the size made no difference). Replications are
independent, so the order of the blocks changes nothing (a chunk's events are sorted by
replication, each in the order it happened: events.py). One compiled call per stretch
between dated events, not one per month: each call from Python unboxes the chunk's named
tuples (about 150 arrays, some 4 µs; the clock calls the compiled code directly:
jit.entry_point)."""

from __future__ import annotations

from simulator.engine.batch.buyouts import buy_outs
from simulator.engine.batch.cuts import cuts
from simulator.engine.batch.departures import departures
from simulator.engine.batch.dissolutions import dissolutions
from simulator.engine.batch.jit import inline, kernel
from simulator.engine.batch.kernels import checks, next_month
from simulator.engine.batch.negotiations import negotiations, walk_outs
from simulator.engine.batch.policies import fired_policies, raises
from simulator.engine.batch.splits import splits_due
from simulator.engine.batch.transfers import transfers_due
from simulator.engine.batch.triggers import fire
from simulator.engine.negotiation import JOIN
from simulator.engine.replication import BUYOUT, CHECK
from simulator.engine.rules import DISSOLVE

TALKS, RAISES, CHECKS, CUTS, BUYOUTS, TRANSFERS, SPLITS, DISSOLVES = 1, 2, 4, 8, 16, 32, 64, 128


@kernel
def run_months(state, due, heard, first, last, size, begin, end):
    """Months first … last-1 of replications begin … end-1 (a piece of the chunk: run.py),
    in blocks of `size` replications: in each block, every month in which anything is due
    in one of its replications, with the steps due[month] says may act then (and those
    acting on events, `heard`, in every month). `state`: the arguments of month_steps
    before the month."""
    led, mem, mat, ven, ex, tops, dep, talks, tgt, rs, cs, bo, ts, sp, tg, ev = state
    n = mem.join.shape[0]
    for lo in range(begin, end, size):
        mem.block[0], mem.block[1] = lo, min(end, lo + size)
        for c in range(talks.cursor.shape[0]):
            talks.cursor[c] = lo  # the block's talks, by the month they end
        month = next_month(mem, dep, talks, ven, rs, cs, bo, ts, sp, tg, first - 1)
        while month < last:
            m = int(month)
            steps = due[m] | heard
            month = month_steps(
                led, mem, mat, ven, ex, tops, dep, talks, tgt, rs, cs, bo, ts, sp, tg, ev, m, steps
            )
    mem.block[0], mem.block[1] = 0, n


@inline
def month_steps(
    led, mem, mat, ven, ex, tops, dep, talks, tgt, rs, cs, bo, ts, sp, tg, ev, month, steps
):
    """Month `month`'s steps in the block being run (mem.block); the next month anything is
    due in one of its replications. With
    actions on events, the events each step records are heard after it (triggers.fire)."""
    mem.touched[0] = 0  # nothing has changed in this month yet (kernels.touch)
    heard = tg.kind.shape[0] > 0
    departures(led, mem, mat, ven, ex, tops, dep, ev, month)
    if heard:
        fire(tg, ven, ev, 0.0)
    if steps & BUYOUTS:
        buy_outs(led, mem, mat, ven, ex, tops, dep, bo, tg, ev, month)
        if heard:
            fire(tg, ven, ev, BUYOUT)
    if steps & TRANSFERS:
        transfers_due(led, mem, mat, ven, ex, tops, ts, tg, ev, month)
    if steps & SPLITS:
        splits_due(led, mem, mat, ven, ex, tops, sp, tg, ev, month)
    if steps & TALKS:
        walk_outs(talks, mem, ev, month)
        negotiations(led, mem, mat, ven, ex, tops, dep, talks, tgt, ev, month)
        if heard:
            fire(tg, ven, ev, JOIN)
    if steps & CUTS:  # booked before the raises
        cuts(led, mem, mat, ven, ex, tops, cs, ev, month)
    if steps & RAISES:
        raises(led, mem, mat, ven, ex, tops, rs, ev, month)
    if heard and steps & (CUTS | RAISES):
        fired_policies(led, mem, mat, ven, ex, tops, rs, cs, tg, ev, month)
    if steps & CHECKS:
        checks(led, mem, mat, ven, ex, ev, month)
        if heard:
            fire(tg, ven, ev, CHECK)
    if steps & DISSOLVES:
        dissolutions(led, mem, ven, tg, ev, month)
        if heard:
            fire(tg, ven, ev, DISSOLVE)
    return next_month(mem, dep, talks, ven, rs, cs, bo, ts, sp, tg, month)
