"""Benchmark the engine on scenarios/reference/bench.yaml, one core.

Prints one line per measurement, then a JSON object as the last line:
  reps_per_s        engine + recording into arrays (simulate), the figure the target is set on
  reps_per_s_tables simulator.run: the same plus the ResultSet tables (pandas) and manifest
  million           `consim run scenarios/reference/bench.yaml -n 1000000 --no-plots` in a
                    child process pinned to one core: wall and CPU seconds, peak RSS
                    (targets: under 15 s, under 1 GiB; skip with --no-million)
Usage: python bench/run.py [--replications N] [--repeat K] [--no-million]
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from simulator.engine.compile import compile_scenario
from simulator.engine.simulate import simulate
from simulator.experiments.run import run
from simulator.experiments.tasks import CHUNK
from simulator.scenario.load import load_scenario

ROOT = Path(__file__).resolve().parent.parent
BENCH = "scenarios/reference/bench.yaml"


def million_run() -> dict:
    """The whole command on a million replications, as a user runs it, in a child process
    pinned to one core (its CPU time and peak RSS from the kernel's accounting)."""
    cores = sorted(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else None
    with tempfile.TemporaryDirectory() as tmp:
        cmd = [sys.executable, "-m", "simulator", "run", str(ROOT / BENCH)]
        cmd += ["-n", "1000000", "--seed", "1", "--no-plots", "-q", "--out", f"{tmp}/million"]
        pin = (lambda: os.sched_setaffinity(0, {cores[0]})) if cores else None
        before = resource.getrusage(resource.RUSAGE_CHILDREN)
        t0 = time.perf_counter()
        subprocess.run(cmd, check=True, cwd=ROOT, preexec_fn=pin)
        wall = time.perf_counter() - t0
        after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    rss = round(after.ru_maxrss / 1024)  # the largest child's peak, in MiB
    return {"seconds": round(wall, 1), "cpu_seconds": round(cpu, 1), "peak_rss_mib": rss}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    ap.add_argument("--replications", type=int, default=5000)
    ap.add_argument("--repeat", type=int, default=3, help="best of K timings")
    ap.add_argument("--scenario", type=Path, default=ROOT / "scenarios/reference/bench.yaml")
    ap.add_argument("--no-million", action="store_true", help="skip the 1,000,000-run command")
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
    figures = {
        "scenario": str(args.scenario.relative_to(ROOT)),
        "replications": n,
        "reps_per_s": round(n / best["engine"], 1),
        "reps_per_s_tables": round(n / best["tables"], 1),
        "target_reps_per_s": 5000,
    }
    if not args.no_million:
        m = figures["million"] = million_run()
        print(
            f"consim run -n 1000000 --no-plots: {m['seconds']} s ({m['cpu_seconds']} CPU-s), "
            f"peak RSS {m['peak_rss_mib']:,} MiB (targets: 15 s, 1,024 MiB)"
        )
    print(json.dumps(figures))


if __name__ == "__main__":
    main()
