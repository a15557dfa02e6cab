"""Market projection (docs/model.md §13) and the capital-to-market ratio in the outcomes."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

import simulator
from simulator.analysis.market import RATIO_COLUMNS, market_ratio, ratio_at_reference
from simulator.plots.market import RATIO_LABEL, draw_market_ratio
from simulator.scenario.load import validate_document
from simulator.scenario.market import market_series
from simulator.scenario.schema import Market
from simulator.scenario.types import parse_month
from simulator.scenario.yamlio import parse_text

ROOT = Path(__file__).resolve().parents[1]
SCENARIOS = ROOT / "scenarios"


def month(text: str) -> int:
    return parse_month(text)


def market(points: dict, growth: float | None = None) -> Market:
    data: dict = {"points": points}
    if growth is not None:
        data["growth"] = growth
    return Market.model_validate(data)


def value_at(m: Market, when: str, start: str = "2010-01", horizon: int = 240) -> float:
    index = month(when) - month(start)
    assert 0 <= index < horizon
    return float(market_series(m, month(start), horizon)[index])


# --- interpolation ---------------------------------------------------------------------


def test_points_are_reproduced():
    m = market({"2020-01": 100.0, "2022-01": 400.0, "2023-07": 500.0})
    for when, value in [("2020-01", 100), ("2022-01", 400), ("2023-07", 500)]:
        assert value_at(m, when) == pytest.approx(value, rel=1e-12)


def test_midpoint_in_time_is_the_geometric_mean():
    m = market({"2020-01": 100.0, "2022-01": 400.0})
    assert value_at(m, "2021-01") == pytest.approx(200.0, rel=1e-12)  # √(100·400)
    # a quarter of the way: 100 · 4^(1/4)
    assert value_at(m, "2020-07") == pytest.approx(100 * 4**0.25, rel=1e-12)


def test_growth_is_constant_between_points():
    m = market({"2020-01": 100.0, "2022-01": 400.0})
    series = market_series(m, month("2020-01"), 25)
    ratios = series[1:] / series[:-1]
    np.testing.assert_allclose(ratios, 4 ** (1 / 24), rtol=1e-12)


def test_single_point_with_growth_gives_one_plus_g_per_year():
    m = market({"2014-12": 35000.0}, growth=0.25)
    assert value_at(m, "2014-12") == pytest.approx(35000, rel=1e-12)
    assert value_at(m, "2015-12") == pytest.approx(35000 * 1.25, rel=1e-12)
    assert value_at(m, "2016-12") == pytest.approx(35000 * 1.25**2, rel=1e-12)
    assert value_at(m, "2015-06") == pytest.approx(35000 * 1.25**0.5, rel=1e-12)
    early = market_series(m, month("2011-10"), 63)
    assert early[0] == pytest.approx(35000 * 1.25 ** (-38 / 12), rel=1e-12)
    assert value_at(m, "2015-01") == pytest.approx(35000 * 1.25 ** (1 / 12), rel=1e-12)


def test_extension_uses_the_nearest_segment_rate():
    m = market({"2020-01": 100.0, "2021-01": 200.0, "2022-01": 250.0})
    # after the last point: the last segment's ×1.25 a year
    assert value_at(m, "2023-01") == pytest.approx(250 * 1.25, rel=1e-12)
    assert value_at(m, "2024-01") == pytest.approx(250 * 1.25**2, rel=1e-12)
    assert value_at(m, "2022-07") == pytest.approx(250 * 1.25**0.5, rel=1e-12)
    # before the first point: the first segment's ×2 a year
    assert value_at(m, "2019-01") == pytest.approx(50, rel=1e-12)
    assert value_at(m, "2019-07") == pytest.approx(100 / 2**0.5, rel=1e-12)


def test_growth_overrides_the_segment_rates_outside_the_points():
    m = market({"2020-01": 100.0, "2021-01": 200.0}, growth=0.1)
    assert value_at(m, "2022-01") == pytest.approx(200 * 1.1, rel=1e-12)
    assert value_at(m, "2019-01") == pytest.approx(100 / 1.1, rel=1e-12)
    assert value_at(m, "2020-07") == pytest.approx(100 * 2**0.5, rel=1e-12)  # inside: points


def test_points_in_any_order():
    a = market({"2022-01": 400.0, "2020-01": 100.0})
    b = market({"2020-01": 100.0, "2022-01": 400.0})
    np.testing.assert_array_equal(
        market_series(a, month("2019-01"), 48), market_series(b, month("2019-01"), 48)
    )


# --- capital to market in the outcomes -----------------------------------------------------


def test_capital_to_market_andromede_plan():
    r = simulator.run(SCENARIOS / "andromede_plan.yaml", seed=1)
    o = r.outcomes.iloc[0]
    assert o["reference_date"] == pd.Period("2014-12", "M")
    assert o["committed_at_reference"] == pytest.approx(285)
    assert o["market_at_reference"] == pytest.approx(35000)
    assert o["capital_to_market"] == pytest.approx(285 / 35000)
    mk = r.market[r.market["series"] == "market"].set_index("date")["value"]
    assert mk[pd.Period("2014-12", "M")] == pytest.approx(35000)
    assert mk[pd.Period("2015-12", "M")] == pytest.approx(35000 * 1.25)
    assert mk[pd.Period("2011-10", "M")] == pytest.approx(35000 * 1.25 ** (-38 / 12))


def test_capital_to_market_dassault_leaves():
    o = simulator.run(SCENARIOS / "dassault_leaves.yaml", seed=1).outcomes.iloc[0]
    assert o["capital_to_market"] == pytest.approx(225 / 35000)


def test_capital_to_market_is_committed_at_reference_over_market():
    text = """\
