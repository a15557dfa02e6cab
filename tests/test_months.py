"""Months as a person reads them: every table a ResultSet holds, in memory or read back,
keeps its dates as monthly periods and shows them as 2012-03."""

from __future__ import annotations

from pathlib import Path

import pandas as pd

import simulator

SCENARIOS = Path(__file__).parent.parent / "scenarios"


def _date_columns(results) -> dict[str, pd.Series]:
    columns = {}
    for name in ("outcomes", "trajectories", "events", "market", "quantiles"):
        table = getattr(results, name)
        for column in table.columns if table is not None else []:
            if column == "date" or column.endswith("_date"):
                columns[f"{name}.{column}"] = table[column]
    return columns


def _check(results) -> None:
    columns = _date_columns(results)
    assert columns, "no date column to check"
    for where, values in columns.items():
        assert isinstance(values.dtype, pd.PeriodDtype), (where, values.dtype)
        assert values.dtype == pd.PeriodDtype("M"), where


def test_a_run_holds_months_and_shows_them_as_year_month(tmp_path):
    r = simulator.run(SCENARIOS / "dassault_leaves.yaml", seed=1, progress=False)
    _check(r)
    departure = r.events[r.events["type"] == "departure"].iloc[0]
    assert departure["date"] == pd.Period("2011-12", "M")
    assert "2011-12 " in r.events.to_string() and "2011-12-01" not in r.events.to_string()
    assert r.outcomes["reference_date"].iloc[0] == pd.Period("2014-12", "M")
    assert str(r.story(0)["date"].iloc[0]) == "2011-10"
    back = simulator.ResultSet.load(r.save(tmp_path / "run"))
    _check(back)
    pd.testing.assert_frame_equal(back.events, r.events, check_dtype=False)
    assert back.trajectories["date"].equals(r.trajectories["date"])


def test_a_sweep_holds_months_in_memory_and_read_back(tmp_path):
    spec = tmp_path / "s.yaml"
    spec.write_text(
        f"scenario: {SCENARIOS / 'atos_joins.yaml'}\n"
        "parameters:\n  candidates.atos.pledge: {values: [30, 90]}\n"
        "replications: 20\nseed: 5\n",
        encoding="utf-8",
    )
    r = simulator.sweep(
        spec, out=tmp_path / "sweep", executor="serial", plots=False, progress=False
    )
    _check(r)
    back = simulator.ResultSet.load(tmp_path / "sweep")
    _check(back)
    assert back.quantiles["date"].min() == pd.Period("2011-10", "M")


def test_figures_still_get_dates():
    """Plots take the months back as timestamps: matplotlib has no period axis."""
    r = simulator.run(SCENARIOS / "atos_joins.yaml", replications=30, seed=2, progress=False)
    fig = simulator.plot_funding(r)
    assert fig.axes and isinstance(r.trajectories["date"].dtype, pd.PeriodDtype)
