"""Plots: ResultSet tables in, matplotlib Figure out (never shown; the caller saves or displays)."""

from __future__ import annotations

import textwrap
from pathlib import Path

import matplotlib.dates as mdates
import numpy as np
import pandas as pd
from matplotlib.figure import Figure
from matplotlib.patheffects import withStroke
from matplotlib.ticker import FuncFormatter, NullFormatter

from simulator.plots.style import COMMITTED, MARKET, partner_colours

EVENT_STYLE = {
    "departure": ("tab:red", "leaves"),
    "join": ("tab:green", "joins"),
    "collapse": ("black", "collapse"),
    "raise": ("tab:blue", "raises"),
    "top_up": ("tab:blue", "tops up"),
    "buyout": ("tab:purple", "buys out"),
    "absorbed": ("tab:purple", "absorbs it"),
    "split": ("black", "split"),
    "dissolution": ("black", "dissolved"),
}
_LABEL_BOX = {"boxstyle": "square,pad=0.1", "fc": "white", "alpha": 0.75, "lw": 0}


def _figure(figsize):
    fig = Figure(figsize=figsize)
    return fig, fig.subplots()


def _subplots(rows, cols, **kw):
    """A Figure not registered with pyplot: nothing leaks into a notebook's state,
    no GUI backend is needed, and the caller owns it (notebooks display it)."""
    fig = Figure(figsize=kw.pop("figsize"))
    return fig, fig.subplots(rows, cols, **kw)


def _totals(results, venture: str, column: str, how: str = "sum") -> pd.DataFrame:
    """Per date: mean, 5 %, 50 % and 95 % over replications of a venture's total `column`
    (`how="first"` for a venture's own column, the same on each of its partner rows)."""
    t = results.trajectories
    t = t[t["venture"] == venture]
    per_rep = t.groupby(["date", "replication"], observed=True)[column].agg(how).unstack()
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
        len(ventures),
        2,
        figsize=(13, 4.6 * len(ventures)),
        squeeze=False,
        gridspec_kw={"width_ratios": [1.35, 1]},
    )
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


def _partners(results) -> list[str]:
    """The scenario's members and candidates in its order (the manifest's labels)."""
    return list(results.manifest.get("labels", {}).get("partners", {}))


def _by_partner(results, venture: str, ax) -> None:
    name = _label(results, "ventures", venture)
    t = results.trajectories
    t = t[t["venture"] == venture]
    reps = t["replication"].nunique()
    held = t["committed"]
    if "bought" in t:  # stakes that changed hands count with their holder (model.md §6.4)
        held = held + t["bought"] - t["sold"] - t["refunded"]
    by = held.groupby([t["date"], t["partner"]], observed=True).sum().unstack() / reps
    by = by.loc[:, by.max() > 0]
    order = by.iloc[-1].sort_values(ascending=False).index
    labels = [_label(results, "partners", c) for c in order]
    colours = partner_colours([*_partners(results), *order])
    if len(order):  # a venture nobody put capital into (a child given nothing) has no areas
        areas = [by[c] for c in order]
        ax.stackplot(
            by.index, *areas, labels=labels, alpha=0.85, colors=[colours[c] for c in order]
        )
    paid = _totals(results, venture, "paid_in")
    ax.plot(paid.index, paid["mean"], color="black", lw=2, label="paid in (total)")
    if "venture_cash" in t:  # a spending plan: cash is what paid-in capital has left
        _cash(results, venture, ax)
    if results.stochastic:
        com = _totals(results, venture, "committed")
        ax.fill_between(
            com.index, com["p5"], com["p95"], color="grey", alpha=0.25, label="committed, 5–95 %"
        )
        ax.set_title(f"{name}: committed capital by partner (mean of replications)")
    else:
        ax.set_title(f"{name}: committed capital by partner")
        _mark_events(results, venture, ax)
    ax.set_ylabel(f"capital ({_unit(results)})")
    ax.set_ylim(bottom=0)
    ax.grid(alpha=0.3)
    ax.legend(loc="upper left", bbox_to_anchor=(1.01, 1.0), fontsize=8, framealpha=0.9)


def _cash(results, venture: str, ax) -> None:
    """The venture's cash (model.md §9.5) over the capital: median, and 5–95 % if uncertain."""
    cash = _totals(results, venture, "venture_cash", how="first")
    label = "cash (median)" if results.stochastic else "cash"
    # A white outline keeps the line readable where it crosses the coloured stack.
    ax.plot(
        cash.index,
        cash["p50"],
        color="darkgreen",
        lw=2,
        ls="--",
        label=label,
        path_effects=[withStroke(linewidth=4, foreground="white")],
    )
    if results.stochastic:
        ax.fill_between(
            cash.index,
            cash["p5"],
            cash["p95"],
            facecolor="white",
            alpha=0.45,
            edgecolor="darkgreen",
            hatch="///",
            lw=0.5,
            label="cash, 5–95 %",
        )


