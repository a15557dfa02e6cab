"""Draws shared by the engine's processes: a number or a distribution, a geometric wait."""

from __future__ import annotations

import math

from simulator.scenario.distributions import Distribution


def draw(value, rng):
    """A number as given, or one draw from its distribution."""
    return value.sample(rng) if isinstance(value, Distribution) else value


def months_until_departure(hazard: float, u: float) -> float:
    """Whole months before leaving under a monthly hazard (geometric, by inversion of u)."""
    if hazard <= 0.0:
        return math.inf
    if hazard >= 1.0:
        return 0.0
    return math.floor(math.log1p(-u) / math.log1p(-hazard))
