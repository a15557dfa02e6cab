"""Per-venture summary of a ResultSet: means, 5–95 % bands, collapse probability."""

from __future__ import annotations

import pandas as pd

from simulator.analysis.points import parameter_label

COLUMNS = ["committed_final", "paid_in_final", "cancelled_final", "capital_to_market"]


def summarize(results) -> pd.DataFrame:
    """One row per venture: mean, p5 and p95 of final money, P(collapse), capital/market."""
    o = results.outcomes
    rows = []
    for venture, g in o.groupby("venture", observed=True, sort=False):
        row = {"venture": venture, "replications": len(g)}
        spending = ["spent_final", "cash_final"] if "cash_out" in g else []  # model.md §9.5
        for col in COLUMNS + spending:
            values = g[col].astype(float)
            row[f"{col}_mean"] = values.mean()
            row[f"{col}_p5"] = values.quantile(0.05)
            row[f"{col}_p95"] = values.quantile(0.95)
        row["members_final_mean"] = g["members_final"].mean()
        row["collapse_probability"] = g["collapsed"].mean()
        if "dissolved" in g:
            row["dissolution_probability"] = g["dissolved"].mean()
        if "ended" in g:  # the other ways of ending (model.md §9.2, §9.3)
            row["split_probability"] = (g["ended"] == "split").mean()
            row["absorption_probability"] = (g["ended"] == "absorbed").mean()
        if spending:
            row["cash_out_probability"] = g["cash_out"].astype(bool).mean()
        rows.append(row)
    return pd.DataFrame(rows)


def format_summary(results) -> str:
    """A few lines a person reads after `consim run`."""
    m = results.manifest
    unit = m.get("unit", "")
    s = summarize(results)
    lines = [
        f"{m.get('scenario')}: {results.replications} replication(s), seed {m.get('seed')}",
    ]
    failed = int(m.get("failed", 0) or 0)
    if failed:
        lines.append(f"  WARNING: {failed} replication(s) failed and are left out (failures.csv)")
    for _, r in s.iterrows():
        lines.append(f"  venture {r['venture']}:")
        for label, col in (
            ("committed", "committed_final"),
            ("paid in", "paid_in_final"),
            ("cancelled", "cancelled_final"),
        ):
            lines.append(f"    {label:<10} {_value(r, col, results.stochastic, unit)}")
        lines.append(f"    members    {r['members_final_mean']:.3g} at the end (mean)")
        lines.append(f"    collapse   {r['collapse_probability']:.1%} of replications")
        for label, col in (
            ("dissolved", "dissolution_probability"),
            ("split", "split_probability"),
            ("absorbed", "absorption_probability"),
        ):
            if r.get(col, 0) > 0:
                lines.append(f"    {label:<10} {r[col]:.1%} of replications")
        if pd.notna(r.get("spent_final_mean")):  # this venture has a spending plan
            lines.append(f"    spent      {_value(r, 'spent_final', results.stochastic, unit)}")
            lines.append(f"    cash       {_value(r, 'cash_final', results.stochastic, unit)}")
            lines.append(f"    cash out   {r['cash_out_probability']:.1%} of replications")
        ref = results.outcomes["reference_date"].iloc[0]
        if pd.notna(r["capital_to_market_mean"]):
            mk = results.outcomes["market_at_reference"].iloc[0]
            when = pd.Timestamp(ref).strftime("%Y-%m")
            lines.append(
                f"    vs market  {_pct(r, results.stochastic)} of the {mk:,.0f} {unit} "
                f"market projected for {when}"
            )
    return "\n".join(lines)


def _value(r, col, stochastic, unit) -> str:
    mean = f"{r[col + '_mean']:,.1f} {unit}"
    if not stochastic:
        return mean
    return f"{mean}  (5–95 %: {r[col + '_p5']:,.1f} – {r[col + '_p95']:,.1f})"


def _pct(r, stochastic) -> str:
    mean = f"{100 * r['capital_to_market_mean']:.2f} %"
    if not stochastic:
        return mean
    return (
        f"{mean} (5–95 %: {100 * r['capital_to_market_p5']:.2f}"
        f" – {100 * r['capital_to_market_p95']:.2f} %)"
    )


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
                lines.append(
                    f"    {label} mean committed {g.loc[row, 'committed_final_mean']:,.1f} {unit}"
                    f" at point {g.loc[row, 'point']} ({where})"
                )
        if "p_collapse" in g:
            lines.append(
                f"    P(collapse)     {g['p_collapse'].min():.1%} – {g['p_collapse'].max():.1%}"
                " over the points"
            )
    return "\n".join(lines)
