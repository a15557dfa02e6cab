"""Partners and candidates: pledges, departures with their exit rules, negotiations."""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import Field

from simulator.scenario.schedules import Schedule, Upfront
from simulator.scenario.terms import AmountTerm, HazardTerm, ProbabilityTerm
from simulator.scenario.triggers import On
from simulator.scenario.types import (
    Amount,
    Id,
    MemberSet,
    Month,
    Months,
    Probability,
    Ratio,
    Strict,
    Whole,
)


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
    refunds it, the remaining members pre-empt it pro rata, a named member buys it, or
    several named members buy it in the parts given."""

    stake: Literal["stays", "refund", "preemption", "buyer", "buyers"] = "stays"
    buyer: Id | None = None
    buyers: dict[Id, Annotated[float, Field(gt=0, le=1)]] | None = None  # stake: buyers
    price: Price | None = None


class Departure(Strict):
    """When a member leaves: at a date, or with a monthly hazard (raised while a rival is in),
    constant or varying by month (terms.py)."""

    at: Month | None = None
    hazard: HazardTerm | None = None
    start: Month | None = None
    rival: Id | None = None
    rival_hazard: HazardTerm | None = None
    venture: Id | None = None
    exit: Exit | None = None  # None: the scenario's `exit`, else the stake stays


class Cut(Strict):
    """A member reduces its pledge to a venture at a date, or on an event (model.md §9.7),
    without leaving: by an amount, or to an amount of committed capital (model.md §8.6)."""

    at: Month | None = None
    on: On | None = None
    by: Amount | None = None
    to: Amount | None = None
    venture: Id | None = None


class Budget(Strict):
    """A yearly envelope (model.md §8.7): the member pays at most `per_year` in each
    calendar year, all ventures together; payments beyond wait or are refused."""

    per_year: Amount
    beyond: Literal["wait", "refuse"] = "wait"


class Member(Strict):
    label: str | None = None
    public: bool = False
    pledge: Amount | None = None
    venture: Id | None = None
    schedule: Schedule | None = None
    pledges: dict[Id, Pledge] | None = None
    departure: Departure | None = None
    cuts: list[Cut] = Field(default_factory=list)
    budget: Budget | None = None


class Partner(Member):
    """A member from the start."""


class Negotiation(Strict):
    """Talks with a candidate: the simple form (start, duration, success) or rounds.

    Writing any other key makes it a negotiation in rounds (docs/model.md §7.2):
    a cadence, bargained terms, vetoes, rivals, a trigger instead of a start date.
    """

    start: Month | None = None
    duration: Months = 0.0
    success: Probability = 1.0
    trigger: On | None = None  # instead of `start`: an event (model.md §9.7)
    every: Whole = Field(1, ge=1, le=120)
    rounds: Whole | None = Field(None, ge=1, le=1200)
    deadline: Month | None = None
    # The bargaining terms and the round's failure may vary by round (terms.py)
    round_failure: ProbabilityTerm = 0.0
    ask: AmountTerm | None = None
    max_pledge: AmountTerm | None = None
    min_share: ProbabilityTerm = 0.0
    power: float = Field(0.5, ge=0, le=1)
    veto_by: MemberSet = ()
    refuses_with: MemberSet = ()
    until_filled: bool = False
    # Ownership at entry (docs/model.md §10): from capital, or a share granted at the join
    # and taken from the others pro rata or equally. Works with both forms.
    dilution: Literal["capital", "pro_rata", "equal"] = "capital"
    share: Probability | None = None  # default with bargained terms: min_share
    # Entry at a valuation: the pledge x buys x / (pre_money + x) of the enlarged venture
    pre_money: Amount | None = None

    @property
    def in_rounds(self) -> bool:
        """True when a key beyond the simple form's start, duration and success (and the
        entry terms dilution, share, pre_money, which both forms take) is written."""
        entry = {"dilution", "share", "pre_money"}
        return bool(self.model_fields_set - {"start", "duration", "success"} - entry)

    @property
    def granted_kind(self) -> str:
        """How ownership is given at entry: `dilution`, pro_rata when only a valuation is
        written (a price makes sense only with a share granted)."""
        if self.pre_money is not None and "dilution" not in self.model_fields_set:
            return "pro_rata"
        return self.dilution

    @property
    def bargained(self) -> bool:
        """The pledge is bargained (max_pledge given) rather than drawn from `pledge`."""
        return self.max_pledge is not None


class Candidate(Member):
    """A would-be member: joins (with its pledges) if its negotiation succeeds."""

    negotiation: Negotiation
