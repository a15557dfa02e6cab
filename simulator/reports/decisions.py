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
    return _report(m, "goal seek", "solve", answer, {"lever": m["lever"], "target": m["target"]})


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
    return _report(m, "Pareto front", "solve", section, more)


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
    more = {"outcome": m["outcome"], "method": m["method"]}
    return _report(m, "partner values", "value", section, more)


def _report(m: dict, what: str, kind: str, section: Section, more: dict) -> Report:
    """A one-section report of a folder whose manifest is `m`: its scenario's assumptions
    and its provenance, with `more` of the manifest's terms."""
    title = f"{m.get('title') or m['scenario']}: {what}"
    return Report(
        title, kind, [section], assumptions(m.get("resolved_scenario", {})), provenance(m, more)
    )
