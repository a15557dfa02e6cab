"""Ventures: minimum capital with its deadline, and what each venture declares (dissolution,
split, buy-out, spending plan)."""

from __future__ import annotations

from simulator.scenario.checks.capital import capital_checks, opening_checks
from simulator.scenario.checks.context import CheckContext
from simulator.scenario.checks.exits import buyout_checks, dissolution_checks
from simulator.scenario.checks.loans import loan_checks
from simulator.scenario.checks.spending import spending_checks
from simulator.scenario.checks.splits import split_checks
from simulator.scenario.checks.transfers import transfer_checks


def venture_checks(ctx: CheckContext, vid, v) -> None:
    """One venture: minimum capital with its deadline, then what it declares."""
    path = ("ventures", vid)
    if (v.minimum_capital is None) != (v.deadline is None):
        ctx.add(path, "minimum_capital and deadline go together (got only one of them)")
    if v.deadline is not None:
        ctx.in_horizon(path + ("deadline",), v.deadline, "deadline")
    if v.dissolution is not None:
        dissolution_checks(ctx, path + ("dissolution",), v.dissolution)
    if v.split is not None:
        split_checks(ctx, vid, v.split)
    if v.buyout is not None:
        buyout_checks(ctx, vid, v.buyout)
    spending_checks(ctx, vid, v)
    opening_checks(ctx, vid, v)
    capital_checks(ctx, vid, v)
    transfer_checks(ctx, vid, v)
    loan_checks(ctx, vid, v)
