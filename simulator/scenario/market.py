"""Market projection: dated points joined at constant growth (geometric interpolation)."""

from __future__ import annotations

import numpy as np

from simulator.scenario.schema import Market


def market_series(market: Market, start: int, horizon: int) -> np.ndarray:
    """Market size for months start … start+horizon-1, in the scenario's unit.

    Between two points the growth rate is constant; before the first and after
    the last point the series grows at `growth` per year if given, else at the
    rate of the nearest segment.
    """
    months = np.arange(start, start + horizon, dtype=float)
    points = sorted(market.points.items())
    at = np.array([m for m, _ in points], dtype=float)
    logv = np.log([v for _, v in points])
    if len(points) == 1:
        rate_first = rate_last = np.log1p(market.growth) / 12
    else:
        edge = np.diff(logv) / np.diff(at)
        rate_first, rate_last = edge[0], edge[-1]
        if market.growth is not None:
            rate_first = rate_last = np.log1p(market.growth) / 12
    inside = np.interp(months, at, logv)
    out = np.where(
        months < at[0],
        logv[0] + rate_first * (months - at[0]),
        np.where(months > at[-1], logv[-1] + rate_last * (months - at[-1]), inside),
    )
    return np.exp(out)
