"""What a report holds, whatever it is written as: sections of text, tables and figures,
the scenario's assumptions and the provenance, gathered from a results folder of a run, a
comparison or a sweep."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd

from simulator.errors import ConsimError
from simulator.results.resultset import ResultSet
from simulator.scenario.describe import assumptions

KINDS = ("run", "comparison", "sweep", "solve", "value")
MEASURES = {  # summary column → (what a person reads, in the scenario's unit or in %)
    "committed_final": ("committed at the end", False),
    "paid_in_final": ("paid in at the end", False),
    "pledged_final": ("pledged at the end", False),
    "cancelled_final": ("cancelled", False),
    "capital_to_market": ("capital ÷ one year's market", True),
}
PROBABILITIES = {"collapse": "P(collapse)", "dissolution": "P(dissolution)"}
PROVENANCE = (
    "kind",
    "scenario",
    "sweep",
    "baseline",
    "seed",
    "replications",
    "points",
    "input_hash",
    "sweep_hash",
    "created",
    "command",
    "git_commit",
    "executor",
    "files",
    "versions",
)
SUMMARY_COLUMNS = ("mean", "95 % CI low", "95 % CI high", "median", "5 % of runs", "95 % of runs")
WORST = 3  # runs whose stories a stochastic run's report tells


@dataclass
class Section:
    title: str
    text: list[str] = field(default_factory=list)
    tables: dict[str, pd.DataFrame] = field(default_factory=dict)
    figures: dict[str, object] = field(default_factory=dict)  # caption → matplotlib Figure
    stories: dict[str, str] = field(default_factory=dict)  # heading → story text


@dataclass
class Report:
    title: str
    kind: str
    sections: list[Section]
    assumptions: dict[str, pd.DataFrame]
    provenance: pd.DataFrame

    def tables(self) -> dict[str, pd.DataFrame]:
        """Every table by a short unique name (the workbook's sheets)."""
        out = {f"assumptions {k}": t for k, t in self.assumptions.items() if not t.empty}
        for s in self.sections:
            out.update(s.tables)
        stories = [
            (h, line)
            for s in self.sections
            for h, t in s.stories.items()
            for line in t.splitlines()
        ]
        if stories:
            out["stories"] = pd.DataFrame(stories, columns=["run", "line"])
        out["provenance"] = self.provenance
        return out


def load_report(folder: str | Path) -> Report:
    """The report of a results folder that `consim run`, `compare`, `sweep`, `solve` or
    `value` wrote."""
    folder = Path(folder)
    manifest_file = folder / "manifest.json"
    if not folder.is_dir() or not manifest_file.is_file():
        raise ConsimError(
            f"{folder}: not a consim results folder (expected the manifest.json that "
            "`consim run`, `compare`, `sweep`, `solve` or `value` writes)"
        )
    kind = json.loads(manifest_file.read_text()).get("kind", "run")
    if kind not in KINDS:
        raise ConsimError(f"{folder}: a {kind!r} folder; a report is made of a {', '.join(KINDS)}")
    if kind == "comparison":
        from simulator.reports.compare import comparison_report

        return comparison_report(folder)
    if kind in ("solve", "value"):
        from simulator.reports.decisions import solve_report, value_report

        return solve_report(folder) if kind == "solve" else value_report(folder)
    if kind == "sweep":
        from simulator.reports.sweep import sweep_report

        return sweep_report(ResultSet.load(folder))
    return run_report(ResultSet.load(folder))


def run_report(results: ResultSet) -> Report:
    m = results.manifest
    funding = Section(
        "Funding against the market",
        text=[
            f"{results.replications:,} replication(s), seed {m.get('seed')}; means with 95 % "
            "confidence intervals, medians and 5–95 % of runs."
        ],
        tables={"summary": summary_table(results)},
        figures={
            "Committed capital by partner, and the capital against the market": (
                results.plot_funding()
            )
        },
    )
    sections = [funding, stories_section(results)]
    return Report(
        m.get("title") or m.get("scenario", "run"),
        "run",
        sections,
        assumptions(m.get("resolved_scenario", {})),
        provenance(m),
    )


def summary_table(results: ResultSet) -> pd.DataFrame:
    """One row per venture and measure: mean with its interval, median and 5–95 % of runs;
    P(collapse) with its Wilson interval. Ratios and probabilities in %."""
    unit = results.manifest.get("unit", "")
    rows = []
    for r in results.summary().to_dict("records"):
        for column, (name, percent) in MEASURES.items():
            if f"{column}_mean" not in r:
                continue
            scale = 100 if percent else 1
            stats = ("mean", "ci_low", "ci_high", "median", "p5", "p95")
            values = [r[f"{column}_{k}"] * scale for k in stats]
            rows.append(
                {"venture": r["venture"], "measure": name, "unit": "%" if percent else unit}
                | dict(zip(SUMMARY_COLUMNS, values, strict=True))
            )
        for key, name in PROBABILITIES.items():
            if f"{key}_probability" in r:
                values = [r[f"{key}_{k}"] * 100 for k in ("probability", "ci_low", "ci_high")]
                rows.append(
                    {"venture": r["venture"], "measure": name, "unit": "%"}
                    | dict(zip(SUMMARY_COLUMNS[:3], values, strict=True))
                )
    return named_ventures(pd.DataFrame(rows), results.manifest)


def named_ventures(table: pd.DataFrame, manifest: dict) -> pd.DataFrame:
    """The `venture` column by the ventures' names ("Andromède", not `andromede`)."""
    names = (manifest.get("labels") or {}).get("ventures") or {}
    if "venture" in table and names:
        table = table.assign(venture=table["venture"].astype(str).map(lambda v: names.get(v, v)))
    return table


def stories_section(results: ResultSet, worst: int = WORST) -> Section:
    """The stories of the runs with the least committed capital (the one run of a
    deterministic scenario)."""
    totals = results.outcomes.groupby("replication")["committed_final"].sum().sort_values()
    picks = totals.index[: worst if results.stochastic else 1]
    stories = {
        # explain: a streamed run's replication past its sample is simulated again
        f"run {k}: committed {totals[k]:,.1f} {results.manifest.get('unit', '')}": results.explain(
            int(k)
        )
        for k in picks
    }
    what = (
        "the runs with the least capital committed at the end"
        if results.stochastic
        else ("the run (nothing in the scenario is uncertain)")
    )
    return Section("Stories of " + what, stories=stories)


def provenance(manifest: dict, more: dict | None = None) -> pd.DataFrame:
    """What the results came from, one item a row, as a person reads it."""
    items = {key: manifest[key] for key in PROVENANCE if key in manifest} | (more or {})
    return pd.DataFrame([{"item": key, "value": readable(value)} for key, value in items.items()])


def readable(value) -> str:
    """A manifest's value as text: "python 3.11.7, numpy 2.4.6"; lists joined by commas."""
    if isinstance(value, dict):
        return ", ".join(f"{k} {readable(v)}" for k, v in value.items())
    if isinstance(value, list | tuple):
        return ", ".join(readable(v) for v in value)
    return str(value)
