"""Per-venture summary of a ResultSet: means with their confidence intervals, medians and
5–95 % of runs, probabilities (collapse, a member leaving, a candidate joining) with
Wilson intervals, and the capital-to-market yardstick."""

from __future__ import annotations

import pandas as pd

from simulator.analysis.backtest import backtest, backtest_lines
from simulator.analysis.intervals import mean_interval, proportion_interval
from simulator.analysis.points import parameter_label

COLUMNS = [
    "pledged_final",
    "committed_final",
    "paid_in_final",
    "cancelled_final",
    "moved_final",
    "capital_to_market",
]
# Ways a venture ends (model.md §9), their outcome column or `ended` value, and the
# summary's probability column.
ENDINGS = {
    "collapsed": "collapse_probability",
    "dissolved": "dissolution_probability",
    "split": "split_probability",
    "absorbed": "absorption_probability",
}


def summarize(results) -> pd.DataFrame:
    """One row per venture: for each amount its mean with a 95 % t-interval (`_ci_low`,
    `_ci_high`), median, 5 % and 95 % of runs; members at the end among the runs where the
    venture still runs; each way of ending (and running out of cash) as a probability with
    its Wilson interval."""
    exact = not results.stochastic
    rows = []
    for venture, g in _with_moved(results).groupby("venture", observed=True, sort=False):
        row = {"venture": venture, "replications": len(g)}
        spending = ["spent_final", "cash_final"] if "cash_out" in g else []  # model.md §9.5
        for col in [c for c in COLUMNS if c in g] + spending:
            row.update(_amount(col, g[col].astype(float), exact))
        running = _ended(g) == ""
        row["running_final"] = int(running.sum())
        row["members_final_mean"] = g.loc[running, "members_final"].mean()
        for how, col in ENDINGS.items():
            hits = _ended(g) == how
            if how in ("collapsed", "dissolved") or hits.any():
                row.update(_share(col, hits))
        if spending:
            row.update(_share("cash_out_probability", g["cash_out"].astype(bool)))
        rows.append(row)
    return pd.DataFrame(rows)


def _with_moved(results) -> pd.DataFrame:
    """The outcomes with `moved_final`, the unpaid pledges a split moved to the child
    ventures (model.md §9.2), taken out of `cancelled_final`: moved money is not lost."""
    o = results.outcomes
    moved = o["moved_final"] if "moved_final" in o else moved_amounts(o, results.events)
    if moved is None:
        return o
    return o.assign(moved_final=moved, cancelled_final=o["cancelled_final"] - moved)


def moved_amounts(o: pd.DataFrame, e: pd.DataFrame):
    """Per outcome row, what splits moved to child ventures (None: no split happened); a
    streamed run keeps it as the outcomes' `moved_final` column, its events being a sample."""
    splits = e[e["type"] == "split"]
    if splits.empty:
        return None
    # The parent's own event: all it gave up; its members' events at the parent: the parts
    # going to no child, cancelled (what moves is recorded at the children).
    by = ["replication", "venture"]
    given_up = splits[splits["partner"] == ""].groupby(by)["amount"].sum()
    rests = splits[splits["partner"] != ""].groupby(by)["amount"].sum()
    moved = given_up - rests.reindex(given_up.index).fillna(0.0)
    keys = pd.MultiIndex.from_arrays([o["replication"], o["venture"].astype(str)])
    return moved.reindex(keys).fillna(0.0).to_numpy()


def _ended(g: pd.DataFrame) -> pd.Series:
    """How each run of the venture ended ("" still running), from `ended` or the flags."""
    if "ended" in g:
        return g["ended"].astype(str).replace("nan", "")
    return g["collapsed"].map({True: "collapsed", False: ""})


def _amount(col: str, values: pd.Series, exact: bool) -> dict:
    est = mean_interval(values.dropna(), exact=exact)
    return {
        f"{col}_mean": est.value,
        f"{col}_ci_low": est.low,
        f"{col}_ci_high": est.high,
        f"{col}_median": values.median(),
        f"{col}_p5": values.quantile(0.05),
        f"{col}_p95": values.quantile(0.95),
    }


def _share(col: str, hits: pd.Series) -> dict:
    est = proportion_interval(int(hits.sum()), len(hits))
    stem = col.removesuffix("_probability")
    return {col: est.value, f"{stem}_ci_low": est.low, f"{stem}_ci_high": est.high}


def membership_changes(results) -> pd.DataFrame:
    """Per venture and member that leaves or joins in some run: the share of runs in which
    it does, with its Wilson interval (events table; one count per run). A streamed run
    counted them over all its runs as they ran (only a sample of its events is in memory)."""
    streamed = results.manifest.get("streamed")
    counts = streamed["changes"] if streamed else change_counts(results.events)
    rows = []
    for c in counts:
        est = proportion_interval(c["runs"], results.replications)
        rows.append((c["venture"], c["partner"], c["change"], est.value, est.low, est.high))
    columns = ["venture", "partner", "change", "probability", "ci_low", "ci_high"]
    return pd.DataFrame(rows, columns=columns)


