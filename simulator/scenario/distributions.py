"""Uncertain numbers: any number in a scenario may be a distribution, drawn once per replication.

Written here rather than taken from scipy.stats: a scalar draw from a numpy Generator
is two orders of magnitude cheaper than one from a frozen scipy distribution, and the
engine draws every uncertain parameter of every replication.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from statistics import NormalDist

import numpy as np
from pydantic_core import PydanticCustomError

__all__ = ["Distribution", "parse_distribution", "DIST_PARAMS"]


@dataclass(frozen=True)
class Distribution:
    """A named distribution with validated parameters; `sample` draws one float."""

    kind: str
    params: tuple  # ordered as in DIST_PARAMS[kind]

    def p(self, name: str):
        return self.params[DIST_PARAMS[self.kind].index(name)]

    def sample(self, rng) -> float:
        """One draw: the quantile at one uniform of `rng` (anything with `random()`: an
        engine stream or a numpy Generator), so that a draw is a function of its uniform."""
        return float(_QUANTILE[self.kind](max(rng.random(), _TINY), *self.params))

    def quantiles(self, u: np.ndarray) -> np.ndarray:
        """`quantile` at many uniforms in (0, 1) at once (the batch engine's draws)."""
        return _QUANTILES[self.kind](np.asarray(u, dtype=float), *self.params)

    def support(self) -> tuple[float, float]:
        return _SUPPORT[self.kind](*self.params)

    def mean(self) -> float:
        return _MEAN[self.kind](*self.params)

    def quantile(self, u: float) -> float:
        """The value below which a share `u` (0 < u < 1) of draws falls: exact, not estimated
        (for bernoulli and choice, the smallest value whose cumulative share reaches u)."""
        if not 0 < u < 1:
            raise ValueError(f"a quantile needs 0 < u < 1 (got {u!r})")
        return float(_QUANTILE[self.kind](u, *self.params))

    def to_data(self) -> dict:
        return {"dist": self.kind, **dict(zip(DIST_PARAMS[self.kind], self.params, strict=True))}


# Parameter names per distribution, required first; optional ones default to None.
DIST_PARAMS = {
    "triangular": ("low", "mode", "high"),
    "uniform": ("low", "high"),
    "normal": ("mean", "sd", "low", "high"),
    "lognormal": ("mu", "sigma"),
    "beta": ("a", "b", "low", "high"),
    "bernoulli": ("p",),
    "choice": ("values", "weights"),
}
_TINY = 2.0**-54  # a numpy Generator's random() may return 0, where a quantile is undefined
_OPTIONAL = {"normal": {"low", "high"}, "beta": {"low", "high"}, "choice": {"weights"}}


def _clip(x, low, high):
    if low is not None and x < low:
        return low
    if high is not None and x > high:
        return high
    return x


_SUPPORT = {
    "triangular": lambda lo, mo, hi: (lo, hi),
    "uniform": lambda lo, hi: (lo, hi),
    "normal": lambda m, sd, lo, hi: (
        -math.inf if lo is None else lo,
        math.inf if hi is None else hi,
    ),
    "lognormal": lambda mu, s: (0.0, math.inf),
    "beta": lambda a, b, lo, hi: (lo or 0.0, 1.0 if hi is None else hi),
    "bernoulli": lambda p: (0.0, 1.0),
    "choice": lambda values, weights: (min(values), max(values)),
}
_MEAN = {
    "triangular": lambda lo, mo, hi: (lo + mo + hi) / 3,
    "uniform": lambda lo, hi: (lo + hi) / 2,
    "normal": lambda m, sd, lo, hi: m,  # before clipping
    "lognormal": lambda mu, s: math.exp(mu + s * s / 2),
    "beta": lambda a, b, lo, hi: (
        (lo or 0.0) + ((1.0 if hi is None else hi) - (lo or 0.0)) * a / (a + b)
    ),
    "bernoulli": lambda p: p,
    "choice": lambda values, weights: (
        sum(values) / len(values)
        if weights is None
        else sum(v * w for v, w in zip(values, weights, strict=True)) / sum(weights)
    ),
}


def _triangular_quantile(u, lo, mo, hi):
    if lo == hi:
        return lo
    if u < (mo - lo) / (hi - lo):
        return lo + math.sqrt(u * (hi - lo) * (mo - lo))
    return hi - math.sqrt((1 - u) * (hi - lo) * (hi - mo))


def _beta_quantile(u, a, b, lo, hi):
    from scipy.stats import beta  # only here: the loader does not pay for importing scipy

    lo = lo or 0.0
    return lo + ((1.0 if hi is None else hi) - lo) * beta.ppf(u, a, b)


def _choice_quantile(u, values, weights):
    weights = (1.0,) * len(values) if weights is None else weights
    pairs = sorted(zip(values, weights, strict=True))
    total, reached = sum(weights), 0.0
    for value, weight in pairs:
        reached += weight
        if reached >= u * total:
            return value
    return pairs[-1][0]


_QUANTILE = {
    "triangular": _triangular_quantile,
    "uniform": lambda u, lo, hi: lo + u * (hi - lo),
    "normal": lambda u, m, sd, lo, hi: _clip(m + sd * NormalDist().inv_cdf(u), lo, hi),
    "lognormal": lambda u, mu, s: math.exp(mu + s * NormalDist().inv_cdf(u)),
    "beta": _beta_quantile,
    "bernoulli": lambda u, p: 1.0 if u > 1 - p else 0.0,
    "choice": _choice_quantile,
}


def _clip_array(x: np.ndarray, low, high) -> np.ndarray:
    return np.clip(x, -np.inf if low is None else low, np.inf if high is None else high)


def _triangular_quantiles(u, lo, mo, hi):
    if lo == hi:
        return np.full(u.shape, float(lo))
    left = lo + np.sqrt(u * (hi - lo) * (mo - lo))
    right = hi - np.sqrt((1 - u) * (hi - lo) * (hi - mo))
    return np.where(u < (mo - lo) / (hi - lo), left, right)


def _choice_quantiles(u, values, weights):
    weights = (1.0,) * len(values) if weights is None else weights
    pairs = sorted(zip(values, weights, strict=True))
    reached = np.cumsum([w for _, w in pairs])
    index = np.searchsorted(reached, u * sum(weights), side="left")
    return np.array([v for v, _ in pairs], dtype=float)[np.minimum(index, len(pairs) - 1)]


def _ndtri(u):
    from scipy.special import ndtri

    return ndtri(u)


_QUANTILES = {
    "triangular": _triangular_quantiles,
    "uniform": lambda u, lo, hi: lo + u * (hi - lo),
    "normal": lambda u, m, sd, lo, hi: _clip_array(m + sd * _ndtri(u), lo, hi),
    "lognormal": lambda u, mu, s: np.exp(mu + s * _ndtri(u)),
    "beta": _beta_quantile,  # scipy's ppf takes arrays as well
    "bernoulli": lambda u, p: np.where(u > 1 - p, 1.0, 0.0),
    "choice": _choice_quantiles,
}


def _fail(message: str, **ctx) -> PydanticCustomError:
    return PydanticCustomError("distribution", message, ctx)


def _number(name, value, kind):
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not math.isfinite(value):
        raise _fail(f"{kind}: '{name}' must be a number (got {value!r})")
    return float(value)


def _check(kind: str, v: dict) -> None:
    """Relations between parameters, each message quoting the values given."""
    if kind == "triangular" and not v["low"] <= v["mode"] <= v["high"]:
        raise _fail(
            f"triangular needs low ≤ mode ≤ high (got low={v['low']:g}, "
            f"mode={v['mode']:g}, high={v['high']:g})"
        )
    if kind == "uniform" and not v["low"] <= v["high"]:
        raise _fail(f"uniform needs low ≤ high (got low={v['low']:g}, high={v['high']:g})")
    if kind in ("normal", "lognormal"):
        sd_name = "sd" if kind == "normal" else "sigma"
        if v[sd_name] < 0:
            raise _fail(f"{kind}: '{sd_name}' must be ≥ 0 (got {v[sd_name]:g})")
    if kind == "beta" and (v["a"] <= 0 or v["b"] <= 0):
        raise _fail(f"beta needs a > 0 and b > 0 (got a={v['a']:g}, b={v['b']:g})")
    bounded = kind in ("normal", "beta") and None not in (v.get("low"), v.get("high"))
    if bounded and v["low"] > v["high"]:
        raise _fail(f"{kind} needs low ≤ high (got low={v['low']:g}, high={v['high']:g})")
    if kind == "bernoulli" and not 0 <= v["p"] <= 1:
        raise _fail(f"bernoulli: 'p' must be in [0, 1] (got {v['p']:g})")


def parse_distribution(data: dict) -> Distribution:
    """Validate `{dist: kind, ...}` into a Distribution; raise PydanticCustomError otherwise."""
    kind = data.get("dist")
    if kind not in DIST_PARAMS:
        raise _fail(f"unknown distribution {kind!r} (expected one of: {', '.join(DIST_PARAMS)})")
    names = DIST_PARAMS[kind]
    unknown = sorted(set(data) - set(names) - {"dist"})
    if unknown:
        raise _fail(f"{kind}: unknown parameter {unknown[0]!r} (expected: {', '.join(names)})")
    optional = _OPTIONAL.get(kind, set())
    missing = [n for n in names if n not in data and n not in optional]
    if missing:
        raise _fail(f"{kind}: missing parameter {missing[0]!r} (needs: {', '.join(names)})")
    values = {}
    for name in names:
        raw = data.get(name)
        if raw is None:
            values[name] = None
        elif kind == "choice":
            values[name] = _list_of_numbers(name, raw)
        else:
            values[name] = _number(name, raw, kind)
    if kind == "choice":
        _check_choice(values["values"], values["weights"])
    _check(kind, values)
    return Distribution(kind, tuple(values[n] for n in names))


def _list_of_numbers(name, raw):
    if not isinstance(raw, list) or not raw:
        raise _fail(f"choice: '{name}' must be a non-empty list of numbers (got {raw!r})")
    return tuple(_number(name, x, "choice") for x in raw)


def _check_choice(values, weights):
    if weights is None:
        return
    if len(weights) != len(values):
        raise _fail(
            f"choice: 'weights' must have one weight per value (got {len(weights)} "
            f"weights for {len(values)} values)"
        )
    if min(weights) < 0 or sum(weights) <= 0:
        raise _fail(f"choice: weights must be ≥ 0 and not all 0 (got {list(weights)})")
