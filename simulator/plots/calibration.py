"""A calibration's figure: simulated against observed, before and after the fit (top row),
and each fitted input's prior and posterior (bottom row)."""

from __future__ import annotations

import matplotlib.dates as mdates
import numpy as np
from scipy.stats import gaussian_kde

from simulator.analysis.calibration import effective_size
from simulator.analysis.labels import input_label
from simulator.analysis.trajectories import total_quantiles
from simulator.plots.figure import Figure
from simulator.plots.style import OBSERVED

PRIOR, POSTERIOR = "0.55", "tab:blue"


def plot_calibration(cal) -> Figure:
    """Top: per observed series, the venture's total in the runs as written (grey band,
    5–95 %) and as calibrated (blue band and median), the observed points ± 2 sd. Bottom:
    per input, its prior (grey) and posterior (blue) densities, the 90 % interval shaded."""
    series = list(cal.manifest["observed_series"])
    keys = list(cal.fit["input"])
    cols = max(len(series), len(keys))
    fig = Figure(figsize=(max(5.2 * cols, 9.0), 7.8), layout="constrained")
    axes = fig.subplots(2, cols, squeeze=False)
    for j, s in enumerate(series):
        _series_panel(cal, s, axes[0][j])
    for j, key in enumerate(keys):
        _input_panel(cal, key, axes[1][j])
    for row, used in ((0, len(series)), (1, len(keys))):
        for ax in axes[row][used:]:
            ax.set_visible(False)
    m = cal.manifest
    fig.suptitle(
        f"{m['scenario']}: calibrated to its observed history\n({m['stages_run']} stage(s) × "
        f"{m['design']} points × {m['replications']} runs, seed {m['seed']}; bands: 5–95 % "
        f"of {m['check']:,} runs)"
    )
    return fig


def _series_panel(cal, s: dict, ax) -> None:
    column = "member" if s["variable"] == "members" else s["variable"]
    for results, colour, name in (
        (cal.prior_runs, PRIOR, "as written"),
        (cal.calibrated_runs, POSTERIOR, "calibrated"),
    ):
        q = total_quantiles(results.trajectories, s["venture"], column)
        when = q.index.to_timestamp()
        ax.fill_between(when, q["p5"], q["p95"], color=colour, alpha=0.25, lw=0)
        ax.plot(
            when,
            q["p50"],
            color=colour,
            lw=2,
            ls="--" if colour == PRIOR else "-",
            label=f"{name}: median, 5–95 %",
        )
    t = cal.backtest()
    t = t[t["series"] == s["id"]]
    ax.errorbar(
        [d.to_timestamp() for d in t["date"]],
        t["observed"],
        yerr=2 * t["sd"],
        fmt="D",
        ms=6,
        capsize=4,
        color=OBSERVED[0],
        mec="black",
        zorder=6,
        label="observed (± 2 sd)",
    )
    unit = cal.manifest.get("unit", "")
    venture = cal.manifest["labels"]["ventures"].get(s["venture"], s["venture"])
    ax.set_title(f"{s['label']}\n{venture}: {s['variable'].replace('_', ' ')}", fontsize=10)
    ax.set_ylabel(unit if s["variable"] != "members" else "members")
    ax.set_ylim(bottom=0)
    locator = mdates.AutoDateLocator()
    ax.xaxis.set_major_locator(locator)
    ax.xaxis.set_major_formatter(mdates.ConciseDateFormatter(locator))
    ax.grid(alpha=0.3)
    ax.legend(fontsize=8, loc="upper left")


def _input_panel(cal, key: str, ax) -> None:
    row = cal.fit[cal.fit["input"] == key].iloc[0]
    samples = cal.samples
    prior = cal.prior_draws[key]
    grid = np.linspace(
        min(prior.min(), samples[key].min()), max(prior.max(), samples[key].max()), 400
    )
    ax.fill_between(
        grid,
        _histogram(prior, grid),
        color=PRIOR,
        alpha=0.35,
        lw=0,
        label=f"prior: {row.prior}",
    )
    w = samples["weight"].to_numpy()
    posterior = _density(samples[key].to_numpy(), w, grid)
    ax.plot(
        grid,
        posterior,
        color=POSTERIOR,
        lw=2,
        label=f"posterior: {row['mean']:.4g} ± {row['sd']:.3g}",
    )
    inside = (grid >= row.p05) & (grid <= row.p95)
    ax.fill_between(
        grid[inside],
        posterior[inside],
        color=POSTERIOR,
        alpha=0.25,
        lw=0,
        label=f"90 %: {row.p05:.4g}–{row.p95:.4g}",
    )
    ax.set_title(
        input_label(key, cal.manifest["labels"], cal.manifest.get("unit", "")), fontsize=10
    )
    ax.set_yticks([])
    ax.set_xlabel(f"{key} (effective sample {effective_size(w):.0f} points)", fontsize=8)
    ax.legend(fontsize=8, loc="upper right")


def _histogram(values: np.ndarray, grid: np.ndarray) -> np.ndarray:
    """A histogram of `values` read on `grid`, scaled to a peak of 1 (a prior's draws: a
    uniform prior stays flat up to its bounds, where a kernel density would slope)."""
    counts, edges = np.histogram(values, bins=40)
    at = np.clip(np.searchsorted(edges, grid, side="right") - 1, 0, len(counts) - 1)
    inside = (grid >= edges[0]) & (grid <= edges[-1])
    return np.where(inside, counts[at] / counts.max(), 0.0)


def _density(values: np.ndarray, weights, grid: np.ndarray) -> np.ndarray:
    """A kernel density on `grid`, scaled to a peak of 1 (the panels compare shapes); a
    sample with no spread is a spike at its value."""
    values = np.asarray(values, dtype=float)
    if np.ptp(values) == 0 or (weights is not None and effective_size(weights) < 2):
        spike = np.zeros_like(grid)
        centre = np.average(values, weights=weights)
        spike[np.argmin(np.abs(grid - centre))] = 1.0
        return spike
    d = gaussian_kde(values, weights=weights)(grid)
    return d / d.max()
