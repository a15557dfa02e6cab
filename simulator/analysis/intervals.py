"""Confidence intervals: t-intervals on means of replications, binomial intervals on
probabilities, paired differences with common random numbers.

Taken from scipy (Student's t) and statsmodels (Wilson's interval), not written here;
imported when first needed (together they take half a second to import, which every
`consim` command and every pool worker would otherwise pay). A
deterministic scenario (every replication alike, or one replication of a model with
nothing uncertain) has an exact mean: its interval has zero width.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

LEVEL = 0.95


@dataclass(frozen=True)
class Estimate:
    """A mean (or a probability) with its confidence interval; `low`/`high` are NaN when one
    replication of an uncertain model cannot say how far off the mean is."""

    value: float
    low: float
    high: float
    n: int
    level: float = LEVEL

    @property
    def half_width(self) -> float:
        return (self.high - self.low) / 2


def mean_interval(values, level: float = LEVEL, exact: bool = False) -> Estimate:
    """The mean of `values` (one per replication) with its t-interval. `exact`: the model
    has nothing uncertain, so one replication is the answer (zero width)."""
    x = np.asarray(values, dtype=float)
    n = len(x)
    if n == 0:
        return Estimate(np.nan, np.nan, np.nan, 0, level)
    mean = float(x.mean())
    if n == 1:
        low = high = mean if exact else np.nan
        return Estimate(mean, low, high, 1, level)
    if _constant(x):
        return Estimate(mean, mean, mean, n, level)
    from scipy import stats

    se = float(x.std(ddof=1)) / np.sqrt(n)
    half = float(stats.t.ppf(0.5 + level / 2, n - 1)) * se
    return Estimate(mean, mean - half, mean + half, n, level)


def proportion_interval(successes, n: int, level: float = LEVEL) -> Estimate:
    """The share `successes / n` with Wilson's score interval (good near 0 and 1, where the
    normal approximation gives intervals below 0 or of zero width)."""
    if n == 0:
        return Estimate(np.nan, np.nan, np.nan, 0, level)
    from statsmodels.stats.proportion import proportion_confint

    k = int(successes)
    low, high = proportion_confint(k, n, alpha=1 - level, method="wilson")
    # At 0 and n the bounds are 0 and 1 exactly; rounding leaves 1e-19 and 1 - 1e-16.
    low, high = (0.0 if k == 0 else float(low)), (1.0 if k == n else float(high))
    return Estimate(k / n, low, high, n, level)


@dataclass(frozen=True)
class Difference(Estimate):
    """A paired difference (what-if minus baseline) with its interval and two-sided p-value
    (H0: no difference), from the per-replication differences."""

    p_value: float = np.nan


def quantile_interval(x, q: float, exact: bool = False) -> Estimate:
    """The q-quantile of x with a distribution-free 95 % interval: the order statistics
    whose ranks a binomial(n, q) puts 2.5 % and 97.5 % of the way (NaN ends past the sample)."""
    x = np.sort(np.asarray(x, dtype=float))
    n = len(x)
    value = float(np.quantile(x, q))
    if exact or (n > 1 and x[0] == x[-1]):  # nothing uncertain, or every replication alike
        return Estimate(value, value, value, n)
    if n == 1:  # one replication of an uncertain model cannot say how far off it is
        return Estimate(value, np.nan, np.nan, 1)
    from scipy import stats

    lo, hi = stats.binom.ppf([0.025, 0.975], n, q).astype(int)
    low = float(x[lo - 1]) if lo >= 1 else np.nan
    high = float(x[hi]) if hi < n else np.nan
    return Estimate(value, low, high, n)


def paired_difference(whatif, baseline, level: float = LEVEL, exact: bool = False) -> Difference:
    """Mean of `whatif - baseline`, replication by replication (common random numbers: the
    i-th replications of both saw the same draws), with the t-interval of those differences.

    The pairing is the point: the variance of a difference of paired runs is far smaller
    than the sum of the two variances when both scenarios share most of their randomness.
    """
    d = np.asarray(whatif, dtype=float) - np.asarray(baseline, dtype=float)
    est = mean_interval(d, level, exact)
    if len(d) < 2:
        p = np.nan if not exact else (1.0 if est.value == 0 else 0.0)
    elif _constant(d):  # every replication moved by the same amount: no doubt about it
        p = 1.0 if est.value == 0 else 0.0
    else:
        from scipy import stats

        p = float(stats.ttest_1samp(d, 0.0).pvalue)
    return Difference(est.value, est.low, est.high, est.n, level, p)


def _constant(x: np.ndarray) -> bool:
    """All values equal, up to the rounding of sums of money (1e-9 of their size): a
    difference of 10 computed as 160 - 150 in one run and 110 - 100 in another."""
    return float(np.ptp(x)) <= 1e-9 * max(1.0, float(np.max(np.abs(x))))


def t_factors(n, level: float = LEVEL) -> np.ndarray:
    """What a t-interval's half-width is in standard deviations of the values, for groups
    of `n` values: t(level, n − 1) / √n (NaN where n < 2). Student's quantile from
    scipy.special (stats.t.ppf calls it, after checks costlier than itself)."""
    from scipy import special

    n = np.asarray(n, dtype=float)
    with np.errstate(invalid="ignore", divide="ignore"):
        factor = special.stdtrit(n - 1, 0.5 + level / 2) / np.sqrt(n)
    return np.where(n > 1, factor, np.nan)


def proportion_bounds(successes, n, level: float = LEVEL):
    """Arrays of Wilson interval bounds for many groups at once (0 and 1 exact at the ends)."""
    from statsmodels.stats.proportion import proportion_confint

    k, n = np.asarray(successes, dtype=float), np.asarray(n, dtype=float)
    low, high = proportion_confint(k, n, alpha=1 - level, method="wilson")
    return np.where(k == 0, 0.0, low), np.where(k == n, 1.0, high)
