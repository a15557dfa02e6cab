"""Venture totals at a few months only: what a sweep's outcome columns read when it keeps
no trajectory (the last month, the market's reference month).

Each member's pledged, paid-in and cancelled at a month is read from its pledges in a few
operations (`flows_at`), not written out month by month. The matching money is the one
part that depends on the whole path: its committed part rises and falls with what the
private members have committed (ledger.add_match), so that path is kept month by month,
as the changes the private pledges make to it.
"""

from __future__ import annotations

from simulator.engine.batch.book import (
    AT,
    CUT,
    FROM,
    MONTH,
    NEXT,
    SCHEDULE,
    first_month,
    paid_before,
)
from simulator.engine.batch.book import weight_before as before
from simulator.engine.batch.jit import i64, inline, kernel, trailing_zeros, u64


@kernel
def settle_at(led, pledged, paid, cancelled, count, join, leave, public, mat, months, scratch):
    """settle_totals at `months` only (sorted): pledged, paid, cancelled and count are
    (n, V, 1, len(months)). `scratch`: (path (H + 1,), private paid (K,), unused (K,), the
    months listed as bits ((H + 63) // 64 unsigned words)), zeros. As settle_totals, only
    for matching funders that are public."""
    path, private_paid, unused, listed = scratch
    n, V, _, K = pledged.shape
    P = public.shape[0]
    entry, amount, head = led.entry, led.amount, led.head
    for r in range(n):
        for v in range(V):
            matched = False
            for k in range(mat.venture.shape[0]):
                matched = matched or mat.venture[k] == v
            for j in range(K):
                pledged[r, v, 0, j] = paid[r, v, 0, j] = cancelled[r, v, 0, j] = 0.0
                count[r, v, 0, j] = 0
                private_paid[j] = 0.0
            a, b, c = pledged[r, v, 0], paid[r, v, 0], cancelled[r, v, 0]
            for p in range(P):
                i = head[r, v, p]
                if matched and not public[p]:  # its paid-in counts for the matching money
                    flows_at(a, b, c, private_paid, i, entry[r], amount[r], led, months)
                    committed_steps(path, listed, i, entry[r], amount[r], led)
                else:
                    flows_at(a, b, c, unused, i, entry[r], amount[r], led, months)
                first, stop = max(join[r, v, p], 0), leave[r, v, p]
                for j in range(K):
                    count[r, v, 0, j] += first <= months[j] < stop
            if not matched:
                continue
            match_policies(led, r, v, mat, join, leave, public, scratch, months, a, b, c)


@inline
def match_policies(led, r, v, mat, join, leave, public, scratch, months, a, b, c):
    """The matching money of venture v's policies added to a, b, c (pledged, paid and
    cancelled at `months`), from the private members' path in `scratch` (settle_at), which
    is left at zeros."""
    path, private_paid, _, listed = scratch
    H = path.shape[0] - 1
    for j in range(months.shape[0]):
        mark(listed, months[j], H)
    for k in range(mat.venture.shape[0]):
        if mat.venture[k] == v:
            f = mat.funder[k]
            begin, stop = join[r, v, f], leave[r, v, f]
            ratio, cap = mat.ratio[r, k], mat.cap[r, k]
            mark(listed, begin, H)
            mark(listed, stop, H)
            frozen = 0.0  # what it had matched when it left (none: before it began; not
            # read if it stayed: match_at reads it from `stop`, and reads no month past H-1)
            if begin <= stop - 1 and stop < H:
                frozen = min(cap, ratio * frozen_paid(led, r, v, f, public, stop))
            terms = (frozen, ratio, cap, begin, stop)
            match_at(path, listed, private_paid, terms, months, a, b, c)
    for w in range(listed.shape[0]):  # back to zeros: the months listed, not all
        bits = listed[w]
        while bits:
            path[u64(w * 64) + trailing_zeros(bits)] = 0.0
            bits &= bits - u64(1)
        listed[w] = 0


