"""The money of one replication: pledges, payments and cancellations per venture and member.

Payments on a known schedule are written into a `due` array when a pledge is
made and settled in bulk (a cumulative sum) at the end, instead of one event
per member per month. A cancellation removes the scheduled payments from its
month on. Trajectories follow from cumulative sums:

    pledged(t)     = Σ pledges made at months ≤ t
    paid_in(t)     = Σ due[m] for m ≤ t
    cancelled(t)   = Σ cancellations at months ≤ t
    outstanding(t) = pledged(t) − paid_in(t) − cancelled(t)
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

_EPS = 1e-9


@dataclass
class Trajectories:
    """Ledger columns for one replication, each of shape (ventures, members, months)."""

    pledged: np.ndarray
    paid_in: np.ndarray
    cancelled: np.ndarray
    member: np.ndarray  # bool


class Ledger:
    """Flows of one replication: `flows` is (3, ventures, members, months) = pledged_at, due,
    cancelled_at; pass a view into a chunk's array to record without copying."""

    def __init__(self, ventures: int, members: int, horizon: int, flows: np.ndarray | None = None):
        self.flows = np.zeros((3, ventures, members, horizon)) if flows is None else flows
        self.pledged_at, self.due, self.cancelled_at = self.flows
        self.horizon = horizon
        # Pledged but not scheduled within the horizon: payments after it, and on_call
        # pledges not yet called (model.md §4, §9.5).
        self.unscheduled = np.zeros((ventures, members))
        # Running committed (pledged − cancelled) per venture and member, as Python
        # floats: the engine reads it at every decision and numpy scalars are slow.
        self.committed = [[0.0] * members for _ in range(ventures)]
        # Their sum per venture, kept as it changes: a decision reads a venture's total
        # without summing over its members (time linear, not quadratic, in members).
        self.total = [0.0] * ventures

    def copy_from(self, other: Ledger) -> None:
        """Start from another ledger's state (the pledges every replication shares)."""
        self.flows[...] = other.flows
        self.unscheduled[...] = other.unscheduled
        self.committed = [row[:] for row in other.committed]
        self.total = other.total[:]

    def pledge(self, v: int, p: int, month: int, amount: float, offsets, weights) -> None:
        """Add a pledge made at `month`, paid `amount * weights` at months `offsets`."""
        if amount <= 0:
            return
        inside = offsets < self.horizon
        if inside.all():
            self.due[v, p, offsets] += amount * weights
        else:
            self.due[v, p, offsets[inside]] += amount * weights[inside]
            self.unscheduled[v, p] += amount * weights[~inside].sum()
        self.pledged_at[v, p, month] += amount
        self.committed[v][p] += amount
        self.total[v] += amount

    def outstanding_from(self, v: int, p: int, month: int) -> float:
        """What p still has to pay v from `month` on (unscheduled money included)."""
        return float(self.due[v, p, month:].sum() + self.unscheduled[v, p])

    def cancel_from(self, v: int, p: int, month: int, at: int | None = None) -> float:
        """Cancel every payment due at `month` or later, recorded in month `at` (default:
        `month`; nothing is cancelled if that is past the horizon); return the amount."""
        at = month if at is None else at
        if at >= self.horizon:
            return 0.0
        amount = self.outstanding_from(v, p, month)
        if amount <= _EPS:
            return 0.0
        self.due[v, p, month:] = 0.0
        self.unscheduled[v, p] = 0.0
        self.refuse(v, p, at, amount)
        return amount

    def cut(self, v: int, p: int, month: int, amount: float) -> float:
        """Cut p's outstanding pledge to v by `amount` (at most what is outstanding from
        `month`), every remaining payment scaled alike, recorded as cancelled in `month`."""
        outstanding = self.outstanding_from(v, p, month)
        amount = min(max(amount, 0.0), outstanding)
        if amount <= _EPS or month >= self.horizon:
            return 0.0
        keep = 1.0 - amount / outstanding
        self.due[v, p, month:] *= keep
        self.unscheduled[v, p] *= keep
        self.refuse(v, p, month, amount)
        return amount

    def move_from(self, v: int, p: int, month: int, parts) -> float:
        """Cancel p's payments to v due at `month` or later and pledge them, at `month`,
        to the ventures of `parts` ((venture, fraction), ...): each payment keeps its month
        and is divided by the fractions. Return the amount cancelled in v."""
        due, unscheduled = self.due[v, p, month:].copy(), self.unscheduled[v, p]
        amount = self.cancel_from(v, p, month)
        if amount > 0:
            for c, f in parts:
                self.due[c, p, month:] += f * due
                self.unscheduled[c, p] += f * unscheduled
                self.pledged_at[c, p, month] += f * amount
                self.committed[c][p] += f * amount
                self.total[c] += f * amount
        return amount

    def call(self, v: int, p: int, month: int, amount: float) -> float:
        """Pull up to `amount` of p's outstanding pledge to v forward into `month` (a capital
        call, model.md §9.5): paid_in rises; pledged and committed do not change. Return the
        amount paid."""
        paid = self._take_after(v, p, month, amount)
        self.due[v, p, month] += paid
        return paid

    def cancel_part(self, v: int, p: int, month: int, amount: float) -> float:
        """Cancel up to `amount` of p's outstanding pledge to v in `month` (a diluted
        defaulter's part of a call); return the amount cancelled."""
        cancelled = self._take_after(v, p, month, amount)
        self.refuse(v, p, month, cancelled)
        return cancelled

    def refuse(self, v: int, p: int, month: int, amount: float) -> None:
        """Record `amount` of p's pledge to v as cancelled in `month` (its payments already
        taken off the schedule by the caller)."""
        self.cancelled_at[v, p, month] += amount
        self.committed[v][p] -= amount
        self.total[v] -= amount

    def _take_after(self, v: int, p: int, month: int, amount: float) -> float:
        """Remove up to `amount` from p's payments to v after `month`, earliest first, then
        from the unscheduled remainder; return what was removed."""
        later = self.due[v, p, month + 1 :]
        left = amount
        for k in np.flatnonzero(later > 0):
            take = min(float(later[k]), left)
            later[k] -= take
            left -= take
            if left <= _EPS:
                return amount
        take = min(float(self.unscheduled[v, p]), left)
        self.unscheduled[v, p] -= take
        return amount - left + take

    def paid_by(self, v: int, p: int, month: int) -> float:
        return float(self.due[v, p, : month + 1].sum())

    def trajectories(self, member: np.ndarray) -> Trajectories:
        pledged, paid_in, cancelled = np.cumsum(self.flows, axis=-1)
        return Trajectories(pledged, paid_in, cancelled, member)


