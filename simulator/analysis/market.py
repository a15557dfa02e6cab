"""Capital against the market: capital committed ÷ one year's projected market revenue.

The ratio sets a stock (capital committed to a venture so far) against a flow (the
market's revenue in one year, as projected for that month): it says how large the
consortium's money is next to the market it aims at, not what share of that market it
will win. Both functions give it in percent.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from simulator.analysis.intervals import LEVEL, mean_interval

RATIO_COLUMNS = ["date", "venture", "median", "p05", "p95", "mean", "mean_low", "mean_high"]
REFERENCE_COLUMNS = [
    "venture",
    "reference_date",
    "mean",
    "mean_low",
    "mean_high",
    "median",
    "p05",
    "p95",
    "replications",
]


def market_ratio(
    trajectories: pd.DataFrame,
    market: pd.DataFrame,
    outcomes: pd.DataFrame,
    exact: bool = False,
    level: float = LEVEL,
) -> pd.DataFrame:
    """Per month and venture, capital committed ÷ the projected market, in %, over the
    replications: its median, 5 % and 95 % quantiles (the spread of runs) and its mean with
    a `level` confidence interval (mean_low, mean_high; `exact`: the scenario has nothing
    uncertain, so one replication is the answer).

    Each replication is set against its own projection when the market's growth is
    uncertain (the trajectories' `market` column), else against the market table's.
    Ventures in the outcomes' order; empty without a market projection.
    """
    size = _projection(market)
    if size is None or trajectories is None or trajectories.empty:
        return pd.DataFrame({name: [] for name in RATIO_COLUMNS})
    rows = trajectories.groupby(["replication", "date", "venture"], observed=True)
    committed = rows["committed"].sum()
    if "market" in trajectories:
        projected = rows["market"].first().to_numpy()
    else:
        projected = size.reindex(committed.index.get_level_values("date")).to_numpy()
    ratio = 100 * committed / projected
    out = []
    for (date, venture), values in ratio.groupby(level=["date", "venture"], observed=True):
        x = values.to_numpy()
        est = mean_interval(x, level, exact)
        p05, median, p95 = np.quantile(x, [0.05, 0.5, 0.95])
        out.append((date, str(venture), median, p05, p95, est.value, est.low, est.high))
    table = pd.DataFrame(out, columns=RATIO_COLUMNS)
    order = {v: i for i, v in enumerate(dict.fromkeys(outcomes["venture"].astype(str)))}
    rank = table["venture"].map(order).to_numpy()
    return table.iloc[np.lexsort((table["date"].to_numpy(), rank))].reset_index(drop=True)


def ratio_at_reference(
    outcomes: pd.DataFrame, exact: bool = False, level: float = LEVEL
) -> pd.DataFrame:
    """Per venture, capital committed ÷ the projected market at the reference date, in %
    (the outcomes' `capital_to_market`): mean with its confidence interval, median and
    5 %/95 % quantiles over replications. No rows without a market projection."""
    rows = []
    for venture, o in outcomes.groupby("venture", observed=True, sort=False):
        x = 100 * o["capital_to_market"].dropna().to_numpy(dtype=float)
        if len(x) == 0:
            continue
        est = mean_interval(x, level, exact)
        p05, median, p95 = np.quantile(x, [0.05, 0.5, 0.95])
        when = o["reference_date"].iloc[0]
        rows.append((str(venture), when, est.value, est.low, est.high, median, p05, p95, len(x)))
    return pd.DataFrame(rows, columns=REFERENCE_COLUMNS)


def _projection(market: pd.DataFrame | None) -> pd.Series | None:
    """The market series' value (its median, if uncertain) by date; None without one."""
    if market is None or market.empty:
        return None
    m = market[market["series"] == "market"]
    return None if m.empty else m.set_index("date")["value"]