start: 2020-01
end: 2021-12
ventures: {v: {}}
partners:
  a: {pledge: 120, schedule: {type: tranches, count: 12}, departure: {at: 2020-07}}
  b: {pledge: 30}
market:
  points: {2020-01: 1000, 2022-01: 4000}
  reference: 2021-01
"""
    scenario = validate_document(parse_text(text, "m.yaml"), default_name="m")
    o = simulator.run(scenario, seed=1).outcomes.iloc[0]
    # a pays 10 a month in months 0-5 and leaves in month 6: committed 60 + 30
    assert o["reference_date"] == pd.Period("2021-01", "M")
    assert o["committed_at_reference"] == pytest.approx(90)
    assert o["market_at_reference"] == pytest.approx(2000)
    assert o["capital_to_market"] == pytest.approx(90 / 2000)


def test_reference_defaults_to_the_latest_point_moved_into_the_horizon():
    text = """\
start: 2020-01
end: 2020-12
ventures: {v: {}}
partners:
  a: {pledge: 50}
market:
  points: {2019-01: 100, 2025-01: 200}
"""
    scenario = validate_document(parse_text(text, "m.yaml"), default_name="m")
    o = simulator.run(scenario, seed=1).outcomes.iloc[0]
    assert o["reference_date"] == pd.Period("2020-12", "M")
    expected = 100 * 2 ** (23 / 72)  # 2020-12 is 23 of the 72 months from 2019-01
    assert o["market_at_reference"] == pytest.approx(expected)
    assert o["capital_to_market"] == pytest.approx(50 / expected)


def test_no_market_no_ratio():
    text = """\
start: 2020-01
end: 2020-12
ventures: {v: {}}
partners:
  a: {pledge: 50}
"""
    scenario = validate_document(parse_text(text, "m.yaml"), default_name="m")
    o = simulator.run(scenario, seed=1).outcomes.iloc[0]
    assert np.isnan(o["capital_to_market"])
    assert np.isnan(o["market_at_reference"])


# --- an uncertain growth ---------------------------------------------------------------

UNCERTAIN = """\
start: 2014-01
end: 2016-12
ventures: {v: {}}
partners:
  a: {pledge: 100}
market:
  points: {2014-12: 35000}
  growth: {dist: uniform, low: 0.1, high: 0.4}
  reference: 2016-12
