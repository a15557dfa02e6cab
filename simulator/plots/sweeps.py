"""Plots of a sweep: outcomes against the varied parameters, heatmaps, collapse, trajectories.

They read the sweep's `points`, `design` and `quantiles` tables (never the
per-replication outcomes, which may not fit in memory) and return Figures.
"""

from __future__ import annotations

import textwrap
from pathlib import Path

import numpy as np
import pandas as pd
from matplotlib.ticker import FuncFormatter, MaxNLocator, PercentFormatter

from simulator.analysis.labels import input_label
from simulator.analysis.points import parameter_label
from simulator.plots.dates import dated
from simulator.plots.figure import Figure

OUTCOME_LABELS = {
    "committed_final": "committed at the end",
    "paid_in_final": "paid in at the end",
    "cancelled_final": "cancelled at the end",
    "pledged_final": "pledged at the end",
    "outstanding_final": "outstanding at the end",
    "members_final": "members at the end",
    "committed_at_reference": "committed at the market reference date",
    "capital_to_market": "capital / market at the reference date",
}
MARKERS = "os^Dv<>P"
DASHES = ["-", "--", "-.", ":", (0, (5, 1, 1, 1))]
_PERCENT = FuncFormatter(lambda x, _: f"{100 * x:.3g} %")


def _figure(rows: int, cols: int, size: tuple[float, float]):
    fig = Figure(figsize=(size[0] * cols, size[1] * rows), layout="constrained")
    return fig, np.atleast_2d(fig.subplots(rows, cols, squeeze=False))


def _venture_points(results, venture: str | None) -> tuple[pd.DataFrame, str]:
    points = results.points
    venture = venture or str(points["venture"].iloc[0])
    return points[points["venture"] == venture], venture


def _parameters(results) -> list[str]:
    return list(results.manifest.get("parameters") or results.design.columns[1:])


def _is_numeric(series: pd.Series) -> bool:
    return pd.api.types.is_numeric_dtype(series) and not pd.api.types.is_bool_dtype(series)


def _ylabel(results, outcome: str) -> str:
    unit = results.manifest.get("unit", "")
    label = OUTCOME_LABELS.get(outcome, outcome)
    if outcome in ("members_final", "capital_to_market"):
        return label
    return f"{label} ({unit})"


def plot_outcome(results, outcome="committed_final", parameter=None, venture=None, ax=None):
    """Mean of `outcome` per design point against `parameter`, with ± 2 standard errors;
    with no other parameter, also the 5–95 % range of single replications as a band.

    On a grid, points sharing the other parameters' values are joined by a line.
    """
    points, venture = _venture_points(results, venture)
    parameter = parameter or _parameters(results)[0]
    if ax is None:
        fig, axes = _figure(1, 1, (6.4, 4.2))
        ax = axes[0, 0]
    others = [p for p in _parameters(results) if p != parameter]
    grid = results.manifest.get("design", {}).get("type") == "grid"
    if not grid:
        _sampled(results, points, outcome, parameter, ax)
        _label_axes(
            results,
            ax,
            outcome,
            parameter,
            venture,
            "mean per design point, and its average along the parameter",
        )
        return ax.figure
    groups = list(points.groupby(others, sort=True)) if others else [((), points)]
    for k, (key, g) in enumerate(groups):
        g = g.sort_values(parameter)
        x = _positions(results, parameter, g[parameter])
        label = ", ".join(
            parameter_label(o, v) for o, v in zip(others, np.atleast_1d(key), strict=False)
        )
        mean = g[f"{outcome}_mean"]
        se = g[f"{outcome}_std"].fillna(0) / np.sqrt(g["replications"])
        # Lines may coincide (an input that does not act): the first drawn widest, each
        # with its own marker and dashes, so every one shows through the others.
        line = ax.errorbar(
            x,
            mean,
            yerr=2 * se,
            marker=MARKERS[k % len(MARKERS)],
            ms=7 - 3.5 * k / max(1, len(groups) - 1),
            capsize=2,
            lw=3.2 - 2.0 * k / max(1, len(groups) - 1),
            ls=DASHES[k % len(DASHES)],
            elinewidth=1,
            label=label or None,
        )
        if not others:
            color = line.lines[0].get_color()
            lo, hi = g[f"{outcome}_q05"], g[f"{outcome}_q95"]
            if grid:
                ax.fill_between(x, lo, hi, color=color, alpha=0.15, label="5–95 % of runs")
            else:
                ax.vlines(x, lo, hi, color=color, alpha=0.25, lw=3, label="5–95 % of runs")
    _label_axes(results, ax, outcome, parameter, venture, "mean per design point (± 2 s.e.)")
    if (others and len(points) / max(1, points[parameter].nunique()) <= 8) or not others:
        title = ", ".join(o.split(".")[-1] for o in others) or None
        ax.legend(fontsize=8, title=title, title_fontsize=8)
    return ax.figure


