"""Ventures that open later (docs/model.md §5): a partner that leaves before its venture
opens never joins it."""

from __future__ import annotations


def withdraw(rep, p: int, v: int, month: int, detail: str) -> None:
    """p, due to join v when it opens (after `month`), leaves first: its pledge, made at the
    opening, is cancelled in that same month, so it never holds anything in v."""
    opens = int(rep.join[v, p])
    amount = rep.ledger.cancel_from(v, p, opens)
    rep.leave[v, p] = opens
    rep.record_event("departure", p, v, amount, f"{detail}, before it opens".lstrip(", "))
