"""The report of a sweep: its design, the points' findings with intervals, the figures,
the sensitivity indices and, when some runs collapse, where they do (PRIM)."""

from __future__ import annotations

import copy

import pandas as pd

from simulator.analysis.labels import input_label
from simulator.errors import ConsimError
from simulator.plots.sweeps import plot_collapse, plot_heatmap, plot_outcomes, plot_trajectories
from simulator.reports.content import Report, Section, named_ventures, provenance
from simulator.results.resultset import ResultSet
from simulator.scenario.describe import assumptions, describe
from simulator.scenario.load import load_scenario

KEPT = {  # points.csv's column → its header in the report
    "committed_final_mean": "committed at the end: mean",
    "committed_final_ci_low": "committed: 95 % CI low",
    "committed_final_ci_high": "committed: 95 % CI high",
    "p_collapse": "P(collapse) (%)",
    "p_collapse_ci_low": "P(collapse): 95 % CI low",
    "p_collapse_ci_high": "P(collapse): 95 % CI high",
}
OUTCOMES = {
    "committed_final": "committed at the end",
    "paid_in_final": "paid in at the end",
    "cancelled_final": "cancelled",
    "members_final": "members at the end",
    "capital_to_market": "capital ÷ one year's market",
    "collapsed": "P(collapse)",
    "months_to_collapse": "months to collapse",
}
ALL_POINTS = 30  # up to this many points the report lists them all


def sweep_report(results: ResultSet) -> Report:
    m = results.manifest
    sections = [design_section(results), figures_section(results), sensitivity_section(results)]
    found = discovery_section(results)
    if found is not None:
        sections.append(found)
    try:
        base = load_scenario(m["files"][1]).source
    except (ConsimError, OSError):  # the base file moved or changed: say so, go on
        base = {"title": f"(the base scenario {m['files'][1]} could not be read)"}
    for key, spec in m["resolved_sweep"]["parameters"].items():
        base = mark_swept(base, key, "swept: " + values_text(key, spec, results))
    return Report(m.get("title") or m["sweep"], "sweep", sections, assumptions(base), provenance(m))


def values_text(key: str, spec: dict, results: ResultSet) -> str:
    """The values an input takes: a grid's values, or the range a sample is drawn from."""
    if results.manifest["design"]["type"] == "grid" and key in results.design:
        return describe(sorted(results.design[key].unique().tolist()))
    if "values" in spec:
        return describe(spec["values"])
    if "dist" in spec:
        return describe(spec)
    return f"{describe(spec.get('low'))} to {describe(spec.get('high'))}"


def mark_swept(scenario: dict, key: str, text: str) -> dict:
    """A copy of the scenario with the value at `key` (a dotted path) replaced by `text`,
    so that its tables show what the sweep varies; unchanged when the path is not there."""
    out = copy.deepcopy(scenario)
    *parents, last = key.split(".")
    node = out
    for part in parents:
        node = node.get(part) if isinstance(node, dict) else None
    if isinstance(node, dict):
        node[last] = text
    return out


def design_section(results: ResultSet) -> Section:
    m = results.manifest
    names = {k: input_label(k, m.get("labels"), m.get("unit", "")) for k in m["parameters"]}
    rows = [
        {"input": names[k], "key path": k, "values": values_text(k, spec, results)}
        for k, spec in m["resolved_sweep"]["parameters"].items()
    ]
    text = [
        f"A {m['design']['type']} design: {m['points']:,} points × {m['replications']:,} "
        f"replications, seed {m['seed']}, common random numbers across points."
    ]
    kept = [c for c in KEPT if c in results.points]
    points = results.points[["point", "venture", "replications", *kept]].copy()
    probability = [c for c in kept if c.startswith("p_collapse")]
    points[probability] = points[probability] * 100
    points = results.design.merge(named_ventures(points, m), on="point")
    points = points.rename(columns={**names, **KEPT})
    if len(points) > ALL_POINTS and "committed_final_mean" in kept:
        order = points.sort_values(KEPT["committed_final_mean"])
        points = pd.concat([order.head(5), order.tail(5)]).drop_duplicates()
        text.append(
            "The five design points with the least and the most capital committed at the "
            "end (mean with its 95 % interval, P(collapse) with its Wilson interval); every "
            "point is in points.csv."
        )
    else:
        text.append(
            "Each design point: the mean capital committed at the end with its 95 % "
            "interval, P(collapse) with its Wilson interval (points.csv has every outcome)."
        )
    return Section(
        "Design and findings", text=text, tables={"inputs": pd.DataFrame(rows), "points": points}
    )


def figures_section(results: ResultSet) -> Section:
    figures = {"Each outcome against each input": plot_outcomes(results)}
    params = results.manifest["parameters"]
    if len(params) == 2 and results.manifest["design"]["type"] == "grid":
        figures["Mean committed capital over the grid"] = plot_heatmap(results)
    figures["Probability of collapse"] = plot_collapse(results)
    if results.quantiles is not None and not results.quantiles.empty:
        figures["Committed capital over time for three design points"] = plot_trajectories(results)
    return Section("Pictures", figures=figures)


def sensitivity_section(results: ResultSet) -> Section:
    from simulator.plots.sensitivity import MAIN, plot_indices

    m = results.manifest
    table = results.sensitivity()
    shown = table[table["outcome"].isin(MAIN)].copy()
    shown["outcome"] = shown["outcome"].map(lambda o: OUTCOMES.get(o, o))
    shown["parameter"] = shown["parameter"].map(
        lambda k: input_label(k, m.get("labels"), m.get("unit", ""))
    )
    shown = named_ventures(shown, m).rename(
        columns={
            "parameter": "input",
            "S1_ci_low": "S1: 95 % CI low",
            "S1_ci_high": "S1: 95 % CI high",
            "ST_ci_low": "ST: 95 % CI low",
            "ST_ci_high": "ST: 95 % CI high",
        }
    )
    return Section(
        "What matters: sensitivity indices",
        text=[
            "Each input's share of the variation of each outcome's mean across the design "
            "(S1: the input alone; ST: with its interactions; method in the table), with "
            "95 % intervals; sensitivity.csv has every outcome."
        ],
        tables={"sensitivity": shown},
        figures={
            "Indices of the main outcomes, most influential input first": plot_indices(results)
        },
    )


def discovery_section(results: ResultSet) -> Section | None:
    """PRIM boxes of collapse, when some runs collapse and not all."""
    from simulator.plots.discover import plot_discovery

    o = results.outcomes
    if o is None or o.empty or "collapsed" not in o or not 0 < o["collapsed"].mean() < 1:
        return None
    try:
        found = results.discover(outcome="collapsed")
    except ConsimError:
        return None
    return Section(
        "Under which conditions runs collapse (PRIM)",
        text=found.describe().splitlines(),
        tables={"discovery boxes": found.boxes, "discovery limits": found.limits},
        figures={"Peeling trade-off and boxes": plot_discovery(found)},
    )