def add_match(traj: Trajectories, v: int, funder: int, private, ratio, cap, stop, begin) -> None:
    """Add a matching funder's money to a chunk (arrays shaped (reps, V, P, H)).

    committed_match(t) = min(cap, ratio × private committed(t)) and
    paid_match(t) = min(cap, ratio × private paid_in(t)); from month `stop` (the
    funder left) paid is frozen and committed falls to it; before month `begin` (the
    funder joined) both are 0. A fall in committed is a cancellation and a rise a
    new pledge, so the ledger identities hold. `ratio`, `cap` (inf: no cap), `stop`
    and `begin` are arrays with one value per replication.
    """
    horizon = traj.pledged.shape[-1]
    weight = np.asarray(private, dtype=float)  # a product: no masked copy
    committed_priv = weight @ (traj.pledged[:, v] - traj.cancelled[:, v])
    paid_priv = weight @ traj.paid_in[:, v]
    ratio, cap = ratio[:, None], cap[:, None]
    committed = np.minimum(cap, ratio * committed_priv)
    paid = np.minimum(cap, ratio * paid_priv)
    months = np.arange(horizon)
    before = months < begin[:, None]
    if before.any():
        committed = np.where(before, 0.0, committed)
        paid = np.where(before, 0.0, paid)
    after = months >= stop[:, None]
    if after.any():
        last = np.take_along_axis(paid, np.maximum(stop - 1, 0)[:, None], axis=1)
        frozen = np.where(stop[:, None] > 0, last, 0.0)
        paid = np.where(after, frozen, paid)
        committed = np.where(after, paid, committed)
    step = np.diff(committed, axis=1, prepend=0.0)
    traj.pledged[:, v, funder] += np.cumsum(np.maximum(step, 0.0), axis=1)
    traj.cancelled[:, v, funder] += np.cumsum(np.maximum(-step, 0.0), axis=1)
    traj.paid_in[:, v, funder] += paid


def shares(traj: Trajectories, basis: str, adjust: np.ndarray | None = None) -> np.ndarray:
    """Ownership of active members, from committed or paid-in capital; sums to 1 (or 0).

    `adjust` (bought − sold − refunded, model.md §6.4) is added to either basis. Works
    on any leading shape; the member axis is the second from last.
    """
    value = traj.paid_in.copy() if basis == "paid_in" else traj.pledged - traj.cancelled
    if adjust is not None:
        value += adjust
    np.maximum(value, 0.0, out=value)
    value *= traj.member
    total = (np.ones(value.shape[-2]) @ value)[..., None, :]
    return np.divide(value, total, out=np.zeros_like(value), where=total > _EPS)