CHANGES = {"departure": "leaves", "join": "joins"}  # event type → membership change


def change_counts(events: pd.DataFrame) -> list[dict]:
    """How many runs see each member leave or join each venture."""
    counts = []
    for kind, change in CHANGES.items():
        e = events.loc[events["type"] == kind, ["venture", "partner", "replication"]]
        runs = e.drop_duplicates().groupby(["venture", "partner"], sort=False, observed=True)
        runs = runs.size()
        for (venture, partner), n in runs.items():
            counts.append({"venture": venture, "partner": partner, "change": change, "runs": n})
    return counts


def format_summary(results) -> str:
    """A few lines a person reads after `consim run`: each number says which statistic it
    is, means carry their 95 % confidence interval, spreads are labelled as such."""
    m = results.manifest
    unit, exact = m.get("unit", ""), not results.stochastic
    s = summarize(results)
    n = results.replications
    lines = [f"{m.get('scenario')}: {n:,} replication(s), seed {m.get('seed')}"]
    if exact:
        lines[0] += " (nothing uncertain: every figure is exact)"
    failed = int(m.get("failed", 0) or 0)
    if failed:
        lines.append(f"  WARNING: {failed} replication(s) failed and are left out (failures.csv)")
    changes = membership_changes(results)
    labels = m.get("labels", {}).get("partners", {})
    for _, r in s.iterrows():
        lines.append(f"  venture {r['venture']}:")
        lines += _money_lines(r, unit, exact)
        lines += _fate_lines(r, exact)
        mine = changes[changes["venture"] == r["venture"]]
        lines += [_change_line(c, labels, exact) for _, c in mine.iterrows()]
        lines += _market_lines(results, r, exact)
    if results.manifest.get("resolved_scenario", {}).get("observed"):
        lines.append("  against observed history (backtest; observed − simulated mean):")
        lines += backtest_lines(backtest(results), unit)
    return "\n".join(lines)


def _money_lines(r: pd.Series, unit: str, exact: bool) -> list[str]:
    lines = []
    for label, col in (
        ("pledged", "pledged_final"),
        ("committed", "committed_final"),
        ("paid in", "paid_in_final"),
        ("cancelled", "cancelled_final"),
        ("moved", "moved_final"),
        ("spent", "spent_final"),
        ("cash", "cash_final"),
    ):
        if col == "moved_final" and not r.get("moved_final_p95", 0) > 0:
            continue  # nothing moved: no split in any run
        if pd.notna(r.get(f"{col}_mean")):
            lines.append(f"    {label:<14}{_amount_text(r, col, unit, exact)}")
    return lines


def _amount_text(r: pd.Series, col: str, unit: str, exact: bool, scale: float = 1.0) -> str:
    mean, low, high = (scale * r[f"{col}_{k}"] for k in ("mean", "ci_low", "ci_high"))
    d = _decimals(1 if scale == 1.0 else 2, low, mean, high)
    fmt = f"{{:,.{d}f}}"
    unit = "%" if scale != 1.0 else unit
    if exact or low == high:
        text = f"{fmt.format(mean)} {unit}"
        return text if exact else text + " in every run"
    median, p5, p95 = (scale * r[f"{col}_{k}"] for k in ("median", "p5", "p95"))
    return (
        f"mean {fmt.format(mean)} {unit} (95 % CI {fmt.format(low)}–{fmt.format(high)}), "
        f"median {fmt.format(median)}, 5–95 % of runs {fmt.format(p5)}–{fmt.format(p95)}"
    )


def _decimals(least: int, *values: float) -> int:
    """Enough decimals (from `least`, at most 4) that a mean and its bounds print apart."""
    d = least
    while d < 4 and len({f"{v:.{d}f}" for v in values}) < len(set(values)):
        d += 1
    return d


def _probability(value: float, low: float, high: float, exact: bool) -> str:
    if exact:
        return f"{value:.0%}"
    return f"{value:.1%} (95 % CI {low:.1%}–{high:.1%})"


def _fate_lines(r: pd.Series, exact: bool) -> list[str]:
    lines = []
    if r["running_final"] > 0:
        members = f"{r['members_final_mean']:.3g} at the end"
        if not exact:
            share = r["running_final"] / r["replications"]
            members += (
                " (mean"
                + ("" if share == 1 else f" of the {share:.0%} of runs still running")
                + ")"
            )
        lines.append(f"    {'members':<14}{members}")
    for how, col in ENDINGS.items():
        stem = col.removesuffix("_probability")
        if col in r and pd.notna(r[col]) and (r[col] > 0 or how == "collapsed"):
            text = _probability(r[col], r[f"{stem}_ci_low"], r[f"{stem}_ci_high"], exact)
            lines.append(f"    P({how})".ljust(18) + text)
    if pd.notna(r.get("cash_out_probability")):
        text = _probability(
            r["cash_out_probability"], r["cash_out_ci_low"], r["cash_out_ci_high"], exact
        )
        lines.append(f"    {'P(cash out)':<14}{text}")
    return lines


