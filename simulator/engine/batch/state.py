"""A chunk's state as named tuples of arrays (the first axis the replication), built from a
compiled model and the chunk's draws; the kernels (kernels.py) read and write them."""

from __future__ import annotations

from collections import namedtuple

import numpy as np

from simulator.engine import rooms
from simulator.engine.batch import book, codes, dilution, hazards
from simulator.engine.batch.clocks import HEAP_FROM
from simulator.engine.batch.codes import EVENT_INTS, EVENT_REALS
from simulator.engine.batch.draws import ChunkDraws
from simulator.engine.batch.kernels import log_stay
from simulator.engine.model import Model
from simulator.scenario.distributions import Distribution

# changed: the last month something changed in a replication; touched: how many did in
# this month, then which (kernels.touch)
# block: the replications lo … hi-1 being run (month.run_months)
MemberArrays = namedtuple("MemberArrays", "join leave public candidate changed touched block")
VentureArrays = namedtuple("VentureArrays", "end ending deadline minimum paid_basis dissolve_at")
# dilution: the register of ownership granted at entry (dilution.py), which pre-emption reads
# drawn[r, p, j]: the draws member p has made from its exit stream j (0 multiple, 1 amount);
# random[p, j]: its rule's term there is uncertain (a certain one draws nothing)
ExitArrays = namedtuple(
    "ExitArrays",
    "kind rule buyers multiple amount drawn random adjust refunded flows weights dilution",
)
MatchArrays = namedtuple("MatchArrays", "venture funder ratio cap frozen")
# stay, stay_raised: ln(1 - h) of each departure's hazard, plain and with its rival there
# (kernels.log_stay): what each draw of a month of leaving divides by, taken once per chunk
DepartureArrays = namedtuple(
    "DepartureArrays",
    "member venture at rival start founder word replication stay stay_raised when live first k "
    "seq clock pending rival_changed next queue order marks "  # the last three: scratch (jit.py)
    "heap_when heap_seq heap_d heap_size rivals_of rival_list "  # clocks.py
    "pieces",  # hazards varying by month (hazards.py)
)
# order: the talks by (start month, file order), the order in which SimPy resumes their
# outcomes due in one month (each outcome's timeout is set when its talks open).
# ends[c]: the replications of each block (month.run_months), block after block, each
# block's in the order talk c ends in (by start + duration, stable); cursor[c]: the first of
# the block's whose end is still to come (kernels.talks_ended)
TalkArrays = namedtuple("TalkArrays", "member start walk_out duration success u order ends cursor")
TargetArrays = namedtuple("TargetArrays", "member venture amount schedule")
RaiseArrays = namedtuple("RaiseArrays", "venture funder at amount schedule")
# is_to: a cut to a committed amount (else by an amount); amount[r, k, j]: cut k's amount
# if it is the j-th draw of its stream (stream[k], -1 if certain), used[r, s] the draws
# made from stream s
CutArrays = namedtuple("CutArrays", "member venture at is_to amount stream used")
EventArrays = namedtuple("EventArrays", "count ints reals")  # codes.EVENT_INTS, EVENT_REALS
# waiting[r, k]: top-up k waits for its event in replication r (triggers.py)
TopUpArrays = namedtuple("TopUpArrays", "venture funder index share cap added schedule waiting")


def ledger(model: Model, draws: ChunkDraws, schedules: book.Schedules) -> book.LedgerArrays:
    """The founders' pledges: the plan's fixed ones entered alike, the drawn ones added."""
    led = book.ledger(model, draws.n, rooms.room(model), schedules)
    for spec in model.plan.drawn_pledges:
        key = f"pledge/{model.members[spec.member]}/{model.ventures[spec.venture].id}"
        amount = draws.number(spec.amount, key + "/amount")
        s = schedules.add(spec.schedule)
        book.pledge_all(led, spec.venture, spec.member, spec.month, amount, s)
    return led


def members(model: Model, n: int) -> MemberArrays:
    H = model.horizon
    join = np.repeat(model.plan.initial_join[None].astype(np.int64), n, axis=0)
    public = np.asarray(model.public, dtype=bool)
    changed, touched = np.full(n, -1, dtype=np.int64), np.zeros(n + 1, dtype=np.int64)
    candidate = np.asarray(model.candidate, dtype=bool)
    block = np.array([0, n], dtype=np.int64)
    return MemberArrays(join, np.full_like(join, H), public, candidate, changed, touched, block)


