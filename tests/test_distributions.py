"""Distributions: parsing `{dist: ...}` mappings, the support of draws, and their means."""

from __future__ import annotations

import math

import numpy as np
import pytest
from pydantic import TypeAdapter, ValidationError

from simulator.scenario.distributions import DIST_PARAMS, Distribution, parse_distribution
from simulator.scenario.types import Amount, Probability

N = 20_000

# (data, whether `mean()` is the mean of the draws: a clipped normal's is not)
CASES = {
    "triangular": ({"dist": "triangular", "low": 40, "mode": 60, "high": 70}, True),
    "triangular_point": ({"dist": "triangular", "low": 5, "mode": 5, "high": 5}, True),
    "uniform": ({"dist": "uniform", "low": 1, "high": 2}, True),
    "normal": ({"dist": "normal", "mean": 60, "sd": 10}, True),
    "normal_clipped": ({"dist": "normal", "mean": 60, "sd": 30, "low": 0, "high": 80}, False),
    "lognormal": ({"dist": "lognormal", "mu": 1.0, "sigma": 0.5}, True),
    "beta": ({"dist": "beta", "a": 2, "b": 5}, True),
    "beta_scaled": ({"dist": "beta", "a": 2, "b": 2, "low": 10, "high": 30}, True),
    "bernoulli": ({"dist": "bernoulli", "p": 0.3}, True),
    "choice": ({"dist": "choice", "values": [1, 2, 10]}, True),
    "choice_weighted": ({"dist": "choice", "values": [0, 50, 100], "weights": [1, 2, 7]}, True),
}


def draws(dist: Distribution, seed: int = 12345) -> np.ndarray:
    rng = np.random.default_rng(seed)
    return np.array([dist.sample(rng) for _ in range(N)])


def test_every_kind_is_covered():
    assert {data["dist"] for data, _ in CASES.values()} == set(DIST_PARAMS)


@pytest.mark.parametrize("name", CASES)
def test_samples_lie_in_the_support(name: str):
    dist = parse_distribution(CASES[name][0])
    low, high = dist.support()
    x = draws(dist)
    assert np.all(np.isfinite(x))
    assert x.min() >= low and x.max() <= high


@pytest.mark.parametrize("name", [n for n, (_, exact) in CASES.items() if exact])
def test_mean_of_draws_is_close_to_mean(name: str):
    dist = parse_distribution(CASES[name][0])
    x = draws(dist)
    se = x.std(ddof=1) / math.sqrt(N)
    assert abs(x.mean() - dist.mean()) <= 4 * se + 1e-12


def test_clipped_normal_stays_in_bounds_and_hits_them():
    dist = parse_distribution(CASES["normal_clipped"][0])
    x = draws(dist)
    assert x.min() == 0.0 and x.max() == 80.0  # clipping puts mass on the bounds


def test_choice_draws_only_listed_values_with_their_weights():
    dist = parse_distribution(CASES["choice_weighted"][0])
    x = draws(dist)
    assert set(np.unique(x)) <= {0.0, 50.0, 100.0}
    share = np.mean(x == 100.0)
    assert abs(share - 0.7) <= 4 * math.sqrt(0.7 * 0.3 / N)


@pytest.mark.parametrize("name", CASES)
@pytest.mark.parametrize("u", [0.05, 0.5, 0.95])
def test_quantile_splits_the_draws(name: str, u: float):
    """P(X < q) ≤ u ≤ P(X ≤ q), within sampling error (both equal u for a continuous one)."""
    dist = parse_distribution(CASES[name][0])
    q, x = dist.quantile(u), draws(dist)
    tolerance = 4 * math.sqrt(u * (1 - u) / N)
    assert np.mean(x < q) <= u + tolerance
    assert np.mean(x <= q) >= u - tolerance


def test_quantile_closed_forms():
    assert parse_distribution({"dist": "uniform", "low": 1, "high": 2}).quantile(0.25) == 1.25
    tri = parse_distribution({"dist": "triangular", "low": 0, "mode": 1, "high": 2})
    assert tri.quantile(0.5) == pytest.approx(1.0)
    assert tri.quantile(0.125) == pytest.approx(0.5)  # F(x) = x²/2 below the mode
    normal = parse_distribution({"dist": "normal", "mean": 60, "sd": 10})
    assert normal.quantile(0.975) == pytest.approx(60 + 19.5996, abs=1e-3)
    assert parse_distribution(CASES["normal_clipped"][0]).quantile(0.99) == 80.0
    assert parse_distribution(CASES["bernoulli"][0]).quantile(0.5) == 0.0  # P(0) = 0.7
    assert parse_distribution(CASES["choice_weighted"][0]).quantile(0.2) == 50.0
    with pytest.raises(ValueError, match="0 < u < 1"):
        normal.quantile(1.0)


