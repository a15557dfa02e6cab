"""Dissolutions in the batch engine (docs/model.md §9.1; rules.FunderRules._dissolve): at
m + 0.55 of its date, or of the month its event gives (triggers.py), a venture still
running is wound up: what its members still owe from next month is cancelled, and its
event says why. Dissolutions below a level of capital or when cash runs out are not
ported (support.py)."""

from __future__ import annotations

from simulator.engine.batch.book import cancel_from
from simulator.engine.batch.codes import AT_ITS_DATE, DISSOLUTION, ON_ITS_EVENT
from simulator.engine.batch.jit import step
from simulator.engine.batch.kernels import record
from simulator.engine.batch.triggers import DISSOLVE_ACT, fire, next_fired
from simulator.engine.outcome import ENDINGS
from simulator.engine.rules import DISSOLVE

_DISSOLVED = ENDINGS.index("dissolved")


@step
def dissolutions(led, mem, ven, tg, ev, month):
    """m + 0.55: the ventures dissolved at this date, in order; then those on an event, in
    the order their events were heard (one test a venture and month: rules.py)."""
    at = ven.dissolve_at
    for v in range(at.shape[0]):
        if at[v] == month:
            for r in range(mem.block[0], mem.block[1]):
                dissolve(led, mem, ven, ev, r, v, month, AT_ITS_DATE)
    if tg.kind.shape[0]:
        fire(tg, ven, ev, DISSOLVE)  # a dissolution may wait for another, due at once
        for r in range(mem.block[0], mem.block[1]):
            w = next_fired(tg, r, month, DISSOLVE_ACT)
            while w >= 0:
                v = tg.index[w]
                why = AT_ITS_DATE if 0 <= at[v] <= month else ON_ITS_EVENT
                dissolve(led, mem, ven, ev, r, v, month, why)
                fire(tg, ven, ev, DISSOLVE)
                w = next_fired(tg, r, month, DISSOLVE_ACT)


@step
def dissolve(led, mem, ven, ev, r, v, month, why):
    """Venture v of replication r is dissolved, unless it has already ended."""
    if ven.end[r, v] >= 0:
        return
    ven.end[r, v], ven.ending[r, v] = month, _DISSOLVED
    cancelled = 0.0
    for p in range(mem.join.shape[2]):
        cancelled += cancel_from(led, r, v, p, month + 1, month + 1)
    record(ev, r, month, DISSOLUTION, -1, v, cancelled, why, 0.0, 0.0)
