"""Helpers the test files share: a scenario from YAML text, run it, rows of one month."""

from __future__ import annotations

import os

import pandas as pd

import simulator
from simulator.scenario.load import validate_document
from simulator.scenario.yamlio import parse_text

# Every test job, however small, runs on the batch engine where it has the scenario's
# mechanisms (a small job would otherwise stay on the per-replication engine, which the
# differential tests compare it with): the closed-form and property tests check both.
os.environ.setdefault("CONSIM_ENGINE", "auto")


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
