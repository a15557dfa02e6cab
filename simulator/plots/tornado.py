"""The tornado: each uncertain input's swing of an outcome's mean, widest on top."""

from __future__ import annotations

import numpy as np
from matplotlib.ticker import PercentFormatter

from simulator.analysis.labels import input_label
from simulator.plots.figure import Figure

LOW, HIGH = "tab:blue", "tab:red"


def plot_tornado(tornado) -> Figure:
    """Horizontal bars from the base mean to the mean with the input at its low (blue) and
    high (red) value, sorted by swing; error bars: 95 % intervals of the paired differences."""
    t = tornado.table
    unit = tornado.manifest.get("unit", "")
    low_q, high_q = (round(100 * q) for q in tornado.manifest["quantiles"])
    fig = Figure(figsize=(11, 1.2 + 0.55 * len(t)), layout="constrained")
    ax = fig.subplots()
    y = np.arange(len(t))[::-1]
    base = tornado.base_mean
    for column, colour, q in (("diff_low", LOW, low_q), ("diff_high", HIGH, high_q)):
        err = np.vstack([t[column] - t[f"{column}_ci_low"], t[f"{column}_ci_high"] - t[column]])
        ax.barh(
            y,
            t[column],
            left=base,
            color=colour,
            alpha=0.75,
            height=0.6,
            xerr=np.nan_to_num(err),
            ecolor="black",
            capsize=3,
            label=f"input at its {q}th percentile",
        )
    ax.axvline(base, color="black", lw=1)
    names = tornado.manifest.get("labels")
    labels = [
        f"{input_label(r.input, names, unit)}\n{r.low:,.3g} → {r.high:,.3g}" for r in t.itertuples()
    ]
    ax.set_yticks(y, labels, fontsize=8)
    if tornado.outcome in ("collapsed", "dissolved", "cash_out"):
        ax.xaxis.set_major_formatter(PercentFormatter(1.0))
        ax.set_xlabel(f"P({tornado.outcome}), any venture; base {100 * base:.1f} %")
    else:
        ax.set_xlabel(f"mean {tornado.outcome} ({unit}), all ventures; base {base:,.1f}")
    ax.set_title(
        f"{tornado.manifest['scenario']}: what moves the mean of {tornado.outcome} "
        f"({tornado.manifest['replications']:,} paired runs per bar, seed "
        f"{tornado.manifest['seed']}; error bars: 95 % CI)"
    )
    ax.grid(axis="x", alpha=0.3)
    ax.legend(loc="lower right", fontsize=8)
    return fig
