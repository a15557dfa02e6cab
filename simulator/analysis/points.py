"""Per design point summaries of a sweep's outcomes."""

from __future__ import annotations

import pandas as pd

NUMERIC_OUTCOMES = (
    "pledged_final", "committed_final", "paid_in_final", "outstanding_final", "cancelled_final",
    "members_final", "committed_at_reference", "capital_to_market",
)  # fmt: skip


def summarize_points(outcomes: pd.DataFrame, design: pd.DataFrame) -> pd.DataFrame:
    """One row per (point, venture): replications, P(collapse), mean, std and 5/50/95 % of each
    outcome.

    The design's parameter columns come first, so the table reads on its own.
    """
    keys = ["point", "venture"]
    grouped = outcomes.groupby(keys, observed=True, sort=True)
    table = grouped.size().rename("replications").to_frame()
    if "collapsed" in outcomes:
        table["p_collapse"] = grouped["collapsed"].mean()
    for column in NUMERIC_OUTCOMES:
        if column not in outcomes:
            continue
        values = grouped[column]
        table[f"{column}_mean"] = values.mean()
        table[f"{column}_std"] = values.std(ddof=1)
        q = values.quantile([0.05, 0.5, 0.95]).unstack()
        table[f"{column}_q05"] = q[0.05]
        table[f"{column}_q50"] = q[0.5]
        table[f"{column}_q95"] = q[0.95]
    table = table.reset_index()
    table["venture"] = table["venture"].astype(str)
    return design.merge(table, on="point", how="right")
