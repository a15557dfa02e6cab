"""A run against observed history (docs/model.md §13.3): each observed point beside what
the runs simulated in that month, and how far apart they are."""

from __future__ import annotations

import numpy as np
import pandas as pd

BACKTEST_COLUMNS = [
    "series",
    "label",
    "venture",
    "variable",
    "date",
    "observed",
    "sd",
    "simulated_mean",
    "simulated_p05",
    "simulated_p95",
    "difference",
    "z",
]


def backtest(results) -> pd.DataFrame:
    """One row per observed point (the scenario's `observed:`): the observed figure and
    its standard deviation, the simulated venture total in that month (mean and 5–95 %
    over runs), observed − mean, and z = that difference over √(sd² + the runs'
    variance) (NaN when both are 0). Empty without observations."""
    scenario = results.manifest.get("resolved_scenario", {})
    observed = scenario.get("observed", {})
    only = next(iter(scenario.get("ventures", {})), None)
    rows = []
    for sid, o in observed.items():
        venture = o.get("venture") or only
        totals = _totals(results.trajectories, venture, o["variable"])
        for month, value in o["points"].items():
            date = pd.Period(str(month), "M")
            x = totals.get(date, np.array([np.nan]))
            rows.append(_row(sid, o, venture, date, float(value), x))
    return pd.DataFrame(rows, columns=BACKTEST_COLUMNS)


def _totals(trajectories: pd.DataFrame, venture: str, variable: str) -> dict:
    """The venture's total of `variable` in each month, one value per replication."""
    t = trajectories[trajectories["venture"] == venture]
    column = "member" if variable == "members" else variable
    per = t.groupby(["date", "replication"], observed=True)[column].sum().unstack()
    per.index = pd.PeriodIndex(per.index, freq="M")  # a plot's view holds timestamps
    return {date: row.to_numpy(dtype=float) for date, row in per.iterrows()}


def _row(sid: str, o: dict, venture: str, date, value: float, x: np.ndarray) -> tuple:
    sd = float(o.get("sd", 0.0))
    mean = float(np.mean(x))
    low, high = np.quantile(x, [0.05, 0.95])
    spread = np.sqrt(sd**2 + (np.var(x, ddof=1) if len(x) > 1 else 0.0))
    difference = value - mean
    z = difference / spread if spread > 0 else np.nan
    label = o.get("label") or sid
    return (sid, label, venture, o["variable"], date, value, sd, mean, low, high, difference, z)


def backtest_lines(table: pd.DataFrame, unit: str) -> list[str]:
    """The backtest in words, one line per observed point."""
    lines = []
    for r in table.itertuples():
        sd = f" ± {r.sd:g}" if r.sd else ""
        band = f" (5–95 % of runs {r.simulated_p05:,.1f}–{r.simulated_p95:,.1f})"
        band = band if r.simulated_p95 > r.simulated_p05 else ""
        z = "" if np.isnan(r.z) else f", z = {r.z:+.2f}"
        lines.append(
            f"    {r.label} [{r.venture}] {r.variable} {r.date}: observed {r.observed:,.1f}"
            f"{sd} {unit}, simulated {r.simulated_mean:,.1f}{band}; difference "
            f"{r.difference:+,.1f}{z}"
        )
    return lines
