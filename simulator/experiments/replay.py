"""One run of a sweep, simulated again exactly, with its events and trajectories.

A sweep keeps no events (a million runs' events would outweigh everything else it keeps),
but each run is reproducible: replication k of every design point draws from the sweep's
seed at index k (docs/model.md §12). Replaying it rebuilds that point's scenario from the
sweep recorded in the manifest, checks that the files give the same sweep (its hash), and
simulates replication k alone: its outcome row is the one in the sweep's outcomes.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

from simulator.errors import ConsimError
from simulator.experiments.executors import executor_for
from simulator.experiments.points import base_document, design_table, point_scenario
from simulator.experiments.progress import progress_bar
from simulator.experiments.run import Simulation, simulate_batch
from simulator.experiments.spec import load_sweep, sweep_hash
from simulator.results.resultset import ResultSet
from simulator.scenario.load import load_scenario, scenario_hash


def replay(results: ResultSet, point: int, replication: int) -> ResultSet:
    """Replication `replication` of design point `point` of a sweep, as a run's ResultSet
    (numbered as in the sweep).

    >>> from simulator import replay, sweep
    >>> grid = sweep({"scenario": "scenarios/atos_joins.yaml",
    ...               "parameters": {"candidates.atos.pledge": {"values": [30, 90]}},
    ...               "replications": 5, "seed": 1}, executor="serial", progress=False)
    >>> again = replay(grid, point=1, replication=3).outcomes["committed_final"].iloc[0]
    >>> mine = grid.outcomes.query("point == 1 and replication == 3")["committed_final"]
    >>> bool(again == mine.iloc[0])
    True
    """
    m = results.manifest
    if results.kind != "sweep":
        raise ConsimError("--point: only a sweep has design points")
    if not 0 <= point < m["points"]:
        raise ConsimError(f"--point {point}: no such design point (0–{m['points'] - 1})")
    if not 0 <= replication < m["replications"]:
        raise ConsimError(
            f"--replication {replication}: no such run (0–{m['replications'] - 1} per point)"
        )
    spec_data = dict(m["resolved_sweep"])
    spec_data["scenario"] = str(Path(m["files"][1]).resolve())
    spec, doc, sweep_file = load_sweep(spec_data, allow_large=True)
    base, base_file = base_document(spec, sweep_file)
    design = design_table(spec)
    names = list(design.columns[1:])

    def scenario_at(p: int):
        row = next(design.iloc[[p]].itertuples(index=False))  # each value keeps its type
        values = dict(zip(names, row[1:], strict=True))
        return point_scenario(base, base_file, doc, values, p)

    # the hash of the sweep as written (its base scenario's path as the file gave it)
    as_written = spec.model_copy(update={"scenario": m["resolved_sweep"]["scenario"]})
    if sweep_hash(as_written, scenario_hash(scenario_at(0))) != m["sweep_hash"]:
        raise ConsimError(
            f"{m['files'][1]}: changed since the sweep ran (its hash differs), so its runs "
            "cannot be replayed; run the sweep again"
        )
    sim = Simulation.of(scenario_at(point))
    with executor_for("serial") as pool, progress_bar(1, None, enabled=False) as bar:
        simulate_batch([sim], m["seed"], replication, 1, pool, bar)
    replayed = sim.result_set(m["seed"], "serial")
    replayed.manifest["replayed_from"] = {"sweep": m.get("sweep"), "point": point}
    return replayed


def holding(results: ResultSet, replication: int) -> ResultSet:
    """Results holding `replication`'s trajectories and events: `results` itself, or, for a
    run that kept only a sample of them (experiments/streamed.py), that replication
    simulated again alone, checked against its saved outcome row."""
    streamed = results.manifest.get("streamed")
    if results.kind != "run" or not streamed or replication < streamed["kept"]:
        return results
    m = results.manifest
    scenario = load_scenario(m["resolved_scenario"])
    if scenario_hash(scenario) != m["input_hash"]:
        raise ConsimError("the scenario recorded in the manifest no longer gives this run")
    sim = Simulation.of(scenario)
    with executor_for("serial") as pool, progress_bar(1, None, enabled=False) as bar:
        simulate_batch([sim], m["seed"], replication, 1, pool, bar)
    replayed = sim.result_set(m["seed"], "serial")
    saved = results.outcomes[results.outcomes["replication"] == replication]
    again = replayed.outcomes
    if not np.allclose(saved["committed_final"], again["committed_final"], rtol=0, atol=1e-6):
        raise ConsimError(
            f"replication {replication} replayed differently from the saved run "
            "(another version of consim?); its story cannot be told"
        )
    replayed.manifest["replayed_from"] = {"run": m.get("scenario"), "replication": replication}
    return replayed