def _mark_events(results, venture, ax) -> None:
    """One dashed line and one label per month: the month's events, a line per kind ("French
    State, Thales leave" / "Orange buys out"), instead of labels printed over one another."""
    ev = results.events
    ev = ev[(ev["venture"] == venture) & ev["type"].isin(EVENT_STYLE)]
    # A split's own line (no partner) marks it; its per-member lines would crowd the panel.
    ev = ev[(ev["type"] != "split") | (ev["partner"] == "")]
    top = ax.get_ylim()[1]
    for date, month in ev.groupby("date", sort=True):
        kinds = list(dict.fromkeys(month["type"]))  # in the order they happened
        color = EVENT_STYLE[kinds[0]][0]
        ax.axvline(date, color=color, ls="--", lw=1)
        # One line per kind, folded: a rotated label longer than the panel is tall would
        # spill out of it.
        text = "\n".join(
            textwrap.fill(_describe(results, month[month["type"] == kind], kind), 40)
            for kind in kinds
        )
        # A light box keeps the label readable where it crosses the coloured stack.
        ax.annotate(
            text,
            (date, top * 0.97),
            rotation=90,
            va="top",
            ha="right",
            fontsize=8,
            color=color,
            bbox=_LABEL_BOX,
        )


def _describe(results, group, kind: str) -> str:
    verb = EVENT_STYLE[kind][1]
    names = [
        (_label(results, "partners", e.partner) if e.partner else "venture")
        + (f" ({e.amount:,.0f})" if e.amount else "")
        for e in group.itertuples()
    ]
    return f"{', '.join(names)} {verb if len(names) == 1 else _plural(verb)}"


def _plural(verb: str) -> str:
    """leaves → leave, tops up → top up."""
    first, _, rest = verb.partition(" ")
    return " ".join(filter(None, [first[:-1] if first.endswith("s") else first, rest]))


def _against_market(results, venture: str, ax) -> None:
    unit = _unit(results)
    market = results.market
    mk = market[market["series"] == "market"]
    if len(mk):
        ax.plot(mk["date"], mk["value"], color=MARKET, lw=2.5, label=mk["label"].iloc[0])
    for _, b in market[market["series"] != "market"].groupby("series"):
        ax.plot(b["date"], b["value"], "o--", ms=5, label=b["label"].iloc[0])
    com = _totals(results, venture, "committed")
    paid = _totals(results, venture, "paid_in")
    name = _label(results, "ventures", venture)
    ax.plot(com.index, com["p50"], color=COMMITTED, lw=2, label=f"{name}: committed")
    ax.plot(paid.index, paid["p50"], color="black", lw=1.5, label=f"{name}: paid in")
    if results.stochastic:
        # Months with no capital have no place on a log axis: leave them out of the band
        # (clipping them to a tiny value would stretch the axis down to it).
        low = com["p5"].where(com["p5"] > 0)
        ax.fill_between(com.index, low, com["p95"].where(low.notna()), color=COMMITTED, alpha=0.25)
    if len(mk) or (com["p50"] > 0).any():  # nothing positive: a linear axis at 0
        ax.set_yscale("log")
    plain = FuncFormatter(lambda y, _: f"{y:,.0f}" if y >= 1 else f"{y:g}")
    ax.yaxis.set_major_formatter(plain)
    low, high = ax.get_ylim()
    # Within about a decade (no market line) label between decades too; else decades only.
    ax.yaxis.set_minor_formatter(plain if high < 30 * max(low, 1e-9) else NullFormatter())
    ax.set_ylabel(f"{unit} (log scale)")
    what = "against the market projection" if len(mk) else "over time (no market projection)"
    ax.set_title(f"{name} {what}")
    o = results.outcomes[results.outcomes["venture"] == venture]
    ratio = o["capital_to_market"].median()
    if pd.notna(ratio):
        ref = pd.Timestamp(o["reference_date"].iloc[0])
        mref = o["market_at_reference"].iloc[0]
        ax.axvline(ref, color="grey", ls=":", lw=1)
        _annotate_ratio(
            ax,
            ref,
            ratio,
            mref,
            o["committed_at_reference"].median(),
            unit,
            median=results.stochastic,
        )
    ax.grid(alpha=0.3, which="both")
    # Below the panel, not inside it: the legend then never hides a curve or the annotation.
    ax.legend(loc="upper center", bbox_to_anchor=(0.5, -0.1), ncol=2, fontsize=8, framealpha=0.9)


