"""Calibration (`consim calibrate`, docs/model.md §13.4): fit a scenario's uncertain inputs
to its observed history.

Method, and why: a synthetic likelihood (Wood 2010) on stages of quasi-random points
(scipy's scrambled Sobol sequences). Each point fixes the fitted inputs and runs a batch of
replications, all points with one seed (common random numbers, so that neighbouring points
differ by their inputs, not by luck); the runs' mean and covariance of the observed totals,
plus the figures' own uncertainty, give a Gaussian likelihood. In the priors' probability
space every prior is uniform, so a stage's points, uniform in a box, are weighted by their
likelihood alone; each stage narrows the box to where the weight is. Approximate Bayesian
computation (pyabc) was the other choice: it simulates one replication per proposal, where
consim's cost is per batch, and needs a database and its own worker pool; a synthetic
likelihood uses whole batches and the executors consim already has.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd
from scipy.stats import qmc

from simulator.analysis.calibration import (
    effective_size,
    next_box,
    normalised,
    observed_totals,
    pooled_weights,
    synthetic_loglik,
    weighted_moments,
    weighted_quantiles,
)
from simulator.experiments.calibration_inputs import fitted_priors, observed_series
from simulator.experiments.executors import executor_for, frozen_gc
from simulator.experiments.progress import progress_bar
from simulator.experiments.run import Simulation, fresh_seed, run, simulate_batch
from simulator.experiments.store import warm_up
from simulator.results.manifest import labels_of, provenance
from simulator.scenario.load import load_scenario

BATCH = 8  # design points simulated together (their tasks share the executor)


class _NoBar:
    def update(self, n: int = 1) -> None:
        pass


_NO_BAR = _NoBar()
FIT_COLUMNS = ["input", "prior", "mean", "sd", "p05", "p50", "p95", "prior_p05", "prior_p95"]


@dataclass
class Calibration:
    """A fit: one row per input (`fit`), every point of every stage (`samples`), the runs
    of the scenario as written and as calibrated, and the calibrated scenario."""

    fit: pd.DataFrame
    samples: pd.DataFrame
    prior_runs: object  # ResultSet of the scenario as written
    calibrated_runs: object  # ResultSet of the calibrated scenario
    calibrated: object  # the calibrated Scenario
    priors: dict  # input → its prior Distribution
    base_path: Path
    manifest: dict

    @property
    def prior_draws(self) -> dict[str, np.ndarray]:
        """Each prior at 1,000 evenly spread quantiles (what its density figure shows)."""
        u = (np.arange(1000) + 0.5) / 1000
        return {k: np.array([p.quantile(x) for x in u]) for k, p in self.priors.items()}

    def backtest(self) -> pd.DataFrame:
        """Each observed point against the runs before and after calibration."""
        before, after = self.prior_runs.backtest(), self.calibrated_runs.backtest()
        table = before[["series", "label", "venture", "variable", "date", "observed", "sd"]]
        return table.assign(
            prior_mean=before["simulated_mean"],
            prior_z=before["z"],
            calibrated_mean=after["simulated_mean"],
            calibrated_z=after["z"],
        )

    def lines(self) -> list[str]:
        """The fit in words: each input's posterior, each observed point before and after."""
        m = self.manifest
        points = sum(len(s["dates"]) for s in m["observed_series"])
        out = [
            f"{m['scenario']}: {len(self.fit)} input(s) fitted to {points} observed point(s) "
            f"({m['stages_run']} stage(s) × {m['design']} points × up to {m['replications']} "
            f"replications: {m['runs']:,} runs, seed {m['seed']}, {m['seconds']:.1f} s)"
        ]
        width = max(len(k) for k in self.fit["input"])
        for r in self.fit.itertuples():
            out.append(
                f"  {r.input:<{width}}  prior {r.prior}  →  {r.mean:.4g} ± {r.sd:.3g} "
                f"(90 %: {r.p05:.4g}–{r.p95:.4g})"
            )
        out.append(
            f"  observed against {m['check']:,} runs (z = difference / √(sd² + the runs' "
            "variance)):"
        )
        for r in self.backtest().itertuples():
            sd = f" ± {r.sd:g}" if r.sd else ""
            out.append(
                f"    {r.label} [{r.venture}] {r.variable} {r.date}: observed {r.observed:,.4g}"
                f"{sd}; as written {r.prior_mean:,.4g} (z {r.prior_z:+.2f}), calibrated "
                f"{r.calibrated_mean:,.4g} (z {r.calibrated_z:+.2f})"
            )
        ess = m["effective_size"]
        out.append(f"  effective sample: {ess:g} of {len(self.samples)} points (all stages)")
        if ess < 10:
            out.append(
                "  note: few points carry the weight: the posterior is coarse; raise --design "
                "or --stages"
            )
        return out

    def plot(self):
        """Simulated vs observed, before and after, and each input's prior and posterior."""
        from simulator.plots.calibration import plot_calibration

        return plot_calibration(self)

    def overlay(self, directory: Path) -> str:
        """The calibrated scenario as an `extends:` overlay written in `directory`."""
        from simulator.experiments.calibration_inputs import overlay_text

        return overlay_text(self, directory)

    def save(self, directory: str | Path, force: bool = False, plots: bool = True) -> Path:
        """calibrated.yaml, fit.csv, posterior.csv, backtest.csv, manifest.json and the
        figure, written into a temporary sibling and moved into place at once."""
        import json

        from simulator.results.folders import staging

        directory = Path(directory)
        with staging(directory, force) as tmp:
            (tmp / "calibrated.yaml").write_text(self.overlay(directory), encoding="utf-8")
            load_scenario(tmp / "calibrated.yaml")  # what was written reads back
            self.fit.to_csv(tmp / "fit.csv", index=False)
            self.samples.to_csv(tmp / "posterior.csv", index=False)
            self.backtest().to_csv(tmp / "backtest.csv", index=False)
            if plots:
                self.plot().savefig(tmp / "calibration.png", dpi=110)
            (tmp / "manifest.json").write_text(json.dumps(self.manifest, indent=2, default=str))
        return directory


