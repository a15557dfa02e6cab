"""The comparison figure: every scenario's trajectory (median and 5–95 % of runs) and the
paired differences from the baseline with their 95 % confidence intervals (a forest plot)."""

from __future__ import annotations

import numpy as np
import pandas as pd

from simulator.analysis.market import market_ratio, ratio_at_reference
from simulator.analysis.trajectories import total_quantiles
from simulator.plots.dates import dated
from simulator.plots.figure import Figure
from simulator.plots.market import draw_market_ratio, draw_projection, larger_unit
from simulator.plots.style import MARKET, SCENARIOS

# Curves often coincide (several what-ifs end at 285): each scenario gets its own colour,
# dash pattern and marker, the first drawn widest and later ones narrower on top, so that
# identical curves show as nested stripes.
DASHES = ["-", (0, (5, 2)), "-.", (0, (1, 1.5)), (0, (8, 2, 1, 2, 1, 2)), (0, (3, 1))]
MARKERS = ["o", "s", "^", "D", "v", "P", "X", "*"]
OUTCOME_LABELS = {
    "committed_final": "committed capital at the end",
    "paid_in_final": "paid-in capital at the end",
    "cancelled_final": "cancelled pledges at the end",
    "committed_at_reference": "committed capital at the reference date",
    "capital_to_market": "capital ÷ projected market at the reference date",
    "collapsed": "probability of collapse",
}


def scenario_styles(count: int) -> list[dict]:
    """Line properties for `count` scenarios: distinct colour, dashes and marker, widths
    falling."""
    widths = np.linspace(4.5, 1.5, count) if count > 1 else [2.5]
    return [
        {
            "color": SCENARIOS[i % len(SCENARIOS)],
            "ls": DASHES[i % len(DASHES)],
            "marker": MARKERS[i % len(MARKERS)],
            "lw": float(w),
            "zorder": 3 + i,
        }
        for i, w in enumerate(widths)
    ]


def plot_comparison(comparison, outcome: str = "committed_final") -> Figure:
    """Left: committed capital over time per scenario (and venture) with the market
    projection on a second axis, and below it capital ÷ one year's projected market; right:
    each what-if's paired difference from the baseline in `outcome`, with its 95 %
    interval.

    >>> from simulator import compare, plot_comparison
    >>> c = compare("scenarios/dassault_leaves.yaml", "scenarios/state_raises_share.yaml")
    >>> len(plot_comparison(c).axes) >= 3
    True
    """
    fig = Figure(figsize=(16, 10), layout="constrained")
    grid = fig.add_gridspec(2, 2, width_ratios=(1.6, 1), height_ratios=(1.2, 1))
    top = fig.add_subplot(grid[0, 0])
    bottom = fig.add_subplot(grid[1, 0], sharex=top)
    draw_trajectories(top, comparison.results)
    draw_ratios(bottom, comparison.results)
    draw_differences(fig.add_subplot(grid[:, 1]), comparison, outcome)
    title = (
        f"What-ifs against {comparison.baseline}: {comparison.manifest['replications']:,} "
        f"replication(s) each, seed {comparison.manifest['seed']} (common random numbers)"
    )
    kept = [
        r.manifest["streamed"]["kept"]
        for r in comparison.results.values()
        if r.manifest.get("streamed")
    ]
    if kept:  # trajectories kept for a sample only (experiments/streamed.py)
        title += f"; trajectories of the first {min(kept):,}"
    fig.suptitle(title, fontweight="bold")
    return fig


def _curves(named_results: dict) -> list[tuple[str, str, object]]:
    """(label, venture, results) for each scenario and venture, in order."""
    curves = []
    for name, results in named_results.items():
        ventures = list(dict.fromkeys(results.outcomes["venture"].astype(str)))
        for venture in ventures:
            label = name if len(ventures) == 1 else f"{name} · {venture}"
            curves.append((label, venture, results))
    return curves


