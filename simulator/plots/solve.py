"""Goal seeking's picture: the target's statistic at every setting the search evaluated,
with its 95 % interval, the threshold, the answer and the range where it is uncertain."""

from __future__ import annotations

import matplotlib.dates as mdates
import numpy as np
import pandas as pd

from simulator.plots.figure import Figure

ANSWER, BAND = "tab:red", "tab:orange"


def plot_solution(solution) -> Figure:
    """The estimate against the lever (dots: the settings evaluated, common random numbers
    throughout), its 95 % interval (bars), the threshold (dashed), the answer (red line) and
    the lever values where the interval straddles the threshold (shaded)."""
    lever, target, table = solution.lever, solution.target, solution.evaluations
    x = _axis(lever, table["lever"].to_numpy())
    fig = Figure(figsize=(9, 5), layout="constrained")
    ax = fig.subplots()
    err = np.vstack([table["value"] - table["low"], table["high"] - table["value"]])
    met = table["met"].to_numpy(bool)
    for mask, colour, label in ((met, "tab:green", "target met"), (~met, "tab:gray", "not met")):
        ax.errorbar(
            x[mask],
            table["value"][mask],
            yerr=np.nan_to_num(err[:, mask]),
            fmt="o",
            ms=4,
            color=colour,
            capsize=2,
            label=f"{label} (95 % CI)",
        )
    ax.axhline(
        target.threshold, color="black", ls="--", lw=1, label=f"threshold {target.threshold:g}"
    )
    if solution.value is not None:
        ends = [lever.low if e is None else e for e in solution.interval[:1]]
        ends += [lever.high if solution.interval[1] is None else solution.interval[1]]
        a, b = _axis(lever, np.array(sorted(ends)))
        if b > a:
            ax.axvspan(a, b, color=BAND, alpha=0.2, label="interval straddles the threshold")
        at = _axis(lever, np.array([solution.value]))[0]
        ax.axvline(at, color=ANSWER, lw=1.5, label=f"answer {lever.shown(solution.value)}")
    if lever.dates:  # the values are plain numbers to matplotlib: date ticks by hand
        locator = mdates.AutoDateLocator()
        ax.xaxis.set_major_locator(locator)
        ax.xaxis.set_major_formatter(mdates.ConciseDateFormatter(locator))
    ax.set_xlabel(lever.path)
    ax.set_ylabel(target.statistic.text)
    m = solution.manifest
    goal = "largest" if m["maximize"] else "smallest"
    ax.set_title(
        f"{m['scenario']}: {goal} {lever.path} with {target.text}\n"
        f"({_runs(m['replications'])} per setting, seed {m['seed']}, common random numbers)",
        fontsize=10,
    )
    ax.grid(alpha=0.3)
    ax.legend(fontsize=8, loc="best")
    return fig


def _axis(lever, values: np.ndarray) -> np.ndarray:
    """Lever values as the x axis shows them: dates as dates."""
    if not lever.dates:
        return values
    months = np.round(values).astype(int)
    stamps = pd.to_datetime([f"{m // 12:04d}-{m % 12 + 1:02d}-01" for m in months])
    return mdates.date2num(stamps.to_pydatetime())


def plot_front(front) -> Figure:
    """The settings evaluated by their first two objectives (one objective: against the
    first lever), grey; the Pareto front in colour, joined, with 95 % intervals, hollow
    where fresh random numbers put it off the front."""
    objectives = front.objectives
    if len(objectives) >= 2:
        xs, names = ("o0", "o1"), (objectives[0].text, objectives[1].text)
    else:
        xs, names = (front.levers[0].path, "o0"), (front.levers[0].path, objectives[0].text)
    fig = Figure(figsize=(9, 5.5), layout="constrained")
    ax = fig.subplots()
    _evaluated(ax, front, xs)
    if len(front.front):
        _front(ax, front.front, xs)
    if len(objectives) >= 2:
        ax.set_xlabel(f"{names[0]} ({'→' if objectives[0].maximize else '←'} better)")
        ax.set_ylabel(f"{names[1]} ({'↑' if objectives[1].maximize else '↓'} better)")
    else:
        ax.set_xlabel(names[0])
        ax.set_ylabel(f"{names[1]} ({'↑' if objectives[0].maximize else '↓'} better)")
    m = front.manifest
    ax.set_title(
        f"{m['scenario']}: Pareto front over {', '.join(lever.path for lever in front.levers)}\n"
        f"({_runs(m['replications'])} per setting, seed {m['seed']}, common random numbers; "
        f"{len(front.evaluations)} settings)",
        fontsize=10,
    )
    ax.grid(alpha=0.3)
    ax.legend(fontsize=8, loc="best")
    return fig


def _evaluated(ax, front, xs) -> None:
    """Every setting evaluated: grey dots, crosses where a target is missed."""
    table = front.evaluations
    feasible = np.ones(len(table), dtype=bool)
    for k in range(len(front.targets)):
        feasible &= table[f"t{k}"].to_numpy() >= 0
    x, y = table[xs[0]], table[xs[1]]
    ax.scatter(x[feasible], y[feasible], s=12, color="0.6", label="settings evaluated")
    if (~feasible).any():
        ax.scatter(
            x[~feasible], y[~feasible], s=12, marker="x", color="0.75", label="a target missed"
        )


def _front(ax, best, xs) -> None:
    """The front, joined, with the 95 % intervals of the objectives that have them."""
    err = [
        np.nan_to_num(np.vstack([best[c] - best[f"{c}_low"], best[f"{c}_high"] - best[c]]))
        if f"{c}_low" in best
        else None
        for c in xs
    ]
    ax.errorbar(
        best[xs[0]],
        best[xs[1]],
        xerr=err[0],
        yerr=err[1],
        color=ANSWER,
        lw=1,
        capsize=2,
        fmt="-",
        label="Pareto front (95 % CI)",
    )
    stable = best["stable"].to_numpy(bool)
    x, y = best[xs[0]], best[xs[1]]
    ax.scatter(
        x[stable], y[stable], color=ANSWER, zorder=3, s=25, label="stable with fresh random numbers"
    )
    if (~stable).any():
        ax.scatter(
            x[~stable],
            y[~stable],
            facecolors="white",
            edgecolors=ANSWER,
            zorder=3,
            s=25,
            label="off the front with fresh numbers",
        )


def _runs(n: int) -> str:
    return f"{n:,} run" + ("" if n == 1 else "s")
