"""Targets and objectives written as text: `P(committed_final >= 285 at 2014-12) >= 0.9`,
`mean(paid_in_final) >= 250`, `q10(committed_final) > 200`, `P(not collapsed) >= 0.95`.

A statistic (a probability, a mean or a quantile of one outcome over the replications) is
estimated with its 95 % interval; a target compares it with a threshold. Each target also
has a continuous `margin` that goal seeking's root search follows: the order statistic
that decides a probability (P(X ≥ t) ≥ p holds exactly when the ⌈pn⌉-th largest X is ≥ t),
so that a lever that moves X smoothly moves the margin smoothly, and the root is exact.
"""

from __future__ import annotations

import functools
import math
import re
from dataclasses import dataclass, field

import numpy as np

from simulator.analysis.intervals import (
    Estimate,
    mean_interval,
    proportion_bounds,
    proportion_interval,
    quantile_interval,
)
from simulator.errors import ConsimError
from simulator.scenario.schema import Scenario
from simulator.scenario.types import month_label

FLAGS = ("collapsed", "dissolved", "cash_out")
# Outcomes that have a value in every month (read at `at` instead of the last month).
DATED = {
    "pledged_final": "pledged",
    "committed_final": "committed",
    "paid_in_final": "paid_in",
    "cancelled_final": "cancelled",
    "outstanding_final": "outstanding",
    "members_final": "members",
}
NUMBERS = (
    *DATED,
    "committed_at_reference",
    "capital_to_market",
    "spent_final",
    "cash_final",
)


@dataclass(frozen=True)
class Metric:
    """An outcome of each replication, summed over the ventures (a yes/no outcome: in any)
    or of `venture` alone; `month` (months from the scenario's start) reads a dated outcome
    at that month; `negated` turns a yes/no outcome into its opposite."""

    outcome: str
    month: int | None = None
    negated: bool = False
    venture: str | None = None

    @property
    def is_flag(self) -> bool:
        return self.outcome in FLAGS

    def label(self, start: int | None = None) -> str:
        text = f"not {self.outcome}" if self.negated else self.outcome
        if self.venture is not None:
            text += f"[{self.venture}]"
        if self.month is not None and start is not None:
            text += f" at {month_label(start + self.month)}"
        return text


def check_metric(metric: Metric, scenario: Scenario) -> None:
    """A metric this scenario has, else one line saying what is allowed."""
    known = (*NUMBERS, *FLAGS)
    if metric.outcome not in known:
        raise ConsimError(
            f"unknown outcome {metric.outcome!r} (expected one of: {', '.join(known)})"
        )
    if metric.venture is not None and metric.venture not in scenario.ventures:
        raise ConsimError(
            f"{metric.outcome}[{metric.venture}]: unknown venture {metric.venture!r} "
            f"(expected one of: {', '.join(scenario.ventures)})"
        )
    if metric.negated and not metric.is_flag:
        raise ConsimError(
            f"'not' applies to yes/no outcomes ({', '.join(FLAGS)}), not to {metric.outcome!r}"
        )
    if metric.month is not None:
        if metric.outcome not in DATED:
            raise ConsimError(
                f"'at' reads an outcome at a month: {metric.outcome!r} has none "
                f"(expected one of: {', '.join(DATED)})"
            )
        if not 0 <= metric.month < scenario.horizon:
            raise ConsimError(
                f"'at {month_label(scenario.start + metric.month)}' is outside the horizon "
                f"(expected {month_label(scenario.start)} to {month_label(scenario.end)})"
            )


