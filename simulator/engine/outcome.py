"""What one replication hands back besides the flows it wrote into the ledger."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

# How a venture ended, as coded in the outcome table's `ended` (model.md §9): "" not ended.
ENDINGS = ("", "collapsed", "dissolved", "split", "absorbed")


@dataclass
class RepOutcome:
    join: np.ndarray  # (V, P) month each member joined each venture (horizon: never)
    leave: np.ndarray  # (V, P) month it left (horizon: never)
    end: list  # per venture: the month it ended (collapse, dissolution, split, ...) or None
    ending: list  # per venture: how it ended, an index into ENDINGS
    events: list  # (month, type, member, venture, amount, detail)
    match: list  # per match policy: (ratio, cap, month the funder left)
    exits: list | None = None  # stake flows (flow, venture, member, month, amount), §6.4
    grants: list | None = None  # shares granted at entry (dilution.py), §10
    spent: np.ndarray | None = None  # (V, H) spending per month (§9.5), None without plans
    cash_out: list | None = None  # per venture: first month its cash ran out, or None
    market_growth: float | None = None  # the market's growth drawn (§13), None if certain
    debt: np.ndarray | None = None  # (V, H) loans' net cash per month (§9.8), None without


def outcome_of(rep) -> RepOutcome:
    """What a replication that has run hands back: its members' months, how each venture
    ended, its events and the records of the mechanisms it used."""
    match = [
        (
            rep.policy_values[pol.id]["ratio"],
            rep.policy_values[pol.id]["cap"],
            int(rep.leave[pol.venture, pol.funder]),
            int(rep.join[pol.venture, pol.funder]),
        )
        for pol in rep.model.policies
        if pol.kind == "match"
    ]
    if rep.rules is not None:
        match = rep.rules.outcome(match)
    spent = cash_out = None
    if rep.calls is not None:
        spent, cash_out = rep.calls.spent, rep.calls.cash_out
    # Last of all the replication's draws, so that no other draw moves (model.md §12).
    growth = rep.model.market_growth
    growth = None if growth is None else rep.draw(growth, "market/growth")
    return RepOutcome(
        rep.join,
        rep.leave,
        rep.collapse,
        [ENDINGS.index(how) for how in rep.ended_as],
        rep.events,
        match,
        None if rep.exits is None else rep.exits.records,
        None if rep.dilution is None else rep.dilution.records,
        spent=spent,
        cash_out=cash_out,
        market_growth=growth,
        debt=None if rep.loans is None else rep.loans.flows,
    )