def calibrate(
    path: str | Path,
    fit: list[str] | tuple[str, ...],
    replications: int = 100,
    design: int = 64,
    stages: int = 4,
    seed: int | None = None,
    check: int = 500,
    progress: bool = True,
    executor: str = "serial",
    workers: int | None = None,
    scheduler: str | None = None,
) -> Calibration:
    """Fit the inputs named in `fit` (key paths of distributions in the file: their priors)
    to the scenario's `observed:` series. Each of up to `stages` stages runs `design`
    points (a power of 2) × `replications`; the scenario as written and as calibrated are
    then run `check` times each for the backtest. The calibrated scenario sets each input
    to a normal distribution with its posterior mean and sd, clipped to its prior's range.

    >>> from simulator import calibrate
    >>> paces = [f"ventures.{v}.spending.per_year" for v in ("cloudwatt", "numergy")]
    >>> cal = calibrate("scenarios/examples/cloudwatt_pace.yaml", paces, design=32, seed=1,
    ...                 check=50, progress=False)
    >>> [round(float(x), -1) for x in cal.fit["mean"]]  # M€ a year: 100 in 30 months, 56 in 34
    [40.0, 20.0]
    """
    path = Path(path)
    base = load_scenario(path)
    priors = fitted_priors(path, base, list(fit))
    series = observed_series(base)
    if design < 2 or design & (design - 1):
        from simulator.errors import ConsimError

        raise ConsimError(f"calibrate: --design must be a power of 2 ≥ 2 (got {design})")
    seed = fresh_seed(seed)
    started = time.perf_counter()
    with (
        executor_for(executor, workers, scheduler, warm_up) as pool,
        progress_bar(stages * design, f"calibrate {base.name}", progress, unit="point") as bar,
        frozen_gc(),
    ):
        samples, boxes = _stages(
            base, priors, series, (replications, design, stages, seed), pool, bar
        )
    fit_table = _summary(priors, samples)
    posterior = _posteriors(priors, fit_table)
    calibrated = base.with_changes(posterior)
    runs = [run(s, check, seed, progress=False) for s in (base, calibrated)]
    manifest = _manifest(base, priors, series, samples, (replications, design, stages, seed))
    manifest["check"] = check
    manifest["stages"] = boxes
    manifest["posterior"] = posterior
    manifest["seconds"] = round(time.perf_counter() - started, 2)
    return Calibration(fit_table, samples, *runs, calibrated, priors, path.resolve(), manifest)


