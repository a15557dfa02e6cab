"""A chunk's records once its replications have run, in one pass, replication by
replication: pledged, paid-in and cancelled by month from each one's book of pledges, the
matching money (ledger.add_match's equations), membership by month; in full (per member)
or as venture totals."""

from __future__ import annotations

from simulator.engine.batch.book import (
    AT,
    CUT,
    FROM,
    MONTH,
    NEXT,
    SCHEDULE,
    first_month,
    weight_before,
    write_rows,
)
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
def settle_totals(led, pledged, paid, cancelled, count, join, leave, public, mat, scratch):
    """Venture totals (what a sweep keeps): pledged, paid and cancelled summed over the
    members, (n, V, 1, H), and count[r, v, 0, t] how many members there are. The members'
    pledges are added as the changes they make from month to month (add_steps), the private
    members' apart where a policy matches them: the matching money is computed from their
    sums. Only for matching funders that are public (`public_funders`): a private funder's
    matching money would count in another policy's private sums, as full records count it;
    so every policy of a venture matches the same sums. `scratch`: (privately (2, H), rows
    (3, H), work (2, 5, H + 1) and coef (2, S)), zeros."""
    privately, rows, work, coef = scratch
    n, V, _, H = pledged.shape
    P = public.shape[0]
    entry, amount, head, cum = led.entry, led.amount, led.head, led.cum
    for r in range(n):
        for v in range(V):
            a, b, c = pledged[r, v, 0], paid[r, v, 0], cancelled[r, v, 0]
            matched = False
            for k in range(mat.venture.shape[0]):
                matched = matched or mat.venture[k] == v
            for p in range(P):
                g = 1 if matched and not public[p] else 0
                add_steps(work[g], coef[g], head[r, v, p], entry[r], amount[r], led)
                begin, stop = max(join[r, v, p], 0), min(leave[r, v, p], H)
                if begin < stop:
                    work[0, MEMBERS, u64(begin)] += 1.0
                    work[0, MEMBERS, u64(stop)] -= 1.0
            totals_of(work[0], coef[0], cum, a, b, c)
            counts(work[0, MEMBERS], count[r, v, 0])
            if not matched:
                continue
            totals_of(work[1], coef[1], cum, rows[0], rows[1], rows[2])
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


PLEDGED, PAID, CANCELLED, RAMP, MEMBERS = range(5)  # the rows of settle_totals' work


@inline
def add_steps(work, coef, i, entry, amount, led):
    """add_rows for totals: a member's pledges (i: the first) added to `work` (5, H + 1) as
    the changes they make to pledged, paid and cancelled from one month to the next (a step
    at month H is never read), the part of paid-in still following a schedule month by month
    in work[RAMP], or, for a pledge paying from offset 0 to the horizon, its amount added to
    coef[s] (totals_of multiplies schedule s's weights by it once for all such pledges)."""
    H = work.shape[1] - 1
    cum, ends, anchored = led.cum, led.ends, led.anchored
    while i >= 0:
        m, s, cut, at = entry[i, MONTH], entry[i, SCHEDULE], entry[i, CUT], entry[i, AT]
        x, base = amount[i], 0 if anchored[s] else m
        if entry[i, FROM] != -1:
            continuation_steps(work, entry[i], x, cum, ends, base)
            i = entry[i, NEXT]
            continue
        work[PLEDGED, u64(min(m, H))] += x
        last = min(cut, H) - 1  # the last month with payments
        if base == 0 and last == H - 1:
            coef[s] += x
        elif last + 1 > base:
            for t in range(base, last + 1):
                work[RAMP, u64(t)] += x * cum[s, u64(t + 1 - base)]
            work[PAID, u64(last + 1)] += x * cum[s, u64(last + 1 - base)]
        if at < H:
            work[CANCELLED, u64(at)] += x * (ends[s] - weight_before(cum, ends, s, cut - base))
        i = entry[i, NEXT]


@inline
def continuation_steps(work, row, x, cum, ends, base):
    """add_continuation for add_steps."""
    H = work.shape[1] - 1
    start = first_month(row[FROM])
    s, cut, at = row[SCHEDULE], max(row[CUT], start), row[AT]
    w0 = weight_before(cum, ends, s, start - base)
    for t in range(start, min(cut, H)):
        work[RAMP, u64(t)] += x * (weight_before(cum, ends, s, t + 1 - base) - w0)
    if cut < H:
        work[PAID, u64(cut)] += x * (weight_before(cum, ends, s, cut - base) - w0)
    back = x * (ends[s] - w0)
    if start < H:
        if row[FROM] >= 0:
            work[CANCELLED, u64(start)] -= back
        else:
            work[PLEDGED, u64(start)] += back
    if at < H:
        work[CANCELLED, u64(at)] += x * (ends[s] - weight_before(cum, ends, s, cut - base))


@inline
def totals_of(work, coef, cum, pledged, paid, cancelled):
    """The rows (H,) add_steps' `work` and `coef` stand for, cumulative; work's first four
    rows and coef left at zero."""
    H = pledged.shape[0]
    for s in range(coef.shape[0]):
        if coef[s] != 0.0:
            x = coef[s]
            for t in range(H):
                work[RAMP, u64(t)] += x * cum[s, u64(t + 1)]
            coef[s] = 0.0
    a = b = c = 0.0
    for t in range(H):
        a += work[PLEDGED, u64(t)]
        b += work[PAID, u64(t)]
        c += work[CANCELLED, u64(t)]
        pledged[u64(t)], paid[u64(t)], cancelled[u64(t)] = a, b + work[RAMP, u64(t)], c
    work[:MEMBERS] = 0.0


@inline
def counts(steps, members):
    """members[t]: the sum of `steps` (H + 1,) to month t; steps left at zero."""
    k = 0.0
    for t in range(members.shape[0]):
        k += steps[u64(t)]
        members[u64(t)] = k
    steps[:] = 0.0


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
