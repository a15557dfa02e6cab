"""Observed history: dated figures of a venture that a run is set against (a backtest) and
that calibration fits (docs/model.md §13.3)."""

from __future__ import annotations

from typing import Literal

from pydantic import Field

from simulator.scenario.types import Id, Month, Strict

# The venture totals an observation may be of (trajectory columns summed over members).
OBSERVABLE = ("pledged", "committed", "paid_in", "cancelled", "members")


class Observed(Strict):
    """A venture total observed at dates, with the uncertainty of the figures (a standard
    deviation in the same unit; 0: taken as exact)."""

    label: str | None = None
    venture: Id | None = None  # required with several ventures
    variable: Literal["pledged", "committed", "paid_in", "cancelled", "members"]
    points: dict[Month, float] = Field(min_length=1)
    sd: float = Field(0.0, ge=0)
    source: str | None = None  # where the figures come from (free text)
