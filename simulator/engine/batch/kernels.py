"""The batch engine's shared kernels: the ledger, members, matching money, the deadline's
check and the clock's next month (numba, over a chunk's replications).

Each does for replication r of the chunk what the per-replication engine's method of the
same name does for one: `leave_member` (replication.py), `cancel_from` and `pledge`
(ledger.py), `freeze` and `committed` (matching.py). State is passed as named tuples of
arrays whose first axis is the replication (state.py); departures.py and negotiations.py
hold the mechanisms' handlers.
"""

from __future__ import annotations

import math

import numpy as np

from simulator.engine.batch.book import cancel_from, paid_before
from simulator.engine.batch.codes import BELOW_MINIMUM, COLLAPSE
from simulator.engine.batch.jit import bits_float, float_bits, inline, kernel, step, u64
from simulator.engine.batch.triggers import first_due
from simulator.engine.streams import _M1, _M2, DELTA, GAMMA

_EPS = 1e-9
_G, _D = np.uint64(GAMMA), np.uint64(DELTA)
_A, _B = np.uint64(_M1), np.uint64(_M2)
_S30, _S27, _S31, _S11 = np.uint64(30), np.uint64(27), np.uint64(31), np.uint64(11)


@inline
def uniform(word, replication, k):
    """streams.uniform_at: the k-th uniform of the element keyed `word` in `replication`."""
    z = word + (np.uint64(replication) + np.uint64(1)) * _G + np.uint64(k) * _D
    z = (z ^ (z >> _S30)) * _A
    z = (z ^ (z >> _S27)) * _B
    z = z ^ (z >> _S31)
    return (float(z >> _S11) + 0.5) * (1.0 / 9007199254740992.0)


@inline
def geometric_month(first, stay, u):
    """terms.leave_month for a constant hazard h, given `stay` = log_stay(h): the month of
    leaving from `first` (floored in floating point: a tiny hazard's wait can pass what an
    integer holds)."""
    if stay >= 0.0:
        return math.inf
    if stay == -math.inf:
        return float(first)
    return first + np.floor(math.log1p(-u) / stay)


def log_stay(hazard: float | np.ndarray) -> float | np.ndarray:
    """ln(1 - h) of a monthly hazard h, by the C library's log1p as terms.leave_month takes
    it (not numpy's, whose vectorised log1p may differ in the last bit): 0 for none (h <= 0,
    never leaving), -inf for certain departure (h >= 1); NaN stays NaN."""
    if isinstance(hazard, np.ndarray):
        return log_stays(hazard, np.empty_like(hazard))
    return float(log_stays(np.array([hazard], dtype=float), np.empty(1))[0])


@kernel
def log_stays(hazards, out):
    """log_stay of each hazard, into out."""
    for i in range(hazards.shape[0]):
        h = hazards[i]
        if h <= 0.0:
            out[i] = 0.0
        elif h >= 1.0:
            out[i] = -math.inf
        else:
            out[i] = math.log1p(-h)
    return out


@inline
def record(ev, r, month, kind, member, venture, amount, detail, a, b, c=0, how=0, d=0.0):
    """One event's row (codes.EVENT_INTS and EVENT_REALS give the columns); none when there
    is no room for events (a chunk whose events nobody reads: run.ChunkState)."""
    count, ints, reals = ev.count, ev.ints, ev.reals
    i = count[0]
    if i >= ints.shape[0]:
        return
    ints[i, 0], ints[i, 1], ints[i, 2], ints[i, 3] = r, month, kind, member
    ints[i, 4], ints[i, 5], ints[i, 6], ints[i, 7] = venture, detail, c, how
    reals[i, 0], reals[i, 1], reals[i, 2], reals[i, 3] = amount, a, b, d
    count[0] = i + 1


# --- members ----------------------------------------------------------------------------


@inline
def is_member(mem, r, p, v, month):
    """p is a member of venture v (every venture: v < 0) in `month`."""
    join, leave = mem.join, mem.leave
    for w in range(join.shape[1]):
        if (v < 0 or w == v) and join[r, w, p] <= month < leave[r, w, p]:
            return True
    return False


@inline
def freeze(led, mem, mat, r, v, p, month):
    """A matching funder p leaving v keeps what it has paid (matching.freeze)."""
    venture, funder, frozen = mat.venture, mat.funder, mat.frozen
    for k in range(venture.shape[0]):
        if venture[k] != v or funder[k] != p or not math.isnan(frozen[r, k]):
            continue
        paid = private_paid(led, mem, r, v, p, month)
        mat.frozen[r, k] = min(mat.ratio[r, k] * paid, mat.cap[r, k])


@inline
def private_paid(led, mem, r, v, funder, month):
    """What the private members other than `funder` paid v before `month` (what a matching
    funder's money is paid on)."""
    paid = 0.0
    public = mem.public
    for q in range(public.shape[0]):
        if not public[q] and q != funder:
            paid += paid_before(led, r, v, q, month)
    return paid


