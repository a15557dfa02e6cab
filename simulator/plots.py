"""Plots: ResultSet tables in, matplotlib Figure out (never shown; the caller saves or displays)."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
from matplotlib.figure import Figure
from matplotlib.ticker import FuncFormatter

EVENT_STYLE = {"departure": ("tab:red", "leaves"), "join": ("tab:green", "joins"),
               "collapse": ("black", "collapse"), "raise": ("tab:blue", "raises"),
               "top_up": ("tab:blue", "tops up")}  # fmt: skip


def _figure(figsize):
    fig = Figure(figsize=figsize)
    return fig, fig.subplots()


def _subplots(rows, cols, **kw):
    """A Figure not registered with pyplot: nothing leaks into a notebook's state,
    no GUI backend is needed, and the caller owns it (notebooks display it)."""
    fig = Figure(figsize=kw.pop("figsize"))
    return fig, fig.subplots(rows, cols, **kw)


def _totals(results, venture: str, column: str) -> pd.DataFrame:
    """Per date: mean, 5 %, 50 % and 95 % over replications of a venture's total `column`."""
    t = results.trajectories
    t = t[t["venture"] == venture]
    per_rep = t.groupby(["date", "replication"], observed=True)[column].sum().unstack()
    return pd.DataFrame(
        {
            "mean": per_rep.mean(axis=1),
            "p5": per_rep.quantile(0.05, axis=1),
            "p50": per_rep.median(axis=1),
            "p95": per_rep.quantile(0.95, axis=1),
        }
    )


def _ventures(results, venture):
    names = list(dict.fromkeys(results.outcomes["venture"].astype(str)))
    return names if venture is None else [venture]


def plot_funding(results, venture: str | None = None, ax=None):
    """Committed capital by partner over time, and the total set against the market projection.

    With `ax` given, draws only the by-partner panel on it (for notebooks that compose figures).
    """
    ventures = _ventures(results, venture)
    if ax is not None:
        _by_partner(results, ventures[0], ax)
        return ax.figure
    fig, axes = _subplots(
        len(ventures), 2, figsize=(13, 4.6 * len(ventures)), squeeze=False,
        gridspec_kw={"width_ratios": [1.35, 1]},
    )  # fmt: skip
    for row, v in zip(axes, ventures, strict=True):
        _by_partner(results, v, row[0])
        _against_market(results, v, row[1])
    m = results.manifest
    title = m.get("title") or m.get("scenario") or "consim"
    reps = results.replications
    sub = f"{reps} replications, seed {m.get('seed')}" if results.stochastic else "deterministic"
    fig.suptitle(f"{title}  ({sub})", fontsize=13, fontweight="bold")
    fig.tight_layout()
    return fig


def _unit(results) -> str:
    return results.manifest.get("unit", "")


def _label(results, kind: str, key: str) -> str:
    """Display name from the scenario (`label:`), else the id."""
    return results.manifest.get("labels", {}).get(kind, {}).get(key, key)


def _by_partner(results, venture: str, ax) -> None:
    name = _label(results, "ventures", venture)
    t = results.trajectories
    t = t[t["venture"] == venture]
    reps = t["replication"].nunique()
    by = t.groupby(["date", "partner"], observed=True)["committed"].sum().unstack() / reps
    by = by.loc[:, by.max() > 0]
    order = by.iloc[-1].sort_values(ascending=False).index
    labels = [_label(results, "partners", c) for c in order]
    ax.stackplot(by.index, *[by[c] for c in order], labels=labels, alpha=0.85)
    paid = _totals(results, venture, "paid_in")
    ax.plot(paid.index, paid["mean"], color="black", lw=2, label="paid in (total)")
    if results.stochastic:
        com = _totals(results, venture, "committed")
        ax.fill_between(com.index, com["p5"], com["p95"], color="grey", alpha=0.25,
                        label="committed, 5–95 %")  # fmt: skip
        ax.set_title(f"{name}: committed capital by partner (mean of replications)")
    else:
        ax.set_title(f"{name}: committed capital by partner")
        _mark_events(results, venture, ax)
    ax.set_ylabel(f"capital ({_unit(results)})")
    ax.set_ylim(bottom=0)
    ax.grid(alpha=0.3)
    ax.legend(loc="upper left", bbox_to_anchor=(1.01, 1.0), fontsize=8, framealpha=0.9)


