"""Simulate a chunk of replications at once, piece by piece (rooms.piece_size: a few
blocks). For each piece, a SimPy environment schedules what the scenario dates, the same
in every replication: talks opening or walked out of, dated raises, cuts, buy-outs,
transfers, splits and dissolutions, deadlines. From each such date to the next, a compiled
kernel runs the months in which something drawn is due in some replication of the piece
(departures, ends of talks, actions on events: each replication keeps them in its own
arrays, its departures in a queue: clocks.py), block of replications by block, each
month's mechanisms in the per-replication engine's same-month order (month.py); top-ups
right after each change of capital (topups.py). Why not a SimPy event per month, and why
pieces: docs/engine.md."""

from __future__ import annotations

import numpy as np
import simpy

from simulator.engine.batch import (
    book,
    buyouts,
    departures,
    negotiations,
    splits,
    state,
    topups,
    transfers,
    triggers,
)
from simulator.engine.batch.draws import ChunkDraws
from simulator.engine.batch.events import EventRecords
from simulator.engine.batch.jit import entry_point
from simulator.engine.batch.month import (
    BUYOUTS,
    CHECKS,
    CUTS,
    DISSOLVES,
    RAISES,
    SPLITS,
    TALKS,
    TRANSFERS,
    run_months,
)
from simulator.engine.batch.settle import public_funders, settle, settle_totals
from simulator.engine.batch.settle_at import settle_at
from simulator.engine.ledger import Trajectories
from simulator.engine.model import Model
from simulator.engine.rooms import block_size, piece_size


class ChunkState:
    """Everything the kernels of one chunk read and write."""

    def __init__(self, model: Model, seed: int | None, first: int, n: int, events: bool = True):
        draws = ChunkDraws(seed, first, n)
        self.model, self.n, self.block = model, n, block_size(model)
        schedules = book.Schedules()
        led = state.ledger(model, draws, schedules)
        self.members = state.members(model, n)
        self.ventures = state.ventures(model, draws)
        self.matches = state.matches(model, draws)
        self.departures = state.departures(model, draws)
        self.talks = state.talks(model, draws, self.block)
        self.targets = state.targets(model, draws, schedules)
        self.raises = state.raises(model, draws, schedules)
        self.cuts = state.cuts(model, draws)
        self.buyouts = buyouts.buyouts(model, draws)
        self.transfers = transfers.transfers(model, draws)
        self.splits = splits.splits(model, draws)
        self.triggers = triggers.triggers(model, n)
        self.top_ups = state.top_ups(model, draws, schedules)
        self.exits = state.exits(model, draws)
        # No room for events nobody reads (kernels.record then writes none)
        heard = self.triggers.kind.size > 0  # actions on events read them
        self.events = state.events(model, n if events or heard else 0)
        self.ledger = book.with_tables(led, schedules, model.horizon)
        # Last of all the replication's draws, as in the per-replication engine (§12).
        growth = model.market_growth
        self.market_growth = None if growth is None else draws.number(growth, "market/growth")

    def clock(self, env: simpy.Environment, begin: int, end: int, plan: tuple):
        """The process of replications begin … end-1 (a piece of the chunk): from each
        dated event to the next, the months between. `plan`: what every piece shares
        (ChunkState.plan)."""
        state, due, heard, dates, run = plan
        led, mem, mat, ven, ex, tops, dep, *_, ev = state
        departures.start_founders(dep, mem, begin, end)
        if tops.venture.size:  # month 0, after the partners' pledges (replication.start)
            topups.start(led, mem, mat, ven, ex, tops, ev, begin, end)
        for first, last in zip(dates, dates[1:], strict=False):
            yield env.timeout(first - env.now)
            run(state, due, heard, first, last, self.block, begin, end)

    def plan(self) -> tuple:
        """What every piece's clock shares: the months' kernel's arguments (its state, the
        steps due by month, those acting on events), the dates, the kernel's compiled code
        (called without numba's dispatch)."""
        steps = (self.targets, self.raises, self.cuts, self.buyouts, self.transfers, self.splits)
        steps += (self.triggers,)
        state = (self.ledger, self.members, self.matches, self.ventures, self.exits)
        state += (self.top_ups, self.departures, self.talks, *steps, self.events)
        due, heard = self.due_steps(), _steps_of(self.triggers)
        run = entry_point(run_months, (state, due, 0, 0, 0, 0, 0, 0))
        return state, due, heard, self.dates(), run

    def pieces(self) -> list[tuple[int, int]]:
        """The pieces the chunk runs in, whole blocks each (rooms.piece_size)."""
        size = piece_size(self.model)
        return [(lo, min(self.n, lo + size)) for lo in range(0, self.n, size)]

    def dated_steps(self) -> list[tuple[np.ndarray, int]]:
        """(the months a step is dated in, -1 for none; the step's flag)."""
        ven = self.ventures
        return [
            (self.raises.at, RAISES),
            (self.cuts.at, CUTS),
            (self.buyouts.at, BUYOUTS),
            (self.transfers.at, TRANSFERS),
            (self.splits.at, SPLITS),
            (ven.dissolve_at, DISSOLVES),
        ]

    def dates(self) -> list[int]:
        """Month 0, the months the scenario dates something in (the same in every
        replication), and the horizon."""
        ven, talks, H = self.ventures, self.talks, self.model.horizon
        dated = [talks.start, talks.walk_out, ven.deadline, *(at for at, _ in self.dated_steps())]
        months = {int(m) for a in dated for m in a.tolist() if 0 < m < H}
        return [0, *sorted(months), H]

    def due_steps(self) -> np.ndarray:
        """For each month, the steps that may act in it: the others are not run (each step
        scans every replication of the block)."""
        H, ven = self.model.horizon, self.ventures
        due = np.zeros(H + 1, dtype=np.int64)
        first, last = negotiations.talk_months(self.talks)
        due[max(first, 0) : max(last + 1, 0)] |= TALKS
        deadlines = ven.deadline[ven.deadline >= 0]
        due[int(deadlines.min()) if deadlines.size else H :] |= CHECKS
        for at, flag in self.dated_steps():
            due[at[(at >= 0) & (at <= H)]] |= flag
        return due


