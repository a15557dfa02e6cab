"""Plots: ResultSet tables in, matplotlib Figure out (never shown; the caller saves or displays)."""

from __future__ import annotations

import textwrap
from pathlib import Path

import matplotlib.dates as mdates
import pandas as pd
from matplotlib.patheffects import withStroke

from simulator.analysis.market import market_ratio, ratio_at_reference
from simulator.analysis.trajectories import total_quantiles
from simulator.plots.dates import dated
from simulator.plots.figure import Figure
from simulator.plots.market import draw_market_ratio, draw_projection, larger_unit
from simulator.plots.style import COMMITTED, MARKET, OBSERVED, partner_colours
from simulator.results.months import as_dates

EVENT_STYLE = {
    "departure": ("tab:red", "leaves"),
    "join": ("tab:green", "joins"),
    "collapse": ("black", "collapse"),
    "raise": ("tab:blue", "raises"),
    "top_up": ("tab:blue", "tops up"),
    "buyout": ("tab:purple", "buys out"),
    "absorbed": ("tab:purple", "absorbs it"),
    "transfer": ("tab:brown", "passes ownership"),
    "cut": ("tab:orange", "cuts pledge"),
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


def _ventures(results, venture):
    names = list(dict.fromkeys(results.outcomes["venture"].astype(str)))
    return names if venture is None else [venture]


def plot_funding(results, venture: str | None = None, ax=None):
    """Committed capital by partner over time, and the total set against the market projection.

    With `ax` given, draws only the by-partner panel on it (for notebooks that compose figures).

    >>> from simulator import plot_funding, run
    >>> fig = plot_funding(run("scenarios/dassault_leaves.yaml", progress=False))
    >>> [ax.get_title() for ax in fig.axes][:1]
    ['Andromède: committed capital by partner']
    """
    results = dated(results)
    ventures = _ventures(results, venture)
    if ax is not None:
        _by_partner(results, ventures[0], ax)
        return ax.figure
    # Constrained layout makes room for the title and for the legends below the panels.
    fig = Figure(figsize=(15, 7.6 * len(ventures)), layout="constrained")
    # Per venture: the partners on the left; on the right the capital against the market
    # above and their ratio below, on a shared time axis.
    grid = fig.add_gridspec(
        2 * len(ventures), 2, width_ratios=[1.3, 1], height_ratios=[1.25, 1] * len(ventures)
    )
    for i, v in enumerate(ventures):
        _by_partner(results, v, fig.add_subplot(grid[2 * i : 2 * i + 2, 0]))
        top = fig.add_subplot(grid[2 * i, 1])
        _against_market(results, v, top, fig.add_subplot(grid[2 * i + 1, 1], sharex=top))
    m = results.manifest
    title = m.get("title") or m.get("scenario") or "consim"
    reps = results.replications
    sub = f"{reps} replications, seed {m.get('seed')}" if results.stochastic else "deterministic"
    if m.get("streamed"):  # trajectories kept for a sample only (experiments/streamed.py)
        sub += f"; trajectories of the first {m['streamed']['kept']:,}"
    fig.suptitle(f"{title}  ({sub})", fontsize=13, fontweight="bold")
    return fig


def plot_against_market(results, venture: str | None = None):
    """One venture's committed and paid-in capital against the market projection, and
    below it capital ÷ one year's projected market (the right-hand panels of
    `plot_funding`, alone: quicker to draw, for live controls).

    >>> from simulator import plot_against_market, run
    >>> fig = plot_against_market(run("scenarios/dassault_leaves.yaml", progress=False))
    >>> fig.axes[0].get_title()
    'Andromède: capital against the market projection'
    """
    results = dated(results)
    venture = _ventures(results, venture)[0]
    fig = Figure(figsize=(8.5, 6.4), layout="constrained")
    grid = fig.add_gridspec(2, 1, height_ratios=[1.25, 1])
    top = fig.add_subplot(grid[0])
    _against_market(results, venture, top, fig.add_subplot(grid[1], sharex=top))
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
    paid = total_quantiles(results.trajectories, venture, "paid_in")
    label = "paid in (total, mean)" if results.stochastic else "paid in (total)"
    ax.plot(paid.index, paid["mean"], color="black", lw=2, label=label)
    if "venture_cash" in t:  # a spending plan: cash is what paid-in capital has left
        _cash(results, venture, ax)
    if results.stochastic:
        com = total_quantiles(results.trajectories, venture, "committed")
        ax.fill_between(
            com.index,
            com["p5"],
            com["p95"],
            color="grey",
            alpha=0.25,
            label="committed: 5–95 % of runs",
        )
        ax.set_title(f"{name}: committed capital by partner (mean of replications)")
    else:
        ax.set_title(f"{name}: committed capital by partner")
        _mark_events(results, venture, ax)
    ax.set_ylabel(f"capital ({_unit(results)})")
    ax.set_ylim(bottom=0)
    ax.grid(alpha=0.3)
    # Below the panel: beside it, the legend would take the width the panels need.
    ax.legend(loc="upper center", bbox_to_anchor=(0.5, -0.07), ncol=3, fontsize=8, framealpha=0.9)


def _cash(results, venture: str, ax) -> None:
    """The venture's cash (model.md §9.5) over the capital: median, and 5–95 % if uncertain."""
    cash = total_quantiles(results.trajectories, venture, "venture_cash", how="first")
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
            label="cash: 5–95 % of runs",
        )