def ventures(model: Model, draws: ChunkDraws) -> VentureArrays:
    V = len(model.ventures)
    minimum = _columns(
        [draws.term(v.minimum_capital, f"venture/{v.id}/minimum_capital") for v in model.ventures],
        draws.n,
    )
    deadline = np.array([-1 if v.deadline is None else v.deadline for v in model.ventures])
    return VentureArrays(
        np.full((draws.n, V), -1, dtype=np.int64),
        np.zeros((draws.n, V), dtype=np.int8),
        deadline.astype(np.int64),
        minimum,
        np.array([v.share_basis == "paid_in" for v in model.ventures], dtype=bool),
        np.array([-1 if v.dissolve_at is None else v.dissolve_at for v in model.ventures]),
    )


_STAKES = {"refund": codes.REFUND, "preemption": codes.PREEMPTION}
_RULES = {"paid_in": codes.HOW_PAID_IN, "multiple": codes.HOW_MULTIPLE, "amount": codes.HOW_AMOUNT}


def exits(model: Model, draws: ChunkDraws) -> ExitArrays:
    """Each member's exit rule; prices drawn up front, one per venture it may leave (the
    k-th exit of a member draws the k-th number of its stream)."""
    (V, P), n, H = model.involved.shape, draws.n, model.horizon
    kind, rule = np.zeros(P, dtype=np.int64), np.zeros(P, dtype=np.int64)
    buyers = np.zeros((P, P))
    # Read only for a member with an exit rule (exits.left): no room without one.
    ruled = n if any(spec is not None for spec in model.exits) else 0
    multiple, amount = np.ones((ruled, P, V)), np.zeros((ruled, P, V))
    random = np.zeros((P, 2), dtype=bool)
    for p, spec in enumerate(model.exits):
        if spec is None:
            continue
        kind[p], rule[p] = _STAKES.get(spec.stake, codes.BUYERS), _RULES[spec.rule]
        for q, part in spec.buyers or ((spec.buyer, 1.0),):
            if q is not None:
                buyers[p, q] = part
        key = f"exit/{model.members[p]}"
        random[p] = [isinstance(x, Distribution) for x in (spec.multiple, spec.amount)]
        for k in range(V):
            multiple[:, p, k] = draws.term(spec.multiple, key + "/multiple", k)
            amount[:, p, k] = draws.term(spec.amount, key + "/amount", k)
    shape = (5, n, V, P, H) if model.has_exits else (5, 1, 1, 1, 1)
    return ExitArrays(
        kind,
        rule,
        buyers,
        multiple,
        amount,
        np.zeros((ruled, P, 2), dtype=np.int64),
        random,
        np.zeros((n, V, P)),
        np.zeros((n, V)),
        np.zeros(shape),
        np.zeros(P),  # scratch: the buyers' parts of a stake (exits.buyers)
        dilution.dilution(model, draws),
    )


def cuts(model: Model, draws: ChunkDraws) -> CutArrays:
    """The pledge cuts, in file order (`at` -1: on an event, triggers.py). Cuts by one
    member to one venture in one month (or on events) share a stream (cuts.cut_pledge names
    it), each drawing its next number when it is made: each cut's amount is drawn up front
    for every place it may take in its stream."""
    specs, n = model.cuts, draws.n
    names = []
    for c in specs:
        key = f"cut/{model.members[c.member]}/{model.ventures[c.venture].id}/{c.at}"
        value, name = (c.to, key + "/to") if c.by is None else (c.by, key + "/by")
        names.append(name if isinstance(value, Distribution) else None)
    streams = sorted({x for x in names if x is not None})
    places = max([names.count(x) for x in streams], default=1)
    amount = np.empty((n, len(specs), places))
    for k, c in enumerate(specs):
        value = c.to if c.by is None else c.by
        for j in range(places):
            amount[:, k, j] = draws.term(value, names[k], j)
    return CutArrays(
        np.array([c.member for c in specs], dtype=np.int64),
        np.array([c.venture for c in specs], dtype=np.int64),
        np.array([-1 if c.at is None else c.at for c in specs], dtype=np.int64),
        np.array([c.by is None for c in specs], dtype=bool),
        amount,
        np.array([-1 if x is None else streams.index(x) for x in names], dtype=np.int64),
        np.zeros((n, len(streams)), dtype=np.int64),
    )


def matches(model: Model, draws: ChunkDraws) -> MatchArrays:
    pols = [p for p in model.policies if p.kind == "match"]
    ratio = [draws.term(p.ratio, f"policy/{p.id}/ratio") for p in pols]
    cap = [_cap(p, draws) for p in pols]
    return MatchArrays(
        np.array([p.venture for p in pols], dtype=np.int64),
        np.array([p.funder for p in pols], dtype=np.int64),
        _columns(ratio, draws.n),
        _columns(cap, draws.n),
        np.full((draws.n, len(pols)), np.nan),
    )


