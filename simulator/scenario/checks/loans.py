"""Loans to a venture and their guarantees (docs/model.md §9.8)."""

from __future__ import annotations

from simulator.scenario.checks.context import CheckContext
from simulator.scenario.checks.triggers import dated_or_triggered


def loan_checks(ctx: CheckContext, vid, v) -> None:
    """Each loan: a date or an event, a known lender and guarantor (not the lender), a
    guarantee only with a guarantor, and a venture whose cash is modelled (a spending
    plan): a loan is repaid out of it."""
    for lid, loan in v.loans.items():
        path = ("ventures", vid, "loans", lid)
        dated_or_triggered(ctx, path, loan, "loan", None, vid)
        ctx.member_ref(path + ("lender",), loan.lender)
        if loan.guarantor is not None:
            ctx.member_ref(path + ("guarantor",), loan.guarantor)
            if loan.guarantor == loan.lender:
                ctx.add(
                    path + ("guarantor",),
                    f"the lender cannot guarantee its own loan (got {loan.guarantor!r})",
                )
        elif loan.guarantee is not None:
            ctx.add(path + ("guarantee",), "a guarantee needs its guarantor (give 'guarantor')")
        if v.spending is None:
            ctx.add(
                path,
                "a loan is repaid out of the venture's cash, which a spending plan models: "
                "give the venture spending (per_month: 0 if it spends nothing)",
            )
