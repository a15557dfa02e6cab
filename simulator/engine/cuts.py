"""Pledges cut without leaving (docs/model.md §8.6): at a date a member reduces what it
still owes a venture, by an amount or down to an amount of committed capital; every
remaining payment is scaled alike, and what it has paid stays."""

from __future__ import annotations

from simulator.engine.triggers import book

_EPS = 1e-9


def start_cuts(rep, cuts: list, policy: float) -> None:
    """Book the cuts at time `policy` of their month (with the dated stops and raises,
    model.md §11), dated or on their event (triggers.py)."""
    for spec in cuts:
        book(rep, spec.at, spec.on, policy, cut_pledge, rep, spec)


def cut_pledge(rep, spec) -> None:
    """Carry out one cut now, or record why it cannot be."""
    p, v, month = spec.member, spec.venture, rep.month()
    if rep.collapse[v] is not None or not rep.is_member(p, v):
        why = "venture ended" if rep.collapse[v] is not None else "not a member"
        rep.record_event("cut_skipped", p, v, 0.0, why)
        return
    key = f"cut/{rep.model.members[p]}/{rep.model.venture_ids[v]}/{spec.at}"
    outstanding = rep.ledger.outstanding_from(v, p, month)
    if spec.by is not None:
        asked = rep.draw(spec.by, key + "/by")
        what = f"by {asked:.6g}"
    else:
        target = rep.draw(spec.to, key + "/to")
        asked, what = rep.ledger.committed[v][p] - target, f"to {target:.6g}"
    amount = rep.ledger.cut(v, p, month, asked)
    detail = what
    if amount < asked - _EPS:  # at most 1e-9 left is a sum's rounding noise: none
        detail += f", only {outstanding if outstanding > _EPS else 0.0:.6g} outstanding"
        detail += " (paid-in stays)"
    rep.record_event("cut", p, v, amount, detail)
    rep.after_change(month)