def test_same_seed_same_draws():
    dist = parse_distribution(CASES["triangular"][0])
    assert np.array_equal(draws(dist, seed=7), draws(dist, seed=7))
    assert not np.array_equal(draws(dist, seed=7), draws(dist, seed=8))


# --- parsing -----------------------------------------------------------------------


def test_parse_fills_optional_parameters_and_round_trips():
    dist = parse_distribution({"dist": "normal", "mean": 5, "sd": 1})
    assert dist.params == (5.0, 1.0, None, None)
    assert dist.p("sd") == 1.0
    assert parse_distribution(dist.to_data()) == dist
    choice = parse_distribution({"dist": "choice", "values": [1, 2]})
    assert choice.params == ((1.0, 2.0), None)


@pytest.mark.parametrize(
    ("data", "text"),
    [
        ({"dist": "gaussian"}, "unknown distribution 'gaussian'"),
        ({"low": 1, "high": 2}, "unknown distribution None"),
        ({"dist": "uniform", "low": 1}, "uniform: missing parameter 'high'"),
        ({"dist": "uniform", "low": 1, "high": 2, "mode": 1}, "unknown parameter 'mode'"),
        ({"dist": "uniform", "low": 3, "high": 2}, "uniform needs low ≤ high"),
        ({"dist": "uniform", "low": "one", "high": 2}, "'low' must be a number (got 'one')"),
        ({"dist": "uniform", "low": True, "high": 2}, "'low' must be a number (got True)"),
        ({"dist": "uniform", "low": 0, "high": float("inf")}, "'high' must be a number"),
        ({"dist": "triangular", "low": 5, "mode": 4, "high": 6}, "low ≤ mode ≤ high"),
        ({"dist": "normal", "mean": 0, "sd": -1}, "'sd' must be ≥ 0 (got -1)"),
        ({"dist": "normal", "mean": 0, "sd": 1, "low": 2, "high": 1}, "normal needs low ≤ high"),
        ({"dist": "lognormal", "mu": 0, "sigma": -1}, "'sigma' must be ≥ 0"),
        ({"dist": "beta", "a": 0, "b": 1}, "beta needs a > 0 and b > 0"),
        ({"dist": "bernoulli", "p": 1.5}, "'p' must be in [0, 1] (got 1.5)"),
        ({"dist": "choice", "values": []}, "non-empty list of numbers"),
        ({"dist": "choice", "values": [1, 2], "weights": [1]}, "one weight per value"),
        ({"dist": "choice", "values": [1, 2], "weights": [0, 0]}, "not all 0"),
    ],
)
def test_parse_rejects(data: dict, text: str):
    with pytest.raises(ValueError) as info:
        parse_distribution(data)
    assert text in str(info.value)


# --- distributions where a number goes ---------------------------------------------


def test_quantity_accepts_numbers_and_distributions():
    amount = TypeAdapter(Amount)
    assert amount.validate_python(3) == 3.0
    assert isinstance(
        amount.validate_python({"dist": "uniform", "low": 0, "high": 1}), Distribution
    )
    assert amount.validate_python({"dist": "normal", "mean": 5, "sd": 1, "low": 0}).kind == "normal"


@pytest.mark.parametrize(
    ("adapter", "data", "text"),
    [
        (Amount, {"dist": "normal", "mean": 5, "sd": 1}, "can give values from -inf to inf"),
        (Amount, {"dist": "uniform", "low": -1, "high": 1}, "from -1 to 1"),
        (Probability, {"dist": "lognormal", "mu": 0, "sigma": 1}, "from 0 to inf"),
        (Probability, {"dist": "beta", "a": 1, "b": 1, "high": 2}, "expected a probability"),
    ],
)
def test_quantity_rejects_distributions_outside_the_range(adapter, data: dict, text: str):
    with pytest.raises(ValidationError) as info:
        TypeAdapter(adapter).validate_python(data)
    assert text in str(info.value)


def test_probability_accepts_a_beta():
    dist = TypeAdapter(Probability).validate_python({"dist": "beta", "a": 2, "b": 3})
    assert dist.support() == (0.0, 1.0)
