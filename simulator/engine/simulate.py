"""Run replications of a compiled model and stack their records into arrays."""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from simulator.engine.dilution import granted_flows
from simulator.engine.exits import BOUGHT, FLOWS, REFUNDED, SOLD
from simulator.engine.ledger import Trajectories, add_match, shares
from simulator.engine.model import Model
from simulator.engine.replication import Replication


@dataclass
class Chunk:
    """Records of replications `first … first+n-1`, arrays shaped (n, ventures, members, months)."""

    first: int
    pledged: np.ndarray
    paid_in: np.ndarray
    cancelled: np.ndarray
    member: np.ndarray
    end: np.ndarray  # (n, ventures) month the venture ended, -1 if it did not
    ending: np.ndarray  # (n, ventures) how it ended: an index into replication.ENDINGS
    events: list  # (replication, month, type, member, venture, amount, detail)
    failed: dict = field(default_factory=dict)  # replication → "ErrorType: message"
    # Cumulative stake flows (exits.FLOWS: bought, sold, refunded, paid_for_stakes,
    # received_for_stake), shaped (5, n, ventures, members, months); None without exit rules.
    stakes: np.ndarray | None = None
    bases: tuple = ()  # each venture's share basis (model.md §10)
    # Shares granted at entry (model.md §10), as (replication index in the chunk, venture,
    # joiner, month, x*, ((member, transfer), ...)); None without a negotiated share.
    grants: list | None = None
    _share: np.ndarray | None = field(default=None, repr=False)
    _granted: np.ndarray | None = field(default=None, repr=False)
    # Spending per month (model.md §9.5), (n, ventures, months), NaN for a venture without a
    # plan, and the first month each venture's cash ran out, (n, ventures), -1 if never;
    # None when no venture spends.
    spent: np.ndarray | None = None
    cash_out: np.ndarray | None = None

    @property
    def granted(self) -> np.ndarray | None:
        """Ownership granted at entry on each venture's basis, computed on first use;
        None without a negotiated share."""
        if self.grants is not None and self._granted is None:
            self._granted = granted_flows(self.bases, self.grants, self.paid_in)
        return self._granted

    @property
    def share(self) -> np.ndarray:
        """Ownership shares, computed on first use: sweeps never read them, and they cost
        three arrays the size of the chunk's."""
        if self._share is None:
            traj = Trajectories(self.pledged, self.paid_in, self.cancelled, self.member)
            adjust = None
            if self.stakes is not None:
                adjust = self.stakes[BOUGHT] - self.stakes[SOLD] - self.stakes[REFUNDED]
            if self.grants is not None:  # ownership, not capital: it counts in shares only
                adjust = self.granted if adjust is None else adjust + self.granted
            self._share = np.empty_like(self.pledged)
            for v, basis in enumerate(self.bases):
                self._share[:, v] = shares(traj, basis, adjust)[:, v]
        return self._share

    @property
    def ok(self) -> np.ndarray:
        """Mask of the replications that ran to the end (a failed one records nothing else)."""
        mask = np.ones(len(self.pledged), dtype=bool)
        mask[[rep - self.first for rep in self.failed]] = False
        return mask

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


class Workspace:
    """The chunk's flow array, kept from one chunk to the next by a process that runs many.

    A fresh array per chunk is mapped anew by the operating system: 5.4 page faults per
    replication of bench.yaml with chunks of 500 (8.6 MB), about 8 % of a sweep's time
    spent in the kernel (measured with getrusage). A chunk simulated into a workspace is
    valid only until the next one is.
    """

    def __init__(self):
        self.flows = np.empty(0)

    def flows_for(self, replications: int, V: int, P: int, H: int) -> np.ndarray:
        shape = (3, replications, V, P, H)
        have = self.flows.shape
        if len(have) != 5 or have[2:] != shape[2:] or have[1] < replications:
            self.flows = np.empty(shape)
        return self.flows[:, :replications]


