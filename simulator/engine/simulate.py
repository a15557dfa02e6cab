"""Run replications of a compiled model and stack their records into arrays."""

from __future__ import annotations

import os
from dataclasses import dataclass, field

import numpy as np

from simulator.engine.batch.support import unsupported
from simulator.engine.dilution import granted_flows
from simulator.engine.exits import BOUGHT, FLOWS, REFUNDED, SOLD
from simulator.engine.ledger import Trajectories, add_match, shares
from simulator.engine.model import Model
from simulator.engine.replication import Replication
from simulator.engine.streams import Streams
from simulator.errors import ConsimError


@dataclass
class Chunk:
    """Records of replications `first … first+n-1`, arrays shaped (n, ventures, members, months)."""

    first: int
    pledged: np.ndarray
    paid_in: np.ndarray
    cancelled: np.ndarray
    member: np.ndarray
    end: np.ndarray  # (n, ventures) month the venture ended, -1 if it did not
    ending: np.ndarray  # (n, ventures) how it ended: an index into outcome.ENDINGS
    events: list | None  # (replication, month, type, member, venture, amount, detail); None:
    # not asked for (simulate's `events`)
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
    # The market's annual growth drawn in each replication, (n,), NaN for a failed one; None
    # when the market projection is certain (model.md §13).
    market_growth: np.ndarray | None = None
    # Loans' net cash per month (lent − repaid, model.md §9.8), (n, ventures, months); None
    # without loans.
    debt: np.ndarray | None = None
    # The members' axis summed (simulate's `totals`): pledged, paid_in and cancelled are
    # venture totals, (n, ventures, 1, months), and `member` counts the members.
    totals: bool = False
    # The months the last axis of pledged, paid_in, cancelled and member holds (simulate's
    # `months`); None: every month of the horizon.
    months: tuple[int, ...] | None = None

    def column(self, month: int) -> int:
        """Where `month` is on the last axis of the trajectories' arrays."""
        return month if self.months is None else self.months.index(month)

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


class Workspace:
    """The chunk's record arrays, kept from one chunk to the next by a process that runs many.

    A fresh array per chunk is mapped anew by the operating system, a page fault at each
    first write: a sweep would spend a visible share of its time in the kernel. A chunk
    simulated into a workspace is valid only until the next one is.
    """

    def __init__(self):
        self.kept: dict = {}  # (dtype, shape without the replications' axis) → array

    def take(self, shape: tuple, axis: int = 0, dtype=float) -> np.ndarray:
        """An array of `shape` whose axis `axis` counts replications: a view of one kept
        for the largest such chunk so far."""
        key = (np.dtype(dtype).str, shape[:axis] + shape[axis + 1 :], axis)
        have = self.kept.get(key)
        if have is None or have.shape[axis] < shape[axis]:
            have = self.kept[key] = np.empty(shape, dtype)
        return have[(slice(None),) * axis + (slice(0, shape[axis]),)]

    def flows_for(self, replications: int, V: int, P: int, H: int) -> np.ndarray:
        return self.take((3, replications, V, P, H), axis=1)


ENGINES = ("auto", "batch", "reference")


def simulate(
    model: Model,
    seed: int | None,
    replications: int,
    first: int = 0,
    workspace: Workspace | None = None,
    engine: str | None = None,
    totals: bool = False,
    events: bool = True,
    months: tuple[int, ...] | None = None,
) -> Chunk:
    """Run `replications` replications numbered from `first`, with common random numbers.

    `engine`: "batch" runs the whole chunk at once (batch/, docs/engine.md), "reference"
    one replication at a time, "auto" the batch engine when it has every mechanism the
    model uses; None: the environment's CONSIM_ENGINE, else "auto". Both draw the same
    numbers for the same replication (streams.py): the choice changes speed, not results.

    `totals`: only venture totals are needed (what a sweep keeps): the batch engine then
    records pledged, paid-in and cancelled summed over the members, (n, ventures, 1,
    months), and `member` counts the members (Chunk.totals); the per-replication engine
    records per member whatever is asked (the tables sum over the members' axis alike).
    `events`: False when none is needed (a sweep): the batch engine then leaves them out
    (Chunk.events is None). `months` (sorted), with `totals`: only the venture totals at
    these months are needed (a sweep that keeps no trajectory: its outcome columns read
    the last month and the market's reference month); the batch engine then records only
    them (Chunk.months), reading each from the pledges instead of writing every month.
    """
    if engine_for(model, engine) == "batch":
        months = months if totals else None
        return _simulate_batch(model, seed, replications, first, workspace, totals, events, months)
    return _simulate_each(model, seed, replications, first, workspace)