OPS = {">=": np.greater_equal, ">": np.greater, "<=": np.less_equal, "<": np.less}
_NUMBER = r"[-+]?(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][-+]?\d+)?"
_OP = r">=|<=|>|<"
_VENTURE = r"(?:\[(?P<venture>[A-Za-z0-9_.-]+)\])?"  # committed_final[cloudwatt]
_METRIC = rf"(?P<name>[a-z_]+){_VENTURE}(?:\s+at\s+(?P<at>\d{{4}}-\d{{2}}))?"
_STAT = re.compile(r"^\s*(?P<stat>P|mean|median|q\d{1,2})\s*\((?P<inside>.*)\)\s*$")
_COND = re.compile(
    rf"^\s*(?P<name>[a-z_]+){_VENTURE}(?:\s+at\s+(?P<at1>\d{{4}}-\d{{2}}))?\s*(?P<op>{_OP})\s*"
    rf"(?P<value>{_NUMBER})(?:\s+at\s+(?P<at2>\d{{4}}-\d{{2}}))?\s*$"
)
_FLAG = re.compile(rf"^\s*(?P<neg>not\s+)?(?P<name>[a-z_]+){_VENTURE}\s*$")
_TARGET = re.compile(rf"^(?P<stat>.*\))\s*(?P<op>{_OP})\s*(?P<value>{_NUMBER})\s*$")
GRAMMAR = (
    "P(OUTCOME OP X [at YYYY-MM]) OP p, P([not] FLAG) OP p, mean(OUTCOME [at YYYY-MM]) OP x, "
    "median(...) or qNN(...) OP x; OUTCOME[VENTURE] for one venture; OP one of >=, >, <=, <"
)


@dataclass(frozen=True)
class Statistic:
    """A probability ("P"), mean or quantile (`q` in 0…1) of `metric` over replications;
    a probability of a number is that of `metric op value`."""

    kind: str
    metric: Metric
    q: float | None = None
    op: str | None = None
    value: float | None = None
    text: str = field(default="", compare=False)

    def indicator(self, x: np.ndarray) -> np.ndarray:
        return x > 0.5 if self.op is None else OPS[self.op](x, self.value)

    def estimate(self, x: np.ndarray, exact: bool = False) -> Estimate:
        """The statistic of the sample `x` with its 95 % interval (zero width if `exact`)."""
        if self.kind == "P":
            k = int(self.indicator(x).sum())
            est = proportion_interval(k, len(x))
            return Estimate(est.value, est.value, est.value, len(x)) if exact else est
        if self.kind == "mean":
            return mean_interval(x, exact=exact)
        return quantile_interval(x, self.q, exact=exact)


@dataclass(frozen=True)
class Target:
    """`statistic op threshold`."""

    statistic: Statistic
    op: str
    threshold: float
    text: str

    @property
    def above(self) -> bool:
        """Met by a statistic above the threshold (>=, >) rather than below it."""
        return self.op.startswith(">")

    def met(self, value: float) -> bool:
        return bool(OPS[self.op](value, self.threshold)) or _equal(value, self.threshold, self.op)

    def judge(self, x: np.ndarray, exact: bool = False) -> dict:
        """The estimate of the sample `x`, with whether the target holds and by how much
        ("met", "margin"), and the same for the end of the 95 % interval that makes it
        possibly or surely met ("possibly", "margin_possibly", "surely", "margin_surely").
        Margins are positive where it holds, and continuous in x where they can be."""
        est = self.statistic.estimate(x, exact)
        record = {"value": est.value, "low": est.low, "high": est.high}
        for which in ("point", "possibly", "surely"):
            held, margin = self._held(x, est, "point" if exact else which)
            name = "met" if which == "point" else which
            record[name] = bool(held)
            record["margin" if which == "point" else f"margin_{which}"] = float(margin)
        return record

    def _held(self, x: np.ndarray, est, which: str) -> tuple[bool, float]:
        s = self.statistic
        if s.kind == "P" and s.op is not None:
            need = _needed(len(x), self.threshold, self.above, which)
            return _decisive(x, s, need, self.above)
        if which == "point":
            end = est.value
        else:  # the interval's end on the side that could (possibly) or must (surely) meet it
            high = (which == "possibly") == self.above
            end = est.high if high else est.low
            end = (math.inf if high else -math.inf) if np.isnan(end) else end
        margin = end - self.threshold if self.above else self.threshold - end
        return self.met(end), margin