def _change_line(c: pd.Series, labels: dict, exact: bool) -> str:
    who = labels.get(c["partner"], c["partner"])
    text = _probability(c["probability"], c["ci_low"], c["ci_high"], exact)
    return f"    P({c['change']})".ljust(18) + f"{who}: {text}"


def _market_lines(results, r: pd.Series, exact: bool) -> list[str]:
    if pd.isna(r.get("capital_to_market_mean")):
        return []
    o = results.outcomes
    when = o["reference_date"].iloc[0]
    market = o["market_at_reference"].median()
    unit = results.manifest.get("unit", "")
    ratio = _amount_text(r, "capital_to_market", unit, exact, scale=100.0)
    uncertain = "market_growth" in o
    projection = f"{market:,.0f} {unit}" + (", median projection" if uncertain else "")
    return [
        f"    {'vs market':<14}capital committed ÷ one year's projected market revenue, "
        f"{when} ({projection}):",
        f"    {'':<14}{ratio}",
        *_benchmark_lines(results, r, o["reference_date"].iloc[0], unit),
    ]


def _benchmark_lines(results, r: pd.Series, when: pd.Period, unit: str) -> list[str]:
    """Each benchmark series (`benchmarks:`) at its last point up to the reference date
    (else its first), with the venture's mean committed capital as a share of it."""
    market = results.market
    if market is None or market.empty:
        return []
    lines = []
    for _, b in market[market["series"] != "market"].groupby("series", sort=False):
        before = b[b["date"] <= when]
        point = before.iloc[-1] if len(before) else b.iloc[0]
        share = r["committed_final_mean"] / point["value"] if point["value"] else float("nan")
        lines.append(
            f"    {'benchmark':<14}{point['label']}: {point['value']:,.0f} {unit} "
            f"in {point['date']}; committed capital at the end (mean) is {share:.1%} of it"
        )
    return lines


def format_sweep_summary(results) -> str:
    """A few lines after `consim sweep`: size, failures, and the range of outcomes over points."""
    m, points = results.manifest, results.points
    unit = m.get("unit", "")
    lines = [
        f"{m.get('sweep')}: {m.get('points')} design point(s) × {m.get('replications')} "
        f"replication(s) = {m.get('total_replications'):,} runs of {m.get('scenario')}, "
        f"seed {m.get('seed')}, {m.get('executor')} ({m.get('workers')} worker(s)), "
        f"{m.get('seconds', 0):.1f} s",
        f"  failed replications: {int(m.get('failed', 0) or 0)}",
    ]
    if points is None or points.empty:
        return "\n".join(lines)
    for venture, g in points.groupby("venture", sort=False):
        lines.append(f"  venture {venture}, over the design points:")
        if "committed_final_mean" in g:
            lo, hi = g["committed_final_mean"].idxmin(), g["committed_final_mean"].idxmax()
            for label, row in (("lowest ", lo), ("highest", hi)):
                where = ", ".join(
                    parameter_label(p, g.loc[row, p]) for p in m.get("parameters", [])
                )
                ci = _bounds(g.loc[row], "committed_final", "{:,.1f}")
                lines.append(
                    f"    {label} mean committed {g.loc[row, 'committed_final_mean']:,.1f} {unit}"
                    f"{ci} at point {g.loc[row, 'point']} ({where})"
                )
        if "p_collapse" in g:
            lo, hi = g["p_collapse"].idxmin(), g["p_collapse"].idxmax()
            if g.loc[lo, "p_collapse"] == g.loc[hi, "p_collapse"]:
                ci = _bounds(g.loc[lo], "p_collapse", "{:.1%}").replace("(", "(each ")
                lines.append(
                    f"    P(collapse)     {g.loc[lo, 'p_collapse']:.1%} at every point{ci}"
                )
                continue
            lines.append(
                f"    P(collapse)     {g.loc[lo, 'p_collapse']:.1%}"
                f"{_bounds(g.loc[lo], 'p_collapse', '{:.1%}')} at point {g.loc[lo, 'point']} – "
                f"{g.loc[hi, 'p_collapse']:.1%}{_bounds(g.loc[hi], 'p_collapse', '{:.1%}')} "
                f"at point {g.loc[hi, 'point']}"
            )
    return "\n".join(lines)


def _bounds(row: pd.Series, name: str, fmt: str) -> str:
    """ " (95 % CI a–b)" from a points row's interval columns, or nothing without them."""
    low, high = row.get(f"{name}_ci_low"), row.get(f"{name}_ci_high")
    if low is None or pd.isna(low) or low == high:
        return ""
    return f" (95 % CI {fmt.format(low)}–{fmt.format(high)})"
