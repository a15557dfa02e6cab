"""Market projection: dated points joined at constant growth (geometric interpolation)."""

from __future__ import annotations

import numpy as np

from simulator.scenario.distributions import Distribution
from simulator.scenario.schema import Market


def market_series(market: Market, start: int, horizon: int, growth=None) -> np.ndarray:
    """Market size for months start … start+horizon-1, in the scenario's unit.

    Between two points the growth rate is constant; before the first and after
    the last point the series grows at `growth` per year if given, else at the
    rate of the nearest segment. `growth` given here replaces the market's (which must
    then be a number or absent): an array of n annual rates gives n series, (n, horizon).
    """
    g = market.growth if growth is None else growth
    if isinstance(g, Distribution):
        raise TypeError("an uncertain growth has no one series: pass the rates drawn (growth=)")
    months = np.arange(start, start + horizon, dtype=float)
    points = sorted(market.points.items())
    at = np.array([m for m, _ in points], dtype=float)
    logv = np.log([v for _, v in points])
    # A rate per series, as a column: one series (shape (1,)) broadcasts to (horizon,).
    rate = None if g is None else np.log1p(np.asarray(g, dtype=float))[..., None] / 12
    if len(points) == 1:
        rate_first = rate_last = rate
    else:
        edge = np.diff(logv) / np.diff(at)
        rate_first, rate_last = edge[0], edge[-1]
        if rate is not None:
            rate_first = rate_last = rate
    inside = np.interp(months, at, logv)
    out = np.where(
        months < at[0],
        logv[0] + rate_first * (months - at[0]),
        np.where(months > at[-1], logv[-1] + rate_last * (months - at[-1]), inside),
    )
    return np.exp(out)


def uncertain_growth(market: Market | None) -> Distribution | None:
    """The market's growth if it is a distribution (drawn once per replication), else None."""
    growth = None if market is None else market.growth
    return growth if isinstance(growth, Distribution) else None


def series_quantile(market: Market, start: int, horizon: int, u: float) -> np.ndarray:
    """The u-quantile of the projection in each month when its growth is a distribution:
    exact, since a month's size is monotone in the growth rate — increasing after the first
    point, decreasing before it (where a faster growth means a smaller market earlier)."""
    dist = uncertain_growth(market)
    after = market_series(market, start, horizon, dist.quantile(u))
    before = market_series(market, start, horizon, dist.quantile(1 - u))
    months = np.arange(start, start + horizon)
    return np.where(months < min(market.points), before, after)
