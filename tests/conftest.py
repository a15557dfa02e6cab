"""Helpers the test files share: a scenario from YAML text, run it, rows of one month."""

from __future__ import annotations

import os
from pathlib import Path

import pandas as pd

import simulator
from simulator.scenario.load import validate_document
from simulator.scenario.yamlio import parse_text

# Every test job, however small, runs on the batch engine where it has the scenario's
# mechanisms (a small job would otherwise stay on the per-replication engine, which the
# differential tests compare it with): the closed-form and property tests check both.
os.environ.setdefault("CONSIM_ENGINE", "auto")


def pytest_sessionstart(session) -> None:
    """Compile the batch engine's kernels once, before the test processes start. A fresh
    clone's first batch run compiles them (one to three minutes on a shared 2-core
    machine): each test process compiled its own copy inside whichever of its tests came
    first, both at once, and a test running `consim` in a subprocess with a timeout could
    run out of time waiting for it."""
    if hasattr(session.config, "workerinput"):  # a pytest-xdist worker: done before it
        return
    from simulator.engine.batch import cache

    if cache.compiled():
        return
    from simulator.engine.compile import compile_scenario
    from simulator.engine.simulate import simulate
    from simulator.scenario.load import load_scenario

    bench = Path(__file__).resolve().parent.parent / "scenarios" / "reference" / "bench.yaml"
    model = compile_scenario(load_scenario(bench))
    simulate(model, 1, 10, engine="batch")  # full records and events: a run's
    simulate(model, 1, 10, engine="batch", totals=True)  # a streamed run's totals
    last = (model.horizon - 1,)  # a sweep's totals at its outcomes' months
    simulate(model, 1, 10, engine="batch", totals=True, events=False, months=last)


def scenario(text: str, name: str = "test"):
    """A validated Scenario from YAML text, its problems reported as in `name`.yaml."""
    return validate_document(parse_text(text, f"{name}.yaml"), default_name=name)


def run(text: str, **kw) -> simulator.ResultSet:
    """Simulate a scenario given as YAML text (seed 1 unless given)."""
    kw.setdefault("seed", 1)
    return simulator.run(scenario(text), **kw)


def month(results, t: int) -> pd.DataFrame:
    """The trajectory rows of month `t` of a scenario that starts in 2020-01, by partner."""
    rows = results.trajectories[
        results.trajectories["date"] == pd.Period(year=2020, month=t + 1, freq="M")
    ]
    return rows.set_index(rows["partner"].astype(str))
