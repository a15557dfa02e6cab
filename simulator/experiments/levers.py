"""Levers: a key path of a scenario file and the range it may move over, written
`partners.state.pledge=135..300`, `candidates.atos.negotiation.start=2012-01..2014-12`
(dates move by whole months) or `...duration=2..24:1` (in steps of 1).

Each setting is the file loaded with `--set path=value`, so a lever reaches every number and
date a `--set` does and is checked the same way (an unknown path is refused, never added).
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from simulator.errors import ConsimError
from simulator.scenario.load import load_scenario
from simulator.scenario.schema import Scenario
from simulator.scenario.types import month_label

_NUMBER = r"[-+]?\d+(?:\.\d+)?(?:[eE][-+]?\d+)?"
_RANGE = re.compile(
    rf"^(?P<path>[A-Za-z0-9_.\-]+)=(?P<low>{_NUMBER}|\d{{4}}-\d{{2}})\.\.(?P<high>{_NUMBER}|"
    rf"\d{{4}}-\d{{2}})(?::(?P<step>{_NUMBER}))?$"
)
_MONTH = re.compile(r"^\d{4}-\d{2}$")
FORM = "PATH=LOW..HIGH[:STEP], e.g. partners.state.pledge=135..300 or ...start=2012-01..2014-12"


@dataclass(frozen=True)
class Lever:
    """A key path moving from `low` to `high` (months since year 0 for dates), by `step`
    (None: any value; dates: 1 month)."""

    path: str
    low: float
    high: float
    step: float | None = None
    dates: bool = False
    text: str = ""

    def snap(self, value: float) -> float:
        """The nearest value the lever can take."""
        if self.step is None:
            return float(min(max(value, self.low), self.high))
        k = round((value - self.low) / self.step)
        return float(min(self.low + k * self.step, self.high))

    def grid(self, count: int) -> list[float]:
        """`count` settings evenly spread from low to high (fewer if the steps run out)."""
        return sorted({self.snap(v) for v in np.linspace(self.low, self.high, count)})

    def shown(self, value: float) -> str:
        """The value as the file would write it."""
        if self.dates:
            return month_label(int(round(value)))
        if self.step is not None and float(self.step).is_integer() and float(value).is_integer():
            return str(int(value))
        return f"{value:.6g}"

    def value(self, value: float):
        """A setting as a scenario holds it: a date as YYYY-MM, a whole number as an int."""
        if self.dates:
            return self.shown(value)
        return int(value) if float(value).is_integer() else float(value)

    def override(self, value: float) -> str:
        """The `--set` text of a setting, at full precision (shown() rounds for reading)."""
        if self.dates:
            return f"{self.path}={self.shown(value)}"
        text = str(int(value)) if float(value).is_integer() else repr(float(value))
        return f"{self.path}={text}"


def parse_lever(text: str) -> Lever:
    """A lever from its text; one clear line for a range that does not parse."""
    found = _RANGE.match(text.strip())
    if not found:
        raise ConsimError(f"--lever {text!r}: does not parse (expected {FORM})")
    low_text, high_text, step_text = found["low"], found["high"], found["step"]
    dates = bool(_MONTH.match(low_text))
    if dates != bool(_MONTH.match(high_text)):
        raise ConsimError(f"--lever {text!r}: both ends must be dates, or both numbers")
    if dates:
        low, high = (_month(t, text) for t in (low_text, high_text))
        step = 1.0 if step_text is None else float(step_text)
    else:
        low, high = float(low_text), float(high_text)
        step = None if step_text is None else float(step_text)
    if not (math.isfinite(low) and math.isfinite(high)) or low >= high:
        raise ConsimError(f"--lever {text!r}: LOW must be below HIGH (got {low_text}..{high_text})")
    if step is not None and not (step > 0 and (not dates or step.is_integer())):
        raise ConsimError(f"--lever {text!r}: the step must be positive (whole months for dates)")
    return Lever(found["path"], low, high, step, dates, text.strip())


def _month(text: str, lever: str) -> float:
    year, month = int(text[:4]), int(text[5:])
    if not 1 <= month <= 12:
        raise ConsimError(f"--lever {lever!r}: {text!r} is not a month (expected YYYY-MM)")
    return float(year * 12 + month - 1)


def setting(path: str | Path, levers: list[Lever], values: list[float], overrides=()) -> Scenario:
    """The scenario file with each lever at its value (after the user's own `--set`s)."""
    texts = [*overrides, *(lever.override(v) for lever, v in zip(levers, values, strict=True))]
    try:
        return load_scenario(path, texts)
    except ConsimError as exc:
        message = str(exc)
        for lever, v in zip(levers, values, strict=True):
            message = message.replace(f"--set {lever.override(v)}", f"--lever {lever.text}")
        raise ConsimError(message) from None


def check_levers(path: str | Path, levers: list[Lever], overrides=()) -> None:
    """Both ends of every lever make a valid scenario: a bad path or range fails before
    anything runs."""
    paths = [lever.path for lever in levers]
    if len(set(paths)) != len(paths):
        raise ConsimError(f"--lever: a path is given twice ({', '.join(paths)})")
    for end in ("low", "high"):
        values = [getattr(lever, end) for lever in levers]
        try:
            setting(path, levers, values, overrides)
        except ConsimError as exc:
            if str(exc).startswith("--lever"):
                raise
            ends = ", ".join(
                f"{lv.path}={lv.shown(v)}" for lv, v in zip(levers, values, strict=True)
            )
            raise ConsimError(f"--lever at its {end} end ({ends}): {exc}") from None


class Settings:
    """Settings of some levers of a scenario file: the file (with the user's `--set`s) read
    and checked once, each setting a variant of it (`Scenario.with_changes`), as `setting`
    would give but without reading and parsing the files again (~5 ms a setting)."""

    def __init__(self, path: str | Path, levers: list[Lever], overrides=()):
        check_levers(path, levers, overrides)  # problems said in the terms of --lever
        self.base = load_scenario(path, overrides)
        self.levers = levers

    def changes(self, values: list[float]) -> tuple:
        """A setting as (key path, value) pairs, as `Scenario.with_changes` takes them."""
        return tuple((lv.path, lv.value(v)) for lv, v in zip(self.levers, values, strict=True))

    def at(self, values: list[float]) -> Scenario:
        return self.base.with_changes(dict(self.changes(values)))
