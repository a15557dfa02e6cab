"""The report of a goal seek (`consim solve`): the answer and how sure it is, the settings
the search evaluated, its figure, and the scenario it moved."""

from __future__ import annotations

from pathlib import Path

from simulator.reports.content import Report, Section, provenance
from simulator.scenario.describe import assumptions


def solve_report(folder: Path) -> Report:
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
