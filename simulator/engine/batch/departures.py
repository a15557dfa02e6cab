"""Departures in the batch engine (docs/model.md §6.1-6.2; departures.py): dated, plain
hazards and hazards that depend on a rival's presence, for a chunk's replications.

Each departure d of replication r has a month `when` drawn by its clock, `live` while its
clock waits. The same-month order of the per-replication engine is kept exactly, because
it decides who leaves when a member and its rival are both due in one month: timeouts due
at m + 0.0 fire in the order they were set (`seq`); a plain or dated one makes its member
leave at once; a rival-dependent one ends its wait, and only then (after every timeout
already due) leaves, unless its rival changed meanwhile, in which case it draws its month
anew from m at the new rate (and leaves now if that draw says so). A small queue per
replication replays this.
"""

from __future__ import annotations

import numpy as np
from numba import njit

from simulator.engine.batch.kernels import geometric_month, is_member, leave_member, uniform

FIRE, RESUME = 0, 1


@njit(cache=True, inline="always")
def redraw(dep, mem, r, d, start, now):
    """Departure d's month of leaving from month `start`, at the rate of month `now` (the
    rival's presence then decides which): one more uniform from its element's stream."""
    rival = dep.rival[d]
    rate = dep.base[r, d]
    if rival >= 0 and is_member(mem, r, rival, -1, now):
        rate = dep.raised[r, d]
    u = uniform(dep.word[d], dep.replication[r], dep.k[r, d])
    dep.k[r, d] += 1
    dep.when[r, d] = geometric_month(start, rate, u)
    book(dep, r, d)


@njit(cache=True, inline="always")
def book(dep, r, d):
    """d's clock waits for its month: the order it was set in is its place in a month."""
    dep.live[r, d] = True
    dep.seq[r, d] = dep.clock[r]
    dep.clock[r] += 1
    dep.next[r] = min(dep.next[r], dep.when[r, d])


@njit(cache=True, inline="always")
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


@njit(cache=True)
def start_founders(dep, mem):
    """At time 0: founders' departures, those without a rival first (their timeouts are
    set before any rival's clock starts)."""
    for r in range(mem.join.shape[0]):
        for rival_kind in (False, True):
            for d in range(dep.member.shape[0]):
                if dep.founder[d] and (dep.rival[d] >= 0) == rival_kind:
                    start_departure(dep, mem, r, d, 1, 0.0)


@njit(cache=True)
def changed(dep, mem, r, p, month, joined):
    """p joined (at m + 0.1): clocks with p as their rival draw anew from next month."""
    for d in range(dep.rival.shape[0]):
        if dep.rival[d] == p and dep.live[r, d]:
            redraw(dep, mem, r, d, max(month + 1, dep.first[r, d]), month)


@njit(cache=True)
def departures(led, mem, mat, dep, ev, month):
    """m + 0.0: every departure due this month, in the per-replication engine's order."""
    D = dep.member.shape[0]
    queue = np.empty((2, 16 * D + 16), dtype=np.int64)
    for r in range(mem.join.shape[0]):
        if dep.next[r] != month:
            continue  # nothing due in this replication this month
        tail = due_in_order(dep, r, month, queue)
        head = 0
        while head < tail:
            kind, d = queue[0, head], queue[1, head]
            head += 1
            if kind == FIRE:
                if not (dep.live[r, d] and dep.when[r, d] == month):
                    continue  # its clock was stopped by a rival's change first
                dep.live[r, d] = False
                if dep.rival[d] < 0:
                    tail = leave(led, mem, mat, dep, ev, r, d, month, queue, tail)
                else:
                    dep.pending[r, d] = True
                    queue[0, tail], queue[1, tail] = RESUME, d
                    tail += 1
            else:
                dep.pending[r, d] = False
                if dep.rival_changed[r, d]:
                    dep.rival_changed[r, d] = False
                    redraw(dep, mem, r, d, max(month, dep.first[r, d]), month)
                    if dep.when[r, d] == month:
                        queue[0, tail], queue[1, tail] = FIRE, d
                        tail += 1
                else:
                    tail = leave(led, mem, mat, dep, ev, r, d, month, queue, tail)
        live, when, soonest = dep.live, dep.when, np.inf
        for d in range(D):
            if live[r, d]:
                soonest = min(soonest, when[r, d])
        dep.next[r] = soonest


@njit(cache=True, inline="always")
def due_in_order(dep, r, month, queue):
    """Queue the departures of replication r due this month, in the order their clocks
    were set (an insertion sort: rarely more than one); return how many."""
    tail = 0
    live, when, seq = dep.live, dep.when, dep.seq
    for d in range(live.shape[1]):
        if not (live[r, d] and when[r, d] == month):
            continue
        i = tail
        while i > 0 and seq[r, queue[1, i - 1]] > seq[r, d]:
            queue[1, i] = queue[1, i - 1]
            i -= 1
        queue[0, tail], queue[1, i] = FIRE, d
        tail += 1
    return tail


@njit(cache=True, inline="always")
def leave(led, mem, mat, dep, ev, r, d, month, queue, tail):
    """d's member leaves if it is still a member; clocks waiting on it as a rival end their
    wait (to draw anew), those already ending theirs will see the change."""
    p, v = dep.member[d], dep.venture[d]
    if not is_member(mem, r, p, v, month):
        return tail
    leave_member(led, mem, mat, ev, r, p, v, month)
    rivals = dep.rival  # one reference for the loop (not one per access)
    for q in range(rivals.shape[0]):
        if rivals[q] != p:
            continue
        if dep.pending[r, q]:
            dep.rival_changed[r, q] = True
        elif dep.live[r, q]:
            dep.live[r, q] = False
            dep.pending[r, q] = True
            dep.rival_changed[r, q] = True
            queue[0, tail], queue[1, tail] = RESUME, q
            tail += 1
    return tail
