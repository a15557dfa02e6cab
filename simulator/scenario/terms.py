"""Terms that change over time: a departure hazard by month (a step schedule or a linear
drift, docs/model.md §6.1) and a bargaining term by round (a list, or linear in the round
number, §7.6). Each form is a mapping; a plain number or a distribution stays what it was.

A form is told by its keys (`steps`; `start`/`per_year`; `by_round`; `first`/`per_round`), so
that a mistake inside one is reported against that form's own keys.
"""

from __future__ import annotations

import math
from typing import Annotated, Any, ClassVar

from pydantic import BeforeValidator, Discriminator, Field, Tag, WithJsonSchema
from pydantic_core import PydanticCustomError

from simulator.scenario.distributions import Distribution
from simulator.scenario.types import (
    MONTH_PATTERN,
    Amount,
    Month,
    Probability,
    Strict,
    parse_month,
    quantity,
)

Change = quantity(what="a change (a number of either sign)")


def _month_key(value: Any) -> str:
    """A month written YYYY-MM, kept as written (the key path `--set` and sweeps name)."""
    parse_month(value)
    return value.strip()


MonthKey = Annotated[
    str,
    BeforeValidator(_month_key),
    WithJsonSchema({"type": "string", "pattern": MONTH_PATTERN, "examples": ["2012-01"]}),
]


def _bound(lo: float, hi: float, what: str):
    """A plain number in [lo, hi] (a bound of a varying term is not drawn)."""

    def validate(value: Any) -> float:
        if isinstance(value, bool) or not isinstance(value, int | float):
            raise PydanticCustomError(
                "quantity_type",
                "not a number (got {got}; expected {what}, a plain number: a bound is not drawn)",
                {"got": repr(value), "what": what},
            )
        if not lo <= value <= hi:
            raise PydanticCustomError(
                "quantity_range",
                "out of range (got {got}; expected {what})",
                {"got": f"{value:g}", "what": what},
            )
        return float(value)

    schema = {"type": "number", "minimum": lo} | ({} if hi == math.inf else {"maximum": hi})
    return Annotated[Any, BeforeValidator(validate), WithJsonSchema(schema)]


def value_range(value) -> tuple[float, float]:
    """The lowest and highest value a number, a distribution or a varying term can take
    (what asks whether a hazard or a round's failure can make anything happen by chance)."""
    if isinstance(value, Varying):
        return value.span()
    return value.support() if isinstance(value, Distribution) else (value, value)


class Varying(Strict):
    """A term that changes over time; each form's `span()` is the lowest and highest value
    it can take, at any time (`value_range` reads it)."""


def _line_span(first, change, top: float, bottom: float = 0.0) -> tuple[float, float]:
    """The range of a value starting at `first` and moving by `change`, within [bottom, top]."""
    f_lo, f_hi = value_range(first)
    c_lo, c_hi = value_range(change)
    high = top if c_hi > 0 else min(f_hi, top)
    low = bottom if c_lo < 0 else min(max(f_lo, bottom), top)
    return low, high


# --- departure hazards by month -------------------------------------------------------


class Steps(Varying):
    """A monthly hazard by month: each listed month's value from that month on, 0 before
    the first (months increasing, within the horizon)."""

    steps: dict[MonthKey, Probability] = Field(min_length=1)

    def span(self) -> tuple[float, float]:
        ranges = [value_range(v) for v in self.steps.values()]
        return 0.0, max(high for _, high in ranges)

    def months(self) -> list[int]:
        """The listed months as month numbers, in the order written."""
        return [parse_month(m) for m in self.steps]


class Drift(Varying):
    """A monthly hazard that drifts: `start` in month `from` (default the scenario's start),
    changing by `per_year`/12 every month after, within [0, `max`]."""

    start: Probability
    per_year: Change
    from_: Month | None = Field(None, alias="from")
    max: _bound(0, 1, "a probability in [0, 1]") = 1.0

    def span(self) -> tuple[float, float]:
        return _line_span(self.start, self.per_year, self.max)


# --- bargaining terms by round -----------------------------------------------------------