def _mark_events(results, venture, ax) -> None:
    ev = results.events
    ev = ev[(ev["venture"] == venture) & ev["type"].isin(EVENT_STYLE)]
    top = ax.get_ylim()[1]
    for _, e in ev.iterrows():
        color, verb = EVENT_STYLE[e["type"]]
        ax.axvline(e["date"], color=color, ls="--", lw=1)
        who = _label(results, "partners", e["partner"]) if e["partner"] else e["venture"]
        text = f"{who} {verb}" + (f" ({e['amount']:,.0f})" if e["amount"] else "")
        ax.annotate(text, (e["date"], top * 0.97), rotation=90, va="top", ha="right",
                    fontsize=8, color=color)  # fmt: skip


def _against_market(results, venture: str, ax) -> None:
    unit = _unit(results)
    market = results.market
    mk = market[market["series"] == "market"]
    if len(mk):
        ax.plot(mk["date"], mk["value"], color="tab:purple", lw=2.5, label=mk["label"].iloc[0])
    for _, b in market[market["series"] != "market"].groupby("series"):
        ax.plot(b["date"], b["value"], "o--", ms=5, label=b["label"].iloc[0])
    com = _totals(results, venture, "committed")
    paid = _totals(results, venture, "paid_in")
    name = _label(results, "ventures", venture)
    ax.plot(com.index, com["p50"], color="tab:orange", lw=2, label=f"{name}: committed")
    ax.plot(paid.index, paid["p50"], color="black", lw=1.5, label=f"{name}: paid in")
    if results.stochastic:
        ax.fill_between(com.index, com["p5"].clip(lower=1e-3), com["p95"], color="tab:orange",
                        alpha=0.25)  # fmt: skip
    ax.set_yscale("log")
    ax.yaxis.set_major_formatter(FuncFormatter(lambda y, _: f"{y:,.0f}"))
    ax.set_ylabel(f"{unit} (log scale)")
    ax.set_title(f"{name} against the market projection")
    o = results.outcomes[results.outcomes["venture"] == venture]
    ratio = o["capital_to_market"].median()
    if pd.notna(ratio):
        ref = pd.Timestamp(o["reference_date"].iloc[0])
        mref = o["market_at_reference"].iloc[0]
        ax.axvline(ref, color="grey", ls=":", lw=1)
        ax.annotate(
            f"{ref:%Y-%m}: committed = {100 * ratio:.2f} %\nof a {mref:,.0f} {unit} market",
            (ref, np.sqrt(mref * max(o['committed_at_reference'].median(), 1e-3))),
            xytext=(6, 0), textcoords="offset points", fontsize=9,
            bbox={"boxstyle": "round", "fc": "white", "alpha": 0.9},
        )  # fmt: skip
    ax.grid(alpha=0.3, which="both")
    ax.legend(loc="center left", fontsize=8, framealpha=0.9)


def plot_comparison(named_results: dict, venture: str | None = None, ax=None):
    """Total committed capital over time for several scenarios (median and 5–95 % band)."""
    fig, ax = (ax.figure, ax) if ax is not None else _figure(figsize=(11, 5.5))
    unit = ""
    for name, res in named_results.items():
        v = venture or _ventures(res, None)[0]
        com = _totals(res, v, "committed")
        (line,) = ax.plot(com.index, com["p50"], lw=2, label=name)
        if res.stochastic:
            ax.fill_between(com.index, com["p5"], com["p95"], color=line.get_color(), alpha=0.15)
        unit = _unit(res)
    ax.set_ylabel(f"committed capital ({unit})")
    ax.set_ylim(bottom=0)
    ax.set_title("What-ifs: committed capital over time (median, 5–95 % band where uncertain)")
    ax.grid(alpha=0.3)
    ax.legend(fontsize=9)
    fig.tight_layout()
    return fig


def save_run_plots(results, directory: Path) -> list[Path]:
    """The plots `consim run` writes next to its tables."""
    path = Path(directory) / "funding.png"
    plot_funding(results).savefig(path, dpi=110)
    return [path]