def _steps_of(tg: triggers.TriggerArrays) -> int:
    """The steps that act on events: run in every month, as one may be due in any."""
    flags = {
        triggers.SPLIT_ACT: SPLITS,
        triggers.BUYOUT_ACT: BUYOUTS,
        triggers.TRANSFER_ACT: TRANSFERS,
        triggers.CUT_ACT: CUTS,
        triggers.RAISE_ACT: RAISES,
        triggers.DISSOLVE_ACT: DISSOLVES,
        triggers.TOPUP_ACT: RAISES,  # applied at m + 0.2 (policies.fired_policies)
    }
    return sum({flags[a] for a in tg.action.tolist()})


def run_chunk(
    model: Model, seed: int | None, n: int, first: int, events: bool = True
) -> ChunkState:
    """Run replications first … first+n-1; `events`: False when none will be read. Piece
    by piece, each in its own SimPy environment: a piece's state stays in the cache from
    its founders' clocks to its last month (docs/engine.md)."""
    chunk = ChunkState(model, seed, first, n, events)
    plan = chunk.plan()
    for begin, end in chunk.pieces():
        env = simpy.Environment()
        env.process(chunk.clock(env, begin, end, plan))
        env.run()
    return chunk


def trajectories(
    chunk: ChunkState, flows: np.ndarray, member: np.ndarray, months: np.ndarray | None = None
) -> Trajectories:
    """The chunk's pledged, paid-in and cancelled written into `flows`, cumulative, with the
    matching money, and membership by month into `member`: per member, flows (3, n, V, P,
    H) and member flags; or summed over the members (a members' axis of 1), flows (3, n, V,
    1, H) and member counts; or those totals at `months` only (sorted), (3, n, V, 1, K)."""
    if months is not None:
        return _totals_at(chunk, flows, member, months)
    mem, H = chunk.members, flows.shape[-1]
    privately = np.empty((2, H))  # scratch space (jit.py)
    common = (mem.join, mem.leave, mem.public, chunk.matches, privately)
    totals = member.dtype != bool
    if totals and public_funders(chunk.matches, mem.public):
        settle_totals(chunk.ledger, *flows, member, *common, np.empty((3, H)))
    elif totals:  # per member first (settle_totals' docstring says why), then summed
        full = trajectories(
            chunk, np.empty((3, *mem.join.shape, H)), np.empty((*mem.join.shape, H), bool)
        )
        for k, name in enumerate(("pledged", "paid_in", "cancelled")):
            flows[k] = getattr(full, name).sum(axis=2, keepdims=True)
        member[...] = full.member.sum(axis=2, keepdims=True)
    else:
        settle(chunk.ledger, *flows, member, *common)
    return Trajectories(flows[0], flows[1], flows[2], member)


def _totals_at(chunk: ChunkState, flows, member, months: np.ndarray) -> Trajectories:
    """trajectories' venture totals at `months` only."""
    mem, H = chunk.members, chunk.model.horizon
    if public_funders(chunk.matches, mem.public):
        K = len(months)
        listed = np.zeros((H + 63) // 64, dtype=np.uint64)  # settle_at.mark
        scratch = (np.zeros(H + 1), np.zeros(K), np.zeros(K), listed)
        common = (mem.join, mem.leave, mem.public, chunk.matches, months, scratch)
        settle_at(chunk.ledger, *flows, member, *common)
    else:  # from every month's (settle_totals' docstring says why)
        n, V = mem.join.shape[:2]
        every = trajectories(chunk, np.empty((3, n, V, 1, H)), np.empty((n, V, 1, H), np.int32))
        for k, name in enumerate(("pledged", "paid_in", "cancelled")):
            flows[k] = getattr(every, name)[..., months]
        member[...] = every.member[..., months]
    return Trajectories(flows[0], flows[1], flows[2], member)


def events_of(chunk: ChunkState, first: int) -> EventRecords:
    records = EventRecords.of(chunk.events)
    records.replication = records.replication + first
    plan = chunk.model.plan
    records.policies = tuple(p.id for p in plan.raises) + tuple(p.id for p in plan.top_ups)
    records.members = tuple(chunk.model.members)
    records.ventures = tuple(chunk.model.venture_ids)
    rules = {t.member: t.dilution.kind for t in chunk.model.negotiations if t.dilution}
    records.dilution = tuple(rules.get(p, "") for p in range(len(records.members)))
    records.splits = splits.children(chunk.model)
    return records
