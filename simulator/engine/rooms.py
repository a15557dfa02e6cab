"""How much one replication of a model can record on the batch engine (pledges, events)
and hold while its chunk runs: the room the chunk's arrays are given, and the size a
sweep's chunk is cut to. Without numba: a sweep's parent process sizes its tasks."""

from __future__ import annotations

from simulator.engine.batch.codes import EVENT_INTS, EVENT_REALS
from simulator.engine.model import Model
from simulator.engine.terms import DriftHazard, StepHazard

ENTRY = 6 * 4 + 8  # bytes of a pledge in the book: six 32-bit fields and its amount


def room(model: Model) -> int:
    """Entries a replication's book can hold: the pledges (the founders', each candidate's
    on joining, each raise once, each top-up at most once per change of capital, as events'
    room), and each cut's continuations, one per entry of its member it may find."""
    changes = _changes(model)
    own = [0] * len(model.members)  # entries a member's pledges may make
    for s in model.pledges:
        own[s.member] += 1
    for pol in model.plan.raises:
        own[pol.funder] += 1
    for pol in model.plan.top_ups:
        own[pol.funder] += changes
    for c in model.cuts:
        own[c.member] *= 2  # each entry still paying may get a continuation
    for _, split in model.plan.splits:  # each entry moved to each child of its member's
        own = [x * (1 + len(split.children_of(p))) for p, x in enumerate(own)]
    for _, buyout in model.plan.buyouts:  # the buyer's entries moved to the venture it joins
        if buyout.into is not None:
            own[buyout.exit.buyer] *= 2
    return sum(own)


def _changes(model: Model) -> int:
    """How many times a replication's capital can change (top-ups act at most once each)."""
    V, P = model.involved.shape
    buyouts = len(model.plan.buyouts) * (P + 1)  # each seller's leaving, an absorption
    dated = len(model.plan.raises) + len(model.cuts) + len(model.plan.transfers)
    dated += len(model.plan.splits)
    return 1 + P * V + len(model.negotiations) + dated + buyouts


def bytes_per_replication(model: Model, events: bool = True, months: int | None = None) -> int:
    """What a chunk holds per replication while its clock runs (the book of pledges, the
    events' room unless no event is recorded, the departures' clocks, membership) and the
    venture totals it records, at every month or at `months` months only (a sweep keeping
    no trajectory): a sweep's chunk is sized by it."""
    V, P = model.involved.shape
    D, H = len(model.departures), model.horizon
    book_ = room(model) * ENTRY + 2 * V * P * 8
    events_ = event_room(model) * (len(EVENT_INTS) + len(EVENT_REALS)) * 8 if events else 0
    pieces = varying_rates(model) * (2 * H + 2) * 8  # hazards.py's pieces
    totals = 4 * V * (H if months is None else months) * 8
    return book_ + events_ + D * 12 * 8 + 2 * V * P * 8 + totals + pieces


# Replications run together month after month (batch/month.py): as many as keep what their
# months read and write (books, clocks, membership) within about 2 MiB. Each block's month
# costs a few fixed steps; with the next due replication's rows prefetched
# (batch/departures.py), blocks of 1,272 replications of bench.yaml ran 2.5 % faster than
# blocks of 636 (1 MiB), median of 12 interleaved rounds.
BLOCK_BYTES = 2 * 2**20
BLOCKS = (16, 4_096)


def block_size(model: Model) -> int:
    """Replications whose months the batch engine runs together (month.run_months)."""
    low, high = BLOCKS
    return max(low, min(high, BLOCK_BYTES // _hot_bytes(model)))


# The blocks a chunk runs from its founders' clocks to its horizon before the next piece
# starts (batch/run.py): as many as keep their state within a few MiB, in the shared cache.
PIECE_BYTES = 4 * 2**20


def piece_size(model: Model) -> int:
    """Replications the batch engine runs from month 0 to the horizon together: whole
    blocks."""
    block = block_size(model)
    return block * max(1, PIECE_BYTES // (block * _hot_bytes(model)))


def _hot_bytes(model: Model) -> int:
    """What a replication's months read and write: its book, clocks and membership."""
    V, P = model.involved.shape
    D = len(model.departures)
    hot = room(model) * ENTRY + D * 12 * 8 + 4 * V * P * 8 + varying_rates(model) * 16
    return max(1, hot)


def event_room(model: Model) -> int:
    """Events one replication can record (events' docstring)."""
    V, P = model.involved.shape
    stakes = P * V * P if model.has_exits else 0
    each = P * V + stakes + sum(2 + V for _ in model.negotiations)
    each += 2 * V  # collapses, dissolutions
    each += len(model.plan.raises)
    each += len(model.cuts) + sum(t.dilution is not None for t in model.negotiations) * V * P
    each += len(model.plan.buyouts) * (2 * P + 2)  # departures, sales, the buy-out, absorbed
    each += sum(1 + len(t.givers) for _, t in model.plan.transfers)
    each += sum(1 + P * (1 + len(s.children)) for _, s in model.plan.splits)
    return each + len(model.plan.top_ups) * _changes(model)  # a top-up once per change


def varying_rates(model: Model) -> int:
    """How many departure rates vary by month (each keeps its pieces per replication)."""
    terms = [t for d in model.departures for t in (d.hazard, d.rival_hazard)]
    return sum(isinstance(t, StepHazard | DriftHazard) for t in terms)
