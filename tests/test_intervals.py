"""Confidence intervals: exact cases, and coverage of the t- and Wilson intervals."""

from __future__ import annotations

import numpy as np
import pytest

from simulator.analysis.intervals import mean_interval, paired_difference, proportion_interval


def test_a_deterministic_mean_has_zero_width():
    est = mean_interval([250.0], exact=True)
    assert (est.value, est.low, est.high) == (250.0, 250.0, 250.0)
    assert np.isnan(mean_interval([250.0]).low)  # one run of an uncertain model says nothing


def test_the_t_interval_of_known_numbers():
    est = mean_interval([1.0, 2.0, 3.0, 4.0])
    # mean 2.5, s = 1.2910, se = 0.6455, t(0.975, 3) = 3.1824
    assert est.value == 2.5
    assert est.half_width == pytest.approx(3.182446 * 1.290994 / 2, rel=1e-5)


def test_wilson_near_zero_is_not_empty():
    est = proportion_interval(0, 250)
    assert est.value == 0.0 and est.low == 0.0
    assert est.high == pytest.approx(0.01513, abs=1e-4)  # 1.92 / (250 + 3.84)


def test_a_constant_paired_difference_is_exact():
    base = np.array([200.0, 230.0, 260.0])
    d = paired_difference(base + 10, base)
    assert (d.value, d.low, d.high, d.p_value) == (10.0, 10.0, 10.0, 0.0)


def test_the_paired_interval_uses_the_differences():
    rng = np.random.default_rng(1)
    shared = rng.normal(250, 40, 400)
    whatif = shared + 5 + rng.normal(0, 1, 400)
    d = paired_difference(whatif, shared)
    assert d.half_width < 0.2  # unpaired, it would be about 1.96 * 40 * sqrt(2 / 400) = 5.5
    assert d.low < 5 < d.high and d.p_value < 1e-10


def test_coverage_of_the_mean_and_the_proportion():
    rng = np.random.default_rng(7)
    means = [mean_interval(rng.exponential(2.0, 60)) for _ in range(2000)]
    covered = np.mean([m.low <= 2.0 <= m.high for m in means])
    assert 0.92 <= covered <= 0.97  # skewed data, n = 60: the t-interval is a little short
    props = [proportion_interval(rng.binomial(200, 0.03), 200) for _ in range(2000)]
    covered = np.mean([p.low <= 0.03 <= p.high for p in props])
    assert 0.92 <= covered <= 0.98
