"""Market projection (docs/model.md §13) and the capital-to-market ratio in the outcomes."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

import simulator
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
    assert o["reference_date"] == pd.Timestamp("2014-12-01")
    assert o["committed_at_reference"] == pytest.approx(285)
    assert o["market_at_reference"] == pytest.approx(35000)
    assert o["capital_to_market"] == pytest.approx(285 / 35000)
    mk = r.market[r.market["series"] == "market"].set_index("date")["value"]
    assert mk[pd.Timestamp("2014-12-01")] == pytest.approx(35000)
    assert mk[pd.Timestamp("2015-12-01")] == pytest.approx(35000 * 1.25)
    assert mk[pd.Timestamp("2011-10-01")] == pytest.approx(35000 * 1.25 ** (-38 / 12))


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
    assert o["reference_date"] == pd.Timestamp("2021-01-01")
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
    assert o["reference_date"] == pd.Timestamp("2020-12-01")
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
