"""Benchmark the engine on scenarios/reference/bench.yaml, one core.

Prints one line per measurement, then a JSON object as the last line:
  reps_per_s        engine + recording into arrays (simulate), the figure the target is set on
  reps_per_s_tables simulator.run: the same plus the ResultSet tables (pandas) and manifest
Usage: python bench/run.py [--replications N] [--repeat K]
"""

from __future__ import annotations

import argparse
import json
import os
import time
from pathlib import Path

from simulator.engine.compile import compile_scenario
from simulator.engine.simulate import simulate
from simulator.experiments.run import run
from simulator.experiments.tasks import CHUNK
from simulator.scenario.load import load_scenario

ROOT = Path(__file__).resolve().parent.parent


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    ap.add_argument("--replications", type=int, default=5000)
    ap.add_argument("--repeat", type=int, default=3, help="best of K timings")
    ap.add_argument("--scenario", type=Path, default=ROOT / "scenarios/reference/bench.yaml")
    args = ap.parse_args()
    if hasattr(os, "sched_setaffinity"):
        os.sched_setaffinity(0, {sorted(os.sched_getaffinity(0))[0]})  # one core
    scenario = load_scenario(args.scenario)
    model = compile_scenario(scenario)
    simulate(model, 0, 50)  # warm up imports and caches
    n = args.replications

    def engine():
        return [simulate(model, 1, min(CHUNK, n - f), f) for f in range(0, n, CHUNK)]

    def with_tables():  # simulator.run: the engine, the tables and the manifest
        return run(scenario, replications=n, seed=1)

    best = {}
    for name, fn in (("engine", engine), ("tables", with_tables)):
        times = []
        for _ in range(args.repeat):
            t0 = time.perf_counter()
            fn()
            times.append(time.perf_counter() - t0)
        best[name] = min(times)
        print(
            f"{name:>7}: {n} replications in {best[name]:.3f} s (best of {args.repeat}) "
            f"= {n / best[name]:,.0f} reps/s"
        )
    print(
        json.dumps(
            {
                "scenario": str(args.scenario.relative_to(ROOT)),
                "replications": n,
                "reps_per_s": round(n / best["engine"], 1),
                "reps_per_s_tables": round(n / best["tables"], 1),
                "target_reps_per_s": 5000,
            }
        )
    )


if __name__ == "__main__":
    main()