def draw_trajectories(ax, named_results: dict) -> None:
    """Median committed capital per scenario (and venture, if several), with the 5–95 %
    band of runs where the scenario is uncertain, and the market projection (with its
    benchmarks) on a second axis in a larger unit."""
    named_results = {name: dated(r) for name, r in named_results.items()}
    first = next(iter(named_results.values()))
    unit = first.manifest.get("unit", "")
    curves = [
        (label, total_quantiles(r.trajectories, venture, "committed"), r.stochastic)
        for label, venture, r in _curves(named_results)
    ]
    styles = scenario_styles(len(curves))
    for (_, q, stochastic), style in zip(curves, styles, strict=True):
        if stochastic:
            ax.fill_between(q.index, q["p5"], q["p95"], color=style["color"], alpha=0.12, lw=0)
    for i, ((label, q, stochastic), style) in enumerate(zip(curves, styles, strict=True)):
        every = max(len(q) // 6, 1)
        end = q.iloc[-1]
        text = f"{label}: median {end['p50']:,.0f} {unit}"
        if stochastic and end["p95"] > end["p5"]:
            text += f" (5–95 % of runs: {end['p5']:,.0f}–{end['p95']:,.0f})"
        ax.plot(
            q.index,
            q["p50"],
            label=text,
            markevery=(i * every // len(curves), every),
            ms=6,
            mec="white",
            mew=0.8,
            **style,
        )
    top = max((float(q[["p50", "p95"]].max().max()) for _, q, _ in curves), default=0.0)
    ax.set_ylim(0, top * 1.08 if top > 0 else None)  # the widest line must not be cut
    ax.set_ylabel(f"committed capital ({unit})")
    ax.set_title(
        "Committed capital over time (median; band: 5–95 % of runs), against the market projection"
    )
    ax.grid(alpha=0.3)
    handles, labels = ax.get_legend_handles_labels()
    if first.market is not None and len(first.market):
        big, scale = larger_unit(unit)
        market_ax = ax.twinx()
        draw_projection(market_ax, first.market, scale, big)
        market_ax.set_ylim(bottom=0)
        market_ax.set_ylabel(f"market projection ({big} = {scale:,.0f} {unit})", color=MARKET)
        market_ax.tick_params(axis="y", colors=MARKET)
        more, more_labels = market_ax.get_legend_handles_labels()
        handles, labels = handles + more, labels + more_labels
    ax.legend(
        handles,
        labels,
        loc="upper center",
        bbox_to_anchor=(0.5, -0.06),
        fontsize=8,
        ncols=2,
        frameon=False,
    )


def draw_ratios(ax, named_results: dict) -> None:
    """Capital committed ÷ one year's projected market, per scenario (and venture): the
    median over runs, and the mean at the reference date with its 95 % interval."""
    curves = _curves({name: dated(r) for name, r in named_results.items()})
    styles = scenario_styles(len(curves))
    drawn = False
    for (label, venture, results), style in zip(curves, styles, strict=True):
        exact = not results.stochastic
        table = market_ratio(results.trajectories, results.market, results.outcomes, exact)
        if table.empty:
            continue
        ref = ratio_at_reference(results.outcomes, exact)
        ref = ref[ref["venture"] == venture]
        draw_market_ratio(
            ax,
            table,
            label=label,
            colour=style["color"],
            band=False,
            venture=venture,
            reference=None if ref.empty else ref.iloc[0],
        )
        drawn = True
    if not drawn:
        ax.text(
            0.5,
            0.5,
            "no market projection in these scenarios",
            ha="center",
            transform=ax.transAxes,
            color="grey",
        )
        return
    ax.set_title("Capital against the market: a yardstick, not a market share")
    ax.grid(alpha=0.3)
    ax.legend(loc="upper center", bbox_to_anchor=(0.5, -0.1), fontsize=8, ncols=2, frameon=False)


def draw_differences(ax, comparison, outcome: str) -> None:
    """A forest plot: one row per what-if (and venture), its mean paired difference from the
    baseline and the 95 % confidence interval; a venture the baseline or the what-if lacks
    keeps its row, marked, with no bar."""
    rows = comparison_rows(comparison.table, outcome)
    scale, suffix, axis_unit = _units(outcome, comparison.manifest["unit"])
    y = np.arange(len(rows))[::-1]
    diff = rows["diff"].to_numpy() * scale
    low, high = rows["diff_ci_low"].to_numpy() * scale, rows["diff_ci_high"].to_numpy() * scale
    err = np.vstack([diff - low, high - diff])
    ax.errorbar(
        diff,
        y,
        xerr=np.nan_to_num(err),
        fmt="o",
        color="black",
        ecolor="tab:blue",
        elinewidth=3,
        capsize=5,
        ms=6,
        zorder=3,
    )
    ax.axvline(0, color="grey", lw=1)
    for yi, d, lo, hi, note in zip(y, diff, low, high, rows["note"], strict=True):
        if np.isnan(d):
            ax.annotate(
                note,
                (0, yi),
                xytext=(6, 0),
                textcoords="offset points",
                va="center",
                fontsize=8,
                color="grey",
            )
            continue
        ci = "exact" if lo == hi else f"95 % CI {lo:+,.1f} to {hi:+,.1f}"
        ax.annotate(
            f"{d:+,.1f}{suffix}\n({ci})",
            (d, yi),
            xytext=(0, 9),
            textcoords="offset points",
            ha="center",
            fontsize=8,
        )
    several = comparison.table["venture"].nunique() > 1
    ax.set_yticks(
        y,
        [f"{r.scenario} · {r.venture}" if several else str(r.scenario) for r in rows.itertuples()],
    )
    ax.set_ylim(-0.8, max(len(rows), 1) - 0.2)
    span = np.nanmax(np.abs(np.concatenate([low, high, [1.0]])))
    ax.set_xlim(-1.35 * span, 1.35 * span)
    ax.set_xlabel(f"difference from {comparison.baseline} ({axis_unit})")
    what = OUTCOME_LABELS.get(outcome, outcome)
    ax.set_title(f"Paired difference in {what}\n(mean over runs, 95 % confidence interval)")
    ax.grid(axis="x", alpha=0.3)


def comparison_rows(table: pd.DataFrame, outcome: str) -> pd.DataFrame:
    """The what-ifs' rows of `outcome` (not the baseline's), in table order; a venture that
    exists in neither the what-if nor the baseline has no row."""
    rows = table[table["outcome"] == outcome]
    base = rows[rows["note"] == "baseline"]
    in_base = set(base.loc[base["replications"] > 0, "venture"])
    keep = (rows["note"] != "baseline") & (
        (rows["replications"] > 0) | rows["venture"].isin(in_base)
    )
    return rows[keep].reset_index(drop=True)


def _units(outcome: str, unit: str) -> tuple[float, str, str]:
    """Scale, suffix of a value and unit of the axis: shares and ratios in percentage
    points, amounts in the scenario's unit."""
    if outcome in ("collapsed", "capital_to_market"):
        return 100.0, " pts", "percentage points"
    return 1.0, f" {unit}", unit


def _row_label(row: pd.Series, table: pd.DataFrame) -> str:
    several = table["venture"].nunique() > 1
    return f"{row['scenario']} · {row['venture']}" if several else str(row["scenario"])
