"""Compile a validated Scenario into index-based specs the engine runs many times.

Months are indices from the scenario start (0 … horizon-1). A payment schedule
becomes (offsets, weights): anchored schedules have offsets from the scenario
start; the others are offsets from the month a pledge is made (a candidate
joining, a policy acting).
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from simulator.engine.triggers import OnSpec
from simulator.scenario.distributions import Distribution

Number = float | Distribution


def month_ref(month: int) -> str:
    """A month (an index from the start) in an event's detail: the engine knows no calendar,
    the events table writes it as a date (results.event_files.event_details)."""
    return f"{{month:{month}}}"


@dataclass(frozen=True)
class Schedule:
    offsets: np.ndarray  # int months
    weights: tuple  # numbers or distributions; normalised to sum 1 when drawn
    anchored: bool
    fixed: np.ndarray | None = field(default=None, init=False)  # normalised, if no distribution

    def __post_init__(self):
        if not any(isinstance(w, Distribution) for w in self.weights):
            object.__setattr__(self, "fixed", normalise(self.weights))


def normalise(weights) -> np.ndarray:
    """Weights as proportions summing to 1; all zero means an equal split."""
    w = np.asarray(weights, dtype=float)
    total = w.sum()
    return w / total if total > 0 else np.full(len(w), 1 / len(w))


@dataclass(frozen=True)
class PledgeSpec:
    venture: int
    member: int
    amount: Number
    schedule: Schedule
    month: int = 0  # a partner's pledge is made at the start, or when its venture opens


@dataclass(frozen=True)
class ExitSpec:
    """What a leaver's stake becomes (model.md §6.4); a stake that stays has no spec."""

    stake: str  # refund | preemption | buyer | buyers
    buyer: int | None
    rule: str  # paid_in | multiple | amount
    multiple: Number
    amount: Number
    buyers: tuple = ()  # stake: buyers: (member, part), parts summing to 1


@dataclass(frozen=True)
class DepartureSpec:
    member: int
    at: int | None  # month index for a dated departure
    hazard: object | None  # a Number, or a StepHazard or DriftHazard (terms.py)
    start: int | None  # first month the hazard applies (None: month after the pledge)
    rival: int | None
    rival_hazard: object | None  # as hazard
    venture: int | None  # None: leaves every venture


@dataclass(frozen=True)
class BargainSpec:
    """Bargained terms (model.md §7.3): the pledge to `venture` is set at the table."""

    venture: int
    # Each a Number, or a RoundList or RoundLine (terms.py): the term by round
    ask: object | None  # None: the gap to the venture's minimum capital
    max_pledge: object
    min_share: object
    power: float  # the consortium's bargaining power α


@dataclass(frozen=True)
class RoundsSpec:
    """A negotiation in rounds (model.md §7.2); None on the simple form."""

    order: int  # file order among candidates: same-month rounds are held in this order
    every: int
    rounds: int | None  # None: until the deadline
    deadline: int | None
    failure: object  # a Number, or a RoundList or RoundLine (terms.py)
    trigger: OnSpec | None  # opens on this event (model.md §9.7); None: at its start
    bargain: BargainSpec | None
    veto_by: tuple  # member indices
    refuses_with: tuple
    until_filled: tuple  # venture indices whose gap must be open to keep talking


@dataclass(frozen=True)
class DilutionSpec:
    """A share granted at entry, taken from the others (model.md §10)."""

    kind: str  # pro_rata | equal
    share: Number | None  # None: the bargained min_share (or the valuation's share)
    pre_money: Number | None = None  # entry at a valuation: share = x* / (pre_money + x*)


@dataclass(frozen=True)
class NegotiationSpec:
    member: int
    start: int | None  # None: opened by a trigger
    duration: Number
    success: Number
    rounds: RoundsSpec | None = None
    dilution: DilutionSpec | None = None  # None: ownership from capital only
    walk_out: int | None = None  # the candidate's departure date: it leaves the talks then


