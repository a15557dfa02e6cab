"""The report of a sweep: its design, the points' findings with intervals, the figures,
the sensitivity indices and, when some runs collapse, where they do (PRIM)."""

from __future__ import annotations

import pandas as pd

from simulator.analysis.labels import input_label
from simulator.errors import ConsimError
from simulator.plots.sweeps import plot_collapse, plot_heatmap, plot_outcomes, plot_trajectories
from simulator.reports.content import Report, Section, provenance
from simulator.results.resultset import ResultSet
from simulator.scenario.describe import assumptions, describe
from simulator.scenario.load import load_scenario

KEPT = [
    "point",
    "venture",
    "replications",
    "committed_final_mean",
    "committed_final_ci_low",
    "committed_final_ci_high",
    "p_collapse",
    "p_collapse_ci_low",
    "p_collapse_ci_high",
]


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
    return Report(m.get("title") or m["sweep"], "sweep", sections, assumptions(base), provenance(m))


def design_section(results: ResultSet) -> Section:
    m = results.manifest
    spec = m["resolved_sweep"]
    rows = [
        {
            "input": input_label(k, m.get("labels"), m.get("unit", "")),
            "key path": k,
            "values": describe(v),
        }
        for k, v in spec["parameters"].items()
    ]
    text = [
        f"A {m['design']['type']} design: {m['points']:,} points × {m['replications']:,} "
        f"replications, seed {m['seed']}, common random numbers across points."
    ]
    points = results.points[[c for c in KEPT if c in results.points]]
    design = results.design.set_index("point")
    points = design.reset_index().merge(points, on="point")
    order = points.sort_values("committed_final_mean")
    shown = pd.concat([order.head(5), order.tail(5)]).drop_duplicates("point")
    return Section(
        "Design and findings",
        text=text
        + [
            "The five design points with the least and the most capital committed "
            "at the end (mean with its 95 % interval, P(collapse) with its Wilson "
            "interval); every point is in points.csv."
        ],
        tables={"inputs": pd.DataFrame(rows), "points": shown},
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

    table = results.sensitivity()
    shown = table[table["outcome"].isin(MAIN)]
    return Section(
        "What matters: sensitivity indices",
        text=[
            "Each input's share of the variation of each outcome's mean across the design "
            "(method in the table), with 95 % intervals; P(collapse) is `collapsed`."
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
