"""The report of a comparison folder: the findings with their intervals, the comparison
figure, the baseline's assumptions and what each what-if changes, each scenario's worst
run."""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd

from simulator.experiments.compare import Comparison
from simulator.reports.content import (
    Report,
    Section,
    named_ventures,
    provenance,
    stories_section,
)
from simulator.results.resultset import ResultSet
from simulator.scenario.describe import assumptions

FINDINGS = {
    "scenario": "scenario",
    "venture": "venture",
    "outcome": "outcome",
    "unit": "unit",
    "mean": "mean",
    "ci_low": "95 % CI low",
    "ci_high": "95 % CI high",
    "diff": "difference from the baseline",
    "diff_ci_low": "difference: 95 % CI low",
    "diff_ci_high": "difference: 95 % CI high",
    "p_value": "p-value",
}
OUTCOMES = {  # comparison.csv's outcome → (what a person reads, shown in %)
    "committed_final": ("committed at the end", False),
    "paid_in_final": ("paid in at the end", False),
    "cancelled_final": ("cancelled", False),
    "committed_at_reference": ("committed at the market's reference month", False),
    "capital_to_market": ("capital ÷ one year's market", True),
    "collapsed": ("P(collapse)", True),
}
KEYS = {
    "scenario": ["item"],
    "members": ["member", "venture"],
    "ventures": ["venture"],
    "policies": ["policy"],
}


def load_comparison(folder: Path) -> Comparison:
    """A comparison read back from its folder: the table, the manifest and each scenario's
    results."""
    manifest = json.loads((folder / "manifest.json").read_text())
    results = {name: ResultSet.load(folder / name) for name in manifest["scenarios"]}
    return Comparison(results, pd.read_csv(folder / "comparison.csv"), manifest)


def findings_table(table: pd.DataFrame, unit: str) -> pd.DataFrame:
    """comparison.csv as a person reads it: outcomes named, ratios and probabilities in %,
    the measures with intervals first."""
    t = table.copy()
    t["outcome"] = t["outcome"].astype(str)
    percent = t["outcome"].map(lambda o: OUTCOMES.get(o, (o, False))[1])
    values = ["mean", "ci_low", "ci_high", "diff", "diff_ci_low", "diff_ci_high"]
    t[values] = t[values].astype(float).mul(percent.map({True: 100, False: 1}), axis=0)
    t["unit"] = percent.map({True: "%", False: unit})
    rank = {o: k for k, o in enumerate(OUTCOMES)}
    t = t.sort_values("outcome", key=lambda o: o.map(rank).fillna(len(rank)), kind="stable")
    t["outcome"] = t["outcome"].map(lambda o: OUTCOMES.get(o, (o, False))[0])
    return t.rename(columns=FINDINGS)[[v for k, v in FINDINGS.items() if k in t]]


def comparison_report(folder: Path) -> Report:
    c = load_comparison(folder)
    m = c.manifest
    findings = Section(
        "Findings: each what-if against the baseline",
        text=[
            f"Baseline: {c.baseline}. {m['replications']:,} replication(s) per scenario, seed "
            f"{m['seed']}, common random numbers: each difference is taken run by run, with "
            "its 95 % confidence interval and p-value; P(collapse) with its Wilson interval."
        ],
        tables={
            "comparison": named_ventures(
                findings_table(c.table, m.get("unit", "")), c.results[c.baseline].manifest
            )
        },
        figures={
            "Committed capital of each what-if against the market, and the paired "
            "differences from the baseline": c.plot()
        },
    )
    stories = Section("Stories: the run with the least capital of each scenario")
    for name, results in c.results.items():
        own = stories_section(results, worst=1).stories
        stories.stories.update({f"{name}, {heading}": text for heading, text in own.items()})
    scenarios = {name: r.manifest.get("resolved_scenario", {}) for name, r in c.results.items()}
    tables = assumptions(scenarios[c.baseline])
    tables["what-ifs' changes"] = changes(scenarios, c.baseline)
    hashes = {
        f"input_hash ({name})": r.manifest["input_hash"]
        for name, r in c.results.items()
        if "input_hash" in r.manifest
    }
    m = {k: v for k, v in m.items() if k != "files"}  # one list per scenario: below
    files = {f"files ({name})": r.manifest.get("files", []) for name, r in c.results.items()}
    title = f"What-ifs against {c.baseline}"
    return Report(title, "comparison", [findings, stories], tables, provenance(m, hashes | files))


def changes(scenarios: dict[str, dict], baseline: str) -> pd.DataFrame:
    """Each what-if's assumptions that differ from the baseline's: one row per changed
    cell, added or removed member or policy."""
    base = assumptions(scenarios[baseline])
    rows = []
    for name, scenario in scenarios.items():
        if name == baseline:
            continue
        own = assumptions(scenario)
        for table, keys in KEYS.items():
            found = differ(keyed(base[table], keys), keyed(own[table], keys))
            rows += [{"scenario": name, **row} for row in found]
    return pd.DataFrame(rows, columns=["scenario", "what", "baseline", "this scenario"])


def keyed(table: pd.DataFrame, keys: list[str]) -> dict[str, dict]:
    """A table's rows by their key's text ("Atos, Andromède"); the scenario's title left
    out (each scenario has its own)."""
    out = {}
    for row in table.to_dict("records"):
        name = ", ".join(str(row.pop(k)) for k in keys)
        if name != "scenario":
            out[name] = row
    return out


def differ(base: dict[str, dict], own: dict[str, dict]) -> list[dict]:
    """(what, baseline, this scenario) for every cell that differs; a row only in one of
    the tables is added or removed whole."""
    rows = []
    for name in dict.fromkeys([*base, *own]):
        if name not in own:
            rows.append({"what": name, "baseline": "present", "this scenario": "absent"})
        elif name not in base:
            shown = "; ".join(f"{c}: {v}" for c, v in own[name].items() if v)
            rows.append({"what": name, "baseline": "absent", "this scenario": shown})
        else:
            rows += [
                {
                    "what": name if len(own[name]) == 1 else f"{name}: {c}",
                    "baseline": base[name].get(c, "") or "none",
                    "this scenario": v or "none",
                }
                for c, v in own[name].items()
                if v != base[name].get(c, "")
            ]
    return rows