@dataclass(frozen=True)
class ContagionSpec:
    """A departure of a source raises the hazard of targets, or makes them leave (model.md §6.3)."""

    id: str
    sources: tuple | None  # member indices; None: any member
    targets: tuple  # member indices (all members for `any`)
    multiplier: Number | None
    added: Number | None
    months: int | None
    probability: Number | None


@dataclass(frozen=True)
class StopTest:
    """A stop's condition (model.md §8.4): `kind` is paid_in_below or committed_below."""

    kind: str
    value: float
    others: bool = False  # paid_in_below of every other member, not only the private ones


@dataclass(frozen=True)
class PolicySpec:
    id: str
    kind: str  # match | top_up | raise | stop | cap
    funder: int
    venture: int  # -1 for a cap (it covers every venture)
    ratio: Number = 1.0
    cap: Number | None = None
    share: Number = 0.0
    at: int | None = 0  # None: on an event
    amount: Number = 0.0  # for a cap: the total
    schedule: Schedule | None = None
    when: StopTest | None = None
    on: OnSpec | None = None  # a raise or stop on an event; a top-up from an event on


@dataclass(frozen=True)
class SplitSpec:
    """A venture's split (model.md §9.2): when, and per member (by index) the (child
    venture, fraction) pairs its outstanding pledge goes to, () to cancel it; a member with
    given amounts has (child, amount) pairs in `amounts` instead (drawn at the split)."""

    at: int | None  # month index; None: on an event
    children: tuple  # child venture indices
    parts: tuple  # per member: ((child, fraction), ...)
    amounts: tuple | None = None  # per member: ((child, amount), ...) or None; None: no amounts
    on: OnSpec | None = None  # splits on this event (model.md §9.7)

    def children_of(self, p: int) -> tuple:
        """The children member p can join."""
        given = None if self.amounts is None else self.amounts[p]
        return tuple(c for c, _ in (self.parts[p] if given is None else given))


@dataclass(frozen=True)
class BuyoutSpec:
    """A buy-out (model.md §9.3): month index, the buyer's purchase as an exit rule, and
    what follows: the venture goes on, or is absorbed by the buyer (`into` None) or into
    venture `into`."""

    at: int | None  # None: on an event
    exit: ExitSpec
    absorbed: bool = False
    into: int | None = None
    on: OnSpec | None = None


# An on_call pledge is one payment "scheduled" this far out: past any horizon, so the ledger
# keeps it in its unscheduled bucket until capital calls draw it (model.md §4, §9.5).
ON_CALL = 10**6


@dataclass(frozen=True)
class CallSpec:
    """A venture's spending plan and capital calls (model.md §9.5); month indices."""

    amount: Number  # planned spending per `per` months, drawn once per replication
    per: int  # 1 (per_month) or 12 (per_year: a twelfth of it each month)
    start: int
    end: int
    below: float | None  # None: no capital calls
    target: float | None
    default_probability: tuple  # per member: probability of not paying a call (0: pays)
    rule: str | None  # dilute | exclude
    penalty: float
    exit: ExitSpec | None  # exclude: the excluded member's exit rule (None: its own)
    dissolve: bool  # dissolved in the month its cash runs out

    @property
    def moves_stakes(self) -> bool:
        """A default forfeits stakes (dilute with a penalty) or names an exit (exclude)."""
        return self.penalty > 0 or self.exit is not None


@dataclass(frozen=True)
class CutSpec:
    """A pledge cut (model.md §8.6): member, venture, month index, and `by` an amount or
    `to` an amount of committed capital (one of them None)."""

    member: int
    venture: int
    at: int | None  # None: on an event
    by: Number | None
    to: Number | None
    on: OnSpec | None = None


@dataclass(frozen=True)
class LoanSpec:
    """A loan to a venture (model.md §9.8): month index (None: on an event), the amount
    (drawn when lent), its term in months, simple annual rate, and a guarantor (member
    index or None) with the most it pays (None: all that is due)."""

    id: str
    venture: int
    lender: int
    amount: Number
    at: int | None
    term: int
    rate: float
    guarantor: int | None = None
    guarantee: Number | None = None
    on: OnSpec | None = None


@dataclass(frozen=True)
class BudgetSpec:
    """A member's yearly envelope (model.md §8.7)."""

    member: int
    per_year: Number  # drawn once per replication if uncertain
    beyond: str  # wait | refuse