@inline
def flows_at(pledged, paid, cancelled, paid_too, i, entry, amount, led, months):
    """Add to pledged, paid and cancelled (K,) what the pledges from i have pledged, paid
    and cancelled by the end of each of `months` (< H: add_rows' rows there); the paid
    part to paid_too as well."""
    cum, ends, anchored = led.cum, led.ends, led.anchored
    H = cum.shape[1] - 1
    while i >= 0:
        m, s, cut, at = entry[i, MONTH], entry[i, SCHEDULE], entry[i, CUT], entry[i, AT]
        x, base, start = amount[i], 0 if anchored[s] else m, entry[i, FROM]
        if start != -1:  # a continuation or a moved pledge (add_continuation)
            start = first_month(start)
            cut = max(cut, start)
            w0 = before(cum, ends, s, start - base)
            back = x * (ends[s] - w0)
            gone = x * (ends[s] - before(cum, ends, s, cut - base))
            for j in range(months.shape[0]):
                T = months[j]
                if start <= T:
                    x_paid = x * (before(cum, ends, s, min(T + 1, cut) - base) - w0)
                    paid[j] += x_paid
                    paid_too[j] += x_paid
                    if entry[i, FROM] >= 0:
                        cancelled[j] -= back
                    else:
                        pledged[j] += back
                if at <= T:
                    cancelled[j] += gone
        else:
            last = min(cut, H) - 1  # the last month with payments
            gone = 0.0  # what was cancelled, if by the last of `months`
            if at <= months[months.shape[0] - 1]:
                gone = x * (ends[s] - before(cum, ends, s, cut - base))
            for j in range(months.shape[0]):
                T = months[j]
                if m <= T:
                    pledged[j] += x
                if base <= T and base <= last:
                    x_paid = x * cum[s, u64(min(T, last) + 1 - base)]
                    paid[j] += x_paid
                    paid_too[j] += x_paid
                if at <= T:
                    cancelled[j] += gone
        i = entry[i, NEXT]


@inline
def mark(listed, t, H):
    """List month t (< H) among those the matching money is read in: bit t % 64 of word
    t // 64 of `listed`. Read back in increasing order by the bits' trailing zeros: no
    sort, and no flag per month to clear."""
    if 0 <= t < H:
        listed[u64(t) >> u64(6)] |= u64(1) << (u64(t) & u64(63))


@inline
def committed_steps(path, listed, i, entry, amount, led):
    """Add to path (H + 1,) the changes the pledges from i make to committed (pledged less
    cancelled) from one month to the next (a change at month H is never read); list their
    months in `listed`."""
    cum, ends, anchored = led.cum, led.ends, led.anchored
    H = path.shape[0] - 1
    while i >= 0:
        m, s, cut, at = entry[i, MONTH], entry[i, SCHEDULE], entry[i, CUT], entry[i, AT]
        x, base, start = amount[i], 0 if anchored[s] else m, entry[i, FROM]
        if start != -1:  # either way its remainder counts again from its first month
            start = first_month(start)
            cut = max(cut, start)
            path[u64(min(start, H))] += x * (ends[s] - before(cum, ends, s, start - base))
            mark(listed, start, H)
        else:
            path[u64(min(m, H))] += x
            mark(listed, m, H)
        if at < H:
            path[u64(at)] -= x * (ends[s] - before(cum, ends, s, cut - base))
            mark(listed, at, H)
        i = entry[i, NEXT]


@inline
def frozen_paid(led, r, v, f, public, stop):
    """What the private members other than the funder f had paid v before month `stop`,
    when f left (what its matching money is frozen at: match_money's last_paid)."""
    if stop <= 0 or stop >= led.cum.shape[1]:
        return 0.0
    total = 0.0
    for q in range(public.shape[0]):
        if not public[q] and q != f:
            total += paid_before(led, r, v, q, stop)
    return total


@inline
def match_at(path, listed, private_paid, terms, months, a, b, c):
    """match_money at `months` only: the committed matching money from the changes `path`
    (H + 1,) makes to the private members' committed, month by month (its rises pledged,
    its falls cancelled, both cumulative), read only in the months `listed` (those of the
    changes, the funder's joining and leaving, `months`), in increasing order;
    the paid part at each month from `private_paid` (K,); added to a, b, c (pledged, paid
    and cancelled, (K,)). `terms`: what the funder had matched when it left (match_money's
    last_paid), the ratio, the cap, the months it joined and left."""
    last_paid, ratio, cap, begin, stop = terms
    private = before = rises = falls = 0.0
    j, K = 0, months.shape[0]
    for w in range(listed.shape[0]):  # in the other months nothing rises or falls
        bits = listed[w]
        while bits:
            t = w * 64 + i64(trailing_zeros(bits))
            bits &= bits - u64(1)
            due = j < K and months[j] == t
            private += path[u64(t)]
            if t >= stop:
                committed = last_paid
            elif t < begin:
                committed = 0.0
            else:
                committed = min(cap, ratio * private)
            step = committed - before
            before = committed
            rises += max(step, 0.0)
            falls += max(-step, 0.0)
            if due:
                matched = min(cap, ratio * private_paid[j])
                if t < begin:
                    matched = 0.0
                if t >= stop:
                    matched = last_paid
                a[j] += rises
                b[j] += matched
                c[j] += falls
                j += 1
