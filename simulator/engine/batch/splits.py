"""Dated splits in the batch engine (docs/model.md §9.2; splits.Splits): at m + 0.05 of its
month, after the month's departures, buy-outs and transfers, each member of the parent
moves its outstanding pledge to the children it goes to, in its fractions, or as given
amounts drawn then (scaled down to what is outstanding; what they leave is cancelled);
paid-in capital stays in the parent, which ends there (the book's moved pledges, book.py).
A split of a venture that has already ended moves nothing, and its event says so."""

from __future__ import annotations

from collections import namedtuple

import numpy as np

from simulator.engine.batch.book import move_from, outstanding_from
from simulator.engine.batch.codes import (
    FROM_PARENT,
    INTO_CHILDREN,
    NO_CHILD,
    NOT_GIVEN,
    SPLIT,
    SPLIT_AFTER_END,
)
from simulator.engine.batch.draws import ChunkDraws
from simulator.engine.batch.jit import step
from simulator.engine.batch.kernels import is_member, record, touch
from simulator.engine.batch.topups import after_change
from simulator.engine.batch.triggers import SPLIT_ACT, next_fired
from simulator.engine.model import Model
from simulator.engine.outcome import ENDINGS

_EPS = 1e-9
_SPLIT = ENDINGS.index("split")

# kids[s, p, :], fraction[s, p, :]: the children member p goes to in split s and its
# fractions (-1 past the last child); given[s, p]: by amounts instead, drawn[r, s, p, :];
# to, part: scratch (jit.py)
SplitArrays = namedtuple("SplitArrays", "venture at kids fraction given drawn to part")


def splits(model: Model, draws: ChunkDraws) -> SplitArrays:
    """The splits in the order the per-replication engine books them (`at` -1: on an
    event, triggers.py), the members' amounts drawn up front from the streams
    Splits._fractions draws them from."""
    specs = model.plan.splits
    (V, P), n, ids = model.involved.shape, draws.n, model.venture_ids
    kids = np.full((len(specs), P, V), -1, dtype=np.int64)
    fraction, given = np.zeros((len(specs), P, V)), np.zeros((len(specs), P), dtype=bool)
    drawn = np.zeros((n, len(specs), P, V))
    for k, (v, spec) in enumerate(specs):
        for p, member in enumerate(model.members):
            amounts = None if spec.amounts is None else spec.amounts[p]
            given[k, p] = amounts is not None
            for j, (c, x) in enumerate(spec.parts[p] if amounts is None else amounts):
                kids[k, p, j] = c
                if amounts is None:
                    fraction[k, p, j] = x
                else:
                    drawn[:, k, p, j] = draws.number(x, f"split/{ids[v]}/{member}/{ids[c]}")
    return SplitArrays(
        np.array([v for v, _ in specs], dtype=np.int64),
        np.array([-1 if s.at is None else s.at for _, s in specs], dtype=np.int64),
        kids,
        fraction,
        given,
        drawn,
        np.zeros(V, dtype=np.int64),
        np.zeros(V),
    )


def children(model: Model) -> tuple:
    """Each split's children as its events name them ("a, b")."""
    ids = model.venture_ids
    return tuple(", ".join(ids[c] for c in s.children) for _, s in model.plan.splits)


@step
def splits_due(led, mem, mat, ven, ex, tops, sp, tg, ev, month):
    """m + 0.05: the splits dated this month, in order; then those set off by events."""
    for s in range(sp.at.shape[0]):
        if sp.at[s] == month:
            for r in range(mem.block[0], mem.block[1]):
                split(led, mem, mat, ven, ex, tops, sp, ev, r, s, month)
    if tg.kind.shape[0]:
        for r in range(mem.block[0], mem.block[1]):
            w = next_fired(tg, r, month, SPLIT_ACT)
            while w >= 0:
                split(led, mem, mat, ven, ex, tops, sp, ev, r, tg.index[w], month)
                w = next_fired(tg, r, month, SPLIT_ACT)


@step
def split(led, mem, mat, ven, ex, tops, sp, ev, r, s, month):
    """Split s in replication r (Splits._split)."""
    v = sp.venture[s]
    if ven.end[r, v] >= 0:
        record(ev, r, month, SPLIT, -1, v, 0.0, SPLIT_AFTER_END, s, 0.0)
        return
    ven.end[r, v], ven.ending[r, v] = month, _SPLIT
    moved = 0.0
    for p in range(mem.join.shape[2]):
        if is_member(mem, r, p, v, month):
            moved += split_member(led, mem, sp, ev, r, s, p, month)
    record(ev, r, month, SPLIT, -1, v, moved, INTO_CHILDREN, s, 0.0)
    touch(mem, r, month)
    if tops.venture.shape[0]:
        after_change(led, mem, mat, ven, ex, tops, ev, r, month)


@step
def split_member(led, mem, sp, ev, r, s, p, month):
    """Member p's outstanding pledge to the parent moves to its children (Splits._split);
    the amount cancelled in the parent."""
    v, to, part = sp.venture[s], sp.to, sp.part
    n, outstanding, total, how = fractions(led, mem, sp, r, s, p, month)
    amount = move_from(led, r, v, p, month, to, part, n)
    given = 0.0
    for k in range(n):
        c = to[k]
        mem.join[r, c, p] = min(mem.join[r, c, p], month)  # admit
        x = part[k] * amount
        record(ev, r, month, SPLIT, p, c, x, FROM_PARENT, part[k], outstanding, v, how, total)
        given += part[k]
    rest = amount * (1.0 - given)
    if rest > _EPS:
        record(ev, r, month, SPLIT, p, v, rest, NOT_GIVEN if n else NO_CHILD, 0.0, 0.0)
    return amount


@step
def fractions(led, mem, sp, r, s, p, month):
    """Member p's children and fractions into sp.to, sp.part, those it has left dropped:
    (how many, what it had outstanding, its amounts' total, how its fractions were set:
    0 given, 1 by amounts, 2 by amounts scaled down)."""
    v, kids, to, part = sp.venture[s], sp.kids[s, p], sp.to, sp.part
    outstanding, total, how = 0.0, 0.0, 0
    base = 1.0
    if sp.given[s, p]:
        for j in range(kids.shape[0]):
            if kids[j] >= 0:
                total += sp.drawn[r, s, p, j]
        outstanding = outstanding_from(led, r, v, p, month)
        base = max(total, outstanding)
        if base <= _EPS:
            return 0, outstanding, total, 0
        how = 2 if total > outstanding + _EPS else 1
    n = 0
    for j in range(kids.shape[0]):
        c = kids[j]
        if c < 0:
            break
        f = sp.fraction[s, p, j]
        if sp.given[s, p]:
            if sp.drawn[r, s, p, j] <= 0.0:
                continue
            f = sp.drawn[r, s, p, j] / base
        if mem.leave[r, c, p] <= month:
            continue  # a child p has already left (sold out in its buy-out): not rejoined
        to[n], part[n] = c, f
        n += 1
    return n, outstanding, total, how