# Below this many replications in one job, "auto" keeps to the per-replication engine:
# loading numba and the batch kernels costs ~0.5 s once per process, what the
# per-replication engine takes for ~2,000 replications of a seed scenario.
BATCH_MIN = 2_000


def engine_for_job(replications: int) -> str | None:
    """The engine for a job of `replications` in all (None: simulate's own choice): the
    per-replication one for small jobs, unless CONSIM_ENGINE says otherwise."""
    if replications >= BATCH_MIN or os.environ.get("CONSIM_ENGINE"):
        return None
    return "reference"


def compiles_first(models: list[Model], replications: int | None = None) -> bool:
    """A job of `replications` in all on `models` will first compile the batch engine's
    kernels: none is cached on this machine yet (about a minute, once). None: a job whose
    engine the scenario alone decides, whatever its size (a sweep's tasks)."""
    from simulator.engine.batch import cache  # no numba

    small = replications is not None and engine_for_job(replications) == "reference"
    if small or cache.compiled():
        return False
    return any(engine_for(m) == "batch" for m in models)


def engine_for(model: Model, engine: str | None = None) -> str:
    """ "batch" or "reference": which engine `simulate` runs `model` on."""
    engine = engine or os.environ.get("CONSIM_ENGINE") or "auto"
    if engine not in ENGINES:
        raise ConsimError(
            f"engine (CONSIM_ENGINE) must be one of {', '.join(ENGINES)} (got {engine!r})"
        )
    if engine == "batch" or (engine == "auto" and unsupported(model) is None):
        return "batch"
    return "reference"


def _simulate_batch(
    model, seed, replications, first, workspace, totals=False, events=True, months=None
) -> Chunk:
    from simulator.engine.batch.dilution import grants
    from simulator.engine.batch.run import events_of, run_chunk, trajectories  # numba: ~0.5 s

    why = unsupported(model)
    if why is not None:
        raise ConsimError(
            f"the batch engine does not run {why} yet: leave the engine (CONSIM_ENGINE) to "
            "auto or reference for this scenario"
        )
    V, P = len(model.ventures), 1 if totals else len(model.members)
    H = model.horizon if months is None else len(months)
    workspace = workspace or Workspace()
    flows = workspace.flows_for(replications, V, P, H)
    member = workspace.take((replications, V, P, H), dtype=np.int32 if totals else bool)
    chunk = run_chunk(model, seed, replications, first, events)
    at = None if months is None else np.array(months, dtype=np.int64)
    traj = trajectories(chunk, flows, member, at)
    return Chunk(
        first,
        traj.pledged,
        traj.paid_in,
        traj.cancelled,
        traj.member,
        chunk.ventures.end,
        chunk.ventures.ending,
        events_of(chunk, first) if events else None,
        stakes=np.cumsum(chunk.exits.flows, axis=-1) if model.has_exits else None,
        bases=tuple(spec.share_basis for spec in model.ventures),
        grants=grants(chunk.exits.dilution) if model.has_dilution else None,
        market_growth=chunk.market_growth,
        totals=totals,
        months=months,
    )


def _simulate_each(model, seed, replications, first, workspace) -> Chunk:
    """One replication at a time: each records its flows into a slice of one chunk
    array; the cumulative sums and matching money are then computed once for the whole
    chunk (per-replication numpy calls would cost more than the arithmetic), the shares
    when a table first asks for them."""
    records = _Records(model, replications, first, workspace)
    streams = Streams(seed)
    for i in range(replications):
        streams.start(first + i)
        try:
            out = Replication(model, streams, records.flows[:, i]).run()
        except Exception as exc:  # one bad draw must not sink a whole sweep
            records.failed(i, exc)  # recorded and left out of the tables; the chunk goes on
            continue
        records.add(i, out)
    return records.chunk()


