"""Events that set off an action instead of a date (docs/model.md §9.7): `on:` on a cut, a
raise, a stop, a buy-out, a transfer, a split or a dissolution, and a negotiation's
`trigger:`."""

from __future__ import annotations

from pydantic import Field

from simulator.scenario.types import Id, Strict, Whole

# The event keys of `on:`, one of which is given; `any` stands for every member (departure),
# candidate (joins, negotiation_failed) or venture (collapse, dissolution).
EVENTS = ("departure", "joins", "negotiation_failed", "collapse", "dissolution", "committed_below")


class On(Strict):
    """An event, and how many months after it the action follows."""

    departure: Id | None = None  # a member leaves a venture (`any`: the first to)
    joins: Id | None = None  # a candidate joins (`any`)
    negotiation_failed: Id | None = None  # talks with a candidate fail (`any`)
    collapse: Id | None = None  # a venture collapses, short of its minimum capital (`any`)
    dissolution: Id | None = None  # a venture is dissolved (`any`)
    committed_below: float | None = Field(None, ge=0)  # a venture's capital crosses below
    venture: Id | None = None  # with committed_below: the venture watched
    after: Whole = Field(0, ge=0, le=1200)  # months between the event and the action

    @property
    def events(self) -> list[str]:
        """The event keys given (one, in a valid file)."""
        return [k for k in EVENTS if getattr(self, k) is not None]