@functools.lru_cache(maxsize=64)
def _needed(n: int, p: float, above: bool, which: str) -> int:
    """How many of n replications must have the event (P ≥ p: at least this many) or may
    have it (P ≤ p: fewer than this many) for the estimate, or the end of Wilson's interval
    that decides `which`, to meet the threshold p."""
    if which == "point":
        return math.ceil(p * n - 1e-9) if above else math.floor(p * n + 1e-9) + 1
    low, high = proportion_bounds(np.arange(n + 1), n)
    end = high if (which == "possibly") == above else low
    if above:
        ok = np.flatnonzero(end >= p - 1e-12)
        return int(ok[0]) if len(ok) else n + 1
    ok = np.flatnonzero(end <= p + 1e-12)
    return int(ok[-1]) + 1 if len(ok) else 0


def _decisive(x: np.ndarray, s: Statistic, need: int, above: bool) -> tuple[bool, float]:
    """Whether the count of replications with the event passes `need`, and the margin of
    the replication that decides it (the need-th most favourable one) from the event's
    threshold: continuous in x."""
    count, n = int(s.indicator(x).sum()), len(x)
    held = count >= need if above else count < need
    if need > n or need < 1:
        return held, (1.0 if held else -1.0) * math.inf
    side = 1.0 if s.op.startswith(">") else -1.0
    ordered = np.sort(side * x)[::-1]  # most favourable to the event first
    margin = ordered[need - 1] - side * s.value
    return held, margin if above else -margin


def _equal(a: float, b: float, op: str) -> bool:
    return op in (">=", "<=") and close(a, b)


def close(a: float, b: float) -> bool:
    """Sums of money land on a threshold up to rounding (135 + 60 + 90 may be 284.99999…)."""
    return abs(a - b) <= 1e-9 * max(1.0, abs(b))


def parse_statistic(text: str, start: int) -> Statistic:
    """`P(...)`, `mean(...)`, `median(...)` or `qNN(...)` (months counted from `start`)."""
    found = _STAT.match(text)
    if not found:
        raise ConsimError(f"{text!r} is not a statistic (expected {GRAMMAR})")
    kind, inside = found["stat"], found["inside"]
    if kind == "P":
        cond = _COND.match(inside)
        if cond:
            at = cond["at1"] or cond["at2"]
            metric = Metric(cond["name"], _months(at, start, text), False, cond["venture"])
            return Statistic("P", metric, None, cond["op"], float(cond["value"]), text.strip())
        flag = _FLAG.match(inside)
        if not flag:
            raise ConsimError(f"{text!r}: cannot read {inside!r} (expected {GRAMMAR})")
        metric = Metric(flag["name"], None, bool(flag["neg"]), flag["venture"])
        return Statistic("P", metric, text=text.strip())
    metric = re.match(rf"^\s*{_METRIC}\s*$", inside)
    if not metric:
        raise ConsimError(f"{text!r}: cannot read {inside!r} (expected {GRAMMAR})")
    q = 0.5 if kind == "median" else (None if kind == "mean" else int(kind[1:]) / 100)
    kind = "mean" if kind == "mean" else "quantile"
    at = _months(metric["at"], start, text)
    return Statistic(
        kind, Metric(metric["name"], at, False, metric["venture"]), q, text=text.strip()
    )


def parse_target(text: str, start: int) -> Target:
    """`STATISTIC OP THRESHOLD`; a probability's threshold must lie in 0…1."""
    found = _TARGET.match(text)
    if not found:
        raise ConsimError(f"target {text!r} does not parse (expected {GRAMMAR})")
    statistic = parse_statistic(found["stat"], start)
    threshold = float(found["value"])
    if statistic.kind == "P" and not 0 <= threshold <= 1:
        raise ConsimError(f"target {text!r}: a probability lies in 0…1 (got {threshold:g})")
    return Target(statistic, found["op"], threshold, text.strip())


def _months(at: str | None, start: int, text: str) -> int | None:
    if at is None:
        return None
    year, month = int(at[:4]), int(at[5:])
    if not 1 <= month <= 12:
        raise ConsimError(f"{text!r}: {at!r} is not a month (expected YYYY-MM)")
    return year * 12 + month - 1 - start
