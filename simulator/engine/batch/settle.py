"""A chunk's records once its replications have run, in one pass: each replication's
pledged, paid-in and cancelled by month from its book of pledges, membership by month and
the matching money (ledger.add_match's equations)."""

from __future__ import annotations

from simulator.engine.batch.book import write_rows
from simulator.engine.batch.jit import kernel


@kernel
def settle(led, pledged, paid, cancelled, join, leave, member, public, mat, privately):
    """pledged, paid and cancelled (n, V, P, H) written, cumulative, from the book's
    pledges (book.write_rows); member[r, v, p, t] is join ≤ t < leave; then each matching
    policy's money is added to its funder's rows (model.md §8.1). Replication by
    replication, so that its rows are still in the cache for the matching money."""
    n, V, P, H = pledged.shape
    entry, amount, head = led.entry, led.amount, led.head
    cum, ends, anchored = led.cum, led.ends, led.anchored
    for r in range(n):
        for v in range(V):
            for p in range(P):
                write_rows(
                    pledged[r, v, p],
                    paid[r, v, p],
                    cancelled[r, v, p],
                    head[r, v, p],
                    entry[r],
                    amount[r],
                    cum,
                    ends,
                    anchored,
                )
                months, begin, stop = member[r, v, p], join[r, v, p], leave[r, v, p]
                for t in range(H):
                    months[t] = begin <= t < stop
        for k in range(mat.venture.shape[0]):
            v, f = mat.venture[k], mat.funder[k]
            add_match(
                pledged[r, v],
                paid[r, v],
                cancelled[r, v],
                f,
                public,
                mat.ratio[r, k],
                mat.cap[r, k],
                leave[r, v, f],
                join[r, v, f],
                privately,
            )


@kernel
def add_match(pledged, paid, cancelled, funder, public, ratio, cap, stop, begin, privately):
    """ledger.add_match for one replication and venture (rows: its members' months):
    committed = min(cap, ratio × private committed), paid likewise; 0 before `begin`; from
    `stop` paid frozen and committed falls to it."""
    H = pledged.shape[1]
    before = 0.0  # committed last month
    rises = falls = last_paid = 0.0
    # the private members' sums row by row (contiguous in t: vectorised), then month by month
    privately[:] = 0.0
    for q in range(public.shape[0]):
        if not public[q] and q != funder:
            for t in range(H):
                privately[0, t] += pledged[q, t] - cancelled[q, t]
                privately[1, t] += paid[q, t]
    for t in range(H):
        committed = min(cap, ratio * privately[0, t])
        matched = min(cap, ratio * privately[1, t])
        if t < begin:
            committed = matched = 0.0
        if t >= stop:
            matched = last_paid if stop > 0 else 0.0
            committed = matched
        else:
            last_paid = matched
        step = committed - before
        before = committed
        rises += max(step, 0.0)
        falls += max(-step, 0.0)
        pledged[funder, t] += rises
        cancelled[funder, t] += falls
        paid[funder, t] += matched
