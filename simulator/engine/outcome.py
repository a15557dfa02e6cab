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
