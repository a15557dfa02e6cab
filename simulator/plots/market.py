"""The market yardstick drawn on a given Axes: the ratio of capital committed to one year's
projected market revenue (analysis.market), and the projection with its benchmarks on an
axis of their own. Tables in; the caller owns the figure (the funding figure and the
comparison of scenarios both draw with these)."""

from __future__ import annotations

import numpy as np
import pandas as pd
from matplotlib.ticker import FuncFormatter

from simulator.analysis.intervals import LEVEL
from simulator.plots.dates import dated_table
from simulator.plots.style import BENCHMARK_MARKERS, BENCHMARKS, COMMITTED, MARKET
from simulator.results.months import as_dates

RATIO_LABEL = "capital committed ÷ one year's\nprojected market revenue (%)"
# A larger unit for the market's axis: M€ → bn€; any other unit is counted in thousands.
LARGER_UNITS = {"M€": "bn€", "M$": "bn$", "k€": "M€", "k$": "M$", "€": "k€", "$": "k$"}


def larger_unit(unit: str) -> tuple[str, float]:
    """The unit the market's axis is written in, and how many scenario units make one."""
    return LARGER_UNITS.get(unit, f"thousand {unit}".strip()), 1000.0


def draw_market_ratio(
    ax,
    table: pd.DataFrame,
    label: str | None = None,
    colour: str = COMMITTED,
    band: bool = True,
    venture: str | None = None,
    reference: pd.Series | dict | None = None,
):
    """Draw one venture's ratio from `table` (analysis.market.market_ratio): its median over
    runs as a line and, if `band` and the runs differ, their 5–95 % as a shaded band;
    `reference` (a row of analysis.market.ratio_at_reference) adds the mean at the reference
    date with its confidence interval. `venture` defaults to the table's first; `label`
    (default: the venture) starts every legend entry. Returns the line."""
    venture = venture if venture is not None else str(table["venture"].iloc[0])
    rows = dated_table(table[table["venture"] == venture])
    name = label or venture
    spread = bool((rows["p95"] - rows["p05"]).max() > 0)
    if band and spread:
        ax.fill_between(
            rows["date"],
            rows["p05"],
            rows["p95"],
            color=colour,
            alpha=0.2,
            lw=0,
            label=f"{name}: 5–95 % of runs",
        )
    median = f"{name}, median" if spread else name
    (line,) = ax.plot(rows["date"], rows["median"], color=colour, lw=2, label=median)
    if reference is not None:
        _mark_reference(ax, reference, name, colour, spread)
    ratio_axis(ax)
    return line


def _mark_reference(ax, reference, name: str, colour: str, spread: bool) -> None:
    """The mean at the reference date, with its confidence interval as an error bar."""
    when = pd.Timestamp(as_dates(reference["reference_date"]))
    mean, low, high = (float(reference[k]) for k in ("mean", "mean_low", "mean_high"))
    if spread:
        d = _decimals(low, mean, high)
        text = (
            f"{name} at {when:%Y-%m}: mean {mean:.{d}f} %, "
            f"{100 * LEVEL:.0f} % CI {low:.{d}f}–{high:.{d}f} %"
        )
    else:
        text = f"{name} at {when:%Y-%m}: {mean:.2f} %"
    error = None if np.isnan(low) else [[mean - low], [high - mean]]
    ax.errorbar(
        [when],
        [mean],
        yerr=error,
        fmt="o",
        ms=6,
        color=colour,
        mec="black",
        mew=0.8,
        ecolor="black",
        elinewidth=1.2,
        capsize=5,
        zorder=5,
        label=text,
    )


def _decimals(*values: float) -> int:
    """Enough decimals (2 to 4) that a mean and its interval's bounds print apart."""
    d = 2
    while d < 4 and len({f"{v:.{d}f}" for v in values}) < len(values):
        d += 1
    return d


def ratio_axis(ax) -> None:
    """The ratio's axis: what the ratio is, in percent, from 0."""
    ax.set_ylabel(RATIO_LABEL)
    ax.yaxis.set_major_formatter(FuncFormatter(lambda y, _: f"{y:g} %"))
    ax.set_ylim(bottom=0)


def draw_projection(ax, market: pd.DataFrame, scale: float = 1.0, unit: str = "") -> None:
    """The market projection (its median and 5–95 % when the growth is uncertain) and each
    benchmark series, divided by `scale`, on `ax` (an axis of their own: twinx). Benchmark
    points are written out with `unit` beside them: on a second axis a point low down would
    otherwise be read against the first one."""
    market = dated_table(market)
    mk = market[market["series"] == "market"]
    if len(mk):
        uncertain = "p05" in mk and mk["p05"].notna().any()
        label = mk["label"].iloc[0]
        if uncertain:
            ax.fill_between(
                mk["date"],
                mk["p05"] / scale,
                mk["p95"] / scale,
                color=MARKET,
                alpha=0.15,
                lw=0,
                label="market: 5–95 % of the projection (uncertain growth)",
            )
        ax.plot(
            mk["date"],
            mk["value"] / scale,
            color=MARKET,
            lw=2.5,
            label=f"{label}, median" if uncertain else label,
        )
    others = market[market["series"] != "market"]
    for i, (_, b) in enumerate(others.groupby("series", sort=False)):
        colour = BENCHMARKS[i % len(BENCHMARKS)]
        values = b["value"] / scale
        ax.plot(
            b["date"],
            values,
            ls="--",
            lw=1.2,
            marker=BENCHMARK_MARKERS[i % len(BENCHMARK_MARKERS)],
            ms=6,
            color=colour,
            label=b["label"].iloc[0],
        )
        shown = range(len(b)) if len(b) <= 6 else [len(b) - 1]  # many points: the last only
        for k in shown:
            ax.annotate(
                f"{values.iloc[k]:,.3g} {unit}".strip(),
                (b["date"].iloc[k], values.iloc[k]),
                xytext=(5, 5),
                textcoords="offset points",
                fontsize=8,
                color=colour,
            )
