"""P(collapse) across a sweep, against the inputs that matter for it: those the sweep's
sensitivity indices rank first for `collapsed` (a two-parameter grid: its heatmap)."""

from __future__ import annotations

import textwrap

import numpy as np
import pandas as pd
from matplotlib.ticker import PercentFormatter

from simulator.analysis.intervals import proportion_bounds
from simulator.analysis.labels import input_label
from simulator.analysis.sensitivity import RANK_BY, numeric
from simulator.plots.figure import Figure

MOST = 3  # panels
BINS = 8  # a sampled number's equal-count bins


def collapse_inputs(results, venture: str) -> tuple[list[str], str]:
    """The inputs to draw P(collapse) against, most influential first, and how they were
    ranked; all inputs when P(collapse) does not vary."""
    names = list(results.manifest.get("parameters") or results.design.columns[1:])
    table = results.sensitivity()
    rows = table[(table["outcome"] == "collapsed") & (table["venture"].astype(str) == venture)]
    if rows.empty:
        return names[:MOST], "in the sweep's order"
    key = RANK_BY[str(rows["method"].iloc[0])]
    rows = rows.sort_values(key, ascending=False, kind="stable")
    moving = rows[rows[key] > 0]
    if moving.empty:
        return names[:MOST], "in the sweep's order"
    return moving["parameter"].head(MOST).tolist(), f"ranked by their {key} for P(collapse)"


def plot_collapse_by_input(results, venture: str) -> Figure:
    """One panel per input that matters: P(collapse) pooled over the design points at each
    of its values (a number sampled from a range: over bins), with 95 % Wilson intervals."""
    points = results.points[results.points["venture"].astype(str) == venture]
    inputs, how = collapse_inputs(results, venture)
    width = max(7.0, 4.6 * len(inputs) + 0.6)
    fig = Figure(figsize=(width, 4.2), layout="constrained")
    axes = fig.subplots(1, len(inputs), squeeze=False, sharey=True)[0]
    m = results.manifest
    if not (points["p_collapse"] > 0).any():
        for ax in axes:
            ax.set_axis_off()
        fig.text(0.5, 0.5, "no run collapsed at any design point", ha="center", fontsize=12)
    else:
        top = max(
            draw_collapse(results, points, name, ax) for ax, name in zip(axes, inputs, strict=True)
        )
        axes[0].set_ylim(0, max(0.05, top * 1.15))  # shared: every panel's bars fit
        axes[0].set_ylabel("P(collapse), pooled over the design points")
    title = (
        f"{m.get('title') or m.get('sweep')}: probability of collapse against the inputs "
        f"that matter ({how})"
    )
    note = (
        f"dots: pooled P(collapse); bars: 95 % Wilson intervals; {m.get('points')} design "
        f"points × {m.get('replications')} replications"
    )
    wrap = int(width * 14)  # characters of 9-point text across the figure
    fig.suptitle(textwrap.fill(title, wrap) + "\n" + textwrap.fill(note, wrap), fontsize=9)
    return fig


def draw_collapse(results, points: pd.DataFrame, name: str, ax) -> float:
    """P(collapse) against one input, pooled over the points sharing each of its values;
    returns the top of its highest interval."""
    x = numeric(points[name])
    values = points[name]
    sampled = results.manifest.get("design", {}).get("type") != "grid"
    if sampled and pd.Series(x).nunique() > BINS:
        groups = pd.qcut(x, BINS, duplicates="drop")
        where = pd.Series(x).groupby(groups, observed=True).mean().to_numpy()
        ticks = None
    else:
        groups = x
        where = np.unique(x)
        ticks = [values[x == v].iloc[0] for v in where]
    hits = (points["p_collapse"] * points["replications"]).groupby(groups, observed=True).sum()
    runs = points["replications"].groupby(groups, observed=True).sum()
    p = (hits / runs).to_numpy()
    low, high = proportion_bounds(hits.to_numpy(), runs.to_numpy())
    ax.errorbar(where, p, yerr=[p - low, high - p], fmt="o-", ms=5, capsize=3)
    if ticks is not None:
        ax.set_xticks(where, [f"{t:g}" if isinstance(t, float) else str(t) for t in ticks])
    labels = results.manifest.get("labels", {})
    ax.set_xlabel(input_label(name, labels, results.manifest.get("unit", "")), fontsize=9)
    ax.set_ylim(0, max(0.05, float(np.nanmax(high)) * 1.15))
    ax.yaxis.set_major_formatter(PercentFormatter(1.0))
    ax.grid(alpha=0.3)
    return float(np.nanmax(high))
