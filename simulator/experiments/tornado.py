"""A one-at-a-time tornado (`consim tornado`): each uncertain input of a scenario set to a
low and a high value (its 5th and 95th percentiles), everything else as in the file, and the
swing of an outcome's mean, every run paired with the base scenario's (common random
numbers), so that the bars measure the input and not the luck of the draw."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import pandas as pd
from pydantic import BaseModel

from simulator.analysis.intervals import mean_interval, paired_difference
from simulator.engine.simulate import compiles_first
from simulator.errors import ConsimError
from simulator.experiments.executors import executor_for, frozen_gc
from simulator.experiments.progress import progress_bar
from simulator.experiments.run import (
    DEFAULT_STOCHASTIC_REPLICATIONS,
    Simulation,
    fresh_seed,
    simulate_batch,
)
from simulator.experiments.store import warm_up
from simulator.results.manifest import labels_of
from simulator.scenario.distributions import Distribution
from simulator.scenario.load import load_scenario

COLUMNS = [
    "input",
    "low",
    "high",
    "mean_at_low",
    "mean_at_high",
    "swing",
    "diff_low",
    "diff_low_ci_low",
    "diff_low_ci_high",
    "diff_high",
    "diff_high_ci_low",
    "diff_high_ci_high",
]


@dataclass
class Tornado:
    """The swings (COLUMNS, sorted widest first) around the base scenario's mean."""

    table: pd.DataFrame
    base_mean: float
    base_ci: tuple[float, float]
    outcome: str
    manifest: dict

    def plot(self):
        from simulator.plots.tornado import plot_tornado

        return plot_tornado(self)


def uncertain_inputs(scenario) -> dict[str, Distribution]:
    """Every distribution in the scenario, by the key path `--set` would change it at."""
    found: dict[str, Distribution] = {}

    def walk(node, path: str) -> None:
        if isinstance(node, Distribution):
            found[path] = node
        elif isinstance(node, BaseModel):
            for name, info in type(node).model_fields.items():
                key = info.alias or name
                walk(getattr(node, name), f"{path}.{key}" if path else key)
        elif isinstance(node, dict):
            for key, value in node.items():
                walk(value, f"{path}.{key}" if path else str(key))

    walk(scenario, "")
    return found


def tornado(
    path: str | Path,
    outcome: str = "committed_final",
    replications: int | None = None,
    seed: int | None = None,
    low: float = 0.05,
    high: float = 0.95,
    progress: bool = True,
) -> Tornado:
    """Run the scenario file and, for each uncertain input, the file with that input at its
    `low` and `high` quantiles, all with one seed; `outcome` is summed over the ventures.

    >>> from simulator import tornado
    >>> t = tornado("scenarios/atos_joins.yaml", replications=100, seed=1, progress=False)
    >>> t.table["input"].tolist()
    ['candidates.atos.pledge', 'candidates.atos.negotiation.duration']
    """
    base = load_scenario(path)
    inputs = uncertain_inputs(base)
    if not inputs:
        raise ConsimError(f"{path}: nothing in it is a distribution: there is no input to vary")
    if not 0 < low < high < 1:
        raise ConsimError(f"tornado: need 0 < low < high < 1 (got {low}, {high})")
    values = {key: (d.quantile(low), d.quantile(high)) for key, d in inputs.items()}
    sims = [Simulation.of(base)] + [
        Simulation.of(load_scenario(path, [f"{key}={v!r}"]))
        for key, pair in values.items()
        for v in pair
    ]
    seed, n = fresh_seed(seed), replications or DEFAULT_STOCHASTIC_REPLICATIONS
    compiling = compiles_first([s.context.model for s in sims], n * len(sims))
    with (
        executor_for("serial", None, None, warm_up) as pool,
        progress_bar(n * len(sims), "tornado", progress, 2000, compiling=compiling) as bar,
        frozen_gc(),
    ):
        simulate_batch(sims, seed, 0, n, pool, bar)
    totals = [_totals(sim, outcome) for sim in sims]
    rows = [
        _row(key, values[key], totals[0], totals[1 + 2 * i], totals[2 + 2 * i])
        for i, key in enumerate(values)
    ]
    table = pd.DataFrame(rows, columns=COLUMNS).sort_values("swing", ascending=False)
    est = mean_interval(totals[0])
    manifest = {
        "kind": "tornado",
        "scenario": base.name,
        "unit": base.unit,
        "seed": seed,
        "replications": n,
        "quantiles": [low, high],
        "outcome": outcome,
        "labels": labels_of(base),
    }
    return Tornado(table.reset_index(drop=True), est.value, (est.low, est.high), outcome, manifest)


def _totals(sim: Simulation, outcome: str) -> pd.Series:
    o = sim.outcomes()
    if outcome not in o or not pd.api.types.is_numeric_dtype(o[outcome]):
        raise ConsimError(f"--outcome: {outcome!r} is not a numeric outcome of {sim.scenario.name}")
    by_run = o.groupby("replication")[outcome]
    if pd.api.types.is_bool_dtype(o[outcome]):  # a yes/no outcome: in any venture
        return by_run.any().astype(float)
    return by_run.sum().astype(float)


def _row(key: str, pair, base: pd.Series, at_low: pd.Series, at_high: pd.Series) -> tuple:
    d_low, d_high = paired_difference(at_low, base), paired_difference(at_high, base)
    return (
        key,
        pair[0],
        pair[1],
        at_low.mean(),
        at_high.mean(),
        abs(at_high.mean() - at_low.mean()),
        d_low.value,
        d_low.low,
        d_low.high,
        d_high.value,
        d_high.low,
        d_high.high,
    )
