"""The scenario language as pydantic models: shapes and ranges of every key.

Cross-references (a pledge naming an unknown venture, a date outside the
horizon) are checked afterwards in `checks.py`, so every problem can be
reported with its own key path.
"""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Discriminator, Field, PrivateAttr, Tag

from simulator.scenario.types import (
    Amount,
    Id,
    MemberSet,
    Month,
    Months,
    Probability,
    Ratio,
    Whole,
)


class Strict(BaseModel):
    """Unknown keys are errors; validated objects are immutable; values are not converted
    (pydantic's lax mode read public: yes as true and count: '4' as 4, silently)."""

    model_config = ConfigDict(extra="forbid", frozen=True, strict=True)


# --- payment schedules -------------------------------------------------------------


class Upfront(Strict):
    """The whole amount is paid at once: at `at`, else when the pledge is made."""

    type: Literal["upfront"] = "upfront"
    at: Month | None = None


class Tranches(Strict):
    """`count` equal payments every `every` months from `start` (else from the pledge)."""

    type: Literal["tranches"]
    count: Whole = Field(ge=1, le=1200)
    every: Whole = Field(1, ge=1, le=120)
    start: Month | None = None


class Calendar(Strict):
    """Explicit payments by month; they must add up to the pledge (see the reference)."""

    type: Literal["calendar"]
    payments: dict[Month, Amount] = Field(min_length=1)


class OnCall(Strict):
    """Nothing is scheduled: the pledge stays outstanding until capital calls draw it
    (docs/model.md §9.5); the venture needs `capital_calls`."""

    type: Literal["on_call"]


Schedule = Annotated[Upfront | Tranches | Calendar | OnCall, Field(discriminator="type")]


# --- members ----------------------------------------------------------------------


class Pledge(Strict):
    amount: Amount
    schedule: Schedule = Upfront()


class Price(Strict):
    """What a leaver's stake changes hands for (docs/model.md §6.4): its paid-in value,
    a multiple of it, or a given amount."""

    rule: Literal["paid_in", "multiple", "amount"] = "paid_in"
    multiple: Ratio | None = None
    amount: Amount | None = None


class Exit(Strict):
    """What happens to a leaver's paid-in stake: it stays (a passive holding), the venture
    refunds it, the remaining members pre-empt it pro rata, or a named member buys it."""

    stake: Literal["stays", "refund", "preemption", "buyer"] = "stays"
    buyer: Id | None = None
    price: Price | None = None


class Departure(Strict):
    """When a member leaves: at a date, or with a monthly hazard (raised while a rival is in)."""

    at: Month | None = None
    hazard: Probability | None = None
    start: Month | None = None
    rival: Id | None = None
    rival_hazard: Probability | None = None
    venture: Id | None = None
    exit: Exit | None = None  # None: the scenario's `exit`, else the stake stays


class Member(Strict):
    label: str | None = None
    public: bool = False
    pledge: Amount | None = None
    venture: Id | None = None
    schedule: Schedule | None = None
    pledges: dict[Id, Pledge] | None = None
    departure: Departure | None = None


class Partner(Member):
    """A member from the start."""


class Trigger(Strict):
    """What opens a negotiation instead of a date: a member leaving, or capital falling."""

    departure: Id | None = None  # a member id, or `any`
    capital_below: float | None = Field(None, ge=0)
    venture: Id | None = None  # for capital_below: the venture watched


class Negotiation(Strict):
    """Talks with a candidate: the simple form (start, duration, success) or rounds.

    Writing any other key makes it a negotiation in rounds (docs/model.md §7.2):
    a cadence, bargained terms, vetoes, rivals, a trigger instead of a start date.
    """

    start: Month | None = None
    duration: Months = 0.0
    success: Probability = 1.0
    trigger: Trigger | None = None
    every: Whole = Field(1, ge=1, le=120)
    rounds: Whole | None = Field(None, ge=1, le=1200)
    deadline: Month | None = None
    round_failure: Probability = 0.0
    ask: Amount | None = None
    max_pledge: Amount | None = None
    min_share: Probability = 0.0
    power: float = Field(0.5, ge=0, le=1)
    veto_by: MemberSet = ()
    refuses_with: MemberSet = ()
    until_filled: bool = False
    # Ownership at entry (docs/model.md §10): from capital, or a share granted at the join
    # and taken from the others pro rata or equally. Works with both forms.
    dilution: Literal["capital", "pro_rata", "equal"] = "capital"
    share: Probability | None = None  # default with bargained terms: min_share

    @property
    def in_rounds(self) -> bool:
        """True when a key beyond the simple form's start, duration and success (and the
        entry terms dilution, share, which both forms take) is written."""
        return bool(self.model_fields_set - {"start", "duration", "success", "dilution", "share"})

    @property
    def bargained(self) -> bool:
        """The pledge is bargained (max_pledge given) rather than drawn from `pledge`."""
        return self.max_pledge is not None


