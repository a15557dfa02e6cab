"""A venture's totals over time, across replications: the mean and quantile bands that
trajectory figures draw."""

from __future__ import annotations

import pandas as pd


def total_quantiles(trajectories: pd.DataFrame, venture: str, column: str, how: str = "sum"):
    """Per date: mean, 5 %, 50 % and 95 % over replications of a venture's total `column`
    (`how="first"` for a venture's own column, the same on each of its partner rows)."""
    t = trajectories[trajectories["venture"] == venture]
    per_rep = t.groupby(["date", "replication"], observed=True)[column].agg(how).unstack()
    return pd.DataFrame(
        {
            "mean": per_rep.mean(axis=1),
            "p5": per_rep.quantile(0.05, axis=1),
            "p50": per_rep.median(axis=1),
            "p95": per_rep.quantile(0.95, axis=1),
        }
    )
