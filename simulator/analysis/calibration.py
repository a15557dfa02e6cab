"""The statistics of calibration (docs/model.md §13.4): a synthetic likelihood of observed
venture totals, weighted posterior summaries, and the box the next design stage samples.

Parameters live in their prior's probability space u ∈ [0, 1]^d (θ = Q(u), the prior's
quantile function), where every prior is uniform: a stage's quasi-random points uniform in
a box need no densities, and its importance weights are the likelihoods alone.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

_LOG_2PI = float(np.log(2 * np.pi))


def observed_totals(trajectories: pd.DataFrame, venture: str, variable: str, dates) -> np.ndarray:
    """A venture's total of `variable` at each date, one row per replication (0 where the
    venture has no row that month: before it opens, after it ends)."""
    t = trajectories[trajectories["venture"] == venture]
    column = "member" if variable == "members" else variable
    per = t.groupby(["replication", "date"], observed=True)[column].sum().unstack("date")
    per.columns = pd.PeriodIndex(per.columns, freq="M")
    wanted = pd.PeriodIndex([pd.Period(str(d), "M") for d in dates], freq="M")
    return per.reindex(columns=wanted).fillna(0.0).to_numpy(dtype=float)


def synthetic_loglik(simulated: np.ndarray, observed: np.ndarray, sd: np.ndarray) -> float:
    """log N(observed; mean, Σ + diag(sd²)) with the mean and covariance Σ of the simulated
    rows (Wood 2010): the runs' spread and the figures' own uncertainty add up. A small
    ridge keeps a deterministic model with exact figures finite."""
    x = np.asarray(simulated, dtype=float)
    k = x.shape[1]
    mean = x.mean(axis=0)
    cov = np.atleast_2d(np.cov(x, rowvar=False, ddof=1)) if len(x) > 1 else np.zeros((k, k))
    scale = max(1.0, float(np.max(np.abs(observed))))
    cov = cov + np.diag(np.asarray(sd, dtype=float) ** 2) + (1e-6 * scale) ** 2 * np.eye(k)
    resid = np.asarray(observed, dtype=float) - mean
    _, logdet = np.linalg.slogdet(cov)
    return float(-0.5 * (resid @ np.linalg.solve(cov, resid) + logdet + k * _LOG_2PI))


def normalised(loglik: np.ndarray) -> np.ndarray:
    """Weights ∝ exp(loglik), summing to 1 (a point at −inf weighs 0)."""
    top = np.max(loglik)
    w = np.exp(np.asarray(loglik) - top)
    return w / w.sum()


def effective_size(weights: np.ndarray) -> float:
    """Kish's effective sample size of importance weights summing to 1."""
    return float(1.0 / np.sum(np.square(weights)))


def weighted_quantiles(values: np.ndarray, weights: np.ndarray, qs) -> np.ndarray:
    """Quantiles of a weighted sample (the inverse of its step distribution function,
    taken at the middle of each point's weight)."""
    order = np.argsort(values)
    v, w = np.asarray(values)[order], np.asarray(weights)[order]
    cum = np.cumsum(w) - 0.5 * w
    return np.interp(qs, cum / w.sum(), v)


def weighted_moments(values: np.ndarray, weights: np.ndarray) -> tuple[float, float]:
    """Mean and standard deviation of a weighted sample."""
    mean = float(np.sum(weights * values))
    return mean, float(np.sqrt(max(np.sum(weights * (values - mean) ** 2), 0.0)))


def next_box(u: np.ndarray, weights: np.ndarray, low: np.ndarray, high: np.ndarray):
    """The box of probability space the next stage samples: per parameter, the weighted
    0.05–99.95 % quantiles or the mean ± 4 sd, whichever is wider, widened by two design
    spacings (so that a posterior narrower than the design still gets neighbours), within
    [0, 1]. For a normal posterior the box is eight sd wide: 44 % of its points weigh (in
    effective size) per dimension."""
    spacing = (high - low) / len(u) ** (1.0 / u.shape[1])
    lo, hi = np.empty(u.shape[1]), np.empty(u.shape[1])
    for j in range(u.shape[1]):
        a, b = weighted_quantiles(u[:, j], weights, [0.0005, 0.9995])
        mean, sd = weighted_moments(u[:, j], weights)
        lo[j] = max(min(a, mean - 4 * sd) - 2 * spacing[j], 0.0)
        hi[j] = min(max(b, mean + 4 * sd) + 2 * spacing[j], 1.0)
    return lo, hi


def mass_outside(u: np.ndarray, weights: np.ndarray, low: np.ndarray, high: np.ndarray) -> float:
    """The weight of the points outside a box (what the next stage cannot see)."""
    inside = np.all((u >= low) & (u <= high), axis=1)
    return float(weights[~inside].sum())


def pooled_weights(u: np.ndarray, loglik: np.ndarray, stage: np.ndarray, boxes) -> np.ndarray:
    """Importance weights of every stage's points together (a deterministic mixture): each
    point's likelihood over the density with which the stages, taken together, drew it,
    q(u) = Σ_s (n_s / n) · 1{u ∈ box_s} / vol(box_s)."""
    q = np.zeros(len(u))
    for s, (low, high) in enumerate(boxes):
        inside = np.all((u >= low) & (u <= high), axis=1)
        q += np.mean(stage == s) * inside / np.prod(high - low)
    return normalised(np.asarray(loglik) - np.log(q))
