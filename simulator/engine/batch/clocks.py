"""Each replication's departure clocks in a binary heap, ordered by (month due, order of
booking): the next month one is due, and the clocks due in a month in the order SimPy
would fire them (departures.py), without scanning every clock of the replication. A clock
booked again (a rival's change) leaves its old entry behind; entries whose clock has been
booked again or stopped are dropped as they come to the top, and the heap is rebuilt from
the live clocks if it fills up. With 128 partners, scanning every clock at each month a
replication was visited made the time per replication grow as the square of the partners;
with a few clocks the scan is faster than the heap (8 partners: 2.2 against 2.7 µs a
replication), so a replication with fewer than HEAP_FROM clocks has no heap and is scanned.
"""

from __future__ import annotations

import math

import numpy as np

from simulator.engine.batch.jit import bits_float, float_bits, i64, inline, trailing_zeros, u64

HEAP_FROM = 16  # clocks per replication (state._heap gives no room below)


@inline
def push(dep, r, d):
    """Clock d of replication r has just been booked (departures.book)."""
    size = dep.heap_size
    if dep.heap_d.shape[1] == 0:
        return  # no heap: scanned
    if size[r] == dep.heap_d.shape[1]:
        rebuild(dep, r)
    if size[r] < dep.heap_d.shape[1]:  # a rebuilt heap holds each live clock once
        place(dep, r, size[r], dep.when[r, d], dep.seq[r, d], d)
        size[r] += 1


@inline
def place(dep, r, i, when, seq, d):
    """Sift the entry (when, seq, d) up from slot i."""
    hw, hs, hd = dep.heap_when, dep.heap_seq, dep.heap_d
    while i > 0:
        parent = (i - 1) // 2
        if hw[r, parent] < when or (hw[r, parent] == when and hs[r, parent] < seq):
            break
        hw[r, i], hs[r, i], hd[r, i] = hw[r, parent], hs[r, parent], hd[r, parent]
        i = parent
    hw[r, i], hs[r, i], hd[r, i] = when, seq, d


@inline
def pop(dep, r):
    """Remove the top entry."""
    hw, hs, hd, size = dep.heap_when, dep.heap_seq, dep.heap_d, dep.heap_size
    n = size[r] - 1
    size[r] = n
    when, seq, d = hw[r, n], hs[r, n], hd[r, n]
    i = 0
    while True:
        child = 2 * i + 1
        if child >= n:
            break
        right = child + 1
        if right < n and (
            hw[r, right] < hw[r, child]
            or (hw[r, right] == hw[r, child] and hs[r, right] < hs[r, child])
        ):
            child = right
        if when < hw[r, child] or (when == hw[r, child] and seq < hs[r, child]):
            break
        hw[r, i], hs[r, i], hd[r, i] = hw[r, child], hs[r, child], hd[r, child]
        i = child
    if n > 0:
        hw[r, i], hs[r, i], hd[r, i] = when, seq, d


@inline
def current(dep, r):
    """The top entry's clock if it is still booked as the entry says, else -1."""
    d = dep.heap_d[r, 0]
    if dep.live[r, d] and dep.seq[r, d] == dep.heap_seq[r, 0]:
        return d
    return -1


@inline
def next_due(dep, r):
    """The month the replication's next live clock is due (inf if none); stale entries on
    top are dropped."""
    if dep.heap_d.shape[1] == 0:  # the live clocks' least month (kernels.first_after)
        live, when = dep.live, dep.when[r].view(np.int64)
        least = none = float_bits(math.inf)
        for d in range(live.shape[1]):
            least = min(least, when[u64(d)] if live[r, u64(d)] else none)
        return bits_float(least)
    while dep.heap_size[r] > 0:
        if current(dep, r) >= 0:
            return dep.heap_when[r, 0]
        pop(dep, r)
    return math.inf


@inline
def due_in_order(dep, r, month, queue, fire):
    """Queue (queue[0] = fire, queue[1] = the clock) the clocks of replication r due in
    `month`, in the order they were booked; return how many."""
    if dep.heap_d.shape[1] == 0:
        return scan_due(dep, r, month, queue, fire)
    tail = 0
    while dep.heap_size[r] > 0 and dep.heap_when[r, 0] <= month:
        d = current(dep, r)
        pop(dep, r)
        if d >= 0 and dep.when[r, d] == month:
            queue[0, tail], queue[1, tail] = fire, d
            tail += 1
    return tail


@inline
def scan_due(dep, r, month, queue, fire):
    """due_in_order by scanning every clock (fewer than HEAP_FROM): which are due as the
    bits of one integer, compared all at once, then queued in the order booked (an
    insertion: rarely more than one)."""
    live, when, seq = dep.live, dep.when, dep.seq
    due = u64(0)
    for d in range(live.shape[1]):
        due |= u64(live[r, u64(d)] & (when[r, u64(d)] == month)) << u64(d)
    tail = 0
    while due:
        d = i64(trailing_zeros(due))
        due &= due - u64(1)
        i = tail
        while i > 0 and seq[r, queue[1, i - 1]] > seq[r, d]:
            queue[1, i] = queue[1, i - 1]
            i -= 1
        queue[0, tail], queue[1, i] = fire, d
        tail += 1
    return tail


@inline
def rebuild(dep, r):
    """The heap from the replication's live clocks only."""
    dep.heap_size[r] = 0
    for d in range(dep.live.shape[1]):
        if dep.live[r, d]:
            place(dep, r, dep.heap_size[r], dep.when[r, d], dep.seq[r, d], d)
            dep.heap_size[r] += 1
