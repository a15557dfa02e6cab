"""The report of a comparison folder: the findings with their intervals, the comparison
figure, each scenario's assumptions and its worst run."""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd

from simulator.experiments.compare import Comparison
from simulator.reports.content import Report, Section, provenance, stories_section
from simulator.results.resultset import ResultSet
from simulator.scenario.describe import assumptions

FINDINGS = {
    "scenario": "scenario",
    "venture": "venture",
    "outcome": "outcome",
    "mean": "mean",
    "ci_low": "95 % CI low",
    "ci_high": "95 % CI high",
    "diff": "difference from the baseline",
    "diff_ci_low": "difference: 95 % CI low",
    "diff_ci_high": "difference: 95 % CI high",
    "p_value": "p-value",
    "replications": "replications",
}


def load_comparison(folder: Path) -> Comparison:
    """A comparison read back from its folder: the table, the manifest and each scenario's
    results."""
    manifest = json.loads((folder / "manifest.json").read_text())
    results = {name: ResultSet.load(folder / name) for name in manifest["scenarios"]}
    return Comparison(results, pd.read_csv(folder / "comparison.csv"), manifest)


def comparison_report(folder: Path) -> Report:
    c = load_comparison(folder)
    m = c.manifest
    table = c.table.rename(columns=FINDINGS)[
        [v for v in FINDINGS.values() if v in c.table.rename(columns=FINDINGS)]
    ]
    findings = Section(
        "Findings: each what-if against the baseline",
        text=[
            f"Baseline: {c.baseline}. {m['replications']:,} replication(s) per scenario, seed "
            f"{m['seed']}, common random numbers: each difference is taken run by run, with "
            "its 95 % confidence interval; P(collapse) with its Wilson interval."
        ],
        tables={"comparison": table},
        figures={
            "Committed capital of each what-if against the market, and the paired "
            "differences from the baseline": c.plot()
        },
    )
    sections = [findings]
    for name, results in c.results.items():
        s = stories_section(results, worst=1)
        s.title = f"{name}: {s.title.lower()}"
        sections.append(s)
    base = c.results[c.baseline].manifest.get("resolved_scenario", {})
    tables = assumptions(base)
    members = []
    for name, results in c.results.items():
        t = assumptions(results.manifest.get("resolved_scenario", {}))["members"]
        members.append(t.assign(scenario=name))
    tables["members"] = pd.concat(members, ignore_index=True)[
        ["scenario", *tables["members"].columns]
    ]
    title = f"What-ifs against {c.baseline}"
    return Report(title, "comparison", sections, tables, provenance(m))