class Candidate(Member):
    """A would-be member: joins (with its pledges) if its negotiation succeeds."""

    negotiation: Negotiation


# --- policies ----------------------------------------------------------------------


class Match(Strict):
    """The funder adds `ratio` × every unit of private money committed, up to `cap`."""

    type: Literal["match"]
    funder: Id
    venture: Id | None = None
    ratio: Ratio = 1.0
    cap: Amount | None = None


class TopUp(Strict):
    """The funder raises its pledge so that its share of committed capital stays ≥ `share`."""

    type: Literal["top_up"]
    funder: Id
    venture: Id | None = None
    share: Probability
    cap: Amount | None = None
    schedule: Schedule = Upfront()


class Raise(Strict):
    """At a date the funder adds `amount` to its pledge (paid on `schedule`)."""

    type: Literal["raise"]
    funder: Id
    venture: Id | None = None
    at: Month
    amount: Amount
    schedule: Schedule = Upfront()


class StopCondition(Strict):
    """What must hold at the stop's date: the others' paid-in below a fraction of their
    pledges, or the venture's committed capital below an amount (give exactly one)."""

    paid_in_below: float | None = Field(None, ge=0, le=1)
    of: Literal["private", "others"] = "private"
    committed_below: float | None = Field(None, ge=0)


class Stop(Strict):
    """At `at` (if `when` holds then) the funder stops paying: its outstanding pledge ends."""

    type: Literal["stop"]
    funder: Id
    venture: Id | None = None
    at: Month
    when: StopCondition | None = None


class Cap(Strict):
    """The most a partner pledges in all, all ventures together: its own pledges, then its
    match, top_up and raise policies, which are cut to fit (docs/model.md §8.5)."""

    type: Literal["cap"]
    funder: Id
    total: Amount


Policy = Annotated[Match | TopUp | Raise | Stop | Cap, Field(discriminator="type")]


# --- contagion ---------------------------------------------------------------------


class Contagion(Strict):
    """A departure of a `from` member raises the hazard of `to` members for `months`,
    or makes each of them leave at once with `probability`."""

    from_: MemberSet = Field(alias="from")
    to: MemberSet = "any"
    multiplier: Ratio | None = None
    added: Probability | None = None
    months: Whole | None = Field(None, ge=1, le=1200)
    probability: Probability | None = None


# --- ventures and the outside world ------------------------------------------------


class Dissolution(Strict):
    """The venture is wound up at a date, once its committed capital is below an amount, or
    in the month its cash runs out (with a spending plan)."""

    at: Month | None = None
    committed_below: float | None = Field(None, ge=0)
    cash_out: bool = False


class Spending(Strict):
    """The venture's spending plan (docs/model.md §9.5): an amount per month or per year
    (give exactly one), drawn once per replication, from `start` to `end`."""

    per_month: Amount | None = None
    per_year: Amount | None = None
    start: Month | None = None
    end: Month | None = None


def _one_or_each(value) -> str:
    """A mapping without `dist` gives a probability per member; anything else is one."""
    return "[each]" if isinstance(value, dict) and "dist" not in value else "[one]"


# The tags keep a failed value's errors to the form it was written in ("[…]": not a key
# of the file, so error paths leave them out).
ProbabilityByMember = Annotated[
    Annotated[Probability, Tag("[one]")] | Annotated[dict[Id, Probability], Tag("[each]")],
    Discriminator(_one_or_each),
]


class CallDefault(Strict):
    """Members that do not pay a capital call: with a probability per member and per call
    (one for all, or by member), they are diluted or excluded."""

    probability: ProbabilityByMember
    rule: Literal["dilute", "exclude"]
    penalty: float | None = Field(None, ge=0, le=1)  # dilute: fraction of the stake forfeited
    exit: Exit | None = None  # exclude: the excluded member's exit rule


class CapitalCalls(Strict):
    """Capital is called from members pro rata to their outstanding pledges when cash after
    the month's spending would fall below `below`, up to `target` (default: below)."""

    below: float = Field(ge=0)
    target: float | None = Field(None, ge=0)
    default: CallDefault | None = None


class SplitChild(Strict):
    """A venture the split creates capital in, and the parent's members that go to it."""

    members: list[Id] = Field(min_length=1)


