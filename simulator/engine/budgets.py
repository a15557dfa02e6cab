"""Yearly envelopes (docs/model.md §8.7): a member pays at most its `per_year` in each
calendar year, all ventures together. Payments beyond wait for the next year's envelope
(`beyond: wait`) or are refused, cancelled when they are planned (`beyond: refuse`).

The envelope is applied whenever the member's payments are planned: its pledges at the
start, every later pledge (a join, a raise, a top-up, a split's move), and each capital
call, which asks at most what is left of the year's envelope. Payments are taken in
month order; in a month over the envelope, every venture's payment is scaled alike.
A replication builds a `Budgets` only when some member has a budget.
"""

from __future__ import annotations

import numpy as np

from simulator.engine.model import month_ref

_EPS = 1e-9


class Budgets:
    """The envelopes of one replication and what each member has planned in each year."""

    def __init__(self, rep, specs: list):
        self.rep = rep
        names = rep.model.members
        self.limit = {b.member: rep.draw(b.per_year, f"budget/{names[b.member]}") for b in specs}
        self.beyond = {b.member: b.beyond for b in specs}
        absolute = rep.model.start + np.arange(rep.model.horizon)
        self.year = absolute // 12  # calendar year of each month index
        self.first = {y: int(np.argmax(self.year == y)) for y in np.unique(self.year)}

    def start(self) -> None:
        """Fit the pledges made at the start into their envelopes."""
        for p in self.limit:
            self.fit(p, 0)

    def fit(self, p: int, month: int) -> None:
        """Bring p's payments from `month` on within its envelopes: each year's payments in
        month order until the envelope is spent; what is beyond moves to the first month of
        the next year (and on), or is cancelled now."""
        if p not in self.limit:
            return
        due, h = self.rep.ledger.due, self.rep.model.horizon
        moved = np.zeros(due.shape[0])
        year, room = None, 0.0
        for t in range(month, h):
            if self.year[t] != year:
                year = self.year[t]
                room = self.limit[p] - float(due[:, p, self.first[year] : month].sum())
            x = due[:, p, t]
            total = float(x.sum())
            if total <= room + _EPS:
                room -= total
                continue
            keep = max(room, 0.0) / total
            excess = x * (1.0 - keep)
            due[:, p, t] = x * keep
            room = 0.0
            self._beyond(p, t, excess, moved)
        if moved.any():
            self._record(p, month, moved)

    def _beyond(self, p: int, t: int, excess: np.ndarray, moved: np.ndarray) -> None:
        """Payments over the envelope in month t: to next January, or refused."""
        moved += excess
        if self.beyond[p] == "refuse":
            return
        ledger, nxt = self.rep.ledger, self.first.get(self.year[t] + 1)
        if nxt is None:  # past the horizon: still owed, after it
            ledger.unscheduled[:, p] += excess
        else:
            ledger.due[:, p, nxt] += excess

    def _record(self, p: int, month: int, moved: np.ndarray) -> None:
        rep, limit = self.rep, self.limit[p]
        for v in np.flatnonzero(moved > _EPS):
            amount = float(moved[v])
            if self.beyond[p] == "refuse":
                rep.ledger.refuse(v, p, month, amount)
                rep.record_event("budget_refused", p, v, amount, f"beyond {limit:g} a year")
            else:
                rep.record_event(
                    "budget_deferred", p, v, amount, f"beyond {limit:g} a year: paid later"
                )

    def room(self, p: int, month: int) -> float:
        """What p may still pay in `month`'s year, its planned payments counted."""
        if p not in self.limit:
            return float("inf")
        year = self.year[month]
        months = self.year == year
        return max(self.limit[p] - float(self.rep.ledger.due[:, p, months].sum()), 0.0)

    def call(self, v: int, p: int, month: int, part: float) -> float:
        """A capital call asking `part` of p: what it pays now (payments brought forward
        from later in the year, then at most the year's room); the rest waits for a later
        call, or is refused (cancelled)."""
        ledger = self.rep.ledger
        end = month + int(np.sum(self.year[month:] == self.year[month]))
        this_year = float(ledger.due[v, p, month + 1 : end].sum())  # moves within the year
        paid = ledger.call(v, p, month, min(part, this_year + self.room(p, month)))
        rest = part - paid
        if rest > _EPS and p in self.limit:
            if self.beyond[p] == "refuse":
                cut = ledger.cancel_part(v, p, month, rest)
                self.rep.record_event(
                    "budget_refused", p, v, cut, f"call beyond {self.limit[p]:g} a year"
                )
            else:
                self.rep.record_event(
                    "budget_deferred",
                    p,
                    v,
                    rest,
                    f"call beyond {self.limit[p]:g} a year: not paid in {month_ref(month)}",
                )
        return paid