class _Records:
    """The arrays a chunk's replications record into, filled one replication at a time."""

    def __init__(self, model: Model, n: int, first: int, workspace: Workspace | None):
        V, P, H = len(model.ventures), len(model.members), model.horizon
        self.model, self.first = model, first
        # Each quantity contiguous over the chunk.
        if workspace is None:
            self.flows = np.empty((3, n, V, P, H))
        else:
            self.flows = workspace.flows_for(n, V, P, H)
        self.join = np.empty((n, V, P), dtype=np.int64)
        self.leave = np.empty((n, V, P), dtype=np.int64)
        self.end = np.full((n, V), -1, dtype=np.int64)
        self.ending = np.zeros((n, V), dtype=np.int8)
        self.match_params: list = []
        self.events: list = []
        self.failures: dict = {}
        self.stakes = np.zeros((len(FLOWS), n, V, P, H)) if model.has_exits else None
        self.grants: list | None = [] if model.has_dilution else None
        self.spends = np.array([v.calls is not None for v in model.ventures])
        self.spent = self.cash_out = None
        if self.spends.any():  # NaN for ventures without a plan: they have no cash to speak of
            self.spent = np.where(self.spends[None, :, None], 0.0, np.nan) * np.ones((n, V, H))
            self.cash_out = np.full((n, V), -1, dtype=np.int64)
        self.market_growth = None if model.market_growth is None else np.full(n, np.nan)
        self.debt = np.zeros((n, V, H)) if any(v.loans for v in model.ventures) else None

    def failed(self, i: int, exc: Exception) -> None:
        """Replication i raised: it records nothing but its error."""
        H = self.model.horizon
        self.failures[self.first + i] = f"{type(exc).__name__}: {exc}"
        self.flows[:, i] = 0.0
        self.join[i], self.leave[i] = H, H
        n_match = sum(p.kind == "match" for p in self.model.policies)
        self.match_params.append([(0.0, np.nan, H, H)] * n_match)

    def add(self, i: int, out) -> None:
        """Replication i's outcome (its flows are already in place)."""
        self.join[i], self.leave[i] = out.join, out.leave
        for v, month in enumerate(out.end):
            if month is not None:
                self.end[i, v] = month
        self.ending[i] = out.ending
        self.match_params.append(out.match)
        for flow, v, p, month, amount in out.exits or ():
            self.stakes[flow, i, v, p, month] += amount
        if self.grants is not None:
            self.grants.extend((i, *g) for g in out.grants)
        if self.spent is not None:
            self.spent[i, self.spends] = out.spent[self.spends]
            self.cash_out[i] = [-1 if month is None else month for month in out.cash_out]
        if self.market_growth is not None:
            self.market_growth[i] = out.market_growth
        if self.debt is not None:
            self.debt[i] = out.debt
        rep = self.first + i
        self.events.extend((rep, *e) for e in out.events)

    def chunk(self) -> Chunk:
        """The cumulative trajectories and matching money, computed once for the chunk."""
        model = self.model
        pledged, paid, cancelled = np.cumsum(self.flows, axis=-1, out=self.flows)
        months = np.arange(model.horizon)
        member = (self.join[..., None] <= months) & (months < self.leave[..., None])
        traj = Trajectories(pledged, paid, cancelled, member)
        _add_matches(model, traj, self.match_params)
        if self.stakes is not None:
            np.cumsum(self.stakes, axis=-1, out=self.stakes)
        return Chunk(
            self.first,
            pledged,
            paid,
            cancelled,
            member,
            self.end,
            self.ending,
            self.events,
            self.failures,
            self.stakes,
            tuple(spec.share_basis for spec in model.ventures),
            self.grants,
            spent=self.spent,
            cash_out=self.cash_out,
            market_growth=self.market_growth,
            debt=self.debt,
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