def _sampled(results, points: pd.DataFrame, outcome: str, parameter: str, ax) -> None:
    """A sampling design: one dot per point, and the average over bins of the parameter
    (eight equal-count bins for a number, each value for a list)."""
    points = points.sort_values(parameter)  # categories appear on the axis in sorted order
    y = points[f"{outcome}_mean"]
    x = pd.Series(_positions(results, parameter, points[parameter]), index=points.index)
    ax.scatter(x, y, s=9, alpha=0.35, lw=0, label="design points")
    if _is_numeric(points[parameter]) and x.nunique() > 8:
        bins = pd.qcut(x, 8, duplicates="drop")
        trend = y.groupby(bins, observed=True).mean()
        centres = x.groupby(bins, observed=True).mean()
    else:
        trend = y.groupby(x, sort=True).mean()
        centres = trend.index
    ax.plot(
        np.asarray(centres, dtype=float),
        trend.to_numpy(),
        color="black",
        lw=2,
        marker="o",
        ms=4,
        label="average",
    )
    ax.legend(fontsize=8)


def _positions(results, parameter: str, values: pd.Series) -> np.ndarray:
    """Where a parameter's values sit on the x axis: numbers as they are, other values
    (text, months) at 0, 1, 2, ... in the order of the design's sorted values."""
    if _is_numeric(values):
        return values.to_numpy(dtype=float)
    order = sorted(results.design[parameter].astype(str).unique())
    return values.astype(str).map({v: i for i, v in enumerate(order)}).to_numpy(dtype=float)


def _label_axes(results, ax, outcome: str, parameter: str, venture: str, what: str) -> None:
    ax.set_xlabel(input_label(parameter, results.manifest.get("labels"), _unit(results)))
    ax.set_ylabel(_ylabel(results, outcome))
    if outcome == "capital_to_market":
        ax.yaxis.set_major_formatter(_PERCENT)
    values = results.design[parameter]
    distinct = sorted(values.astype(str).unique()) if not _is_numeric(values) else None
    if distinct is not None:  # text or months: a tick at each value, named
        ax.set_xticks(range(len(distinct)), distinct)
        ax.set_xlim(-0.5, len(distinct) - 0.5)
    elif values.nunique() <= 12 and results.manifest.get("design", {}).get("type") == "grid":
        ticks = np.sort(values.unique())  # a grid's numbers: a tick at each design value
        ax.set_xticks(ticks, [f"{v:g}" for v in ticks])
    else:
        ax.xaxis.set_major_locator(MaxNLocator(6))
    ax.set_title(f"{_venture_label(results, venture)}: {what}", fontsize=10)
    ax.grid(alpha=0.3)


def _unit(results) -> str:
    return results.manifest.get("unit", "")


def _venture_label(results, venture: str) -> str:
    return results.manifest.get("labels", {}).get("ventures", {}).get(venture, venture)


