"""Bars of a sweep's sensitivity indices: each varied input's share of an outcome's
variation (Sobol, or the exact analysis of variance of a grid), Morris μ* or Borgonovo's δ,
with their 95 % intervals, most influential input first."""

from __future__ import annotations

import numpy as np

from simulator.analysis.labels import input_label
from simulator.analysis.sensitivity import RANK_BY, ranked
from simulator.plots.figure import Figure

# The panels `plot_indices` draws when the sweep holds them: the money, then collapse.
MAIN = ("committed_final", "capital_to_market", "collapsed", "months_to_collapse")
TITLES = {
    "committed_final": "committed at the end",
    "paid_in_final": "paid in at the end",
    "capital_to_market": "capital / market",
    "members_final": "members at the end",
    "collapsed": "P(collapse)",
    "months_to_collapse": "months to collapse",
    "dissolved": "P(dissolved)",
    "cash_out": "P(cash runs out)",
}
# What each method's bars are, and the index drawn light behind the main one.
BARS = {
    "sobol": (("ST", "total (ST)"), ("S1", "first order (S1)")),
    "grid": (("ST", "total (ST)"), ("S1", "first order (S1)")),
    "morris": (("mu_star", "μ* (Morris)"),),
    "lhs": (("delta", "δ (Borgonovo)"), ("S1", "first order (S1)")),
}
XLABELS = {
    "sobol": "share of the variance of the point means (Sobol)",
    "grid": "share of the variance of the point means (exact, full grid)",
    "morris": "mean absolute effect over each input's range (Morris μ*)",
    "lhs": "Borgonovo δ and first-order index",
}


def plot_sensitivity(results, outcome: str = "committed_final", venture=None, ax=None, order=None):
    """One outcome's indices per input, with their 95 % intervals, most influential first
    (or in `order`, a list of inputs: panels side by side then share their rows).

    >>> from simulator import plot_sensitivity, sweep
    >>> grid = sweep({"scenario": "scenarios/andromede_plan.yaml",
    ...               "parameters": {"partners.state.pledge": {"low": 100, "high": 200, "steps": 3},
    ...                              "partners.orange.pledge": {"values": [60, 90]}},
    ...               "replications": 1, "seed": 1}, executor="serial", progress=False)
    >>> [t.get_text() for t in plot_sensitivity(grid).axes[0].get_yticklabels()]
    ['French State: pledge (M€)', 'Orange: pledge (M€)']
    """
    rows = ranked(results.sensitivity(), outcome, venture)
    if order is not None:
        rows = rows.set_index("parameter").loc[order].reset_index()
    if ax is None:
        fig = Figure(figsize=(7.5, 0.55 * len(rows) + 1.9), layout="constrained")
        ax = fig.add_subplot()
    method = str(rows["method"].iloc[0])
    bars = BARS[method]
    y = np.arange(len(rows))
    height = 0.8 / len(bars)
    for k, (key, label) in enumerate(bars):
        values = rows[key].to_numpy(dtype=float)
        bounds = rows[[f"{key}_ci_low", f"{key}_ci_high"]].to_numpy(dtype=float).T
        offset = (k - (len(bars) - 1) / 2) * height
        ax.barh(y + offset, values, height, xerr=np.abs(bounds - values), label=label, capsize=2)
    labels, unit = results.manifest.get("labels"), results.manifest.get("unit", "")
    ax.set_yticks(y, [input_label(p, labels, unit) for p in rows["parameter"]])
    ax.set_ylim(len(rows) - 0.5, -0.5)  # the first input on top
    ax.axvline(0, color="grey", lw=0.8)
    if order is None:
        ax.set_xlabel(f"{XLABELS[method]}; lines: 95 % intervals", fontsize=8)
    ax.legend(fontsize=7, loc="lower right")
    ax.grid(alpha=0.3, axis="x")
    ax.set_title(TITLES.get(outcome, outcome), fontsize=10)
    return ax.figure


def plot_indices(results, outcomes=None, venture=None) -> Figure:
    """Side by side, one row per input: the indices of the main outcomes (committed capital,
    P(collapse), ...) that vary across the design (a constant outcome has nothing to
    explain); inputs in order of their largest index over the panels."""
    table = results.sensitivity()
    have = set(table["outcome"])
    outcomes = [o for o in outcomes or MAIN if o in have]
    outcomes = [o for o in outcomes if _moves(table, o)] or outcomes[:1]
    order = _order(table, outcomes, venture)
    fig = Figure(figsize=(2.6 + 3.0 * len(outcomes), 0.5 * len(order) + 2.2), layout="constrained")
    axes = fig.subplots(1, len(outcomes), squeeze=False, sharey=True)[0]
    for ax, outcome in zip(axes, outcomes, strict=True):
        plot_sensitivity(results, outcome, venture, ax=ax, order=order)
    m = results.manifest
    method = str(table["method"].iloc[0])
    fig.suptitle(
        f"{m.get('title') or m.get('sweep')}: what moves each outcome\n"
        f"{XLABELS[method]}; lines: 95 % intervals; {m.get('points')} design points × "
        f"{m.get('replications')} replications, seed {m.get('seed')}",
        fontsize=9,
    )
    return fig


def _order(table, outcomes: list[str], venture) -> list[str]:
    """Inputs by their largest ranking index over the outcomes shown."""
    best: dict[str, float] = {}
    for outcome in outcomes:
        rows = ranked(table, outcome, venture)
        key = RANK_BY[str(rows["method"].iloc[0])]
        for name, value in zip(rows["parameter"], rows[key], strict=True):
            best[name] = max(best.get(name, -np.inf), float(np.nan_to_num(value)))
    return sorted(best, key=lambda n: -best[n])


def _moves(table, outcome: str) -> bool:
    rows = table[table["outcome"] == outcome]
    numbers = rows.select_dtypes("number").to_numpy(dtype=float)
    return bool(np.nan_to_num(np.abs(numbers)).sum() > 0)
