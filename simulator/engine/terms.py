"""Terms that vary, as the engine draws and uses them (docs/model.md §6.1, §7.6).

A departure hazard that varies by month is drawn, once per departure clock, into a
piecewise-constant monthly probability (`Piecewise`); the month of leaving is then drawn
by inversion of its survival function with one uniform, as a constant hazard's geometric
wait is (`leave_month`): a constant hazard gives exactly the draws it always did. A
bargaining term that varies by round is drawn when the talks open, into values read by
round (`in_round`). Each uncertain value draws from a stream of its own (§12).
"""

from __future__ import annotations

import bisect
import math
from dataclasses import dataclass

from simulator.engine.draws import months_until_departure
from simulator.scenario.terms import ByRound, Drift, PerRound, Steps

SNAP = 1e-9  # a value this close to a bound of its range is the bound


def _clip(x: float, low: float, high: float) -> float:
    if x <= low + SNAP:
        return low
    if x >= high - SNAP:
        return high
    return x


# --- hazards by month ------------------------------------------------------------------


@dataclass(frozen=True)
class StepHazard:
    """A step schedule (scenario/terms.py Steps): `values[i]` from month `months[i]` on
    (indices from the start), 0 before the first; `names` the months as written."""

    months: tuple
    values: tuple  # numbers or distributions
    names: tuple


@dataclass(frozen=True)
class DriftHazard:
    """A drift (Drift): `start` in month `origin` (an index, possibly < 0), plus
    `per_year`/12 a month after, within [0, `high`]."""

    start: object
    per_year: object
    origin: int
    high: float


@dataclass(frozen=True)
class Piecewise:
    """A drawn monthly probability: `before` until `starts[0]`, then `values[i]` from
    `starts[i]` up to the next start. Equal neighbours are merged, so a schedule whose
    values are all equal is one piece: it draws as the constant does."""

    before: float
    starts: tuple
    values: tuple

    @classmethod
    def of(cls, before: float, pieces) -> Piecewise:
        starts, values, last = [], [], before
        for start, value in pieces:
            if value != last:
                starts.append(start)
                values.append(value)
                last = value
        return cls(before, tuple(starts), tuple(values))

    def at(self, month: int) -> float:
        i = bisect.bisect_right(self.starts, month)
        return self.values[i - 1] if i else self.before

    def scaled(self, factor: float, added: float) -> Piecewise:
        """min(1, h·factor + added) in every month (contagion, §6.3)."""
        if factor == 1.0 and added == 0.0:
            return self

        def h(v: float) -> float:
            return min(1.0, v * factor + added)

        pieces = zip(self.starts, map(h, self.values), strict=True)
        return Piecewise.of(h(self.before), pieces)

    def leave_month(self, first: int, u: float) -> float:
        """The month of leaving for a member at risk from month `first`: the first month t
        with Π_{s=first..t} (1 − h(s)) < 1 − u (inf if none). Within a piece of value h the
        wait is geometric, ⌊ln(1 − u′)/ln(1 − h)⌋ months, u′ what is left of u."""
        budget = math.log1p(-u)  # ln(1 − u): what surviving may still spend
        i = bisect.bisect_right(self.starts, first)
        month, value = first, self.values[i - 1] if i else self.before
        while True:
            end = self.starts[i] if i < len(self.starts) else math.inf
            if value >= 1.0:
                return month
            if value > 0.0:
                step = math.log1p(-value)
                k = math.floor(budget / step)
                if month + k < end:
                    return month + k
                budget -= (end - month) * step
            if end == math.inf:
                return math.inf
            month, value, i = end, self.values[i], i + 1


def leave_month(rate, first: int, u: float) -> float:
    """The month of leaving from month `first` under a constant hazard (a number: the
    geometric wait of §6.1, as always) or a varying one (a Piecewise)."""
    if isinstance(rate, Piecewise):
        return rate.leave_month(first, u)
    return first + months_until_departure(rate, u)


def hazard_spec(term, start: int):
    """A scenario's hazard (a number, a distribution, Steps or Drift) as the engine keeps
    it: months as indices from the scenario's `start`."""
    if isinstance(term, Steps):
        months = tuple(m - start for m in term.months())
        return StepHazard(months, tuple(term.steps.values()), tuple(term.steps))
    if isinstance(term, Drift):
        origin = 0 if term.from_ is None else term.from_ - start
        return DriftHazard(term.start, term.per_year, origin, term.max)
    return term


def draw_rate(rep, term, name: str):
    """A hazard drawn for one departure clock: a number, or a Piecewise. A step's value
    draws from `name`/its month, a drift's from `name`/start and `name`/per_year."""
    if isinstance(term, StepHazard):
        values = [rep.draw(v, f"{name}/{m}") for v, m in zip(term.values, term.names, strict=True)]
        return Piecewise.of(0.0, zip(term.months, values, strict=True))
    if isinstance(term, DriftHazard):
        start = rep.draw(term.start, name + "/start")
        slope = rep.draw(term.per_year, name + "/per_year") / 12

        def h(t: int) -> float:
            return _clip(start + slope * (t - term.origin), 0.0, term.high)

        first = max(term.origin, 0)  # h is `start` up to the origin
        return Piecewise.of(h(first), ((t, h(t)) for t in range(first + 1, rep.model.horizon)))
    return rep.draw(term, name)


# --- bargaining terms by round ------------------------------------------------------------


@dataclass(frozen=True)
class RoundList:
    """Round k uses values[k − 1]; the last repeats."""

    values: tuple


@dataclass(frozen=True)
class RoundLine:
    """first + per_round·(k − 1) in round k, within [low, high]."""

    first: object
    per_round: object
    low: float
    high: float


def round_spec(term, low: float = 0.0, high: float = math.inf):
    """A scenario's bargaining term (a number, a distribution, by_round or first/per_round)
    as the engine keeps it; [low, high] is the key's range."""
    if isinstance(term, ByRound):
        return RoundList(tuple(term.values()))
    if isinstance(term, PerRound):
        top = high if term.max is None else min(high, term.max)
        return RoundLine(term.first, term.per_round, low, top)
    return term


def draw_round_term(rep, term, name: str):
    """A term drawn when the talks open: a number, a tuple of numbers by round, or a drawn
    RoundLine. The k-th value draws from `name`/k, a line's from `name`/first, /per_round."""
    if isinstance(term, RoundList):
        return tuple(rep.draw(v, f"{name}/{k}") for k, v in enumerate(term.values, 1))
    if isinstance(term, RoundLine):
        first = rep.draw(term.first, name + "/first")
        return RoundLine(first, rep.draw(term.per_round, name + "/per_round"), term.low, term.high)
    return rep.draw(term, name)


def in_round(value, k: int) -> float:
    """The value of a drawn term in round k (1, 2, ...)."""
    if isinstance(value, tuple):
        return value[min(k, len(value)) - 1]
    if isinstance(value, RoundLine):
        return _clip(value.first + value.per_round * (k - 1), value.low, value.high)
    return value
