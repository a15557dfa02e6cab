"""Partner values: each member's Shapley value to an outcome, largest on top."""

from __future__ import annotations

import numpy as np
from matplotlib.ticker import PercentFormatter

from simulator.plots.figure import Figure

VALUE, VETO, PLEDGE = "tab:blue", "tab:red", "black"


def plot_partner_value(pv) -> Figure:
    """Horizontal bars of each member's value (error bars: its 95 % interval, where it has
    one), veto players in red, each member's own pledge as a diamond (money outcomes), and
    what the values add up to: v(all) − v(∅), the grand coalition's gain over nobody."""
    m = pv.manifest
    t = pv.table.sort_values("value", ascending=True, kind="stable").reset_index(drop=True)
    veto = t["veto"].to_numpy(bool) if "veto" in t else np.zeros(len(t), bool)
    fig = Figure(figsize=(10, 1.8 + 0.5 * len(t)), layout="constrained")
    ax = fig.subplots()
    y = np.arange(len(t))
    err = np.vstack([t["value"] - t["low"], t["high"] - t["value"]])
    shown = np.isfinite(err).all(axis=0) & (err.sum(axis=0) > 0)
    ax.barh(y, t["value"], color=np.where(veto, VETO, VALUE), alpha=0.8, height=0.6)
    if shown.any():
        ax.errorbar(
            t["value"][shown],
            y[shown],
            xerr=err[:, shown],
            fmt="none",
            ecolor="black",
            capsize=3,
            label="95 % interval",
        )
    probability = m["outcome"] == "p_no_collapse"
    if not probability and m["outcome"] != "members_final":
        ax.scatter(t["own_pledge"], y, marker="D", color=PLEDGE, s=18, zorder=3, label="own pledge")
    ax.axvline(0, color="black", lw=0.8)
    labels = [_label(r, v) for r, v in zip(t.itertuples(), veto, strict=True)]
    ax.set_yticks(y, labels, fontsize=8)
    unit = "" if probability else f" ({m.get('unit', '')})"
    ax.set_xlabel(f"Shapley value: share of {m['outcome']}{unit}")
    if probability:
        ax.xaxis.set_major_formatter(PercentFormatter(1.0))
    gain = pv.grand - pv.empty
    ax.text(
        0.99,
        0.02,
        f"values add up to v(all) − v(∅) = {pv.grand:,.4g} − {pv.empty:,.4g} = {gain:,.4g}",
        transform=ax.transAxes,
        ha="right",
        va="bottom",
        fontsize=8,
        bbox={"facecolor": "white", "alpha": 0.8, "edgecolor": "lightgray"},
    )
    how = "exact, all coalitions" if pv.method == "exact" else f"{m['samples']:,} sampled orders"
    ax.set_title(
        f"{m['scenario']}: what each member brings to {m['outcome']} ({how})\n"
        f"{pv.runs:,} runs ({m['replications']:,} per coalition, seed {m['seed']}, common "
        "random numbers)" + ("; red: veto players" if veto.any() else ""),
        fontsize=10,
    )
    ax.grid(axis="x", alpha=0.3)
    if ax.get_legend_handles_labels()[0]:
        ax.legend(loc="lower right", bbox_to_anchor=(1, 0.08), fontsize=8)
    return fig


def _label(row, veto: bool) -> str:
    text = row.label if row.label == row.member else f"{row.label} ({row.member})"
    share = getattr(row, "banzhaf", np.nan)
    if np.isfinite(share):
        text += f"\nBanzhaf {share:.2f}"
    return text + (" · veto" if veto else "")
