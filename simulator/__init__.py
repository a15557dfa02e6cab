"""consim: what-if simulator for consortium restructuring.

Public API (pinned by tests/test_api.py):

    scenario = load_scenario("scenarios/atos_joins.yaml", overrides=["partners.state.pledge=150"])
    results = run(scenario, replications=2000, seed=7)   # a ResultSet
    results.summary(); results.plot_funding(); results.save("results/atos")

    grid = sweep("scenarios/sweeps/atos_terms.yaml", out="results/atos_terms")  # a ResultSet
    grid.points; grid.plot_heatmap(); grid.plot_outcome("committed_final")

    c = compare("scenarios/dassault_leaves.yaml", "scenarios/atos_joins.yaml", seed=7)
    c.table; c.plot(); c.save("results/compare")              # a Comparison
    run(scenario, target_ci=TargetCI(1.0))                    # batches until ±1.0 on the mean

    tornado("scenarios/atos_joins.yaml").plot()               # one input at a time, paired
    grid.sensitivity("collapsed"); results.discover(outcome="collapsed")   # what, where
    replay(grid, point=3, replication=17).explain(17)         # a sweep's run, told
    report("results/demo")                                    # results/demo/report.html
    calibrate("scenarios/examples/cloudwatt_pace.yaml",       # fit inputs to `observed:`
              ["ventures.cloudwatt.spending.per_year"]).fit
    solve("scenarios/dassault_leaves.yaml", "partners.state.pledge=135..300",
          "P(committed_final >= 285 at 2014-12) >= 0.9").value   # goal seek: 195
    pareto("scenarios/atos_joins.yaml", ["partners.state.pledge=135..300",   # a front
           "candidates.atos.negotiation.success=0.1..0.9"],
           [("partners.state.pledge", False), ("P(not collapsed)", True)]).plot()
    partner_value("scenarios/atos_joins.yaml", "p_no_collapse").table   # Shapley, Banzhaf
"""

from __future__ import annotations

import importlib

# Public name → the module that defines it, imported on first use (PEP 562): `import
# simulator` and `consim --version` stay quick, and a pool's workers load only what they run.
_PUBLIC = {
    "Comparison": "simulator.experiments.compare",
    "ConsimError": "simulator.errors",
    "ResultSet": "simulator.results",
    "ScenarioError": "simulator.errors",
    "TargetCI": "simulator.experiments.precision",
    "calibrate": "simulator.experiments.calibrate",
    "compare": "simulator.experiments.compare",
    "explore": "simulator.experiments.explore",
    "is_stochastic": "simulator.experiments.run",
    "load_scenario": "simulator.scenario.load",
    "pareto": "simulator.experiments.pareto",
    "partner_value": "simulator.experiments.value",
    "plot_against_market": "simulator.plots.runs",
    "plot_comparison": "simulator.plots.compare",
    "plot_discovery": "simulator.plots.discover",
    "plot_funding": "simulator.plots.runs",
    "plot_sensitivity": "simulator.plots.sensitivity",
    "replay": "simulator.experiments.replay",
    "report": "simulator.reports",
    "run": "simulator.experiments.run",
    "solve": "simulator.experiments.solve",
    "sweep": "simulator.experiments.sweep",
    "tornado": "simulator.experiments.tornado",
}
__all__ = sorted(_PUBLIC)


def __getattr__(name: str):
    if name in _PUBLIC:
        value = getattr(importlib.import_module(_PUBLIC[name]), name)
        globals()[name] = value  # the next access is a plain attribute
        return value
    raise AttributeError(f"module 'simulator' has no attribute {name!r}")


def __dir__() -> list[str]:
    return sorted({*globals(), *__all__})


__version__ = "0.1.0"
