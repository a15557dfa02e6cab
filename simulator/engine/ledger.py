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
    def __init__(self, ventures: int, members: int, horizon: int):
        shape = (ventures, members, horizon)
        self.horizon = horizon
        self.due = np.zeros(shape)
        self.pledged_at = np.zeros(shape)
        self.cancelled_at = np.zeros(shape)
        self.beyond = np.zeros((ventures, members))  # scheduled after the horizon
        # Running committed (pledged − cancelled) per venture and member, as Python
        # floats: the engine reads it at every decision and numpy scalars are slow.
        self.committed = [[0.0] * members for _ in range(ventures)]

    def pledge(self, v: int, p: int, month: int, amount: float, offsets, weights) -> None:
        """Add a pledge made at `month`, paid `amount * weights` at months `offsets`."""
        if amount <= 0:
            return
        inside = offsets < self.horizon
        if inside.all():
            self.due[v, p, offsets] += amount * weights
        else:
            self.due[v, p, offsets[inside]] += amount * weights[inside]
            self.beyond[v, p] += amount * weights[~inside].sum()
        self.pledged_at[v, p, month] += amount
        self.committed[v][p] += amount

    def cancel_from(self, v: int, p: int, month: int) -> float:
        """Cancel every payment due at `month` or later; return the amount cancelled."""
        if month >= self.horizon:
            return 0.0
        amount = float(self.due[v, p, month:].sum() + self.beyond[v, p])
        if amount <= _EPS:
            return 0.0
        self.due[v, p, month:] = 0.0
        self.beyond[v, p] = 0.0
        self.cancelled_at[v, p, month] += amount
        self.committed[v][p] -= amount
        return amount

    def paid_by(self, v: int, p: int, month: int) -> float:
        return float(self.due[v, p, : month + 1].sum())

    def trajectories(self, member: np.ndarray) -> Trajectories:
        return Trajectories(
            pledged=np.cumsum(self.pledged_at, axis=-1),
            paid_in=np.cumsum(self.due, axis=-1),
            cancelled=np.cumsum(self.cancelled_at, axis=-1),
            member=member,
        )


def add_match(traj: Trajectories, v: int, funder: int, private: np.ndarray, ratio, cap, stop):
    """Add a matching funder's money: ratio × private money, capped, frozen from month `stop`.

    committed_match(t) = min(cap, ratio × private committed(t)) and
    paid_match(t) = min(cap, ratio × private paid_in(t)); a fall in committed is a
    cancellation, a rise a new pledge, so the ledger identities hold.
    """
    committed_priv = (traj.pledged[v, private] - traj.cancelled[v, private]).sum(axis=0)
    paid_priv = traj.paid_in[v, private].sum(axis=0)
    cap = np.inf if cap is None else cap
    committed = np.minimum(cap, ratio * committed_priv)
    paid = np.minimum(cap, ratio * paid_priv)
    if stop < len(paid):
        paid[stop:] = paid[stop - 1] if stop > 0 else 0.0
        committed[stop:] = paid[stop:]
    step = np.diff(committed, prepend=0.0)
    traj.pledged[v, funder] += np.cumsum(np.maximum(step, 0.0))
    traj.cancelled[v, funder] += np.cumsum(np.maximum(-step, 0.0))
    traj.paid_in[v, funder] += paid


def shares(traj: Trajectories, basis: str) -> np.ndarray:
    """Ownership of active members, from committed or paid-in capital; sums to 1 or 0."""
    value = traj.paid_in if basis == "paid_in" else traj.pledged - traj.cancelled
    value = np.where(traj.member, np.maximum(value, 0.0), 0.0)
    total = value.sum(axis=1, keepdims=True)
    with np.errstate(invalid="ignore", divide="ignore"):
        return np.where(total > _EPS, value / np.where(total > _EPS, total, 1.0), 0.0)
