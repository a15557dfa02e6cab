"""Spending plans, capital calls and members that do not pay them (docs/model.md §9.5).

A venture with a spending plan spends s_m every month from its `start` to its `end`, at
time m + 0.25: after the month's payments are final, before stop tests (m + 0.45) and
venture checks. Its cash is its paid-in capital (matching money included) less the cash
it paid for refunds and what it has spent. With capital calls, when cash after the
month's spending would fall below `below`, the active members are called pro rata to
their outstanding pledges: a member that pays has its later payments pulled forward into
the month; one that defaults is diluted (its part is cancelled, and a penalty may forfeit
part of its stake to those that paid) or excluded. The venture spends what it has; when
that is less than planned its cash has run out. A replication builds a `Calls` only when
its scenario has a spending plan, so the others pay nothing for it.
"""

from __future__ import annotations

import numpy as np

from simulator.engine.exits import pro_rata

CALL = 0.25  # time within a month (model.md §11): the month's payments are final
_EPS = 1e-9


class Calls:
    """The spending plans and capital calls of one replication."""

    def __init__(self, rep, spending: list):
        self.rep = rep
        V, H = len(rep.model.ventures), rep.model.horizon
        self.specs = dict(spending)
        self.spent = np.zeros((V, H))  # spending per venture and month
        self.spent_total = [0.0] * V  # running Σ spent
        self.cash_out: list = [None] * V  # first month each venture's cash ran out
        self.cash_path: dict = {v: {} for v in self.specs}  # month → cash after spending
        # Drawn once per replication (model.md §12): every plan's amount, then the default
        # probabilities that are distributions, venture by venture in member order.
        self.monthly = {
            v: rep.draw(spec.amount, f"spending/{rep.model.ventures[v].id}/amount") / spec.per
            for v, spec in spending
        }
        self.probability = {
            v: [
                rep.draw(x, self.key(v, q) + "/probability")
                for q, x in enumerate(spec.default_probability)
            ]
            for v, spec in spending
        }
        for v, spec in spending:
            if spec.start <= spec.end:
                rep.at(spec.start + CALL, self._month_of, v, spec)

    def key(self, v: int, q: int) -> str:
        """The name of member q's defaults on venture v's capital calls."""
        return f"calls/{self.rep.model.ventures[v].id}/{self.rep.model.members[q]}"

    def spends(self, v: int) -> bool:
        return v in self.specs

    def cash(self, v: int, month: int) -> float:
        """v's cash once the payments of months ≤ `month` are made: paid-in capital (matching
        money included) less the cash paid for refunds and the spending so far."""
        rep = self.rep
        paid = float(rep.ledger.due[v, :, : month + 1].sum()) + self._match_paid(v, month)
        if rep.exits is not None:
            paid -= rep.exits.refund_paid[v]
        if rep.loans is not None:  # lent less repaid (§9.8)
            paid += rep.loans.net[v]
        return paid - self.spent_total[v]

    def _match_paid(self, v: int, month: int) -> float:
        """Matching money paid into v by the end of `month` (model.md §8.1), exactly as the
        chunk's add_match computes it after the run: matches in file order, each matching
        the private money paid, earlier matches' money included, frozen from the month its
        funder left or stopped."""
        rep, m = self.rep, self.rep.model
        matches = [pol for pol in m.policies if pol.kind == "match" and pol.venture == v]
        memo: dict = {}

        def paid(k: int, t: int) -> float:
            if (k, t) not in memo:
                pol = matches[k]
                f, vals = pol.funder, rep.policy_values[pol.id]
                stop = rep.leave[v, f]
                if rep.rules is not None:
                    stop = min(stop, rep.rules.stopped.get((v, f), stop))
                at = t if t < stop else stop - 1  # frozen at what it had paid
                amount = 0.0
                if at >= max(rep.join[v, f], 0):
                    private = [q for q in range(len(m.members)) if not m.public[q] and q != f]
                    money = float(rep.ledger.due[v, private, : at + 1].sum())
                    money += sum(paid(j, at) for j in range(k) if matches[j].funder in private)
                    amount = vals["ratio"] * money
                    if vals["cap"] is not None:
                        amount = min(amount, vals["cap"])
                memo[(k, t)] = amount
            return memo[(k, t)]

        return sum(paid(k, month) for k in range(len(matches)))

    # --- one month -------------------------------------------------------------------

    def _month_of(self, v: int, spec) -> None:
        """Call capital if cash would fall below the threshold, then spend (model.md §9.5)."""
        rep = self.rep
        if rep.collapse[v] is not None:  # ended: collapse, dissolution or split
            return
        month, planned = rep.month(), self.monthly[v]
        if spec.below is not None:
            cash = self.cash(v, month)
            if cash - planned < spec.below - _EPS:
                self._call(v, spec, month, spec.target - (cash - planned), cash, planned)
        cash = self.cash(v, month)
        spent = min(planned, max(cash, 0.0))
        self.spent[v, month] = spent
        self.spent_total[v] += spent
        self.cash_path[v][month] = cash - spent
        if cash < planned - _EPS:
            rep.record_event("cash_out", -1, v, spent, f"planned {planned:.6g}")
            if self.cash_out[v] is None:
                self.cash_out[v] = month
            if spec.dissolve:
                rep.rules.cash_ran_out(v, month)
        if month < spec.end and month + 1 < rep.model.horizon:
            rep.at(month + 1 + CALL, self._month_of, v, spec)

    def _call(self, v: int, spec, month: int, wanted: float, cash: float, planned: float):
        """Call `wanted` (capped at what is owed) from v's active members pro rata to their
        outstanding pledges; each draws whether it defaults, in member order."""
        rep, ledger = self.rep, self.rep.ledger
        owed = {}
        for q in range(len(rep.model.members)):
            if rep.join[v, q] <= month < rep.leave[v, q]:
                o = ledger.outstanding_from(v, q, month + 1)  # after this month
                if o > _EPS:
                    owed[q] = o
        total = sum(owed.values())
        if total <= _EPS:
            return
        call = min(wanted, total)
        probability = self.probability[v]
        payers, defaulters = [], []
        for q, o in owed.items():
            p = probability[q]
            defaults = p >= 1.0 or (p > 0.0 and rep.uniform(self.key(v, q)) < p)
            (defaulters if defaults else payers).append((q, call * o / total))
        why = f"call {call:.6g}: cash {cash:.6g} − planned {planned:.6g} < {spec.below:g}"
        budgets = rep.budgets
        for q, part in payers:
            paid = (
                ledger.call(v, q, month, part)
                if budgets is None
                else budgets.call(v, q, month, part)
            )
            rep.record_event("capital_call", q, v, paid, why)
        for q, part in defaulters:
            self._default(v, spec, month, q, part, [q for q, _ in payers])

    def _default(self, v: int, spec, month: int, q: int, part: float, payers: list) -> None:
        rep = self.rep
        if spec.rule == "exclude":
            rep.record_event("call_default", q, v, part, "excluded")
            rep.leave_member(q, v, "defaulted on a capital call", spec.exit)
            return
        rep.ledger.cancel_part(v, q, month, part)
        rep.record_event("call_default", q, v, part, "diluted: its part is cancelled")
        if spec.penalty > 0 and payers:
            self._forfeit(v, spec.penalty, month, q, payers)
        rep.after_change(month)

    def _forfeit(self, v: int, penalty: float, month: int, q: int, payers: list) -> None:
        """The fraction `penalty` of q's stake passes to the members that paid the call, pro
        rata to their stakes, at price 0 (a book transfer, model.md §6.4's flows)."""
        exits = self.rep.exits
        forfeit = penalty * exits.stake(v, q, month + 1)  # month's payments included
        if forfeit <= _EPS:
            return
        buyers = pro_rata({r: exits.stake(v, r, month + 1) for r in payers})
        exits.transfer(q, v, month, buyers, forfeit, 0.0, f"price 0 (penalty {penalty:g})")
