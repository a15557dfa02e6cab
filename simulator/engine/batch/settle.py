"""A chunk's records once its replications have run, in one pass, replication by
replication: pledged, paid-in and cancelled by month from each one's book of pledges, the
matching money (ledger.add_match's equations), membership by month; in full (per member)
or as venture totals."""

from __future__ import annotations

from simulator.engine.batch.book import add_rows, write_rows
from simulator.engine.batch.jit import inline, kernel, u64


@kernel
def settle(led, pledged, paid, cancelled, member, join, leave, public, mat, privately):
    """Full records: pledged, paid and cancelled (n, V, P, H), cumulative, and
    member[r, v, p, t] (join ≤ t < leave)."""
    n, V, P, H = pledged.shape
    for r in range(n):
        for v in range(V):
            venture_rows(led, pledged[r, v], paid[r, v], cancelled[r, v], r, v)
            for p in range(P):
                months, begin, stop = member[r, v, p], join[r, v, p], leave[r, v, p]
                for t in range(H):
                    months[u64(t)] = begin <= t < stop
            for k in range(mat.venture.shape[0]):
                if mat.venture[k] == v:  # the funder's rows get its money
                    f = mat.funder[k]
                    private_sums(pledged[r, v], paid[r, v], cancelled[r, v], f, public, privately)
                    match_money(
                        privately,
                        mat.ratio[r, k],
                        mat.cap[r, k],
                        leave[r, v, f],
                        join[r, v, f],
                        pledged[r, v, f],
                        paid[r, v, f],
                        cancelled[r, v, f],
                    )


@kernel
def settle_totals(led, pledged, paid, cancelled, count, join, leave, public, mat, privately, rows):
    """Venture totals (what a sweep keeps): pledged, paid and cancelled summed over the
    members, (n, V, 1, H), and count[r, v, 0, t] how many members there are. The members'
    pledges add up straight into the totals, the private members' first into `rows`
    (3, H) where a policy matches them: the matching money is computed from their sums. Only
    for matching funders that are public (`public_funders`): a private funder's matching
    money would count in another policy's private sums, as full records count it; so every
    policy of a venture matches the same sums."""
    n, V, _, H = pledged.shape
    P = public.shape[0]
    entry, amount, head, cum, ends, anchored = (
        led.entry,
        led.amount,
        led.head,
        led.cum,
        led.ends,
        led.anchored,
    )
    for r in range(n):
        for v in range(V):
            a, b, c, members = pledged[r, v, 0], paid[r, v, 0], cancelled[r, v, 0], count[r, v, 0]
            a[:] = 0.0
            b[:] = 0.0
            c[:] = 0.0
            members[:] = 0
            matched = False
            for k in range(mat.venture.shape[0]):
                matched = matched or mat.venture[k] == v
            rows[:] = 0.0
            for p in range(P):
                i = head[r, v, p]
                if matched and not public[p]:
                    add_rows(rows[0], rows[1], rows[2], i, entry[r], amount[r], cum, ends, anchored)
                else:
                    add_rows(a, b, c, i, entry[r], amount[r], cum, ends, anchored)
                for t in range(max(join[r, v, p], 0), min(leave[r, v, p], H)):
                    members[u64(t)] += 1
            if not matched:
                continue
            for t in range(H):
                a[u64(t)] += rows[0, u64(t)]
                b[u64(t)] += rows[1, u64(t)]
                c[u64(t)] += rows[2, u64(t)]
                privately[0, u64(t)] = rows[0, u64(t)] - rows[2, u64(t)]
                privately[1, u64(t)] = rows[1, u64(t)]
            for k in range(mat.venture.shape[0]):
                if mat.venture[k] == v:
                    f = mat.funder[k]
                    stop, begin = leave[r, v, f], join[r, v, f]
                    match_money(privately, mat.ratio[r, k], mat.cap[r, k], stop, begin, a, b, c)


def public_funders(mat, public) -> bool:
    """settle_totals applies: every matching policy's funder is public."""
    return bool(public[mat.funder].all()) if len(mat.funder) else True


@inline
def venture_rows(led, pledged, paid, cancelled, r, v):
    """Venture v's rows in replication r, (P, H), each member's from its pledges."""
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


@inline
def private_sums(pledged, paid, cancelled, funder, public, privately):
    """What the private members other than `funder` have committed (privately[0]) and paid
    (privately[1]), month by month, from their rows (P, H)."""
    privately[:] = 0.0
    for q in range(public.shape[0]):
        if not public[q] and q != funder:
            for t in range(pledged.shape[1]):
                privately[0, u64(t)] += pledged[q, u64(t)] - cancelled[q, u64(t)]
                privately[1, u64(t)] += paid[q, u64(t)]


@inline
def match_money(privately, ratio, cap, stop, begin, pledged, paid, cancelled):
    """ledger.add_match: committed = min(cap, ratio × private committed), paid likewise; 0
    before `begin`; from `stop` paid frozen and committed falls to it; added to the rows
    given (H,), the funder's or the venture's totals."""
    before = 0.0  # committed last month
    rises = falls = last_paid = 0.0
    for t in range(pledged.shape[0]):
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
        pledged[t] += rises
        cancelled[t] += falls
        paid[t] += matched
