"""Departures in the batch engine (docs/model.md §6.1-6.2; departures.py): dated, plain
hazards and hazards that depend on a rival's presence, for a chunk's replications.

Each departure d of replication r has a month `when` drawn by its clock, `live` while its
clock waits. The same-month order of the per-replication engine is kept exactly, because
it decides who leaves when several members are due in one month (and so who is still
there to pre-empt or buy a stake, or whose rival has gone). A small queue per replication
replays SimPy's: timeouts due at m + 0.0 fire in the order they were set (`seq`); a plain
or dated one makes its member leave at once; a rival-dependent one ends its wait, and is
resumed after everything already queued, leaving then unless its rival changed
meanwhile (then it draws its month anew from m at the new rate, and leaves now if the
draw says so). A member's leaving reaches the clocks that were waiting on it as their
rival at that moment only after everything queued before it, in the order they started
waiting; a clock that has drawn anew since waits for the next change.
"""

from __future__ import annotations

from simulator.engine.batch import clocks, hazards
from simulator.engine.batch.codes import BEFORE_OPENING, DEPARTURE, NO_DETAIL
from simulator.engine.batch.exits import left
from simulator.engine.batch.jit import i64, inline, kernel, prefetch, step, trailing_zeros, u64
from simulator.engine.batch.kernels import (
    cancel_from,
    freeze,
    geometric_month,
    is_member,
    record,
    touch,
    uniform,
)
from simulator.engine.batch.topups import after_change

FIRE, RESUME, CHANGE = 0, 1, 2


@inline
def redraw(dep, mem, r, d, start, now):
    """Departure d's month of leaving from month `start`, at the rate of month `now` (the
    rival's presence then decides which): one more uniform from its element's stream."""
    rival = dep.rival[d]
    raised = rival >= 0 and is_member(mem, r, rival, -1, now)
    draw_month(dep, r, d, start, 1 if raised else 0)
    book(dep, r, d)


@inline
def draw_month(dep, r, d, start, which):
    """when[r, d]: the month of leaving from `start` at d's hazard (which 0) or its rival
    hazard (1), from d's next uniform; a rate that varies by month from its pieces."""
    u = uniform(dep.word[d], dep.replication[r], dep.k[r, d])
    dep.k[r, d] += 1
    s = dep.pieces.slot[d, which]
    if s >= 0:
        dep.when[r, d] = hazards.leave_month(dep.pieces, r, s, start, u)
    else:
        stay = dep.stay_raised[r, d] if which else dep.stay[r, d]
        dep.when[r, d] = geometric_month(start, stay, u)


@inline
def book(dep, r, d):
    """d's clock waits for its month: the order it was set in is its place in a month."""
    dep.live[r, d] = True
    dep.seq[r, d] = dep.clock[r]
    dep.clock[r] += 1
    dep.next[r] = min(dep.next[r], dep.when[r, d])
    clocks.push(dep, r, d)


@inline
def start_departure(dep, mem, r, d, first, now):
    """Book departure d of replication r, possible from month `first` (departures.py)."""
    if dep.at[d] >= 0:
        if dep.at[d] >= now:
            dep.when[r, d] = dep.at[d]
            book(dep, r, d)
        return
    start = first if dep.start[d] < 0 else max(dep.start[d], first)
    dep.first[r, d] = start
    redraw(dep, mem, r, d, start, int(now))


@step
def start_departures(dep, mem, r, p, month):
    """Candidate p has joined at m + 0.1 of `month`: its departures are possible from the
    next month (negotiation.join_candidate)."""
    for d in range(dep.member.shape[0]):
        if dep.member[d] == p:
            start_departure(dep, mem, r, d, month + 1, month + 0.1)


@kernel
def start_founders(dep, mem, begin, end):
    """At time 0: founders' departures in the order the per-replication engine sets their
    timeouts (departures.py): plain hazards varying by month, constant ones, then dated
    departures, then rivals' clocks. The order decides who leaves first in a month where
    several are due, hence who is still there to pre-empt or buy a stake. start_departure
    for replications begin … end-1 at once."""
    founder, rival, at, start, first = dep.founder, dep.rival, dep.at, dep.start, dep.first
    when, slot, order = dep.when, dep.pieces.slot, dep.order  # order: scratch, free here
    count = 0  # the founders' clocks in the order they are booked, the same in every one
    for kind in range(4):
        for d in range(founder.shape[0]):
            if founder[d] and kind == founder_kind(rival[d], at[d], slot[d, 0]):
                order[count] = d
                count += 1
    for r in range(begin, end):  # replication by replication: its heap stays in cache
        for i in range(count):
            d = order[i]
            if at[d] >= 0:
                when[r, d] = at[d]
            else:
                first[r, d] = max(start[d], 1)
                raised = rival[d] >= 0 and is_member(mem, r, rival[d], -1, 0)
                draw_month(dep, r, d, first[r, d], 1 if raised else 0)
            book(dep, r, d)


