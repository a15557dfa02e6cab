"""Simple negotiations in the batch engine (docs/model.md §7.1; negotiation.negotiate):
talks open at m + 0.1 of their start month and end a drawn number of months later, the
candidate joining its open ventures with the drawn success probability."""

from __future__ import annotations

from simulator.engine.batch.book import pledge
from simulator.engine.batch.codes import (
    ABANDONED,
    AFTER_MONTHS,
    FAILED,
    JOIN,
    NO_DETAIL,
    NO_PLEDGE,
    START,
    VENTURES_ENDED,
    WALKS_OUT,
)
from simulator.engine.batch.departures import changed, start_departures
from simulator.engine.batch.dilution import joined
from simulator.engine.batch.jit import inline, step
from simulator.engine.batch.kernels import record, talks_ended, touch
from simulator.engine.batch.topups import after_change


@step
def negotiations(led, mem, mat, ventures, ex, tops, dep, talks, tgt, ev, month):
    """m + 0.1: talks opening this month (in file order), then simple negotiations' outcomes
    (§7.1) in SimPy's order (TalkArrays.order): who joins first matters to a top-up."""
    member, start, walk_out, durations = talks.member, talks.start, talks.walk_out, talks.duration
    for c in range(member.shape[0]):  # replications are independent: talk by talk
        if start[c] == month and not start[c] >= walk_out[c] >= 0:
            for r in range(mem.block[0], mem.block[1]):
                record(ev, r, month, START, member[c], -1, 0.0, NO_DETAIL, 0.0, 0.0)
    for c in talks.order:
        p = member[c]
        hi = mem.block[1]
        for i in range(talks_ended(talks, c, month, hi), talks_ended(talks, c, month + 1, hi)):
            r = talks.ends[c, i]
            duration = durations[r, c]
            if 0 <= walk_out[c] <= start[c] + duration:
                continue  # walked out first (walks_out)
            targets = opened = 0
            for s in range(tgt.member.shape[0]):
                if tgt.member[s] == p:
                    targets += 1
                    opened += ventures.end[r, tgt.venture[s]] < 0
            if opened == 0:
                why = VENTURES_ENDED if targets else NO_PLEDGE
                record(ev, r, month, ABANDONED, p, -1, 0.0, why, 0.0, 0.0)
            elif talks.u[r, c] >= talks.success[r, c]:
                record(ev, r, month, FAILED, p, -1, 0.0, AFTER_MONTHS, duration, 0.0)
            else:
                join(led, mem, mat, ventures, ex, tops, dep, tgt, ev, r, p, month, duration)


def talk_months(talks) -> tuple[int, int]:
    """The first and last month in which talks open, end or are walked out of, in any
    replication of the chunk ((1, 0) when there are none)."""
    if talks.start.size == 0:
        return 1, 0
    walks = talks.walk_out[talks.walk_out >= 0]
    first = min(int(talks.start.min()), int(walks.min()) if walks.size else talks.start.min())
    last = max(int((talks.start + talks.duration.max(axis=0)).max()), int(talks.walk_out.max()))
    return int(first), last


@inline
def walks_out(talks, r, c):
    """The candidate's departure date comes before its talks' outcome (model.md §7.7)."""
    return 0 <= talks.walk_out[c] <= talks.start[c] + talks.duration[r, c]


@step
def walk_outs(talks, mem, ev, month):
    """m + 0.0: candidates leaving talks they have not concluded."""
    for c in range(talks.member.shape[0]):
        if talks.walk_out[c] != month:
            continue
        for r in range(mem.block[0], mem.block[1]):
            if walks_out(talks, r, c):
                record(ev, r, month, ABANDONED, talks.member[c], -1, 0.0, WALKS_OUT, 0.0, 0.0)


@inline
def join(led, mem, mat, ventures, ex, tops, dep, tgt, ev, r, p, month, duration):
    """Candidate p joins its open ventures with its drawn pledges (join_candidate)."""
    for s in range(tgt.member.shape[0]):
        v = tgt.venture[s]
        if tgt.member[s] != p or ventures.end[r, v] >= 0:
            continue
        amount = tgt.amount[r, s]
        pledge(led, r, v, p, month, amount, tgt.schedule[s])
        mem.join[r, v, p] = month
        touch(mem, r, month)
        record(ev, r, month, JOIN, p, v, amount, AFTER_MONTHS, duration, 0.0)
        joined(led, mem, mat, ex, ev, r, p, v, month)
    for d in range(dep.member.shape[0]):
        if dep.member[d] == p:  # a step's call, once: inlined, its draws compiled slowly
            start_departures(dep, mem, r, p, month)
            break
    changed(dep, mem, r, p, month)
    if tops.venture.shape[0]:
        after_change(led, mem, mat, ventures, ex, tops, ev, r, month)
