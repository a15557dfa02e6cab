"""Field types of the scenario language: months, ids and numbers that may be distributions."""

from __future__ import annotations

import datetime
import math
import re
from typing import Annotated, Any

from pydantic import BaseModel, BeforeValidator, ConfigDict, WithJsonSchema
from pydantic_core import PydanticCustomError

from simulator.scenario.distributions import DIST_PARAMS, Distribution, parse_distribution
from simulator.scenario.yamlio import scalar_hint

_MONTH = re.compile(r"^(\d{4})-(0[1-9]|1[0-2])$")
MONTH_PATTERN = r"^\d{4}-(0[1-9]|1[0-2])$"


def parse_month(value: Any) -> int:
    """`YYYY-MM` → absolute month number (year * 12 + month - 1)."""
    if isinstance(value, str):
        m = _MONTH.match(value.strip())
        if m:
            return int(m.group(1)) * 12 + int(m.group(2)) - 1
    got = value.isoformat() if isinstance(value, datetime.date) else repr(value)
    raise PydanticCustomError(
        "month", "not a month (got {got}; expected YYYY-MM, e.g. 2012-01)", {"got": got}
    )


def month_label(month: int) -> str:
    return f"{month // 12:04d}-{month % 12 + 1:02d}"


Month = Annotated[
    int,
    BeforeValidator(parse_month),
    WithJsonSchema({"type": "string", "pattern": MONTH_PATTERN, "examples": ["2012-01"]}),
]


def _whole(value: Any) -> Any:
    """An exact float (4.0, as a sweep's grid of counts gives) is the whole number it equals;
    anything else goes on to the strict check, which refuses 4.5, '4' and true."""
    return int(value) if isinstance(value, float) and value.is_integer() else value


Whole = Annotated[int, BeforeValidator(_whole)]

_ID = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")


def _parse_id(value: Any) -> str:
    if isinstance(value, str) and _ID.match(value):
        return value
    raise PydanticCustomError(
        "identifier",
        "not an id (got {got}; expected a word of letters, digits and _, e.g. orange)",
        {"got": repr(value)},
    )


Id = Annotated[
    str,
    BeforeValidator(_parse_id),
    WithJsonSchema({"type": "string", "pattern": _ID.pattern}),
]


def _bounds_text(lo, hi, open_low: bool = False) -> str:
    if lo is None and hi is None:
        return ""
    if lo is not None and hi is not None:
        return f"> {lo:g} and ≤ {hi:g}" if open_low else f"in [{lo:g}, {hi:g}]"
    if lo is not None:
        return f"> {lo:g}" if open_low else f"≥ {lo:g}"
    return f"≤ {hi:g}"


def _quantity_validator(lo: float | None, hi: float | None, what: str, open_low: bool = False):
    bounds = _bounds_text(lo, hi, open_low)
    expected = f"{what} {bounds}" if (lo, hi) != (None, None) else what

    def below(x: float) -> bool:
        return lo is not None and (x <= lo if open_low else x < lo)

    def validate(value: Any) -> float | Distribution:
        if isinstance(value, Distribution):
            return value
        if isinstance(value, dict) and "dist" in value:
            dist = parse_distribution(value)
            low, high = dist.support()
            if below(low) or (hi is not None and high > hi):
                raise PydanticCustomError(
                    "quantity_range",
                    "a {kind} distribution here can give values {support} "
                    "(expected {expected}; set low/high or choose another distribution)",
                    {"kind": dist.kind, "support": _support_text(low, high), "expected": expected},
                )
            return dist
        if isinstance(value, bool) or not isinstance(value, (int, float)):
            raise PydanticCustomError(
                "quantity_type",
                "not a number (got {got}; expected {expected} or a distribution "
                "such as {dist: triangular, low: .., mode: .., high: ..}{hint})",
                {
                    "got": f"{value!r}, a boolean" if isinstance(value, bool) else repr(value),
                    "expected": expected,
                    "hint": scalar_hint(value),
                },
            )
        if not math.isfinite(value) or below(value) or (hi is not None and value > hi):
            raise PydanticCustomError(
                "quantity_range",
                "out of range (got {got}; expected {expected})",
                {"got": f"{value:g}", "expected": expected},
            )
        return float(value)

    return validate


def _support_text(low, high) -> str:
    return f"from {low:g} to {high:g}"


def _quantity_schema(lo, hi, open_low: bool = False):
    number: dict = {"type": "number"}
    if lo is not None:
        number["exclusiveMinimum" if open_low else "minimum"] = lo
    if hi is not None:
        number["maximum"] = hi
    dist = {
        "type": "object",
        "required": ["dist"],
        "properties": {"dist": {"enum": list(DIST_PARAMS)}},
        "description": "A distribution drawn once per replication: "
        + "; ".join(f"{k}({', '.join(v)})" for k, v in DIST_PARAMS.items()),
    }
    return {"anyOf": [number, dist]}


def quantity(
    lo: float | None = None, hi: float | None = None, what: str = "a number", open_low=False
):
    """A number, or a distribution whose support lies within [lo, hi] ((lo, hi] if
    `open_low`: lo itself excluded)."""
    return Annotated[
        Any,
        BeforeValidator(_quantity_validator(lo, hi, what, open_low)),
        WithJsonSchema(_quantity_schema(lo, hi, open_low)),
    ]


Amount = quantity(0, None, "an amount")
Probability = quantity(0, 1, "a probability")
Months = quantity(0, None, "a number of months")
Ratio = quantity(0, None, "a ratio")
# An annual growth rate: -1 (the market vanishing within a year) has no logarithm.
Growth = quantity(-1, 10, "an annual growth rate", open_low=True)


def _parse_members(value: Any) -> str | tuple[str, ...]:
    """`any`, one id, or a list of ids (kept as a tuple, in the order given)."""
    if value == "any":
        return "any"
    items = [value] if isinstance(value, str) else value
    if (
        isinstance(items, list)
        and items
        and all(isinstance(v, str) and _ID.match(v) for v in items)
    ):
        return tuple(items)
    raise PydanticCustomError(
        "identifier",
        "not a list of ids (got {got}; expected any, an id or a list of ids, "
        "e.g. [orange, thales])",
        {"got": repr(value)},
    )


MemberSet = Annotated[
    Any,
    BeforeValidator(_parse_members),
    WithJsonSchema(
        {
            "anyOf": [
                {"const": "any"},
                {"type": "string", "pattern": _ID.pattern},
                {
                    "type": "array",
                    "items": {"type": "string", "pattern": _ID.pattern},
                    "minItems": 1,
                },
            ]
        }
    ),
]


class Strict(BaseModel):
    """Unknown keys are errors; validated objects are immutable; values are not converted
    (pydantic's lax mode read public: yes as true and count: '4' as 4, silently)."""

    model_config = ConfigDict(extra="forbid", frozen=True, strict=True)
