"""Policies by which a funder pledges more (docs/model.md §8.1, §8.3): `raise`, at a date,
and `top_up`, whenever the funder's share falls below its target; and the draw of every
policy's terms.

Their terms are drawn with the others' by the replication (`policy_values`); matching money
(§8.2) is part of the replication's capital accounting, since every rule reads it.
"""

from __future__ import annotations

from functools import partial

from simulator.engine.model import PolicySpec
from simulator.engine.triggers import book

_EPS = 1e-9
POLICY = 0.2  # raises and top-ups act at m + 0.2 (model.md §11)


def policy_terms(rep) -> dict[str, dict]:
    """Every policy's terms for one replication, by policy id, drawn from the policy's
    stream where uncertain (a `cap` policy's total in the `amount` slot)."""
    terms = {}
    for pol in rep.model.policies:
        key = f"policy/{pol.id}"
        terms[pol.id] = {
            "ratio": rep.draw(pol.ratio, key + "/ratio"),
            "cap": None if pol.cap is None else rep.draw(pol.cap, key + "/cap"),
            "share": rep.draw(pol.share, key + "/share"),
            "amount": rep.draw(pol.amount, key + "/amount"),
        }
    return terms


class Raises:
    """The raises and top-ups of one replication, and what each top-up has added so far."""

    def __init__(self, rep):
        self.rep = rep
        self.added = {pol.id: 0.0 for pol in rep.model.policies if pol.kind == "top_up"}
        self.waiting = set()  # top-ups that apply once their event has happened (§9.7)
        for pol in rep.plan.top_ups:
            if pol.on is not None:
                self.waiting.add(pol.id)
                rep.triggers.watch(pol.on, POLICY, partial(self._activate, pol))

    def start(self) -> None:
        """Book the raises, dated or on their event (after the month's cuts, §11)."""
        for pol in self.rep.plan.raises:
            book(self.rep, pol.at, pol.on, POLICY, self.raise_pledge, pol)

    def _activate(self, pol: PolicySpec, month: int) -> None:
        self.rep.at(month + POLICY, self._applies, pol)

    def _applies(self, pol: PolicySpec) -> None:
        """A top-up's event has happened: from now on it tops up (at once if it must)."""
        self.waiting.discard(pol.id)
        self.top_up(pol, self.rep.month())

    def raise_pledge(self, pol: PolicySpec) -> None:
        """A `raise` policy: its funder pledges the policy's amount more, unless it cannot."""
        rep = self.rep
        month = rep.month()
        rules, v = rep.rules, pol.venture
        why = None
        if rep.collapse[v] is not None:
            why = f"venture {rep.ended_as[v]}"
        elif not rep.is_member(pol.funder, v):
            why = "not a member"
        elif rules is not None and rules.is_stopped(v, pol.funder):
            why = "funder stopped"
        if why is not None:
            rep.record_event("policy_skipped", pol.funder, v, 0.0, f"{pol.id}: {why}")
            return
        amount = rep.policy_values[pol.id]["amount"]
        if rules is not None:
            amount = rules.take(pol, amount)
        rep.pledge(pol.venture, pol.funder, month, amount, pol.schedule, f"policy/{pol.id}")
        rep.record_event("raise", pol.funder, pol.venture, amount, pol.id)
        rep.after_change(month)

    def top_up(self, pol: PolicySpec, month: int) -> None:
        """A funder tops the venture's capital up to its target share, if it fell below."""
        rep = self.rep
        v, f = pol.venture, pol.funder
        if rep.collapse[v] is not None or not rep.is_member(f, v) or pol.id in self.waiting:
            return
        vals = rep.policy_values[pol.id]
        total, match = rep.active_committed(v, month)
        own = rep.ledger.committed[v][f] + match.get(f, 0.0)
        if rep.exits is not None:
            own += rep.exits.adjust[v][f]
        share = vals["share"]
        need = (share * total - own) / (1.0 - share)
        if vals["cap"] is not None:
            need = min(need, vals["cap"] - self.added[pol.id])
        if rep.rules is not None and need > _EPS:
            if rep.rules.is_stopped(v, f):
                return
            need = rep.rules.take(pol, need)
        if need > _EPS:
            rep.pledge(v, f, month, need, pol.schedule, f"policy/{pol.id}")
            self.added[pol.id] += need
            rep.record_event("top_up", f, v, need, pol.id)