"""
LOW, HIGH = 0.1, 0.4


def scenario_of(text: str):
    return validate_document(parse_text(text, "m.yaml"), default_name="m")


@pytest.fixture(scope="module")
def uncertain():
    return simulator.run(scenario_of(UNCERTAIN), replications=4000, seed=7, progress=False)


def test_drawn_rates_give_one_series_each():
    m = market({"2020-01": 100.0, "2021-01": 200.0}, growth=0.1)
    rates = np.array([-0.5, 0.0, 0.1, 2.0])
    many = market_series(m, month("2019-01"), 48, growth=rates)
    assert many.shape == (4, 48)
    for row, g in zip(many, rates, strict=True):
        one = market_series(market({"2020-01": 100.0, "2021-01": 200.0}, growth=g), 24228, 48)
        assert month("2019-01") == 24228
        np.testing.assert_array_equal(row, one)


def test_mean_market_at_reference_matches_the_closed_form(uncertain):
    """Two years after the point, M = 35000 (1 + g)²: E[(1+g)²] for g ~ uniform(a, b) is
    ((1+b)³ − (1+a)³) / (3 (b − a)), and E[1/(1+g)²] = (1/(1+a) − 1/(1+b)) / (b − a)."""
    o = uncertain.outcomes
    assert o["market_growth"].between(LOW, HIGH).all()
    expected = 35000 * ((1 + HIGH) ** 3 - (1 + LOW) ** 3) / (3 * (HIGH - LOW))
    x = o["market_at_reference"]
    assert abs(x.mean() - expected) <= 4 * x.std(ddof=1) / np.sqrt(len(x))
    ratio = o["capital_to_market"]
    expected_ratio = 100 / 35000 * (1 / (1 + LOW) - 1 / (1 + HIGH)) / (HIGH - LOW)
    assert abs(ratio.mean() - expected_ratio) <= 4 * ratio.std(ddof=1) / np.sqrt(len(ratio))
    np.testing.assert_allclose(x, 35000 * (1 + o["market_growth"]) ** 2, rtol=1e-12)
    np.testing.assert_allclose(ratio, 100 / x, rtol=1e-12)


def test_the_market_table_gives_the_projections_quantiles(uncertain):
    """Exact quantiles: (1 + g)^t is increasing in g after the point, decreasing before it."""
    mk = uncertain.market.set_index("date")
    assert list(uncertain.market.columns) == ["series", "label", "date", "value", "p05", "p95"]
    end, early = mk.loc[pd.Period("2016-12", "M")], mk.loc[pd.Period("2014-01", "M")]

    def q(u):
        return LOW + u * (HIGH - LOW)

    assert end["value"] == pytest.approx(35000 * (1 + q(0.5)) ** 2, rel=1e-12)
    assert end["p05"] == pytest.approx(35000 * (1 + q(0.05)) ** 2, rel=1e-12)
    assert end["p95"] == pytest.approx(35000 * (1 + q(0.95)) ** 2, rel=1e-12)
    assert early["p05"] == pytest.approx(35000 * (1 + q(0.95)) ** (-11 / 12), rel=1e-12)
    assert early["p95"] == pytest.approx(35000 * (1 + q(0.05)) ** (-11 / 12), rel=1e-12)
    assert mk.loc[pd.Period("2014-12", "M"), "p05"] == pytest.approx(35000, rel=1e-12)
    # ... and the runs agree with them
    drawn = uncertain.outcomes["market_at_reference"]
    assert drawn.quantile(0.05) == pytest.approx(end["p05"], rel=0.01)
    assert drawn.quantile(0.95) == pytest.approx(end["p95"], rel=0.01)


def test_each_replication_has_its_own_projection_in_the_trajectories(uncertain):
    t, o = uncertain.trajectories, uncertain.outcomes.set_index("replication")
    m = scenario_of(UNCERTAIN).market
    for rep in (0, 1, 2999):
        rows = t[t["replication"] == rep]
        g = o.loc[rep, "market_growth"]
        expected = market_series(m, month("2014-01"), 36, growth=np.array([g]))[0]
        np.testing.assert_array_equal(rows["market"].to_numpy(), expected)


def test_the_growth_is_drawn_last_and_moves_no_other_draw():
    """The same seed with and without an uncertain growth: every other number is equal."""
    path = SCENARIOS / "atos_joins.yaml"
    base = simulator.run(path, replications=200, seed=3, progress=False)
    drawn = simulator.run(
        path,
        replications=200,
        seed=3,
        progress=False,
        overrides=["market.growth={dist: uniform, low: 0.1, high: 0.4}"],
    )
    same = [
        c for c in base.outcomes.columns if c not in ("market_at_reference", "capital_to_market")
    ]
    pd.testing.assert_frame_equal(base.outcomes[same], drawn.outcomes[same])
    pd.testing.assert_frame_equal(base.events, drawn.events)
    pd.testing.assert_frame_equal(base.trajectories, drawn.trajectories.drop(columns="market"))
    assert drawn.outcomes["market_growth"].nunique() == 200


def test_a_growth_of_one_value_gives_the_tables_of_a_fixed_growth():
    path = SCENARIOS / "atos_joins.yaml"
    fixed = simulator.run(path, replications=100, seed=3, progress=False)
    one = simulator.run(
        path,
        replications=100,
        seed=3,
        progress=False,
        overrides=["market.growth={dist: uniform, low: 0.25, high: 0.25}"],
    )
    pd.testing.assert_frame_equal(fixed.outcomes, one.outcomes.drop(columns="market_growth"))
    pd.testing.assert_frame_equal(fixed.trajectories, one.trajectories.drop(columns="market"))
    pd.testing.assert_frame_equal(
        fixed.market, one.market.drop(columns=["p05", "p95"]), check_exact=True
    )


def test_a_certain_growth_adds_no_column():
    r = simulator.run(SCENARIOS / "andromede_plan.yaml", seed=1)
    assert list(r.market.columns) == ["series", "label", "date", "value"]
    assert "market" not in r.trajectories and "market_growth" not in r.outcomes


def test_uncertain_tables_survive_a_save_and_load(uncertain, tmp_path):
    from simulator.results.resultset import ResultSet

    uncertain.save(tmp_path / "out", plots=False)
    back = ResultSet.load(tmp_path / "out")
    pd.testing.assert_frame_equal(back.market, uncertain.market, check_dtype=False)
    assert "market" in back.trajectories and "market_growth" in back.outcomes


# --- the ratio over time (analysis.market) and its drawing (plots.market) -----------------


def test_the_ratio_of_a_certain_scenario_is_exact():
    r = simulator.run(SCENARIOS / "andromede_plan.yaml", seed=1)
    table = market_ratio(r.trajectories, r.market, r.outcomes, exact=True)
    assert list(table.columns) == RATIO_COLUMNS
    assert len(table) == 63 and table["date"].is_monotonic_increasing
    row = table.set_index("date").loc[pd.Period("2014-12", "M")]
    for column in ("median", "p05", "p95", "mean", "mean_low", "mean_high"):
        assert row[column] == pytest.approx(100 * 285 / 35000, rel=1e-12)
    first = table.iloc[0]
    assert first["median"] == pytest.approx(100 * 285 / (35000 * 1.25 ** (-38 / 12)))
    (at,) = ratio_at_reference(r.outcomes, exact=True).itertuples()
    assert at.mean == pytest.approx(100 * 285 / 35000) and at.mean_low == at.mean_high


def test_the_ratio_sets_each_run_against_its_own_market(uncertain):
    r = uncertain
    table = market_ratio(r.trajectories, r.market, r.outcomes).set_index("date")
    row = table.loc[pd.Period("2016-12", "M")]
    x = 100 * r.outcomes["capital_to_market"]
    assert row["mean"] == pytest.approx(x.mean(), rel=1e-12)
    assert row["median"] == pytest.approx(x.median(), rel=1e-12)
    assert row["p05"] == pytest.approx(x.quantile(0.05), rel=1e-12)
    half = 1.96 * x.std(ddof=1) / np.sqrt(len(x))
    assert row["mean_high"] - row["mean_low"] == pytest.approx(2 * half, rel=1e-3)
    (at,) = ratio_at_reference(r.outcomes).itertuples()
    assert (at.mean, at.mean_low, at.mean_high) == pytest.approx(
        (row["mean"], row["mean_low"], row["mean_high"]), rel=1e-12
    )
    assert at.replications == 4000
    # At the point itself (2014-12) every run's market is 35000: no spread from the market.
    point = table.loc[pd.Period("2014-12", "M")]
    assert point["p05"] == pytest.approx(point["p95"], rel=1e-12)


def test_no_market_no_ratio_table():
    scenario = scenario_of(
        "start: 2020-01\nend: 2020-12\nventures: {v: {}}\npartners: {a: {pledge: 5}}\n"
    )
    r = simulator.run(scenario, seed=1)
    assert market_ratio(r.trajectories, r.market, r.outcomes).empty
    assert ratio_at_reference(r.outcomes).empty


def test_several_scenarios_draw_their_ratios_on_one_axes(uncertain):
    """As a comparison of what-ifs does: one line (and band, if the runs differ) each."""
    from matplotlib.figure import Figure

    plan = simulator.run(SCENARIOS / "andromede_plan.yaml", seed=1)
    ax = Figure().subplots()
    for name, r, colour in (("plan", plan, "C0"), ("uncertain", uncertain, "C1")):
        table = market_ratio(r.trajectories, r.market, r.outcomes, exact=not r.stochastic)
        reference = ratio_at_reference(r.outcomes, exact=not r.stochastic).iloc[0]
        line = draw_market_ratio(ax, table, label=name, colour=colour, reference=reference)
        np.testing.assert_array_equal(line.get_ydata(), table["median"].to_numpy())
        assert line.get_color() == colour
    labels = ax.get_legend_handles_labels()[1]
    assert {"plan", "plan at 2014-12: 0.81 %", "uncertain: 5–95 % of runs"} < set(labels)
    assert "uncertain, median" in labels and len(labels) == 5
    (mean,) = [t for t in labels if t.startswith("uncertain at 2016-12: mean ")]
    assert "95 % CI" in mean
    assert ax.get_ylabel() == RATIO_LABEL and ax.get_ylim()[0] == 0
