"""Replications per CPU-second of the engines on scenarios/reference/bench.yaml, with the
anchors in the same run: a naive SimPy model (one process per partner, one event per
partner per month), a plain Python loop over months and partners, and the vectorised limit
(numpy over chunks of replications at once, no events at all). Every contender writes full
records: pledged, paid-in and cancelled per replication, member and month.

One core, interleaved rounds (every contender once per round, so that a drift of the
machine's speed cancels out of the ratios); CPU time of this process; figures are medians
over rounds. Prints one line per contender, then a JSON object as the last line.

Usage: python bench/engine.py [--rounds K] [--replications N] [--batch N]
"""

from __future__ import annotations

import argparse
import json
import math
import os
import resource
import statistics
import time
from pathlib import Path

import numpy as np
import simpy

from simulator.engine.compile import compile_scenario
from simulator.engine.simulate import Workspace, simulate
from simulator.experiments.tasks import sweep_chunk
from simulator.scenario.load import load_scenario

ROOT = Path(__file__).resolve().parent.parent
SCENARIO = ROOT / "scenarios/reference/bench.yaml"
PLEDGES = np.array([100, 60, 50, 40, 30, 30, 20, 20], dtype=float)  # state first: public
H, HAZARD, TRANCHES, DEADLINE, MINIMUM = 72, 0.01, 72, 17, 250.0
CANDIDATES = ((5, 20.0, 60.0), (12, 10.0, 40.0))  # talks' start month, pledge low/high
RATIO, CAP = 0.5, 80.0


# --- the anchors: bench.yaml's mechanisms written by hand ------------------------------------


def _candidate_terms(rng):
    out = []
    for start, low, high in CANDIDATES:
        duration = math.floor(rng.triangular(2, 6, 12) + 0.5)
        out.append((start + duration, rng.random() < 0.5, rng.uniform(low, high)))
    return out


def naive_simpy(n: int, seed: int = 1) -> np.ndarray:
    """One Environment per replication, one process per partner paying and risking its
    departure each month: the model as one would first write it."""
    rng = np.random.default_rng(seed)
    out = np.zeros((3, n, len(PLEDGES) + len(CANDIDATES), H))
    for r in range(n):
        _naive_replication(rng, out[:, r])
    return np.cumsum(out, axis=-1)


def _naive_replication(rng, out: np.ndarray) -> None:
    env = simpy.Environment()
    pledged, paid, cancelled = out
    state = {"collapsed": False}

    def partner(p, amount, first, count, risky=True):
        for t in range(first, min(first + count, H)):
            if state["collapsed"] or (risky and t > 0 and rng.random() < HAZARD):
                cancelled[p, t] += amount / count * (first + count - t)
                return
            paid[p, t] += amount / count
            yield env.timeout(1)

    def candidate(c, join, success, amount):
        yield env.timeout(join)
        if success and not state["collapsed"]:
            pledged[len(PLEDGES) + c, join] = amount
            yield env.process(partner(len(PLEDGES) + c, amount, join, 24, False))

    def deadline():
        yield env.timeout(DEADLINE + 0.5)
        state["collapsed"] = pledged.sum() - cancelled.sum() < MINIMUM

    for p, amount in enumerate(PLEDGES):
        pledged[p, 0] = amount
        env.process(partner(p, amount, 0, TRANCHES))
    for c, terms in enumerate(_candidate_terms(rng)):
        env.process(candidate(c, *terms))
    env.process(deadline())
    env.run(until=H)


def plain_loop(n: int, seed: int = 1) -> np.ndarray:
    """The same model as nested Python loops: months, then members, no event machinery."""
    rng = np.random.default_rng(seed)
    P = len(PLEDGES) + len(CANDIDATES)
    out = np.zeros((3, n, P, H))
    for r in range(n):
        leave = [H] * P
        terms = _candidate_terms(rng)
        collapsed = False
        for t in range(H):
            for p in range(len(PLEDGES)):
                if leave[p] < H or collapsed:
                    continue
                if t > 0 and rng.random() < HAZARD:
                    leave[p] = t
                    out[2, r, p, t] = PLEDGES[p] / TRANCHES * (TRANCHES - t)
                else:
                    out[1, r, p, t] = PLEDGES[p] / TRANCHES
            for c, (join, success, amount) in enumerate(terms):
                q = len(PLEDGES) + c
                if success and join <= t < join + 24 and not collapsed:
                    out[0, r, q, join] = amount
                    out[1, r, q, t] = amount / 24
            if t == DEADLINE:
                collapsed = PLEDGES.sum() - out[2, r].sum() < MINIMUM
        out[0, r, : len(PLEDGES), 0] = PLEDGES
    return np.cumsum(out, axis=-1)


