"""The market table: the projection per month (its median and 5–95 % when the growth is
uncertain) and the benchmark series, and the month the capital is compared with it."""

from __future__ import annotations

import pandas as pd

from simulator.engine.model import Model
from simulator.scenario.market import market_series, series_quantile, uncertain_growth
from simulator.scenario.schema import Scenario

# The market table's columns; with an uncertain growth `value` is the projection's median
# in each month and QUANTILE_COLUMNS its 5 % and 95 % quantiles (NaN on benchmark rows).
MARKET_TABLE_COLUMNS = ["series", "label", "date", "value"]
QUANTILE_COLUMNS = ["p05", "p95"]


def month_dates(start: int, count: int) -> pd.DatetimeIndex:
    """First day of each simulated month."""
    return pd.date_range(f"{start // 12:04d}-{start % 12 + 1:02d}-01", periods=count, freq="MS")


def market_table(scenario: Scenario, dates: pd.DatetimeIndex) -> pd.DataFrame:
    """The market projection per month, plus benchmark points, in the scenario's unit; with
    an uncertain growth, the projection's median (`value`) and 5 % and 95 % quantiles."""
    frames = []
    if scenario.market is not None:
        frames.append(_projection(scenario, dates))
    for bid, b in scenario.benchmarks.items():
        points = sorted(b.points.items())
        frames.append(
            pd.DataFrame(
                {
                    "series": bid,
                    "label": b.label or bid,
                    "date": month_dates(points[0][0], points[-1][0] - points[0][0] + 1)[
                        [m - points[0][0] for m, _ in points]
                    ],
                    "value": [v for _, v in points],
                }
            )
        )
    if not frames:
        return pd.DataFrame({name: [] for name in MARKET_TABLE_COLUMNS})
    return pd.concat(frames, ignore_index=True)


def _projection(scenario: Scenario, dates: pd.DatetimeIndex) -> pd.DataFrame:
    """The market series' rows: one value a month, or its median and 5–95 % if uncertain."""
    m, start, months = scenario.market, scenario.start, len(dates)
    table = pd.DataFrame({"series": "market", "label": m.label, "date": dates})
    if uncertain_growth(m) is None:
        table["value"] = market_series(m, start, months)
        return table
    for name, u in (("value", 0.5), ("p05", 0.05), ("p95", 0.95)):
        table[name] = series_quantile(m, start, months, u)
    return table


def reference_index(scenario: Scenario, model: Model) -> int | None:
    """Month index of the market reference date (default: the last market point in range)."""
    m = scenario.market
    if m is None:
        return None
    ref = m.reference if m.reference is not None else max(m.points)
    return int(min(max(ref - model.start, 0), model.horizon - 1))
