"""Run replications of a compiled model and stack their records into arrays."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from simulator.engine.ledger import shares
from simulator.engine.model import Model
from simulator.engine.replication import Replication


@dataclass
class Chunk:
    """Records of replications `first … first+n-1`, arrays shaped (n, ventures, members, months)."""

    first: int
    pledged: np.ndarray
    paid_in: np.ndarray
    cancelled: np.ndarray
    share: np.ndarray
    member: np.ndarray
    collapse: np.ndarray  # (n, ventures) month index, -1 if the venture did not collapse
    events: list  # (replication, month, type, member, venture, amount, detail)

    @property
    def replications(self) -> int:
        return len(self.pledged)


def seed_sequences(seed: int | None, count: int, first: int = 0) -> list[np.random.SeedSequence]:
    """Child seeds `first … first+count-1` of one root: replication i always gets child i."""
    root = np.random.SeedSequence(seed)
    # spawn() is stateful; derive child i directly so any chunk can be rebuilt alone.
    return [
        np.random.SeedSequence(root.entropy, spawn_key=(*root.spawn_key, i))
        for i in range(first, first + count)
    ]


def simulate(model: Model, seed: int | None, replications: int, first: int = 0) -> Chunk:
    """Run `replications` replications numbered from `first`, with common random numbers."""
    V, P, H = len(model.ventures), len(model.members), model.horizon
    shape = (replications, V, P, H)
    pledged, paid, cancelled, share = (np.empty(shape) for _ in range(4))
    member = np.empty(shape, dtype=bool)
    collapse = np.full((replications, V), -1, dtype=np.int64)
    events: list = []
    basis = [v.share_basis for v in model.ventures]
    for i, ss in enumerate(seed_sequences(seed, replications, first)):
        traj, rep_events, collapsed = Replication(model, np.random.default_rng(ss)).run()
        pledged[i], paid[i], cancelled[i], member[i] = (
            traj.pledged,
            traj.paid_in,
            traj.cancelled,
            traj.member,
        )
        for v, b in enumerate(basis):
            share[i, v] = shares(traj, b)[v]
        for v, month in enumerate(collapsed):
            if month is not None:
                collapse[i, v] = month
        rep = first + i
        events.extend((rep, *e) for e in rep_events)
    return Chunk(first, pledged, paid, cancelled, share, member, collapse, events)
