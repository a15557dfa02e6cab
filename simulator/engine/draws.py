"""The geometric wait of a constant monthly hazard (docs/model.md §6.1)."""

from __future__ import annotations

import math


def months_until_departure(hazard: float, u: float) -> float:
    """Whole months before leaving under a monthly hazard (geometric, by inversion of u)."""
    if hazard <= 0.0:
        return math.inf
    if hazard >= 1.0:
        return 0.0
    return math.floor(math.log1p(-u) / math.log1p(-hazard))