def _annotate_ratio(ax, ref, ratio, market, committed, unit, median: bool) -> None:
    """Capital / market at the reference date, written midway (on the log axis) between the
    two curves and on the side of the reference line with more room, so it stays in the panel."""
    left, right = ax.get_xlim()
    on_right_half = (mdates.date2num(ref) - left) / (right - left) > 0.5
    stat = " (median)" if median else ""
    ax.annotate(
        f"{ref:%Y-%m}: committed{stat}\n= {100 * ratio:.2f} % of a\n{market:,.0f} {unit} market",
        (ref, np.sqrt(market * max(committed, 1e-3))),
        xytext=(-8 if on_right_half else 8, 0),
        textcoords="offset points",
        ha="right" if on_right_half else "left",
        va="center",
        ma="left",
        fontsize=9,
        bbox={"boxstyle": "round", "fc": "white", "alpha": 0.9},
    )


# Curves of different what-ifs often coincide (the plan and "the State covers the gap" both end
# at 285). Each scenario gets its own colour, dash pattern and marker; the first is drawn widest
# and later ones narrower on top, so identical curves show as nested stripes, and markers sit
# at staggered months so each scenario's markers stay visible on a shared curve.
_DASHES = ["-", (0, (5, 2)), "-.", (0, (1, 1.5)), (0, (8, 2, 1, 2, 1, 2)), (0, (3, 1))]
_MARKERS = ["o", "s", "^", "D", "v", "P", "X", "*"]


def comparison_styles(count: int) -> list[dict]:
    """Line properties for `count` scenarios: distinct colour, dashes and marker, widths falling."""
    widths = np.linspace(4.5, 1.5, count) if count > 1 else [2.5]
    return [
        {
            "color": f"C{i % 10}",
            "ls": _DASHES[i % len(_DASHES)],
            "marker": _MARKERS[i % len(_MARKERS)],
            "lw": float(w),
            "zorder": 3 + i,
        }
        for i, w in enumerate(widths)
    ]


def plot_comparison(named_results: dict, venture: str | None = None, ax=None):
    """Total committed capital over time for several scenarios (median and 5–95 % band).

    The legend gives each scenario's final median (and band where uncertain)."""
    fig, ax = (ax.figure, ax) if ax is not None else _figure(figsize=(13, 5.5))
    unit = next((_unit(r) for r in named_results.values()), "")
    totals = {}
    for name, res in named_results.items():
        totals[name] = _totals(res, venture or _ventures(res, None)[0], "committed")
    styles = comparison_styles(len(totals))
    # Bands first, under every line.
    for (name, com), style in zip(totals.items(), styles, strict=True):
        if named_results[name].stochastic:
            ax.fill_between(
                com.index, com["p5"], com["p95"], color=style["color"], alpha=0.12, lw=0, zorder=1
            )
    last = None
    for i, ((name, com), style) in enumerate(zip(totals.items(), styles, strict=True)):
        every = max(len(com) // 6, 1)
        final = com.iloc[-1]
        label = f"{name}: {final['p50']:,.0f} {unit}"
        if named_results[name].stochastic:
            label += f" (5–95 %: {final['p5']:,.0f}–{final['p95']:,.0f})"
        ax.plot(
            com.index,
            com["p50"],
            label=label,
            markevery=(i * every // len(totals), every),
            ms=7,
            mec="white",
            mew=0.8,
            solid_capstyle="butt",
            dash_capstyle="butt",
            **style,
        )
        last = com.index[-1] if last is None else max(last, com.index[-1])
    ax.set_ylabel(f"committed capital ({unit})")
    # Headroom above the highest curve: the widest line at the top must not be cut in half.
    top = max((float(c[["p50", "p95"]].max().max()) for c in totals.values()), default=0.0)
    ax.set_ylim(0, top * 1.08 if top > 0 else None)
    ax.set_title("What-ifs: committed capital over time (median, 5–95 % band where uncertain)")
    ax.grid(alpha=0.3)
    title = f"median at {pd.Timestamp(last):%Y-%m}" if last is not None else None
    ax.legend(
        loc="upper left",
        bbox_to_anchor=(1.01, 1.0),
        fontsize=9,
        title=title,
        title_fontsize=9,
        framealpha=0.9,
    )
    fig.tight_layout()
    return fig


def save_run_plots(results, directory: Path) -> list[Path]:
    """The plots `consim run` writes next to its tables."""
    path = Path(directory) / "funding.png"
    plot_funding(results).savefig(path, dpi=110)
    return [path]