def _stages(base, priors: dict, series: list, plan: tuple, pool, bar):
    """Every stage's points (their probability-space coordinates, inputs, log-likelihood,
    weight within the stage and weight with all stages pooled) and each stage's box and
    effective size; stops once the weight is spread over a quarter of a stage's points
    or half the points of all stages (the box has found the posterior's scale)."""
    replications, design, stages, seed = plan
    keys, d = list(priors), len(priors)
    low, high = np.zeros(d), np.ones(d)
    frames, boxes = [], []
    for stage in range(stages):
        unit = qmc.Sobol(d, scramble=True, seed=seed + stage).random(design)
        u = np.clip(low + (high - low) * unit, 1e-9, 1 - 1e-9)
        theta = np.array(
            [[priors[k].quantile(x) for k, x in zip(keys, row, strict=True)] for row in u]
        )
        loglik, runs = _logliks(base, keys, theta, series, replications, seed, pool, bar)
        w = normalised(loglik)
        frame = pd.DataFrame(theta, columns=keys).assign(
            stage=stage, replications=runs, loglik=loglik, stage_weight=w
        )
        frame[[f"u:{k}" for k in keys]] = u
        frames.append(frame)
        boxes.append((low, high))
        samples = pd.concat(frames, ignore_index=True)
        every = samples[[f"u:{k}" for k in keys]].to_numpy()
        samples["weight"] = pooled_weights(every, samples["loglik"], samples["stage"], boxes)
        if effective_size(w) >= design / 4 or effective_size(samples["weight"]) >= len(samples) / 2:
            break
        low, high = next_box(u, w, low, high)
    info = [
        {
            "stage": s,
            "box": [[float(a), float(b)] for a, b in zip(lo, hi, strict=True)],
            "effective_size": round(effective_size(frames[s]["stage_weight"].to_numpy()), 1),
        }
        for s, (lo, hi) in enumerate(boxes)
    ]
    return samples, info


def _logliks(base, keys, theta, series, replications, seed, pool, bar) -> np.ndarray:
    """The synthetic log-likelihood of the observed series at each point."""
    observed = np.concatenate([s["values"] for s in series])
    sd = np.concatenate([s["sd"] for s in series])
    out, runs = [], []
    for start in range(0, len(theta), BATCH):
        sims = [
            Simulation.of(base.with_changes(dict(zip(keys, map(float, row), strict=True))))
            for row in theta[start : start + BATCH]
        ]
        for batch in (False, True):  # a point with nothing left to chance: one run
            some = [sim for sim in sims if sim.stochastic == batch]
            simulate_batch(some, seed, 0, replications if batch else 1, pool, _NO_BAR)
        bar.update(len(sims))  # the bar counts design points (at most stages × design)
        for sim in sims:
            t = sim.trajectories()
            x = np.hstack(
                [observed_totals(t, s["venture"], s["variable"], s["dates"]) for s in series]
            )
            out.append(synthetic_loglik(x, observed, sd))
            runs.append(len(x))
    return np.array(out), np.array(runs)


def _summary(priors: dict, samples: pd.DataFrame) -> pd.DataFrame:
    w = samples["weight"].to_numpy()
    rows = []
    for key, prior in priors.items():
        values = samples[key].to_numpy()
        mean, sd = weighted_moments(values, w)
        p05, p50, p95 = weighted_quantiles(values, w, [0.05, 0.5, 0.95])
        shown = ", ".join(
            f"{k}={v:g}" for k, v in prior.to_data().items() if k != "dist" and v is not None
        )
        rows.append(
            (
                key,
                f"{prior.kind}({shown})",
                mean,
                sd,
                p05,
                p50,
                p95,
                prior.quantile(0.05),
                prior.quantile(0.95),
            )
        )
    return pd.DataFrame(rows, columns=FIT_COLUMNS)


def _posteriors(priors: dict, fit_table: pd.DataFrame) -> dict:
    """Each input's posterior as a normal distribution clipped to its prior's range."""
    changes = {}
    for r in fit_table.itertuples():
        low, high = priors[r.input].support()
        dist = {"dist": "normal", "mean": _round(r.mean), "sd": _round(r.sd)}
        dist |= {k: v for k, v in (("low", low), ("high", high)) if np.isfinite(v)}
        changes[r.input] = dist
    return changes


def _round(x: float) -> float:
    return float(f"{x:.6g}")


def _manifest(base, priors, series, samples, plan) -> dict:
    from simulator.scenario.load import scenario_hash

    replications, design, stages, seed = plan
    return {
        "kind": "calibration",
        "scenario": base.name,
        "title": base.title,
        "unit": base.unit,
        "files": base.files,
        "input_hash": scenario_hash(base),
        "fit": {k: p.to_data() for k, p in priors.items()},
        "observed": [s["id"] for s in series],
        "observed_series": [
            {k: s[k] for k in ("id", "label", "venture", "variable", "dates")} for s in series
        ],
        "labels": labels_of(base),
        "seed": seed,
        "replications": replications,
        "design": design,
        "stages_run": int(samples["stage"].max()) + 1,
        "stages_max": stages,
        "runs": int(samples["replications"].sum()),
        "effective_size": round(effective_size(samples["weight"].to_numpy()), 1),
        **provenance(),
    }