def simulate(
    model: Model,
    seed: int | None,
    replications: int,
    first: int = 0,
    workspace: Workspace | None = None,
) -> Chunk:
    """Run `replications` replications numbered from `first`, with common random numbers.

    Each replication records its flows into a slice of one chunk array; the
    cumulative sums and matching money are then computed once for the whole chunk
    (per-replication numpy calls would cost more than the arithmetic), the shares when
    a table first asks for them.
    """
    V, P, H = len(model.ventures), len(model.members), model.horizon
    # Each quantity contiguous over the chunk.
    if workspace is None:
        flows = np.empty((3, replications, V, P, H))
    else:
        flows = workspace.flows_for(replications, V, P, H)
    join = np.empty((replications, V, P), dtype=np.int64)
    leave = np.empty((replications, V, P), dtype=np.int64)
    end = np.full((replications, V), -1, dtype=np.int64)
    ending = np.zeros((replications, V), dtype=np.int8)
    match_params = []
    events: list = []
    failed: dict = {}
    n_match = sum(p.kind == "match" for p in model.policies)
    stakes = np.zeros((len(FLOWS), replications, V, P, H)) if model.has_exits else None
    grants: list | None = [] if model.has_dilution else None
    spends = np.array([v.calls is not None for v in model.ventures])
    spent = None
    if spends.any():  # NaN for ventures without a plan: they have no cash to speak of
        spent = np.where(spends[None, :, None], 0.0, np.nan) * np.ones((replications, V, H))
    cash_out = np.full((replications, V), -1, dtype=np.int64) if spent is not None else None
    for i, ss in enumerate(seed_sequences(seed, replications, first)):
        try:
            out = Replication(model, np.random.default_rng(ss), flows[:, i]).run()
        except Exception as exc:  # one bad draw must not sink a whole sweep
            # Recorded and left out of the tables; the chunk goes on.
            failed[first + i] = f"{type(exc).__name__}: {exc}"
            flows[:, i] = 0.0
            join[i], leave[i] = H, H
            match_params.append([(0.0, np.nan, H, H)] * n_match)
            continue
        join[i], leave[i] = out.join, out.leave
        for v, month in enumerate(out.end):
            if month is not None:
                end[i, v] = month
        ending[i] = out.ending
        match_params.append(out.match)
        for flow, v, p, month, amount in out.exits or ():
            stakes[flow, i, v, p, month] += amount
        if grants is not None:
            grants.extend((i, *g) for g in out.grants)
        if spent is not None:
            spent[i, spends] = out.spent[spends]
            cash_out[i] = [-1 if month is None else month for month in out.cash_out]
        rep = first + i
        events.extend((rep, *e) for e in out.events)
    pledged, paid, cancelled = np.cumsum(flows, axis=-1, out=flows)
    months = np.arange(H)
    member = (join[..., None] <= months) & (months < leave[..., None])
    traj = Trajectories(pledged, paid, cancelled, member)
    _add_matches(model, traj, match_params)
    if stakes is not None:
        np.cumsum(stakes, axis=-1, out=stakes)
    return Chunk(
        first,
        pledged,
        paid,
        cancelled,
        member,
        end,
        ending,
        events,
        failed,
        stakes,
        tuple(spec.share_basis for spec in model.ventures),
        grants,
        spent=spent,
        cash_out=cash_out,
    )


def _add_matches(model: Model, traj: Trajectories, params: list) -> None:
    matches = [p for p in model.policies if p.kind == "match"]
    for k, pol in enumerate(matches):
        values = np.array([rep[k] for rep in params], dtype=float).reshape(-1, 4)
        ratio, cap, stop, begin = values.T
        cap = np.where(np.isnan(cap), np.inf, cap)
        private = ~model.public
        private[pol.funder] = False
        add_match(
            traj,
            pol.venture,
            pol.funder,
            private,
            ratio,
            cap,
            stop.astype(np.int64),
            begin.astype(np.int64),
        )
