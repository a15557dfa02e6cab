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
"""

from simulator.errors import ConsimError, ScenarioError
from simulator.experiments.compare import Comparison, compare
from simulator.experiments.explore import explore
from simulator.experiments.precision import TargetCI
from simulator.experiments.replay import replay
from simulator.experiments.run import is_stochastic, run
from simulator.experiments.sweep import sweep
from simulator.experiments.tornado import tornado
from simulator.plots.compare import plot_comparison
from simulator.plots.discover import plot_discovery
from simulator.plots.runs import plot_against_market, plot_funding
from simulator.plots.sensitivity import plot_sensitivity
from simulator.reports import report
from simulator.results import ResultSet
from simulator.scenario.load import load_scenario

__all__ = [
    "Comparison",
    "ConsimError",
    "ResultSet",
    "ScenarioError",
    "TargetCI",
    "compare",
    "explore",
    "is_stochastic",
    "load_scenario",
    "plot_against_market",
    "plot_comparison",
    "plot_discovery",
    "plot_funding",
    "plot_sensitivity",
    "replay",
    "report",
    "run",
    "sweep",
    "tornado",
]
__version__ = "0.1.0"
