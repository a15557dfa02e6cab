"""Contagion (docs/model.md §6.3): a departure raises others' hazards for a time, or makes
them leave at once with a probability.

A raised hazard uses the memoryless redraw of rival hazards (§6.1). A member's geometric
draw covers the months up to the next change of rate already known (a window opening
or closing); past it, it is drawn again from that month with the rate then. When a
departure changes the windows, the pending draw is kept if it falls before the month
the change takes effect, and is otherwise drawn again from that month.
"""

from __future__ import annotations

import math

from simulator.engine.terms import Piecewise, draw_rate, leave_month


class Contagion:
    """The contagion rules of one replication: their windows and the members they wake."""

    def __init__(self, rep, rules: list):
        self.rep, self.rules = rep, rules
        self.values = [
            (
                None
                if r.multiplier is None
                else rep.draw(r.multiplier, f"contagion/{r.id}/multiplier"),
                None if r.added is None else rep.draw(r.added, f"contagion/{r.id}/added"),
                None
                if r.probability is None
                else rep.draw(r.probability, f"contagion/{r.id}/probability"),
            )
            for r in rules
        ]
        self.since = [0] * len(rules)  # first month of a rule's current window
        self.until = [-1] * len(rules)  # last month of it (-1: never opened)
        self.waiting: dict = {}  # member → event that wakes its hazard process

    def rate(self, p: int, rate, month: int):
        """The hazard of member p from `month` on, as the windows stand then, given its rate
        without contagion (a number, or a Piecewise that varies by month)."""
        factor, added = 1.0, 0.0
        for k, r in enumerate(self.rules):
            if p in r.targets and self.since[k] <= month <= self.until[k]:
                mult, add, _ = self.values[k]
                if mult is not None:
                    factor *= mult
                if add is not None:
                    added += add
        if isinstance(rate, Piecewise):
            return rate.scaled(factor, added)
        return min(1.0, rate * factor + added)

    def departed(self, p: int, month: int) -> None:
        """Member p left in `month`: open (or extend) windows, schedule exits."""
        for k, r in enumerate(self.rules):
            if r.sources is not None and p not in r.sources:
                continue
            probability = self.values[k][2]
            if probability is not None:
                for q in r.targets:
                    if q != p:
                        self.rep.at(self.rep.env.now, self._exit, r.id, q, probability)
                continue
            end = month + r.months
            if self.since[k] <= month + 1 <= self.until[k]:  # open: extend it
                if end <= self.until[k]:
                    continue
                self.until[k] = end
            else:
                self.since[k], self.until[k] = month + 1, end
            self._wake(r.targets, month + 1)

    def next_change(self, p: int, month: int) -> float:
        """The first month after `month` in which p's rate changes as the windows stand."""
        change = math.inf
        for k, r in enumerate(self.rules):
            if self.until[k] >= month and self.values[k][2] is None and p in r.targets:
                change = min(change, self.since[k] if self.since[k] > month else self.until[k] + 1)
        return change

    def _wake(self, members, month: int) -> None:
        for q in members:
            event = self.waiting.pop(q, None)
            if event is not None:
                event.succeed(month)

    def _exit(self, rule_id: str, q: int, probability: float) -> None:
        rep = self.rep
        if (
            rep.is_member(q)
            and rep.uniform(f"contagion/{rule_id}/{rep.model.members[q]}") < probability
        ):
            rep.leave_member(q, None, f"contagion {rule_id}")

    def hazard_departure(self, d, first_month: int):
        """A hazard departure whose rate contagion can raise (and a rival, if any, too)."""
        rep = self.rep
        env, horizon = rep.env, rep.model.horizon
        key = rep.member_key("departure", d.member)
        base = draw_rate(rep, d.hazard, key + "/hazard")
        raised = None if d.rival is None else draw_rate(rep, d.rival_hazard, key + "/rival_hazard")
        month = start = first_month if d.start is None else max(d.start, first_month)
        while rep.is_member(d.member, d.venture):
            plain = raised if raised is not None and rep.is_member(d.rival) else base
            leave = leave_month(self.rate(d.member, plain, month), month, rep.uniform(key))
            change = self.next_change(d.member, month)
            if leave >= change < horizon:  # survives to a known change of rate: draw on
                month = change
                continue
            while True:
                wake = self.waiting.setdefault(d.member, env.event())
                waits = [env.timeout(max(min(leave, horizon) - env.now, 0.0)), wake]
                if d.rival is not None:
                    waits.append(rep.change_of(d.rival))
                yield env.any_of(waits)
                if d.rival is not None and waits[2].triggered:
                    month = max(math.ceil(env.now), start)  # as for rivals (§6.1)
                    break
                if wake.triggered:
                    if leave < wake.value:  # the draw falls before the change: it stands
                        continue
                    month = max(wake.value, start)
                    break
                if leave < horizon:
                    rep.leave_if_member(d.member, d.venture)
                self.waiting.pop(d.member, None)
                return
        self.waiting.pop(d.member, None)
