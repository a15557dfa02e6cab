"""Hazards that vary by month in the batch engine (terms.py's Piecewise, model.md §6.1).

Each departure's two rates (its hazard, and its hazard while its rival is a member) that
vary by month get a slot: per replication, the pieces of the drawn monthly probability
(`before` until the first start, then values[j] from starts[j] on), equal neighbours
merged as Piecewise.of merges them, since the inversion below sums one logarithm per piece
and merging changes its rounding. A constant rate keeps slot -1 and its geometric draw.
"""

from __future__ import annotations

import math
from collections import namedtuple

import numpy as np

from simulator.engine.batch.draws import ChunkDraws
from simulator.engine.batch.jit import inline, kernel
from simulator.engine.terms import SNAP, DriftHazard, StepHazard

# slot[d, 0]: departure d's hazard, slot[d, 1] its rival hazard (-1: constant); per slot
# and replication, `count` pieces: start[r, s, j], value[r, s, j], and `before`.
PieceArrays = namedtuple("PieceArrays", "slot start value count before")


def varies(term) -> bool:
    return isinstance(term, StepHazard | DriftHazard)


def pieces(model, draws: ChunkDraws, names: list) -> PieceArrays:
    """The varying rates of model.departures drawn for the chunk (names: each departure's
    element, "departure/<member>"), from the streams the per-replication engine draws
    them from (terms.draw_rate)."""
    D, n, H = len(model.departures), draws.n, model.horizon
    slot = np.full((D, 2), -1, dtype=np.int64)
    raw = []  # per slot: (starts (K,), values (n, K), before (n,))
    for d, spec in enumerate(model.departures):
        for which, (term, key) in enumerate(
            ((spec.hazard, "/hazard"), (spec.rival_hazard, "/rival_hazard"))
        ):
            if varies(term):
                slot[d, which] = len(raw)
                raw.append(_raw(term, draws, names[d] + key, H))
    K = max((len(s) for s, _, _ in raw), default=0)
    start = np.zeros((n, len(raw), K), dtype=np.int64)
    value = np.zeros((n, len(raw), K))
    count = np.zeros((n, len(raw)), dtype=np.int64)
    before = np.zeros((n, len(raw)))
    for s, (starts, values, first) in enumerate(raw):
        start[:, s, : len(starts)] = starts
        value[:, s, : len(starts)] = values
        count[:, s] = len(starts)
        before[:, s] = first
    merge(start, value, count, before)
    return PieceArrays(slot, start, value, count, before)


def _raw(term, draws: ChunkDraws, name: str, horizon: int) -> tuple:
    """A varying term's pieces before merging: (starts, values (n, K), before (n,))."""
    if isinstance(term, StepHazard):
        values = [
            draws.number(v, f"{name}/{m}") for v, m in zip(term.values, term.names, strict=True)
        ]
        starts = np.array(term.months, dtype=np.int64)
        return starts, np.column_stack(values).reshape(draws.n, len(starts)), np.zeros(draws.n)
    begin = draws.number(term.start, name + "/start")[:, None]
    slope = draws.number(term.per_year, name + "/per_year")[:, None] / 12
    first = max(term.origin, 0)  # the rate is `start` up to the origin
    months = np.arange(first, horizon, dtype=np.int64)
    x = begin + slope * (months - term.origin)[None, :]
    h = np.where(x <= SNAP, 0.0, np.where(x >= term.high - SNAP, term.high, x))
    return months[1:], h[:, 1:], h[:, 0]


@kernel
def merge(start, value, count, before):
    """Merge equal neighbours in place (Piecewise.of), per replication and slot."""
    n, S, _ = start.shape
    for r in range(n):
        for s in range(S):
            last, c = before[r, s], 0
            for j in range(count[r, s]):
                if value[r, s, j] != last:
                    start[r, s, c], value[r, s, c] = start[r, s, j], value[r, s, j]
                    last = value[r, s, j]
                    c += 1
            count[r, s] = c


@inline
def leave_month(pw, r, s, first, u):
    """Piecewise.leave_month for slot s of replication r: the first month t from `first`
    with Π_{first..t} (1 − h) < 1 − u (inf if none); within a piece geometric. Floors in
    floating point: a tiny hazard's wait can pass what an integer holds."""
    budget = math.log1p(-u)
    starts, values, n = pw.start[r, s], pw.value[r, s], pw.count[r, s]
    i = 0
    while i < n and starts[i] <= first:  # bisect_right
        i += 1
    month = float(first)
    value = values[i - 1] if i else pw.before[r, s]
    while True:
        end = float(starts[i]) if i < n else math.inf
        if value >= 1.0:
            return month
        if value > 0.0:
            step = math.log1p(-value)
            k = np.floor(budget / step)
            if month + k < end:
                return month + k
            budget -= (end - month) * step
        if i >= n:
            return math.inf
        month, value, i = end, values[i], i + 1