VECTOR_CHUNK = 1000  # replications at once: their records (17 MB) stay in the cache


def vectorised(n: int, seed: int = 1) -> np.ndarray:
    """The memory-bound limit: departures drawn as geometric months for a chunk of
    replications at once, the records written by broadcasting into one reused array (as
    the engines reuse their workspace), no event at all."""
    rng = np.random.default_rng(seed)
    out = np.empty((3, VECTOR_CHUNK, len(PLEDGES) + len(CANDIDATES), H))
    for first in range(0, n, VECTOR_CHUNK):
        _vectorised_chunk(rng, out[:, : min(VECTOR_CHUNK, n - first)])
    return out


def _vectorised_chunk(rng, out: np.ndarray) -> None:
    n, months, k = out.shape[1], np.arange(H), len(PLEDGES)
    leave = 1 + np.floor(np.log1p(-rng.random((n, k))) / math.log1p(-HAZARD))
    per_month = (PLEDGES / TRANCHES)[None, :, None]
    out[...] = 0.0
    np.multiply(months[None, None, :] < leave[..., None], per_month, out=out[1, :, :k])
    out[0, :, :k, 0] = PLEDGES
    first = months[None, None, :] == leave[..., None]
    np.multiply(first, per_month * (TRANCHES - months), out=out[2, :, :k])
    for c, (start, low, high) in enumerate(CANDIDATES):
        join = start + np.floor(rng.triangular(2, 6, 12, n) + 0.5).astype(int)
        amount = np.where(rng.random(n) < 0.5, rng.uniform(low, high, n), 0.0)
        paying = (months >= join[:, None]) & (months < join[:, None] + 24)
        np.multiply(paying, (amount / 24)[:, None], out=out[1, :, k + c])
    np.cumsum(out, axis=-1, out=out)


# --- the engines -------------------------------------------------------------------------


def engine(model, engine_name: str, batch: int):
    """The engine over n replications in chunks of `batch`, reusing one workspace (as a
    sweep's worker does: the records' memory is mapped once)."""
    workspace = Workspace()

    def run(n: int, seed: int = 1):
        for f in range(0, n, batch):
            simulate(model, seed, min(batch, n - f), f, workspace, engine=engine_name)

    return run


def cpu_seconds(fn, n: int) -> float:
    began = time.process_time()
    fn(n)
    return time.process_time() - began


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    ap.add_argument("--rounds", type=int, default=5)
    ap.add_argument("--replications", type=int, default=100_000, help="for the batch engine")
    ap.add_argument(
        "--batch", type=int, default=None, help="replications per chunk (default: a sweep's)"
    )
    args = ap.parse_args()
    if hasattr(os, "sched_setaffinity"):
        os.sched_setaffinity(0, {sorted(os.sched_getaffinity(0))[0]})  # one core
    model = compile_scenario(load_scenario(SCENARIO))
    args.batch = args.batch or sweep_chunk(model)
    big = args.replications
    # (name, function, replications per round): slow contenders run fewer
    contenders = [
        ("batch engine", engine(model, "batch", args.batch), big),
        ("per-replication engine", engine(model, "reference", 500), big // 50),
        ("naive SimPy", naive_simpy, big // 200),
        ("plain loop", plain_loop, big // 100),
        ("vectorised limit", vectorised, big),
    ]
    for _, fn, _n in contenders:
        fn(min(_n, 200))  # warm-up: imports, the kernels loaded or compiled
    rates: dict[str, list] = {name: [] for name, _, _ in contenders}
    for _ in range(args.rounds):
        for name, fn, n in contenders:
            rates[name].append(n / cpu_seconds(fn, n))
    medians = {name: statistics.median(r) for name, r in rates.items()}
    naive = medians["naive SimPy"]
    for name, rate in medians.items():
        print(
            f"{name:>24}: {rate:>11,.0f} replications per CPU-second "
            f"(× {rate / naive:5.1f} the naive SimPy model; rounds {min(rates[name]):,.0f}"
            f"–{max(rates[name]):,.0f})"
        )
    rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"peak RSS of this process: {rss:,.0f} MiB")
    figures = {name.replace(" ", "_").replace("-", "_"): round(r) for name, r in medians.items()}
    figures.update(
        scenario=str(SCENARIO.relative_to(ROOT)),
        rounds=args.rounds,
        batch=args.batch,
        batch_vs_naive=round(medians["batch engine"] / naive, 1),
        peak_rss_mib=round(rss),
    )
    print(json.dumps(figures))


if __name__ == "__main__":
    main()