def _mark_events(results, venture, ax) -> None:
    """One dashed line and one label per month: the month's events, a line per kind ("French
    State, Thales leave" / "Orange buys out"), instead of labels printed over one another."""
    ev = results.events
    ev = ev[(ev["venture"] == venture) & ev["type"].isin(EVENT_STYLE)]
    # Nothing uncertain: every replication has the same events (a comparison runs such a
    # scenario as many times as its uncertain neighbours); one replication tells them.
    ev = ev if results.stochastic else ev[ev["replication"] == ev["replication"].min()]
    # A split's own line (no partner) marks it; its per-member lines would crowd the panel.
    ev = ev[(ev["type"] != "split") | (ev["partner"] == "")]
    top = ax.get_ylim()[1]
    for dates in _clusters(sorted(ev["date"].unique()), results.trajectories["date"]):
        lines, first_colour = [], None
        for date in dates:
            month = ev[ev["date"] == date]
            kinds = list(dict.fromkeys(month["type"]))  # in the order they happened
            colour = EVENT_STYLE[kinds[0]][0]
            first_colour = first_colour or colour
            ax.axvline(date, color=colour, ls="--", lw=1)
            dated = f"{pd.Timestamp(date):%Y-%m} " if len(dates) > 1 else ""
            # One line per kind, folded: a rotated label longer than the panel is tall
            # would spill out of it.
            lines += [
                textwrap.fill(dated + _describe(results, month[month["type"] == kind], kind), 40)
                for kind in kinds
            ]
        # A light box keeps the label readable where it crosses the coloured stack.
        ax.annotate(
            "\n".join(lines),
            (dates[0], top * 0.97),
            rotation=90,
            va="top",
            ha="right",
            fontsize=8,
            color=first_colour,
            bbox=_LABEL_BOX,
        )


def _clusters(dates: list, months: pd.Series) -> list[list]:
    """Event months close enough for their labels to touch (within 4 % of the horizon, a
    label's line height on the panel) share one label, a line per month."""
    span = pd.Series(months.unique())
    gap = max(1, round(0.04 * len(span)))
    clusters: list[list] = []
    for date in dates:
        here = pd.Timestamp(date)
        if clusters:
            start = pd.Timestamp(clusters[-1][-1])
            if (here.year - start.year) * 12 + here.month - start.month < gap * len(clusters[-1]):
                clusters[-1].append(date)
                continue
        clusters.append([date])
    return clusters


def _describe(results, group, kind: str) -> str:
    verb = EVENT_STYLE[kind][1]
    names = [
        (_label(results, "partners", e.partner) if e.partner else "venture")
        + (f" ({e.amount:,.0f})" if e.amount else "")
        for e in group.itertuples()
    ]
    return f"{', '.join(names)} {verb if len(names) == 1 else _plural(verb)}"


def _plural(verb: str) -> str:
    """leaves → leave, tops up → top up, passes → pass."""
    first, _, rest = verb.partition(" ")
    if first.endswith(("sses", "shes", "ches", "xes")):
        first = first[:-2]
    elif first.endswith("s"):
        first = first[:-1]
    return " ".join(filter(None, [first, rest]))