Fraction = Annotated[float, Field(ge=0, le=1)]


class SplitTrigger(Strict):
    """What splits the venture instead of a date: a member leaving it, or its committed
    capital falling below an amount (give exactly one)."""

    departure: Id | None = None  # a member id, or `any`
    committed_below: float | None = Field(None, ge=0)


class Split(Strict):
    """At `at`, or when `on` fires, the venture ends and each member's outstanding pledge
    moves to the child ventures it goes to: `equal` parts, the fractions given per member,
    or given amounts per member (model.md §9.2)."""

    at: Month | None = None
    on: SplitTrigger | None = None
    into: dict[Id, SplitChild] = Field(min_length=1)
    pledges: Literal["equal"] | dict[Id, dict[Id, Fraction]] = "equal"
    amounts: dict[Id, dict[Id, Amount]] | None = None  # instead of `pledges` fractions
    leaving: list[Id] = Field(default_factory=list)  # go to no child: outstanding cancelled


class Absorption(Strict):
    """The venture a bought-out venture is absorbed into: the buyer's unpaid pledge moves there."""

    into: Id


# A word or {into: venture}, told apart by the input's shape so that a mistake is reported
# against the one form written, not against both.
AfterBuyout = Annotated[
    Annotated[Literal["continue", "absorbed"], Tag("word")] | Annotated[Absorption, Tag("mapping")],
    Discriminator(lambda data: "word" if isinstance(data, str) else "mapping"),
]


class Buyout(Strict):
    """At a date, `buyer` buys every other member's paid-in stake in the venture (their
    unpaid pledges are cancelled as they leave); then the venture goes on with one owner,
    is absorbed by the buyer, or is absorbed into another venture (model.md §9.3)."""

    at: Month
    buyer: Id
    price: Price | None = None
    then: AfterBuyout = "continue"


class Venture(Strict):
    label: str | None = None
    minimum_capital: Amount | None = None
    deadline: Month | None = None
    share_basis: Literal["committed", "paid_in"] = "committed"
    dissolution: Dissolution | None = None
    split: Split | None = None
    buyout: Buyout | None = None
    spending: Spending | None = None
    capital_calls: CapitalCalls | None = None


class Market(Strict):
    """Market size at dated points (scenario unit), constant growth between them."""

    label: str = "Market projection"
    points: dict[Month, float] = Field(min_length=1)
    growth: float | None = Field(None, gt=-1, le=10)
    reference: Month | None = None


class Benchmark(Strict):
    label: str | None = None
    points: dict[Month, float] = Field(min_length=1)


class Scenario(Strict):
    """A validated scenario: the consortium, its members and what may happen to them."""

    name: str | None = None
    title: str | None = None
    description: str | None = None
    unit: str = "M€"
    start: Month
    end: Month
    ventures: dict[Id, Venture] = Field(min_length=1)
    partners: dict[Id, Partner] = Field(min_length=1)
    candidates: dict[Id, Candidate] = Field(default_factory=dict)
    policies: dict[Id, Policy] = Field(default_factory=dict)
    contagion: dict[Id, Contagion] = Field(default_factory=dict)
    exit: Exit = Exit()  # the exit rule of departures that give none
    market: Market | None = None
    benchmarks: dict[Id, Benchmark] = Field(default_factory=dict)
    # `extends` is resolved before validation; kept here so the schema documents it.
    extends: str | None = None

    _source: dict = PrivateAttr(default_factory=dict)
    _files: list = PrivateAttr(default_factory=list)
    _warnings: list = PrivateAttr(default_factory=list)

    @property
    def horizon(self) -> int:
        """Number of simulated months, start and end included."""
        return self.end - self.start + 1

    @property
    def source(self) -> dict:
        """The resolved scenario as plain data (after `extends` and overrides)."""
        return self._source

    @property
    def files(self) -> list[str]:
        return list(self._files)

    @property
    def warnings(self) -> list:
        """Problems (severity "warning") of a valid scenario: shown, never refused."""
        return list(self._warnings)

    def record_origin(self, source: dict, files: list[str]) -> None:
        """Keep the resolved data the scenario was validated from and the files it came from
        (for the manifest and the input hash)."""
        self._source, self._files = source, list(files)

    def record_warnings(self, warnings: list) -> None:
        """Keep the warnings its checks found (see `warnings`)."""
        self._warnings = list(warnings)

    def members(self) -> dict[str, Member]:
        """Partners then candidates, in file order."""
        return {**self.partners, **self.candidates}
