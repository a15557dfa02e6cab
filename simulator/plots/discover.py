"""Pictures of a scenario discovery: PRIM's peeling trade-off and the boxes found."""

from __future__ import annotations

import numpy as np
from matplotlib import colormaps

from simulator.plots.figure import Figure


def plot_discovery(d) -> Figure:
    """Left, each box's peeling trajectory (coverage against density, coloured by the number
    of restricted inputs; the box chosen ringed); right, each box's restricted inputs as
    the part of their range the box keeps.

    >>> from simulator import plot_discovery, run
    >>> runs = run("scenarios/examples/planted_collapse.yaml", replications=500, seed=5,
    ...            progress=False)
    >>> found = runs.discover(outcome="collapsed")
    >>> len(plot_discovery(found).axes[1].texts) == len(found.limits)
    True
    """
    rows = len(d.limits) if len(d.limits) else 1
    fig = Figure(figsize=(12, max(3.6, 0.55 * rows + 1.8)), layout="constrained")
    left, right = fig.subplots(1, 2, width_ratios=[1, 1.3])
    draw_tradeoff(d, left)
    draw_boxes(d, right)
    fig.suptitle(
        f"Scenario discovery (PRIM): {d.cases:,} of {d.runs:,} runs are cases of interest "
        f"({d.case}, {d.cases / d.runs:.1%})",
        fontsize=10,
    )
    return fig


def draw_tradeoff(d, ax) -> None:
    """Coverage (share of the cases inside the box) against density (share of the runs
    inside that are cases) at each peeling step."""
    from matplotlib.colors import BoundaryNorm

    most = max([int(p["res dim"].max()) for p in d.trajectories] or [1])
    cmap = colormaps["viridis"].resampled(most + 1)
    norm = BoundaryNorm(np.arange(-0.5, most + 1.5), most + 1)
    points = None
    for k, (path, step) in enumerate(zip(d.trajectories, d.chosen, strict=True)):
        points = ax.scatter(
            path["coverage"],
            path["density"],
            c=path["res dim"],
            cmap=cmap,
            norm=norm,
            s=18,
            marker="os^"[k % 3],
            label=f"box {k + 1}",
        )
        ax.scatter(
            path["coverage"][step],
            path["density"][step],
            s=140,
            facecolors="none",
            edgecolors="crimson",
            lw=1.6,
        )
        ax.annotate(
            f"box {k + 1}",
            (path["coverage"][step], path["density"][step]),
            xytext=(-44, -14),
            textcoords="offset points",
            fontsize=8,
            color="crimson",
        )
    if points is not None:
        bar = ax.figure.colorbar(points, ax=ax, label="inputs restricted", pad=0.01)
        bar.set_ticks(range(most + 1))
    ax.axhline(d.cases / d.runs, color="grey", lw=0.8, ls="--")
    ax.text(0.01, d.cases / d.runs, " all runs", va="bottom", fontsize=7, color="grey")
    ax.set_xlim(-0.02, 1.02)
    ax.set_ylim(0, 1.04)
    ax.set_xlabel("coverage: share of the cases inside the box")
    ax.set_ylabel("density: share of the box's runs that are cases")
    ax.set_title("peeling trade-off (ringed: the box chosen)", fontsize=9)
    ax.grid(alpha=0.3)


def draw_boxes(d, ax) -> None:
    """One bar per restricted input: its whole range in grey, the box's part in colour,
    labelled with the condition in words."""
    if d.limits.empty:
        ax.text(
            0.5, 0.5, "no box denser than the runs at large", ha="center", transform=ax.transAxes
        )
        ax.set_axis_off()
        return
    y = np.arange(len(d.limits))
    colours = ["tab:red", "tab:blue", "tab:green"]
    for i, r in enumerate(d.limits.itertuples()):
        low, high = d.ranges[r.input]
        span = (high - low) or 1.0
        a, b = (max(r.min, low) - low) / span, (min(r.max, high) - low) / span
        ax.barh(i, 1.0, color="0.9", height=0.6)
        ax.barh(i, b - a, left=a, color=colours[(r.box - 1) % 3], height=0.6, alpha=0.8)
        ax.text(1.02, i, r.condition, va="center", fontsize=8)
    names = [f"box {r.box}: {d.features[r.input].label}" for r in d.limits.itertuples()]
    ax.set_yticks(y, names, fontsize=8)
    ax.set_ylim(len(d.limits) - 0.5, -0.5)
    ax.set_xlim(0, 1)
    ax.set_xticks([0, 1], ["lowest\nvalue", "highest\nvalue"], fontsize=8)
    ax.set_title("what each box keeps of each input's range", fontsize=9)
    for spine in ("top", "right"):
        ax.spines[spine].set_visible(False)
    summary = "; ".join(
        f"box {b.box}: coverage {b.coverage:.0%}, density {b.density:.0%}"
        for b in d.boxes.itertuples()
    )
    ax.set_xlabel(summary, fontsize=8)
