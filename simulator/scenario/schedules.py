"""How a pledge is paid: at once, in tranches, on a calendar, or on call."""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import Field

from simulator.scenario.types import Amount, Month, Strict, Whole


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


def first_date(schedule) -> int | None:
    """The month of a schedule's first dated payment; None when it runs from the pledge
    (or is on call)."""
    if isinstance(schedule, Upfront):
        return schedule.at
    if isinstance(schedule, Tranches):
        return schedule.start
    if isinstance(schedule, Calendar):
        return min(schedule.payments)
    return None
