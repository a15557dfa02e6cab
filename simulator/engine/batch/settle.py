"""A chunk's records once its replications have run, in one pass, replication by
replication: pledged, paid-in and cancelled by month from each one's book of pledges, the
matching money (ledger.add_match's equations), membership by month; in full (per member)
or as venture totals."""

from __future__ import annotations

from simulator.engine.batch.book import write_rows
from simulator.engine.batch.jit import inline, kernel


@kernel
def settle(led, pledged, paid, cancelled, member, join, leave, public, mat, privately):
    """Full records: pledged, paid and cancelled (n, V, P, H), cumulative, and
    member[r, v, p, t] (join ≤ t < leave)."""
    n, V, P, H = pledged.shape
    for r in range(n):
        for v in range(V):
            venture_rows(
                led,
                pledged[r, v],
                paid[r, v],
                cancelled[r, v],
                r,
                v,
                public,
                mat,
                join,
                leave,
                privately,
            )
            for p in range(P):
                months, begin, stop = member[r, v, p], join[r, v, p], leave[r, v, p]
                for t in range(H):
                    months[t] = begin <= t < stop


@kernel
def settle_totals(
    led, pledged, paid, cancelled, members, join, leave, public, mat, privately, rows
):
    """Venture totals (what a sweep keeps): pledged, paid and cancelled summed over the
    members, (n, V, 1, H), and members[r, v, 0, t] how many there are; each replication's
    rows are written into `rows` (3, P, H), which stays in the cache, then summed."""
    n, V, _, H = pledged.shape
    P = rows.shape[1]
    for r in range(n):
        for v in range(V):
            venture_rows(led, rows[0], rows[1], rows[2], r, v, public, mat, join, leave, privately)
            a, b, c, count = pledged[r, v, 0], paid[r, v, 0], cancelled[r, v, 0], members[r, v, 0]
            a[:] = 0.0
            b[:] = 0.0
            c[:] = 0.0
            count[:] = 0
            for p in range(P):
                for t in range(H):
                    a[t] += rows[0, p, t]
                    b[t] += rows[1, p, t]
                    c[t] += rows[2, p, t]
                for t in range(max(join[r, v, p], 0), min(leave[r, v, p], H)):
                    count[t] += 1


@inline
def venture_rows(led, pledged, paid, cancelled, r, v, public, mat, join, leave, privately):
    """Venture v's rows in replication r, (P, H): each member's from its pledges
    (book.write_rows), then each matching policy's money added to its funder's (§8.1)."""
    entry, amount, head = led.entry[r], led.amount[r], led.head
    for p in range(pledged.shape[0]):
        write_rows(
            pledged[p],
            paid[p],
            cancelled[p],
            head[r, v, p],
            entry,
            amount,
            led.cum,
            led.ends,
            led.anchored,
        )
    for k in range(mat.venture.shape[0]):
        if mat.venture[k] == v:
            f = mat.funder[k]
            add_match(
                pledged,
                paid,
                cancelled,
                f,
                public,
                mat.ratio[r, k],
                mat.cap[r, k],
                leave[r, v, f],
                join[r, v, f],
                privately,
            )


@inline
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