@inline
def match_committed(led, mem, mat, r, v, month, funder=-1):
    """Matching money committed to v now (after month's joins): one funder's, or all
    funders' together (funder < 0)."""
    out = 0.0
    venture, funders, frozen = mat.venture, mat.funder, mat.frozen
    for k in range(venture.shape[0]):
        if venture[k] != v or 0 <= funder != funders[k]:
            continue
        f = funders[k]
        if not math.isnan(frozen[r, k]):
            out += frozen[r, k]
        elif mem.join[r, v, f] <= month:
            private = 0.0
            committed, public = led.committed, mem.public
            for q in range(public.shape[0]):
                if not public[q] and q != f:
                    private += committed[r, v, q]
            out += min(mat.ratio[r, k] * private, mat.cap[r, k])
    return out


@inline
def touch(mem, r, month):
    """Something changed in replication r this month: listed once for the month's checks."""
    if mem.changed[r] != month:
        mem.changed[r] = month
        count = mem.touched[0]
        mem.touched[count + 1] = r
        mem.touched[0] = count + 1


@step
def checks(led, mem, mat, ventures, ex, ev, month):
    """m + 0.5: a venture past its deadline with less committed than its minimum
    collapses; what its members still owe from next month is cancelled (§9.1). In its
    deadline's month every replication is checked; after it, capital falls only in a
    month where something happened, so only the replications `touch` listed."""
    deadlines, touched = ventures.deadline, mem.touched
    for v in range(deadlines.shape[0]):
        deadline = deadlines[v]
        if deadline < 0 or month < deadline:
            continue
        if month == deadline:
            for r in range(mem.block[0], mem.block[1]):
                check(led, mem, mat, ventures, ex, ev, r, v, month)
        else:
            for i in range(touched[0]):
                check(led, mem, mat, ventures, ex, ev, touched[i + 1], v, month)


@inline
def check(led, mem, mat, ventures, ex, ev, r, v, month):
    """Venture v of replication r collapses if it is short of its minimum."""
    if ventures.end[r, v] >= 0:
        return
    total = led.total[r, v] + match_committed(led, mem, mat, r, v, month)
    total -= ex.refunded[r, v]  # refunded capital has left the venture
    minimum = ventures.minimum[r, v]
    if not total < minimum - _EPS:
        return
    ventures.end[r, v] = month
    ventures.ending[r, v] = 1
    cancelled = 0.0
    for p in range(mem.join.shape[2]):
        cancelled += cancel_from(led, r, v, p, month + 1, month + 1)
    record(ev, r, month, COLLAPSE, -1, v, cancelled, BELOW_MINIMUM, total, minimum)


@inline
def sooner(dated, month, best):
    """The first of the months `dated` after `month`, if before `best`; else best."""
    for k in range(dated.shape[0]):
        if month < dated[k] < best:
            best = dated[k]
    return best


@kernel
def next_month(mem, dep, talks, ventures, rs, cs, bo, ts, sp, tg, month):
    """The first month after `month` in which anything is due in any replication of the
    block being run (mem.block)."""
    lo, hi = mem.block[0], mem.block[1]
    best = sooner(bo.at, month, sooner(cs.at, month, sooner(rs.at, month, np.inf)))
    best = first_due(tg, lo, hi, month, sooner(sp.at, month, sooner(ts.at, month, best)))
    for v in range(ventures.deadline.shape[0]):
        if month < ventures.deadline[v] < best:
            best = ventures.deadline[v]
        if month < ventures.dissolve_at[v] < best:
            best = ventures.dissolve_at[v]
    for c in range(talks.member.shape[0]):
        if month < talks.start[c] < best:
            best = talks.start[c]
        if month < talks.walk_out[c] < best:
            best = talks.walk_out[c]
        i = talks_ended(talks, c, month + 1, hi)  # the next end of talks
        if i < hi:
            best = min(best, talk_end(talks, c, i))
    return first_after(dep.next, lo, hi, month, best)


@inline
def first_after(months, lo, hi, month, best):
    """min(best, the least of months[lo:hi] after `month`), those months never negative.
    Compared as the integers their bits make, which order non-negative floats as their
    values do (NaN's above infinity's: never the least): compiled to vector instructions,
    several replications a step, where a minimum of floats is not without assuming no
    NaN."""
    bits = months.view(np.int64)
    after = float_bits(month) if month >= 0 else -1
    least = none = float_bits(best)
    for r in range(lo, hi):  # a plain minimum of what each compare selects: vectorised
        x = bits[u64(r)]
        least = min(least, x if x > after else none)
    return bits_float(least)


@inline
def talks_ended(talks, c, month, hi):
    """Where the talks c of the block ending at replication `hi` that end from `month` on
    begin in ends[c] (TalkArrays: a block's replications, by the month their talks end).
    Within a block months only go forward, so the place is kept (cursor, set to the
    block's start as it begins) and moved on from there: each month's `negotiations` and
    next_month read only the talks ending then, not the block."""
    i = talks.cursor[c]
    while i < hi and talk_end(talks, c, i) < month:
        i += 1
    talks.cursor[c] = i
    return i


@inline
def talk_end(talks, c, i):
    """The month talk c ends in the replication ends[c, i]."""
    return talks.start[c] + talks.duration[talks.ends[c, i], c]
