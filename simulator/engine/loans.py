"""Loans to a venture and their guarantees (docs/model.md §9.8): money lent is cash for
the venture, not equity: it is in no member's pledged, committed or paid-in capital and
buys no ownership. It is repaid `term` months later with simple interest, out of the
venture's cash after that month's spending; what the cash cannot cover the guarantor pays
(up to its guarantee), and the rest is the lender's loss.

A loan is lent at m + 0.21 (after the month's policies, before its capital calls and
spending at m + 0.25, which it spares) and repaid at m + 0.3. A replication builds a
`Loans` only when its scenario has a loan.
"""

from __future__ import annotations

import numpy as np

from simulator.engine.model import LoanSpec, month_ref
from simulator.engine.triggers import book, on_spec

LEND, REPAY = 0.21, 0.3
_EPS = 1e-9


def loan_specs(loans: dict, index: dict, vindex: dict, here: int, start: int) -> tuple:
    """The compiled loans of venture `here` (a scenario's `loans:` by id)."""
    return tuple(
        LoanSpec(
            lid,
            here,
            index[x.lender],
            x.amount,
            None if x.at is None else x.at - start,
            x.term,
            x.rate,
            None if x.guarantor is None else index[x.guarantor],
            x.guarantee,
            on_spec(x.on, index, vindex, here),
        )
        for lid, x in loans.items()
    )


class Loans:
    """The loans of one replication and the cash they bring in and take out."""

    def __init__(self, rep, specs: list):
        self.rep = rep
        self.flows = np.zeros((len(rep.model.ventures), rep.model.horizon))  # net cash in
        self.net = [0.0] * len(rep.model.ventures)  # lent − repaid so far, per venture
        for spec in specs:
            book(rep, spec.at, spec.on, LEND, self._lend, spec)

    def _lend(self, spec: LoanSpec) -> None:
        rep, v, month = self.rep, spec.venture, self.rep.month()
        if rep.collapse[v] is not None:
            rep.record_event("loan_skipped", spec.lender, v, 0.0, f"{spec.id}: venture ended")
            return
        amount = rep.draw(spec.amount, self._key(spec) + "/amount")
        due = amount * (1.0 + spec.rate * spec.term / 12.0)
        back = month + spec.term
        when = month_ref(back) if back < rep.model.horizon else "after the horizon"
        self._flow(v, month, amount)
        rep.record_event("loan", spec.lender, v, amount, f"{spec.id}: {due:.6g} due {when}")
        if back < rep.model.horizon:
            rep.at(back + REPAY, self._repay, spec, due)

    def _repay(self, spec: LoanSpec, due: float) -> None:
        """Repay out of the venture's cash; the guarantor covers what it cannot."""
        rep, v, month = self.rep, spec.venture, self.rep.month()
        paid = min(due, max(rep.calls.cash(v, month), 0.0))
        self._flow(v, month, -paid)
        rep.record_event("loan_repaid", spec.lender, v, paid, f"{spec.id}: {paid:.6g} of {due:.6g}")
        short = due - paid
        if short > _EPS and spec.guarantor is not None:
            cap = (
                short
                if spec.guarantee is None
                else rep.draw(spec.guarantee, self._key(spec) + "/guarantee")
            )
            called = min(short, cap)
            lender = rep.model.members[spec.lender]
            rep.record_event(
                "guarantee_called", spec.guarantor, v, called, f"{spec.id}: to {lender}"
            )
            short -= called
        if short > _EPS:
            rep.record_event("loan_default", spec.lender, v, short, f"{spec.id}: lost")

    def _key(self, spec: LoanSpec) -> str:
        """The name of the loan's random element: by venture and loan id."""
        return f"loan/{self.rep.model.venture_ids[spec.venture]}/{spec.id}"

    def _flow(self, v: int, month: int, amount: float) -> None:
        self.flows[v, month] += amount
        self.net[v] += amount