def plot_outcomes(results, outcomes=None, venture=None):
    """Small multiples: each kept outcome (rows) against each varied parameter (columns)."""
    outcomes = outcomes or [
        o
        for o in ("committed_final", "paid_in_final", "capital_to_market", "members_final")
        if f"{o}_q50" in results.points and results.points[f"{o}_mean"].notna().any()
    ]
    params = _parameters(results)
    fig, axes = _figure(len(outcomes), len(params), (5.2, 3.6))
    for i, outcome in enumerate(outcomes):
        for j, parameter in enumerate(params):
            plot_outcome(results, outcome, parameter, venture=venture, ax=axes[i, j])
            axes[i, j].set_title("")
            if j:
                axes[i, j].set_ylabel("")
    grid = results.manifest.get("design", {}).get("type") == "grid"
    how = (
        "dots: a design point's mean over its replications; bars: ± 2 standard errors "
        "(about 95 %); a line per value of the other inputs"
        if grid
        else "dots: each design point's mean over its replications; black line: their "
        "average along the input (equal-count bins)"
    )
    wrap = int(fig.get_figwidth() * 13)  # characters of 10-point text across the figure
    title = _title(results, "outcomes against the varied parameters")
    fig.suptitle(title + "\n" + textwrap.fill(how, wrap), fontsize=10)
    return fig


def _grid_pivot(results, column: str, venture=None) -> pd.DataFrame | None:
    params = _parameters(results)
    if len(params) != 2 or results.manifest.get("design", {}).get("type") != "grid":
        return None
    points, _ = _venture_points(results, venture)
    return points.pivot_table(index=params[1], columns=params[0], values=column, aggfunc="mean")


def plot_heatmap(results, outcome="committed_final", venture=None, ax=None, column=None):
    """Mean `outcome` over a two-parameter grid, one cell per design point, values written in."""
    column = column or f"{outcome}_mean"
    table = _grid_pivot(results, column, venture)
    if table is None:
        raise ValueError("a heatmap needs a grid design over exactly two parameters")
    if ax is None:
        fig, axes = _figure(1, 1, (6.4, 4.8))
        ax = axes[0, 0]
    values = table.to_numpy()
    vmin, vmax = _colour_range(values, column)
    image = ax.imshow(values, origin="lower", aspect="auto", cmap="viridis", vmin=vmin, vmax=vmax)
    ax.set_xticks(
        range(table.shape[1]), [f"{v:g}" if isinstance(v, float) else v for v in table.columns]
    )
    ax.set_yticks(
        range(table.shape[0]), [f"{v:g}" if isinstance(v, float) else v for v in table.index]
    )
    labels = results.manifest.get("labels")
    ax.set_xlabel(input_label(table.columns.name, labels, _unit(results)))
    ax.set_ylabel(input_label(table.index.name, labels, _unit(results)))
    for (r, c), v in np.ndenumerate(values):
        text = f"{v:.0%}" if column == "p_collapse" else f"{v:,.3g}"
        dark = (v - vmin) / (vmax - vmin) < 0.6
        ax.text(
            c, r, text, ha="center", va="center", fontsize=8, color="white" if dark else "black"
        )
    label = "P(collapse)" if column == "p_collapse" else "mean " + _ylabel(results, outcome)
    bar = ax.figure.colorbar(image, ax=ax, label=label)
    if column.startswith("p_"):
        bar.ax.yaxis.set_major_formatter(PercentFormatter(1.0))
    ax.set_title(label, fontsize=10)
    return ax.figure


def _colour_range(values: np.ndarray, column: str) -> tuple[float, float]:
    """A probability's colours run from 0 to 100 %, whatever the grid holds (an all-zero
    grid is not a scale from -10 % to +10 %); a constant grid gets a small range around
    its value."""
    if column.startswith("p_"):
        return 0.0, 1.0
    low, high = float(np.nanmin(values)), float(np.nanmax(values))
    if low == high:
        pad = 0.01 * abs(low) or 1.0
        return low - pad, high + pad
    return low, high


def plot_collapse(results, venture=None, ax=None):
    """Probability of collapse across the design: a heatmap on a two-parameter grid, else
    against the inputs that matter most for it (plots.collapse); with `ax`, the first."""
    if _grid_pivot(results, "p_collapse", venture) is not None:
        return plot_heatmap(results, venture=venture, ax=ax, column="p_collapse")
    from simulator.plots.collapse import collapse_inputs, draw_collapse, plot_collapse_by_input

    venture = venture or str(results.points["venture"].iloc[0])
    if ax is None:
        return plot_collapse_by_input(results, venture)
    points = results.points[results.points["venture"].astype(str) == venture]
    draw_collapse(results, points, collapse_inputs(results, venture)[0][0], ax)
    return ax.figure