def _against_market(results, venture: str, top, bottom) -> None:
    """Above: committed and paid-in capital on a linear axis in the scenario's unit, the
    market projection and the benchmarks on a second axis in a unit a thousand times larger
    (each reads on its own scale); below: capital committed ÷ the projected market, in %."""
    unit, name = _unit(results), _label(results, "ventures", venture)
    stat = ", median" if results.stochastic else ""
    com = total_quantiles(results.trajectories, venture, "committed")
    paid = total_quantiles(results.trajectories, venture, "paid_in")
    if (com["p95"] - com["p5"]).max() > 0:  # the runs differ
        band = {"color": COMMITTED, "alpha": 0.25, "lw": 0, "label": "committed: 5–95 % of runs"}
        top.fill_between(com.index, com["p5"], com["p95"], **band)
    top.plot(com.index, com["p50"], color=COMMITTED, lw=2.5, label=f"committed{stat}")
    top.plot(paid.index, paid["p50"], color="black", lw=1.5, label=f"paid in{stat}")
    highest = _draw_observed(results, venture, top)
    top.set_ylim(0, max(float(com["p95"].max()), float(paid["p50"].max()), highest, 1e-9) * 1.15)
    top.set_ylabel(f"capital ({unit})")
    top.grid(alpha=0.3)
    top.tick_params(labelbottom=False)
    axes = [top]
    market = results.market
    has_market = market is not None and (market["series"] == "market").any()
    if market is not None and len(market):
        right = top.twinx()
        larger, scale = larger_unit(unit)
        draw_projection(right, market, scale, larger)
        right.set_ylim(0, right.get_ylim()[1] * 1.05)
        right.set_ylabel(f"market projection ({larger} = 1,000 {unit})", color=MARKET)
        right.tick_params(axis="y", colors=MARKET)
        axes.append(right)
    what = "against the market projection" if has_market else "(no market projection)"
    top.set_title(f"{name}: capital {what}")
    _ratio_panel(results, venture, bottom, top)
    # Years, or months over a short horizon, without labels running into one another.
    locator = mdates.AutoDateLocator(minticks=3, maxticks=8)
    bottom.xaxis.set_major_locator(locator)
    bottom.xaxis.set_major_formatter(mdates.ConciseDateFormatter(locator))
    axes.append(bottom)
    handles = [h for a in axes for h in a.get_legend_handles_labels()[0]]
    # Below the panels, not inside them: the legend then never hides a curve.
    bottom.legend(
        handles=handles,
        loc="upper center",
        bbox_to_anchor=(0.5, -0.12),
        ncol=2,
        fontsize=8,
        framealpha=0.9,
    )


def _draw_observed(results, venture: str, ax) -> float:
    """The venture's observed capital (`observed:`) as points with ± 2 sd bars; returns
    the highest bar's top (0 without observations)."""
    table = results.backtest()
    table = table[(table["venture"] == venture) & (table["variable"] != "members")]
    highest = 0.0
    for k, (label, g) in enumerate(table.groupby("label", sort=False)):
        when = [d.to_timestamp() for d in g["date"]]
        ax.errorbar(
            when,
            g["observed"],
            yerr=2 * g["sd"],
            fmt="D",
            ms=6,
            capsize=4,
            color=OBSERVED[k % len(OBSERVED)],
            mec="black",
            zorder=6,
            label=f"observed: {label} (± 2 sd)",
        )
        highest = max(highest, float((g["observed"] + 2 * g["sd"]).max()))
    return highest


def _ratio_panel(results, venture: str, ax, top) -> None:
    """Capital committed ÷ one year's projected market revenue, with its mean at the
    reference date (a dotted line on `top` too), or a note that there is no projection."""
    exact = not results.stochastic
    table = market_ratio(results.trajectories, results.market, results.outcomes, exact=exact)
    table = table[table["venture"] == venture]
    ax.grid(alpha=0.3)
    if table.empty:
        note = "no market projection (market: in the scenario), hence no ratio"
        ax.text(0.5, 0.5, note, ha="center", va="center", transform=ax.transAxes)
        ax.set_yticks([])
        return
    at = ratio_at_reference(results.outcomes, exact=exact)
    at = at[at["venture"] == venture]
    reference = at.iloc[0] if len(at) else None
    draw_market_ratio(ax, table, label="ratio", venture=venture, reference=reference)
    if reference is not None:
        when = pd.Timestamp(as_dates(reference["reference_date"]))
        for a in (ax, top):
            a.axvline(when, color="grey", ls=":", lw=1)
    ax.set_title("the ratio is a yardstick, not a market share", fontsize=10)


def save_run_plots(results, directory: Path) -> list[Path]:
    """The plots `consim run` writes next to its tables."""
    path = Path(directory) / "funding.png"
    plot_funding(results).savefig(path, dpi=110)
    return [path]
