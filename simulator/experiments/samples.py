"""One number per replication, straight from the engine: an outcome summed over the ventures
(a yes/no outcome: in any venture), at the last month or at a given one.

Goal seeking and partner values evaluate the same scenario under hundreds of settings;
building the outcome table for each would cost more than simulating, so these read the
engine's venture totals at the months asked and nothing else. Replication i draws the same
numbers here as in `consim run` and every sweep point with the same seed (common random
numbers), so two settings' samples are paired replication by replication.
"""

from __future__ import annotations

import numpy as np

from simulator.analysis.targets import DATED, Metric, check_metric
from simulator.engine.compile import compile_scenario
from simulator.engine.simulate import simulate
from simulator.errors import ConsimError
from simulator.experiments.run import is_stochastic
from simulator.experiments.tasks import sweep_chunk
from simulator.results.tables import Context, money_at, outcome_columns, outcome_months
from simulator.scenario.schema import Scenario


def replications_for(scenario: Scenario, replications: int | None, default: int) -> int:
    """Replications per setting of a search: one for a deterministic scenario (every one is
    alike), else `replications` (None: `default`)."""
    if replications is not None and replications < 1:
        raise ConsimError(f"replications must be at least 1 (got {replications})")
    return (replications or default) if is_stochastic(scenario) else 1


def sample(
    scenario: Scenario,
    metric: Metric,
    seed: int,
    replications: int,
    engine: str | None = None,
    shared: dict | None = None,
) -> np.ndarray:
    """`metric` in replications 0 … replications-1 with `seed`, as floats (yes/no as 0/1),
    in chunks of a sweep's size. `shared`: as Context's, for many settings of one scenario.

    >>> from simulator import load_scenario
    >>> s = load_scenario("scenarios/dassault_leaves.yaml")
    >>> sample(s, Metric("committed_final"), seed=1, replications=1).tolist()
    [225.0]
    """
    check_metric(metric, scenario)
    context = Context(scenario, compile_scenario(scenario), shared)
    months = tuple(sorted({*outcome_months(context), *_month(metric)}))
    parts, size = [], sweep_chunk(context.model, months=len(months))
    for first in range(0, replications, size):  # one process: no tail tasks to balance
        count = min(size, replications - first)
        chunk = simulate(context.model, seed, count, first, None, engine, True, False, months)
        if chunk.failed:
            rep, error = next(iter(chunk.failed.items()))
            raise ConsimError(
                f"{scenario.name}: replication {rep} (seed {seed}) failed ({error}); "
                "`consim run` of the same setting lists every failure"
            )
        parts.append(_values(context, chunk, metric))
    return np.concatenate(parts)


def _month(metric: Metric) -> tuple[int, ...]:
    return () if metric.month is None else (metric.month,)


def _values(context: Context, chunk, metric: Metric) -> np.ndarray:
    V = len(context.model.ventures)
    ventures = (
        slice(None) if metric.venture is None else [context.model.venture_ids.index(metric.venture)]
    )
    name = DATED.get(metric.outcome)
    if name is not None:  # read at one month, as the outcome table reads the last one
        month = context.model.horizon - 1 if metric.month is None else metric.month
        return money_at(chunk, month)[name][:, ventures].sum(axis=1).astype(float)
    column = outcome_columns(context, chunk)[metric.outcome].reshape(-1, V)[:, ventures]
    if column.dtype == bool:
        column = column.any(axis=1)
        return (~column if metric.negated else column).astype(float)
    return column.sum(axis=1).astype(float)
