"""What-ifs side by side: each scenario's mean with its interval, and its paired difference
from the baseline (the first scenario), per venture and outcome.

Scenarios run with one seed share their random numbers replication by replication (common
random numbers), so the difference is taken replication by replication and its interval
comes from those differences, not from two independent variances.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from simulator.analysis.intervals import (
    Difference,
    Estimate,
    mean_interval,
    paired_difference,
    proportion_interval,
)

# The outcomes compared by default: money at the end and at the reference date, the
# yardstick, and the chance of collapse (a share of replications).
AMOUNTS = (
    "committed_final",
    "paid_in_final",
    "cancelled_final",
    "committed_at_reference",
    "capital_to_market",
)
SHARES = ("collapsed",)
# When a scenario has several ventures (a split creates two), their sum is compared too:
# the consortium's money, however it is divided.
ALL_VENTURES = "all ventures"
COLUMNS = [
    "scenario",
    "venture",
    "outcome",
    "statistic",
    "mean",
    "ci_low",
    "ci_high",
    "diff",
    "diff_ci_low",
    "diff_ci_high",
    "p_value",
    "replications",
    "note",
]


def compare_outcomes(
    outcomes: dict[str, pd.DataFrame],
    exact: dict[str, bool],
    amounts: tuple[str, ...] = AMOUNTS,
    shares: tuple[str, ...] = SHARES,
) -> pd.DataFrame:
    """One row per scenario, venture and outcome (the COLUMNS above).

    outcomes: each scenario's outcome table, by name, the baseline first; exact: whether a
    scenario has nothing uncertain (its mean then has zero width). A venture missing from a
    scenario keeps a row marked "not in this scenario"; one missing from the baseline has
    no difference, marked "not in the baseline".
    """
    names = list(outcomes)
    base = names[0]
    ventures = list(dict.fromkeys(v for o in outcomes.values() for v in o["venture"].unique()))
    if len(ventures) > 1:
        outcomes = {n: _with_total(o, amounts) for n, o in outcomes.items()}
        ventures.append(ALL_VENTURES)
    rows = []
    for venture in ventures:
        by_name = {n: _by_replication(o, venture) for n, o in outcomes.items()}
        for outcome in [*amounts, *shares]:
            share = outcome in shares
            if share and venture == ALL_VENTURES:
                continue
            for name in names:
                rows.append(
                    _row(
                        name,
                        venture,
                        outcome,
                        share,
                        by_name[name],
                        by_name[base],
                        exact[name],
                        exact[name] and exact[base],
                        name == base,
                    )
                )
    return pd.DataFrame(rows, columns=COLUMNS)


def _with_total(outcomes: pd.DataFrame, amounts: tuple[str, ...]) -> pd.DataFrame:
    """The outcome rows plus, per replication, the sum of `amounts` over the ventures."""
    total = outcomes.groupby("replication", observed=True)[list(amounts)].sum().reset_index()
    total["venture"] = ALL_VENTURES
    rows = outcomes.assign(venture=outcomes["venture"].astype(str))
    return pd.concat([rows, total], ignore_index=True)


def _by_replication(outcomes: pd.DataFrame, venture) -> pd.DataFrame | None:
    rows = outcomes[outcomes["venture"] == venture]
    return None if rows.empty else rows.set_index("replication")


def _row(name, venture, outcome, share, mine, base, exact, both_exact, is_base) -> dict:
    row = {"scenario": name, "venture": venture, "outcome": outcome}
    row["statistic"] = "probability" if share else "mean"
    if mine is None:
        return {**row, "replications": 0, "note": "not in this scenario"}
    values = mine[outcome].astype(float)
    est = _estimate(values, share, exact)
    row.update(mean=est.value, ci_low=est.low, ci_high=est.high, replications=est.n)
    if is_base:
        return {**row, "note": "baseline"}
    if base is None:
        return {**row, "note": "not in the baseline"}
    paired = values.index.intersection(base.index)
    diff = paired_difference(
        values.loc[paired], base.loc[paired, outcome].astype(float), exact=both_exact
    )
    note = "" if len(paired) == len(values) == len(base) else f"paired on {len(paired)} runs"
    return {**row, **_difference(diff), "note": note}


def _estimate(values: pd.Series, share: bool, exact: bool) -> Estimate:
    if not share:
        return mean_interval(values.dropna(), exact=exact)
    if exact:  # one replication of a model with nothing uncertain: a certainty
        p = float(values.mean())
        return Estimate(p, p, p, len(values))
    return proportion_interval(int(values.sum()), len(values))


def _difference(d: Difference) -> dict:
    return {
        "diff": d.value,
        "diff_ci_low": d.low,
        "diff_ci_high": d.high,
        "p_value": d.p_value,
    }


def widest_half_width(table: pd.DataFrame, outcome: str) -> float:
    """The widest 95 % half-width among `outcome`'s means and differences (NaN if any
    cannot be told, e.g. from one replication of an uncertain model)."""
    rows = table[(table["outcome"] == outcome) & (table["replications"] > 0)]
    widths = np.concatenate(
        [
            (rows["ci_high"] - rows["ci_low"]).to_numpy() / 2,
            (rows["diff_ci_high"] - rows["diff_ci_low"]).dropna().to_numpy() / 2,
        ]
    )
    return float(np.max(widths)) if len(widths) else np.nan


def format_comparison(table: pd.DataFrame, unit: str, outcome: str = "committed_final") -> str:
    """The lines a person reads after `consim compare`: per venture, each scenario's mean of
    `outcome` and P(collapse) with their 95 % intervals, and the paired difference from the
    baseline with its interval and p-value, in aligned columns."""
    header = [
        "",
        f"mean ({unit})",
        "95 % CI",
        f"diff ({unit})",
        "95 % CI",
        "p",
        "P(collapse)",
        "95 % CI",
    ]
    lines = []
    for venture, rows in table.groupby("venture", sort=False, observed=True):
        cells = [header]
        for name, own in rows.groupby("scenario", sort=False, observed=True):
            value = own[own["outcome"] == outcome].iloc[0]
            collapse = own[own["outcome"] == "collapsed"]
            cells.append([str(name), *_cells(value, collapse)])
        widths = [max(len(row[k]) for row in cells) for k in range(len(header))]
        lines.append(f"venture {venture}: {outcome}, paired with {cells[1][0]} (the baseline)")
        for row in cells:
            text = "  ".join(
                c.ljust(w) if k == 0 else c.rjust(w)
                for k, (c, w) in enumerate(zip(row, widths, strict=True))
            )
            lines.append("  " + text.rstrip())
    return "\n".join(lines)


def _cells(value: pd.Series, collapse: pd.DataFrame) -> list[str]:
    if value["replications"] == 0:
        return ["absent", "", "", "", "", "", ""]
    cells = [f"{value['mean']:,.1f}", _ci(value["ci_low"], value["ci_high"], "{:,.1f}")]
    if pd.notna(value["diff"]):
        cells += [
            f"{value['diff']:+,.1f}",
            _ci(value["diff_ci_low"], value["diff_ci_high"], "{:+,.1f}"),
            _p(value["p_value"]),
        ]
    else:
        cells += [value["note"] or "", "", ""]
    if len(collapse):
        c = collapse.iloc[0]
        cells += [f"{c['mean']:.1%}", _ci(c["ci_low"], c["ci_high"], "{:.1%}")]
    else:
        cells += ["", ""]
    return cells


def _ci(low: float, high: float, fmt: str) -> str:
    if pd.isna(low):
        return "one run: none"
    if low == high:
        return "exact"
    return f"{fmt.format(low)} to {fmt.format(high)}"


def _p(p: float) -> str:
    if pd.isna(p):
        return "–"
    return "< 0.001" if p < 0.001 else f"{p:.3f}"