@inline
def founder_kind(rival, at, slot):
    """The order start_founders books a founder's clock in (0 first)."""
    if rival >= 0:
        return 3
    if at >= 0:
        return 2
    return 0 if slot >= 0 else 1


@inline
def changed(dep, mem, r, p, month):
    """p joined (at m + 0.1) or sold out (at m + 0.03): clocks waiting with p as their
    rival draw anew from next month, in the order they started waiting (as SimPy resumes
    them). The call is made only where some clock has p as its rival: a step's call passes
    every array of its arguments, which costs more than a join's own work."""
    if dep.rivals_of[p] < dep.rivals_of[p + 1]:
        redraw_rivals(dep, mem, r, p, month)


@step
def redraw_rivals(dep, mem, r, p, month):
    """changed's work."""
    order = dep.order
    for i in range(waiting_on(dep, r, p, order, 0)):
        d = order[i]
        redraw(dep, mem, r, d, max(month + 1, dep.first[r, d]), month)


@inline
def waiting_on(dep, r, p, out, start, before=-1):
    """Write into out[start:] the clocks waiting with p as their rival (since before the
    clock count `before`, if given), in the order they started waiting; return how many."""
    n = 0
    live, seq, of = dep.live, dep.seq, dep.rival_list
    for j in range(dep.rivals_of[p], dep.rivals_of[p + 1]):
        q = of[j]
        if not live[r, q] or 0 <= before <= seq[r, q]:
            continue
        i = start + n
        while i > start and seq[r, out[i - 1]] > seq[r, q]:
            out[i] = out[i - 1]
            i -= 1
        out[i] = q
        n += 1
    return n


@step
def departures(led, mem, mat, ven, ex, tops, dep, ev, month):
    """m + 0.0: every departure due this month, replayed as SimPy would process them (the
    module's docstring): FIRE a due timeout, RESUME a rival-dependent clock, CHANGE the
    moment a rival's leaving reaches the clocks still waiting on it."""
    live, when, pending, rival, first = dep.live, dep.when, dep.pending, dep.rival, dep.first
    rival_changed, soonest, queue = dep.rival_changed, dep.next, dep.queue
    lo, hi, marks = mem.block[0], mem.block[1], dep.marks
    mark_due(soonest, lo, hi, month, marks)
    # r: the next replication with something due this month; the rows of the two due
    # after it are on their way to the cache while it is handled
    r = next_due(marks, lo, hi)
    after = next_due(marks, lo, hi)
    read_soon(led, mem, mat, ven, ex, dep, r, hi)
    read_soon(led, mem, mat, ven, ex, dep, after, hi)
    while r < hi:
        later = next_due(marks, lo, hi)
        read_soon(led, mem, mat, ven, ex, dep, later, hi)
        tail = clocks.due_in_order(dep, r, month, queue, FIRE)
        head = 0
        while head < tail:
            kind, d = queue[0, head], queue[1, head]
            head += 1
            leaving = False  # one call of the inlined `leave` below, not two: half the compile
            if kind == FIRE:
                if not (live[r, d] and when[r, d] == month):
                    continue  # its clock was stopped by a rival's change first
                live[r, d] = False
                if rival[d] < 0:
                    leaving = True
                else:
                    pending[r, d] = True
                    queue[0, tail], queue[1, tail] = RESUME, d
                    tail += 1
            elif kind == CHANGE:  # d is the member that left, queue[2] the clock then
                n = waiting_on(dep, r, d, queue[1], tail, queue[2, head - 1])
                for i in range(tail, tail + n):
                    q = queue[1, i]
                    queue[0, i] = RESUME
                    live[r, q], pending[r, q] = False, True
                tail += n
            else:
                pending[r, d] = False
                if rival_changed[r, d]:
                    rival_changed[r, d] = False
                    redraw(dep, mem, r, d, max(month, first[r, d]), month)
                    if when[r, d] == month:
                        queue[0, tail], queue[1, tail] = FIRE, d
                        tail += 1
                else:
                    leaving = True
            if leaving:
                tail = leave(led, mem, mat, ven, ex, tops, dep, ev, r, d, month, queue, tail)
        soonest[r] = clocks.next_due(dep, r)
        r, after = after, later


@inline
def mark_due(soonest, lo, hi, month, marks):
    """Mark in `marks` the replications lo … hi-1 with a clock due in `month`: bit i % 64 of
    word i // 64 for replication lo + i, 64 replications compared at once rather than a
    scan stopping at each due one. One more word marks the end; the last slot says where
    next_due is to look from."""
    words = (hi - lo + 63) // 64
    for w in range(words):
        base = lo + 64 * w
        bits = u64(0)
        if base + 64 <= hi:  # a fixed count: compiled to vector instructions
            for i in range(64):
                bits |= u64(soonest[u64(base + i)] == month) << u64(i)
        else:
            for i in range(hi - base):
                bits |= u64(soonest[u64(base + i)] == month) << u64(i)
        marks[w] = bits
    marks[words] = u64(1)
    marks[marks.shape[0] - 1] = u64(0)