def _round_list(value: Any) -> Any:
    """`[v1, v2, v3]` → {0: v1, 1: v2, 2: v3}: round k + 1 is entry k (the key `--set` uses
    for the list's item k), so that every value is reached as a mapping's is."""
    if not isinstance(value, list):
        raise PydanticCustomError(
            "quantity_type",
            "not a list (got {got}; expected one value per round, e.g. [0.1, 0.2, 0.3])",
            {"got": repr(value)},
        )
    return dict(enumerate(value))


def _by_round(value_type):
    return Annotated[
        dict[int, value_type],
        BeforeValidator(_round_list),
        Field(min_length=1),
        WithJsonSchema({"type": "array", "minItems": 1, "items": {}}),
    ]


class ByRound(Varying):
    """Round k uses the k-th value; the last repeats."""

    by_round: Any

    def values(self) -> list:
        return [self.by_round[k] for k in range(len(self.by_round))]

    def span(self) -> tuple[float, float]:
        ranges = [value_range(v) for v in self.by_round.values()]
        return min(lo for lo, _ in ranges), max(hi for _, hi in ranges)


class AmountByRound(ByRound):
    """An amount by round: round k uses the k-th value; the last repeats."""

    by_round: _by_round(Amount)


class ProbabilityByRound(ByRound):
    """A probability by round: round k uses the k-th value; the last repeats."""

    by_round: _by_round(Probability)


class PerRound(Varying):
    """Linear in the round number: `first` in round 1, plus `per_round` each round after,
    within the key's range and at most `max`."""

    first: Any
    per_round: Change
    max: Any = None
    TOP: ClassVar[float] = math.inf  # the highest value of the key

    def span(self) -> tuple[float, float]:
        top = self.TOP if self.max is None else self.max
        return _line_span(self.first, self.per_round, top)


class AmountPerRound(PerRound):
    """An amount linear in the round number."""

    first: Amount
    max: _bound(0, math.inf, "an amount ≥ 0") | None = None


class ProbabilityPerRound(PerRound):
    """A probability linear in the round number."""

    first: Probability
    max: _bound(0, 1, "a probability in [0, 1]") | None = None
    TOP: ClassVar[float] = 1.0


# --- the keys' types: a number, a distribution, or a form ------------------------------------

_FORMS = {
    "hazard": (("[steps]", {"steps"}), ("[drift]", {"start", "per_year", "from", "max"})),
    "round": (("[by_round]", {"by_round"}), ("[per_round]", {"first", "per_round", "max"})),
}
_WRITTEN = {
    "hazard": "{steps: {MONTH: value, ...}} or {start: .., per_year: .., from: MONTH, max: ..}",
    "round": "{by_round: [v1, v2, ...]} or {first: .., per_round: .., max: ..}",
}


def _pick(kind: str):
    def pick(value) -> str:
        if isinstance(value, dict) and "dist" not in value:
            for tag, keys in _FORMS[kind]:
                if keys & set(value):
                    return tag
        return "[number]"

    return pick


def _not_a_form(kind: str, what: str):
    """A mapping that is neither a distribution nor one of the forms: say what may be written."""

    def validate(value: Any) -> Any:
        if isinstance(value, dict) and "dist" not in value:
            raise PydanticCustomError(
                "quantity_type",
                "not a number, a distribution or a varying term (got {got}; expected {what}, "
                "{dist: ..}, {forms})",
                {"got": repr(value)[:60], "what": what, "forms": _WRITTEN[kind]},
            )
        return value

    return validate


def _term(kind: str, number, what: str, *forms):
    tags = [tag for tag, _ in _FORMS[kind]]
    number = Annotated[number, BeforeValidator(_not_a_form(kind, what)), Tag("[number]")]
    choices = tuple(Annotated[f, Tag(t)] for f, t in zip(forms, tags, strict=True))
    return Annotated[number | choices[0] | choices[1], Discriminator(_pick(kind))]


HazardTerm = _term("hazard", Probability, "a probability in [0, 1]", Steps, Drift)
AmountTerm = _term("round", Amount, "an amount ≥ 0", AmountByRound, AmountPerRound)
ProbabilityTerm = _term(
    "round", Probability, "a probability in [0, 1]", ProbabilityByRound, ProbabilityPerRound
)