def _columns(vectors: list, n: int, dtype=float) -> np.ndarray:
    """(n, len(vectors)): each vector, or number, a column. The numbers are written row by
    row at once (np.repeat of the row, faster than assigning it to every row), the
    vectors then column by column (each a pass over the whole array)."""
    if all(isinstance(x, np.ndarray) for x in vectors):
        out = np.empty((n, len(vectors)), dtype)
    else:
        numbers = [0.0 if isinstance(x, np.ndarray) else x for x in vectors]
        row = np.array(numbers, dtype=float).astype(dtype, copy=False)
        out = np.repeat(row[None], n, axis=0)
    for k, vector in enumerate(vectors):
        if isinstance(vector, np.ndarray):
            out[:, k] = vector
    return out


def departures(model: Model, draws: ChunkDraws) -> DepartureArrays:
    specs, n = model.departures, draws.n
    names = [f"departure/{model.members[d.member]}" for d in specs]

    def rate(term, name: str) -> float | np.ndarray:  # a varying one: its pieces instead
        return log_stay(draws.term(None if hazards.varies(term) else term or 0.0, name))

    base = [rate(d.hazard, k + "/hazard") for d, k in zip(specs, names, strict=True)]
    raised = [rate(d.rival_hazard, k + "/rival_hazard") for d, k in zip(specs, names, strict=True)]

    def index(values) -> np.ndarray:
        return np.array([-1 if x is None else x for x in values], dtype=np.int64)

    return DepartureArrays(
        index(d.member for d in specs),
        index(d.venture for d in specs),
        index(d.at for d in specs),
        index(d.rival for d in specs),
        index(d.start for d in specs),
        np.array([not model.candidate[d.member] for d in specs], dtype=bool),
        np.array([draws.word(k) for k in names], dtype=np.uint64),
        draws.replications,
        _columns(base, n),
        _columns(raised, n),
        np.full((n, len(specs)), np.inf),
        np.zeros((n, len(specs)), dtype=bool),
        np.zeros((n, len(specs)), dtype=np.int64),
        np.zeros((n, len(specs)), dtype=np.int64),
        np.zeros((n, len(specs)), dtype=np.int64),
        np.zeros(n, dtype=np.int64),
        np.zeros((n, len(specs)), dtype=bool),
        np.zeros((n, len(specs)), dtype=bool),
        np.full(n, np.inf),  # the first month a live clock is due, per replication
        np.empty((3, 16 * len(specs) + 16), dtype=np.int64),  # a month's queue (departures)
        np.empty(len(specs), dtype=np.int64),
        np.zeros(rooms.BLOCKS[1] // 64 + 2, dtype=np.uint64),  # departures.mark_due
        *_heap(n, len(specs)),
        *_rivals(specs, len(model.members)),
        hazards.pieces(model, draws, names),
    )


def _heap(n: int, D: int) -> tuple:
    """Each replication's heap of clocks (clocks.py), room for each clock twice over; none
    below clocks.HEAP_FROM clocks."""
    room = 2 * D + 16 if D >= HEAP_FROM else 0
    return (
        np.empty((n, room)),
        np.empty((n, room), dtype=np.int64),
        np.empty((n, room), dtype=np.int64),
        np.zeros(n, dtype=np.int64),
    )


def _rivals(specs: list, P: int) -> tuple:
    """For each member p, the departures whose rival it is: rival_list[rivals_of[p] :
    rivals_of[p + 1]], in file order."""
    rival = np.array([-1 if d.rival is None else d.rival for d in specs], dtype=np.int64)
    listed = np.flatnonzero(rival >= 0)
    listed = listed[np.argsort(rival[listed], kind="stable")].astype(np.int64)
    counts = np.bincount(rival[rival >= 0], minlength=P)
    return np.concatenate([[0], np.cumsum(counts)]).astype(np.int64), listed


def talks(model: Model, draws: ChunkDraws, block: int) -> TalkArrays:
    specs, n = model.negotiations, draws.n
    names = [f"negotiation/{model.members[t.member]}" for t in specs]
    duration = [draws.term(t.duration, k + "/duration") for t, k in zip(specs, names, strict=True)]
    # halves round up, as the per-replication engine rounds them
    duration = _columns([np.maximum(0, np.floor(x + 0.5)) for x in duration], n, np.int64)
    start = np.array([t.start for t in specs], dtype=np.int64)
    return TalkArrays(
        np.array([t.member for t in specs], dtype=np.int64),
        start,
        np.array([-1 if t.walk_out is None else t.walk_out for t in specs], dtype=np.int64),
        duration,
        _columns(
            [draws.term(t.success, k + "/success") for t, k in zip(specs, names, strict=True)], n
        ),
        _columns([draws.uniforms(k) for k in names], n),
        np.argsort(start, kind="stable"),
        _by_end(start + duration, block),
        np.zeros(len(specs), dtype=np.int64),
    )


def _by_end(end: np.ndarray, block: int) -> np.ndarray:
    """ends[c]: each block's replications in the order their talk c ends (stable). A key
    that fits in 16 bits is sorted by radix: 29 against 85 µs for two talks of 5,000."""
    key = (np.arange(len(end)) // block)[:, None] * (int(end.max(initial=0)) + 1) + end
    if key.size and key.min() >= 0 and key.max() < 2**16:
        key = key.astype(np.uint16)
    return np.ascontiguousarray(np.argsort(key.T, axis=1, kind="stable"), dtype=np.int64)


def targets(model: Model, draws: ChunkDraws, schedules: book.Schedules) -> TargetArrays:
    """Candidates' pledges, made when they join; amounts drawn up front (used if they do)."""
    specs = [s for s in model.pledges if model.candidate[s.member]]
    amount = [
        draws.term(
            s.amount, f"pledge/{model.members[s.member]}/{model.ventures[s.venture].id}/amount"
        )
        for s in specs
    ]
    return TargetArrays(
        np.array([s.member for s in specs], dtype=np.int64),
        np.array([s.venture for s in specs], dtype=np.int64),
        _columns(amount, draws.n),
        _schedules([s.schedule for s in specs], schedules),
    )


def raises(model: Model, draws: ChunkDraws, schedules: book.Schedules) -> RaiseArrays:
    """Raises, in file order (`at` -1: on an event), their amounts drawn up front (policy_terms)."""
    pols = model.plan.raises
    amount = [draws.term(p.amount, f"policy/{p.id}/amount") for p in pols]
    return RaiseArrays(
        np.array([p.venture for p in pols], dtype=np.int64),
        np.array([p.funder for p in pols], dtype=np.int64),
        np.array([-1 if p.at is None else p.at for p in pols], dtype=np.int64),
        _columns(amount, draws.n),
        _schedules([p.schedule for p in pols], schedules),
    )


def top_ups(model: Model, draws: ChunkDraws, schedules: book.Schedules) -> TopUpArrays:
    """Top-up policies, in file order, their target shares and caps drawn up front
    (policy_terms); `index`: the policy's place in the events' policy names (the raises
    first, then the top-ups: run.events_of)."""
    pols, n = model.plan.top_ups, draws.n
    share = [draws.term(p.share, f"policy/{p.id}/share") for p in pols]
    cap = [_cap(p, draws) for p in pols]
    first = len(model.plan.raises)
    return TopUpArrays(
        np.array([p.venture for p in pols], dtype=np.int64),
        np.array([p.funder for p in pols], dtype=np.int64),
        np.arange(first, first + len(pols), dtype=np.int64),
        _columns(share, n),
        _columns(cap, n),
        np.zeros((n, len(pols))),
        _schedules([p.schedule for p in pols], schedules),
        np.tile(np.array([p.on is not None for p in pols], dtype=bool), (n, 1)),
    )


def _cap(policy, draws: ChunkDraws) -> float | np.ndarray:
    """A policy's cap (ChunkDraws.term), drawn where uncertain (none: infinite)."""
    if policy.cap is None:
        return np.inf
    return draws.term(policy.cap, f"policy/{policy.id}/cap")


def _schedules(schedules: list, book_of: book.Schedules) -> np.ndarray:
    """Each payment schedule's number in the book's tables."""
    return np.array([book_of.add(s) for s in schedules], dtype=np.int64)


def events(model: Model, n: int) -> EventArrays:
    """Room for every event a replication can record: each member leaves each venture at
    most once, each negotiation opens and ends once (joining each of its ventures), each
    venture collapses once, each raise acts or is skipped once; with exit rules, a leaver's
    stake is refunded, kept or sold to each of the others once; each top-up acts at most
    once per change of capital (month 0, a departure, a join, a raise)."""
    room = n * rooms.event_room(model)
    return EventArrays(
        np.zeros(1, dtype=np.int64),
        np.empty((room, len(EVENT_INTS)), dtype=np.int64),
        np.empty((room, len(EVENT_REALS))),
    )