@dataclass(frozen=True)
class TransferSpec:
    """A transfer of ownership (model.md §10.2): month index, receiver, share of the venture,
    (giver, part) pairs with parts summing to 1, register or capital, and a price (an exit
    rule's price terms) or None."""

    at: int | None  # None: on an event
    to: int
    share: float
    givers: tuple
    rule: str  # register | capital
    price: ExitSpec | None = None
    on: OnSpec | None = None


@dataclass(frozen=True)
class VentureSpec:
    id: str
    minimum_capital: Number | None
    deadline: int | None
    share_basis: str
    dissolve_at: int | None = None
    dissolve_below: float | None = None
    dissolve_on: OnSpec | None = None
    split: SplitSpec | None = None
    buyout: BuyoutSpec | None = None
    calls: CallSpec | None = None  # spending plan and capital calls, model.md §9.5
    opens: int = 0  # month index from which the venture exists (model.md §5)
    transfers: tuple = ()  # TransferSpec, in date order (model.md §10.2)
    loans: tuple = ()  # LoanSpec (model.md §9.8)


@dataclass
class Model:
    """Everything a replication needs, by index; built once per scenario."""

    horizon: int
    start: int  # absolute month of index 0
    ventures: list[VentureSpec]
    members: list[str]
    public: np.ndarray
    candidate: np.ndarray
    pledges: list[PledgeSpec]
    departures: list[DepartureSpec]
    negotiations: list[NegotiationSpec]
    policies: list[PolicySpec]
    contagion: list[ContagionSpec] = field(default_factory=list)
    cuts: list = field(default_factory=list)  # CutSpec, in file order (model.md §8.6)
    budgets: list = field(default_factory=list)  # BudgetSpec (model.md §8.7)
    exits: list = field(default_factory=list)  # per member: ExitSpec, or None (the stake stays)
    involved: np.ndarray = field(default=None)  # (V, P): member has a row in this venture
    split_only: np.ndarray | None = None  # (V, P): a row only through a split or absorption
    plan: object = field(default=None, repr=False)  # plan.Plan, built by compile_scenario
    # The market's annual growth when it is a distribution (model.md §13): drawn once per
    # replication, after every other draw; None when the projection is certain.
    market_growth: Distribution | None = None

    @property
    def has_exits(self) -> bool:
        """Some departure, a buy-out or a capital-call default moves a stake (model.md §6.4,
        §9.3, §9.5)."""
        return (
            any(e is not None for e in self.exits)
            or any(v.buyout for v in self.ventures)
            or any(v.calls is not None and v.calls.moves_stakes for v in self.ventures)
            or any(t.rule == "capital" or t.price for v in self.ventures for t in v.transfers)
        )

    @property
    def has_dilution(self) -> bool:
        """The register of ownership is in use: some candidate is granted a negotiated share
        at entry, or ownership is transferred in it (model.md §10, §10.2)."""
        return any(n.dilution is not None for n in self.negotiations) or any(
            t.rule == "register" for v in self.ventures for t in v.transfers
        )

    @property
    def has_thresholds(self) -> bool:
        """Something fires when a venture's committed capital crosses below a level
        (model.md §9.6): a dissolution, a stop's condition or a trigger."""
        return (
            any(v.dissolve_below is not None for v in self.ventures)
            or any(p.when is not None and p.when.kind == "committed_below" for p in self.policies)
            or any(t.kind == "committed_below" for t in self.triggers)
        )

    @property
    def triggers(self) -> list:
        """Every action's trigger (model.md §9.7)."""
        found = [c.on for c in self.cuts] + [p.on for p in self.policies]
        found += [n.rounds.trigger for n in self.negotiations if n.rounds is not None]
        for v in self.ventures:
            found += [v.dissolve_on] + [t.on for t in v.transfers] + [x.on for x in v.loans]
            found += [x.on for x in (v.split, v.buyout) if x is not None]
        return [t for t in found if t is not None]

    @property
    def venture_ids(self) -> list[str]:
        return [v.id for v in self.ventures]
