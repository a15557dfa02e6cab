"""How much one replication of a model can record on the batch engine (pledges, events)
and hold while its chunk runs: the room the chunk's arrays are given, and the size a
sweep's chunk is cut to. Without numba: a sweep's parent process sizes its tasks."""

from __future__ import annotations

from simulator.engine.batch.codes import EVENT_INTS, EVENT_REALS
from simulator.engine.model import Model


def room(model: Model) -> int:
    """Pledges a replication can make: the founders', each candidate's on joining, each
    raise once, each top-up at most once per change of capital (as events' room)."""
    V, P = model.involved.shape
    changes = 1 + P * V + len(model.negotiations) + len(model.plan.raises)
    founders = sum(not model.candidate[s.member] for s in model.pledges)
    candidates = sum(bool(model.candidate[s.member]) for s in model.pledges)
    return founders + candidates + len(model.plan.raises) + len(model.plan.top_ups) * changes


def bytes_per_replication(model: Model) -> int:
    """What a chunk holds per replication while its clock runs (the book of pledges, the
    events' room, the departures' clocks, membership) and the venture totals it records:
    a sweep's chunk is sized by it."""
    V, P = model.involved.shape
    D, H = len(model.departures), model.horizon
    book_ = room(model) * 6 * 8 + 2 * V * P * 8
    events_ = event_room(model) * (len(EVENT_INTS) + len(EVENT_REALS)) * 8
    return book_ + events_ + D * 12 * 8 + 2 * V * P * 8 + 4 * V * H * 8


def event_room(model: Model) -> int:
    """Events one replication can record (events' docstring)."""
    V, P = model.involved.shape
    stakes = P * V * P if model.has_exits else 0
    each = P * V + stakes + sum(2 + V for _ in model.negotiations) + V + len(model.plan.raises)
    changes = 1 + P * V + len(model.negotiations) + len(model.plan.raises)
    return each + len(model.plan.top_ups) * changes  # a top-up at most once per change
