"""Actions set off by events in the batch engine (docs/model.md §9.7; triggers.Triggers): a
dissolution, split, buy-out, transfer, cut, raise or top-up waiting for a departure, a candidate
joining or failing, or a venture collapsing or dissolved.

A watch per such action, in the order the per-replication engine watches them
(top-ups, dissolutions, splits, buy-outs, transfers, cuts, raises). After each step of a month the
clock's kernel reads the events recorded since the last reading (`fire`), as the
per-replication engine hears each event when it is recorded: a watch that hears its event
fires once, and its action is due in that month if its time of the month is still to
come, else in the next (plus `after` months); within a replication, actions due at one
time run after the dated ones, in the order their watches fired (the order SimPy books
them in).
"""

from __future__ import annotations

from collections import namedtuple

import numpy as np

from simulator.engine.batch.codes import COLLAPSE, DISSOLUTION, WATCHED
from simulator.engine.batch.jit import step
from simulator.engine.model import Model
from simulator.engine.raises import POLICY
from simulator.engine.replication import BUYOUT
from simulator.engine.rules import DISSOLVE
from simulator.engine.splits import SPLIT
from simulator.engine.transfers import TRANSFER

# the actions a watch sets off (index: their place in their own arrays)
SPLIT_ACT, BUYOUT_ACT, TRANSFER_ACT, CUT_ACT, RAISE_ACT, DISSOLVE_ACT, TOPUP_ACT = range(7)
WAITING, DONE = -1, -2  # a watch's `due` before it fires, and once acted on or dropped
_TIMES = {SPLIT_ACT: SPLIT, BUYOUT_ACT: BUYOUT, TRANSFER_ACT: TRANSFER, DISSOLVE_ACT: DISSOLVE}
_EPS = 1e-9

# kind, who (-1: any), venture (a departure from it only; -1: any), after, time (of the
# action's month), action, index, parent (a split's venture: not booked once it has ended);
# per replication: due (the month, WAITING or DONE), order (of firing), count (fired so
# far); seen: the events read; horizon
TriggerArrays = namedtuple(
    "TriggerArrays",
    "kind who venture after time action index parent due order count seen horizon",
)


def watches(model: Model) -> list:
    """(OnSpec, action, index, parent) for every action waiting for an event."""
    found = [(p.on, TOPUP_ACT, k, -1) for k, p in enumerate(model.plan.top_ups)]
    found += [(v.dissolve_on, DISSOLVE_ACT, k, -1) for k, v in enumerate(model.ventures)]
    found += [(s.on, SPLIT_ACT, k, v) for k, (v, s) in enumerate(model.plan.splits)]
    found += [(s.on, BUYOUT_ACT, k, -1) for k, (_, s) in enumerate(model.plan.buyouts)]
    found += [(t.on, TRANSFER_ACT, k, -1) for k, (_, t) in enumerate(model.plan.transfers)]
    found += [(c.on, CUT_ACT, k, -1) for k, c in enumerate(model.cuts)]
    found += [(p.on, RAISE_ACT, k, -1) for k, p in enumerate(model.plan.raises)]
    return [w for w in found if w[0] is not None]


def triggers(model: Model, n: int) -> TriggerArrays:
    found = watches(model)
    W = len(found)

    def column(values, dtype=np.int64):
        return np.array(list(values), dtype=dtype)

    return TriggerArrays(
        column(WATCHED[on.kind] for on, *_ in found),
        column(on.who for on, *_ in found),
        column(on.venture for on, *_ in found),
        column(on.after for on, *_ in found),
        column((_TIMES.get(a, POLICY) for _, a, _, _ in found), float),
        column(a for _, a, _, _ in found),
        column(k for _, _, k, _ in found),
        column(v for *_, v in found),
        np.full((n, W), WAITING, dtype=np.int64),
        np.zeros((n, W), dtype=np.int64),
        np.zeros(n, dtype=np.int64),
        np.zeros(1, dtype=np.int64),
        np.full(1, model.horizon, dtype=np.int64),
    )


@step
def fire(tg, ven, ev, phase):
    """Fire the watches that hear the events recorded since the last call, recorded at
    `phase` of their month (Triggers.heard, Triggers._fire)."""
    ints, W = ev.ints, tg.kind.shape[0]
    for i in range(tg.seen[0], ev.count[0]):
        r, month, kind, member, venture = ints[i, 0], ints[i, 1], ints[i, 2], ints[i, 3], ints[i, 4]
        for w in range(W):
            if tg.due[r, w] != WAITING or tg.kind[w] != kind:
                continue
            if kind in (COLLAPSE, DISSOLUTION):  # a venture's event
                if tg.who[w] >= 0 and tg.who[w] != venture:
                    continue
            elif (tg.who[w] >= 0 and tg.who[w] != member) or (
                tg.venture[w] >= 0 and tg.venture[w] != venture
            ):
                continue
            due = month + tg.after[w] + (1 if phase > tg.time[w] + _EPS else 0)
            parent = tg.parent[w]
            if due >= tg.horizon[0] or (parent >= 0 and ven.end[r, parent] >= 0):
                tg.due[r, w] = DONE
            else:
                tg.due[r, w], tg.order[r, w] = due, tg.count[r]
                tg.count[r] += 1
    tg.seen[0] = ev.count[0]


@step
def next_fired(tg, r, month, action, other=-1, third=-1):
    """Take the watch of `action` (or `other`, `third`) due in `month` that fired first in
    replication r: its index, or -1 if none is due."""
    best, first = -1, np.iinfo(np.int64).max
    for w in range(tg.kind.shape[0]):
        a = tg.action[w]
        if tg.due[r, w] == month and a in (action, other, third) and tg.order[r, w] < first:
            best, first = w, tg.order[r, w]
    if best >= 0:
        tg.due[r, best] = DONE
    return best


@step
def first_due(tg, lo, hi, month, best):
    """The first month after `month` an action set off by an event is due in, in
    replications lo … hi-1, if before `best`; else best."""
    due = tg.due
    if due.shape[1] == 0:
        return best
    for r in range(lo, hi):
        for w in range(due.shape[1]):
            if month < due[r, w] < best:
                best = due[r, w]
    return best