@inline
def next_due(marks, lo, hi):
    """The first replication still marked (mark_due), its mark taken off; hi for none."""
    cursor = marks.shape[0] - 1
    w = i64(marks[cursor])
    while marks[w] == 0:
        w += 1
    marks[cursor] = u64(w)
    r = lo + 64 * w + i64(trailing_zeros(marks[w]))
    if r >= hi:  # the end's mark: left for the calls after
        return hi
    marks[w] &= marks[w] - u64(1)
    return r


@inline
def read_soon(led, mem, mat, ven, ex, dep, r, hi):
    """Start bringing into the cache what replication r's departures read (its clocks,
    membership, book of pledges) and the deadline's check after them (its capital, minimum,
    matching money), while the one before it is handled (nothing for r past the block,
    hi): they are read replication by replication as things fall due, which the processor
    cannot foresee, and waiting for them was most of a departure's time."""
    if r >= hi:
        return
    ahead(dep.when, r)
    ahead(dep.live, r)
    ahead(dep.seq, r)
    ahead(led.head, r)
    ahead(led.committed, r)
    ahead(led.entry, r)
    ahead(led.amount, r)
    ahead(led.total, r)
    ahead(mem.join, r)
    ahead(mem.leave, r)
    ahead(mem.changed, r)
    ahead(ven.end, r)
    ahead(ven.minimum, r)
    ahead(mat.frozen, r)
    ahead(mat.ratio, r)
    ahead(mat.cap, r)
    ahead(ex.refunded, r)


@inline
def ahead(array, r):
    """Prefetch every cache line of row r of `array` (its first axis)."""
    size = array.itemsize
    for k in range(1, array.ndim):
        size *= array.shape[k]
    if size > 0:
        for offset in range(0, size, 64):
            prefetch(array, r, offset)
        prefetch(array, r, size - 1)


@inline
def leave_member(led, mem, mat, ven, ex, ev, r, p, venture, month):
    """p leaves `venture` (every venture: < 0) at m + 0.0 (replication.leave_member): its
    payments from this month on are cancelled, a matching funder's money frozen, and its
    exit rule applied to its stake. A partner due to join a venture that opens later
    withdraws from it (model.md §5): its pledge is cancelled in the month it opens."""
    join, leaves = mem.join, mem.leave
    for v in range(join.shape[1]):
        if venture >= 0 and v != venture:
            continue
        if month < join[r, v, p] < leaves[r, v, p] and not mem.candidate[p]:
            touch(mem, r, month)
            opens = join[r, v, p]
            amount = cancel_from(led, r, v, p, opens, opens)
            leaves[r, v, p] = opens
            record(ev, r, month, DEPARTURE, p, v, amount, BEFORE_OPENING, 0.0, 0.0)
        elif join[r, v, p] <= month < leaves[r, v, p]:
            drop_member(led, mem, mat, ev, r, p, v, month, NO_DETAIL)
            if ex.kind[p] != 0:  # a stake that stays costs no call
                left(led, mem, mat, ven, ex, ev, r, p, v, month)


@inline
def drop_member(led, mem, mat, ev, r, p, v, month, detail):
    """Member p of v leaves it in `month`: its payments from then on are cancelled, a
    matching funder's money frozen; a `departure` event (its exit rule is the caller's)."""
    touch(mem, r, month)
    amount = cancel_from(led, r, v, p, month, month)
    mem.leave[r, v, p] = month
    freeze(led, mem, mat, r, v, p, month)
    record(ev, r, month, DEPARTURE, p, v, amount, detail, 0.0, 0.0)


@inline
def leave(led, mem, mat, ven, ex, tops, dep, ev, r, d, month, queue, tail):
    """d's member leaves if it is still a member: every live clock with it as a rival will
    see the change; those still waiting are woken once the change is processed."""
    p, v = dep.member[d], dep.venture[d]
    if not is_member(mem, r, p, v, month):
        return tail
    leave_member(led, mem, mat, ven, ex, ev, r, p, v, month)
    if tops.venture.shape[0]:
        after_change(led, mem, mat, ven, ex, tops, ev, r, month)
    live, pending, rival_changed = dep.live, dep.pending, dep.rival_changed
    for j in range(dep.rivals_of[p], dep.rivals_of[p + 1]):
        q = dep.rival_list[j]
        if live[r, q] or pending[r, q]:
            rival_changed[r, q] = True  # the change has happened (SimPy: triggered)
    # ...and reaches, later, the clocks that were waiting on it by then
    queue[0, tail], queue[1, tail], queue[2, tail] = CHANGE, p, dep.clock[r]
    return tail + 1