def plot_trajectories(results, variable="committed", venture=None, points=None, ax=None):
    """Monthly median and 5–95 % band of a venture total for a few design points
    (by default the lowest, middle and highest by mean final committed), with the market."""
    results = dated(results)
    q = results.quantiles
    venture = venture or str(q["venture"].iloc[0])
    q = q[(q["venture"] == venture) & (q["variable"] == variable)]
    if points is None:
        final = results.points[results.points["venture"] == venture]
        final = final.sort_values(
            "committed_final_mean" if "committed_final_mean" in final else "point"
        )
        picks = final["point"].to_numpy()
        points = list(dict.fromkeys(picks[[0, len(picks) // 2, -1]]))
    if ax is None:
        fig, axes = _figure(1, 1, (8.5, 4.4))
        ax = axes[0, 0]
    design = results.design.set_index("point")
    top = 0.0
    for k, point in enumerate(points):
        g = q[q["point"] == point]
        where = ", ".join(parameter_label(c, design.loc[point, c]) for c in design.columns)
        # Medians often coincide for months or years: the first drawn widest, each dashed
        # its own way, so that no line hides another.
        line = ax.plot(
            g["date"],
            g["q50"],
            lw=3.4 - 1.2 * k,
            ls=DASHES[k % len(DASHES)],
            label=f"point {point}: {where}",
        )[0]
        ax.fill_between(g["date"], g["q05"], g["q95"], color=line.get_color(), alpha=0.15)
        top = max(top, float(g["q95"].max()))
    ax.set_ylim(0, top * 1.12 or 1.0)  # capital from 0, room above the highest band
    ax.set_ylabel(f"{variable} ({_unit(results)}): median, band 5–95 % of runs")
    ax.set_title(
        f"{_venture_label(results, venture)}: {variable} capital over time for "
        "three design points (median, 5–95 % of runs)",
        fontsize=10,
    )
    ax.grid(alpha=0.3)
    ax.legend(fontsize=8, loc="lower right")
    _market_note(results, ax)
    return ax.figure


def _market_note(results, ax) -> None:
    """The market projection is orders of magnitude above a consortium's capital: state it in
    a note rather than squash the curves against a log axis."""
    m = results.market
    if m is None or m.empty or "market" not in set(m["series"]):
        return
    market = m[m["series"] == "market"]
    ref = results.manifest.get("market_reference")
    at = market[market["date"] == pd.Timestamp(ref)] if ref else market.iloc[[-1]]
    row = at.iloc[0] if len(at) else market.iloc[-1]
    unit = results.manifest.get("unit", "")
    ax.text(
        0.01,
        0.98,
        f"market projection: {row['value']:,.0f} {unit} in {row['date']:%Y-%m}",
        transform=ax.transAxes,
        va="top",
        fontsize=8,
        bbox={"boxstyle": "round", "fc": "white", "alpha": 0.8},
    )


def _title(results, what: str) -> str:
    m = results.manifest
    return (
        f"{m.get('title') or m.get('sweep')}: {what}\n"
        f"{m.get('points')} design points × {m.get('replications')} replications, "
        f"seed {m.get('seed')}"
    )


def save_sweep_plots(results, directory: Path) -> list[Path]:
    directory = Path(directory)
    figures = {"outcomes.png": plot_outcomes(results), "collapse.png": plot_collapse(results)}
    if _grid_pivot(results, "committed_final_mean") is not None:
        figures["heatmap.png"] = plot_heatmap(results)
    if results.quantiles is not None and not results.quantiles.empty:
        figures["trajectories.png"] = plot_trajectories(results)
    if results.indices is not None and not results.indices.empty:
        from simulator.plots.sensitivity import plot_indices

        figures["sensitivity.png"] = plot_indices(results)
    written = []
    for name, fig in figures.items():
        fig.savefig(directory / name, dpi=110)
        written.append(directory / name)
    return written
