"""The report of a goal seek (`consim solve`): the answer and how sure it is, the settings
the search evaluated, its figure, and the scenario it moved."""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from simulator.reports.content import Report, Section, provenance
from simulator.scenario.describe import assumptions


def solve_report(folder: Path) -> Report:
    import json

    if json.loads((folder / "manifest.json").read_text()).get("mode") == "pareto":
        return front_report(folder)
    from simulator.experiments.solve import answer_lines, load_solution

    s = load_solution(folder)
    m = s.manifest
    goal = "largest" if m["maximize"] else "smallest"
    table = s.evaluations.assign(setting=[s.lever.shown(v) for v in s.evaluations["lever"]])
    answer = Section(
        f"The {goal} {s.lever.path} with {s.target.text}",
        text=[
            *answer_lines(s),
            f"{m['replications']:,} replication(s) per setting, seed {m['seed']}, the same "
            "replications at every setting (common random numbers); 95 % intervals.",
        ],
        tables={"settings evaluated": table[["setting", *table.columns[1:-1]]]},
        figures={"The target's estimate against the lever, with the answer": s.plot()},
    )
    more = {"lever": m["lever"], "target": m["target"]}
    title = f"{m.get('title') or m['scenario']}: goal seek"
    return Report(
        title, "solve", [answer], assumptions(m.get("resolved_scenario", {})), provenance(m, more)
    )


def front_report(folder: Path) -> Report:
    from simulator.experiments.pareto import front_lines, load_front

    f = load_front(folder)
    m = f.manifest
    lines = front_lines(f, rows=len(f.front))
    section = Section(
        "Pareto front",
        text=[line.strip() for line in lines[:3]],
        tables={"front": pd.read_csv(folder / "front.csv")},  # as written: columns named
        figures={"Every setting evaluated, and the Pareto front": f.plot()},
    )
    more = {
        "levers": m["levers"],
        "objectives": [o for o, _ in m["objectives"]],
        "targets": m["targets"],
    }
    title = f"{m.get('title') or m['scenario']}: Pareto front"
    return Report(
        title, "solve", [section], assumptions(m.get("resolved_scenario", {})), provenance(m, more)
    )


def value_report(folder: Path) -> Report:
    """What each member brings: the values table, the coalitions and the bar plot."""
    from simulator.experiments.value import load_value, value_lines

    pv = load_value(folder)
    m = pv.manifest
    section = Section(
        f"What each member brings to {m['outcome']}",
        text=[line.strip() for line in value_lines(pv)],
        tables={"values": pv.table, "coalitions": pv.coalitions},
        figures={"Each member's Shapley value": pv.plot()},
    )
    title = f"{m.get('title') or m['scenario']}: partner values"
    return Report(
        title,
        "value",
        [section],
        assumptions(m.get("resolved_scenario", {})),
        provenance(m, {"outcome": m["outcome"], "method": m["method"]}),
    )
