"""A venture's own terms: minimum capital and deadline, dissolution, split, buy-out,
spending and capital calls."""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import Discriminator, Field, Tag

from simulator.scenario.members import Exit, Price
from simulator.scenario.schedules import Schedule, Upfront
from simulator.scenario.triggers import On
from simulator.scenario.types import Amount, Id, Month, Probability, Ratio, Strict, Whole


class Dissolution(Strict):
    """The venture is wound up at a date, on an event (model.md §9.7), once its committed
    capital is below an amount, or in the month its cash runs out (with a spending plan)."""

    at: Month | None = None
    on: On | None = None
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


class Split(Strict):
    """At `at`, or when `on` fires, the venture ends and each member's outstanding pledge
    moves to the child ventures it goes to: `equal` parts, the fractions given per member,
    or given amounts per member (model.md §9.2)."""

    at: Month | None = None
    on: On | None = None  # an event (model.md §9.7); a departure: from this venture
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

    at: Month | None = None
    on: On | None = None  # instead of `at`: an event (model.md §9.7)
    buyer: Id
    price: Price | None = None
    then: AfterBuyout = "continue"


class Capital(Strict):
    """The venture's capital as an amount and each partner's share of it (model.md §10.1):
    each listed partner pledges its share of the amount, paid on `schedule`."""

    amount: float = Field(gt=0)
    shares: dict[Id, Annotated[float, Field(gt=0, le=1)]] = Field(min_length=1)
    schedule: Schedule = Upfront()


# Published shares are rounded (44.4 %, 22.2 %, 33.3 % add up to 99.9 %): shares adding up
# to within this of 1 are scaled to 1; further off is a mistake.
SHARES_TOLERANCE = 0.002


class Transfer(Strict):
    """At `at`, members of the venture pass `share` of its ownership to `to`: in equal parts
    (a list) or in the proportions given; in its register of ownership, or as paid-in
    capital at book value (`ownership: capital`), model.md §10.2."""

    at: Month | None = None
    on: On | None = None  # instead of `at`: an event (model.md §9.7)
    to: Id
    share: Annotated[float, Field(gt=0, lt=1)]
    from_: list[Id] | dict[Id, Annotated[float, Field(gt=0, le=1)]] = Field(alias="from")
    ownership: Literal["register", "capital"] = "register"
    price: Price | None = None


class Loan(Strict):
    """Money lent to the venture (model.md §9.8): not equity, no ownership; repaid with
    simple interest `term` months later out of the venture's cash, a guarantor covering
    what the cash cannot."""

    lender: Id
    amount: Amount
    at: Month | None = None
    on: On | None = None  # instead of `at`: an event (model.md §9.7)
    term: Whole = Field(ge=1, le=1200)  # months until it is repaid
    rate: Ratio = 0.0  # simple annual interest
    guarantor: Id | None = None
    guarantee: Amount | None = None  # the most the guarantor pays (default: all that is due)


class Venture(Strict):
    label: str | None = None
    opens: Month | None = None  # created later: its partners pledge and join then
    capital: Capital | None = None
    transfers: list[Transfer] = Field(default_factory=list)
    loans: dict[Id, Loan] = Field(default_factory=dict)  # by id (model.md §9.8)
    minimum_capital: Amount | None = None
    deadline: Month | None = None
    share_basis: Literal["committed", "paid_in"] = "committed"
    dissolution: Dissolution | None = None
    split: Split | None = None
    buyout: Buyout | None = None
    spending: Spending | None = None
    capital_calls: CapitalCalls | None = None
