"""Benchmark the sweep machinery on scenarios/reference/bench.yaml.

Measures, in one run so that the ratios compare like with like:
  engine_reps_per_s     the engine alone: simulate() in a loop over the same points and seeds,
                        each call allocating its arrays, as a plain loop does
  engine_reusing_...    the same loop reusing one workspace, as the sweep's processes do
  serial reps_per_s     `consim sweep --executor serial` (design, seeding, tables, parts, merge)
  processes reps_per_s  `--executor processes` on every core, the pool already started and
                        its workers' imports done (a notebook or a long sweep pays that
                        once: pool_start_s, measured separately)
  harness_overhead      1 - engine / serial time (target < 10 %); _vs_reusing: against the
                        loop reusing a workspace (the sweep's own engine calls)
  speedup               serial / processes time (target ≥ 1.8 on 2 cores); speedup_cold
                        counts the pool's start too
  peak_rss_mib          peak resident memory, summed over the sweep's processes, of a
                        1,000,000-replication sweep (target < 1024 MiB; skip with --no-memory)
  ten_million           with --ten-million, the same of a 10,000,000-replication sweep
                        (100 points × 100,000), and how long it took
Each of --rounds rounds measures the first four twice, counterbalanced (engine, reusing,
serial, pool, pool, serial, reusing, engine: a steady drift of the machine's speed within a
round cancels out); the figures are medians over the rounds of the ratios within a round (the
machine is shared: its speed changes from second to second). `best` gives the same figures
from each configuration's fastest run: interference only ever slows a run down, so the
fastest is the least disturbed (as timeit reports). The load average before the run is printed.
The last line printed is a JSON object with these figures.
Usage: python bench/sweep.py [--replications N] [--points K] [--rounds R] [--no-memory]
       [--ten-million]
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import psutil

from simulator.engine.simulate import Workspace, simulate
from simulator.experiments.executors import Processes
from simulator.experiments.points import design_points
from simulator.experiments.spec import load_sweep
from simulator.experiments.sweep import sweep, task_chunk
from simulator.results.tables import outcome_months

ROOT = Path(__file__).resolve().parent.parent
BENCH = ROOT / "scenarios" / "reference" / "bench.yaml"


def sweep_file(folder: Path, points: int, replications: int) -> Path:
    path = folder / f"bench_{points}x{replications}.yaml"
    path.write_text(
        f"scenario: {BENCH}\n"
        "parameters:\n"
        f"  partners.state.pledge: {{low: 80, high: 120, steps: {points}}}\n"
        f"replications: {replications}\nseed: 1\n"
        "keep: {trajectories: []}\n"  # outcomes only, as the target is set
    )
    return path


def engine_loop(path: Path, workspace: Workspace | None = None) -> float:
    """Seconds for the engine alone over the same work, asking what the sweep's tasks ask
    (venture totals at the outcomes' months, no events; no tables, no files):
    each call allocates its arrays, as a plain loop does, unless given a `workspace` to reuse
    (as the sweep's processes do)."""
    spec, doc, path = load_sweep(path)
    _, points = design_points(spec, path, doc)
    chunk = task_chunk(spec, points[0].context)  # as the sweep's tasks
    t0 = time.perf_counter()
    for point in points.values():
        for first in range(0, spec.replications, chunk):
            n = min(chunk, spec.replications - first)
            model, months = point.context.model, outcome_months(point.context)
            simulate(
                model, spec.seed, n, first, workspace, totals=True, events=False, months=months
            )
    return time.perf_counter() - t0


def timed_sweep(path: Path, out: Path, executor) -> float:
    t0 = time.perf_counter()
    sweep(path, out=out, executor=executor, force=True, plots=False, load=False)
    return time.perf_counter() - t0


def engine_and_serial(path: Path, tmp: Path, reverse: bool = False) -> tuple[float, ...]:
    """(engine loop, engine loop reusing a workspace, serial sweep) seconds, pinned to one
    core, run in this order or in reverse."""
    runs = [
        lambda: engine_loop(path),
        lambda: engine_loop(path, Workspace()),
        lambda: timed_sweep(path, tmp / "serial", "serial"),
    ]
    undo = one_core()
    try:
        order = range(len(runs) - 1, -1, -1) if reverse else range(len(runs))
        seconds = {k: runs[k]() for k in order}
    finally:
        undo()
    return tuple(seconds[k] for k in range(len(runs)))


def one_core():
    """Pin this process to one core for the serial figures; return a function to undo it."""
    if not hasattr(os, "sched_setaffinity"):
        return lambda: None
    cores = os.sched_getaffinity(0)
    os.sched_setaffinity(0, {min(cores)})
    return lambda: os.sched_setaffinity(0, cores)


def peak_rss_of_sweep(path: Path, out: Path) -> tuple[float, float]:
    """Run `consim sweep` in a subprocess; sample its process tree's total RSS. (MiB, seconds)"""
    cmd = [
        sys.executable,
        "-m",
        "simulator",
        "sweep",
        str(path),
        "--out",
        str(out),
        "--force",
        "--no-plots",
    ]
    t0 = time.perf_counter()
    proc = subprocess.Popen(cmd, stdout=subprocess.DEVNULL)
    root, peak = psutil.Process(proc.pid), 0
    while proc.poll() is None:
        try:
            tree = [root, *root.children(recursive=True)]
            peak = max(peak, sum(p.memory_info().rss for p in tree if p.is_running()))
        except psutil.Error:
            pass
        time.sleep(0.1)
    if proc.returncode:
        raise SystemExit(f"the 1,000,000-replication sweep failed (exit {proc.returncode})")
    return peak / 2**20, time.perf_counter() - t0


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    # 100,000 a point: a sweep's own fixed costs (its design, sensitivity indices and files,
    # about 0.1 s) weigh on a small sweep's figure, not on its runs' throughput
    ap.add_argument("--replications", type=int, default=1_000_000, help="total, over all points")
    ap.add_argument("--points", type=int, default=10)
    ap.add_argument("--rounds", type=int, default=5, help="engine/serial/processes rounds")
    ap.add_argument("--no-memory", action="store_true", help="skip the 1,000,000-run sweep")
    ap.add_argument(
        "--ten-million", action="store_true", help="also a 10,000,000-run sweep (minutes)"
    )
    args = ap.parse_args()
    per_point = args.replications // args.points
    total = per_point * args.points
    with tempfile.TemporaryDirectory() as tmp:
        tmp = Path(tmp)
        path = sweep_file(tmp, args.points, per_point)
        sweep(sweep_file(tmp, 2, 50), out=tmp / "warm", executor="serial", plots=False)
        load_before = os.getloadavg()[0]
        t0 = time.perf_counter()
        pool = Processes()
        # Start every worker and let it import consim, as a notebook's second sweep finds it.
        warm = sweep_file(tmp, 2 * pool.workers, 10)
        sweep(warm, out=tmp / "warm_pool", executor=pool, chunk=10, plots=False, load=False)
        started = time.perf_counter() - t0
        rounds = []  # per round, seconds per run: (engine, engine reusing, serial, processes)
        runs: list[list[float]] = [[], [], [], []]  # every run's seconds, per configuration
        try:
            for _ in range(args.rounds):
                # Counterbalanced: engine, reusing, serial, pool, pool, serial, reusing, engine.
                # The four are centred on the same moment, so a steady drift of the shared
                # host's speed within the round cancels out of their ratios.
                first = engine_and_serial(path, tmp)
                pooled = [timed_sweep(path, tmp / "processes", pool) for _ in range(2)]
                second = engine_and_serial(path, tmp, reverse=True)
                for k, pair in enumerate((*zip(first, second, strict=True), pooled)):
                    runs[k].extend(pair)
                rounds.append(tuple(sum(r[-2:]) / 2 for r in runs))
        finally:
            pool.close()
        # Each ratio is taken within its round, then the median over rounds: the machine is
        # shared, and a ratio of figures measured seconds apart resists its load best.
        engine, reusing, serial, processes = (
            statistics.median(r[k] for r in rounds) for k in range(4)
        )
        overhead = statistics.median(1 - e / s for e, _, s, _ in rounds)
        overhead_reusing = statistics.median(1 - w / s for _, w, s, _ in rounds)
        speedup = statistics.median(s / p for _, _, s, p in rounds)
        # The best run of each: interference on a shared host only ever slows a run down
        # (and a run on both cores more than one on one), so each configuration's fastest run
        # is its least disturbed (as timeit reports).
        best = [min(r) for r in runs]
        figures = {
            "scenario": str(BENCH.relative_to(ROOT)),
            "replications": total,
            "points": args.points,
            "rounds": args.rounds,
            "load_average_before": round(load_before, 2),
            "engine_reps_per_s": round(total / engine, 1),
            "engine_reusing_reps_per_s": round(total / reusing, 1),
            "reps_per_s": {
                "serial": round(total / serial, 1),
                "processes": round(total / processes, 1),
            },
            "harness_overhead": round(overhead, 4),
            "harness_overhead_vs_reusing": round(overhead_reusing, 4),
            "speedup": round(speedup, 3),
            "speedup_rounds": [round(s / p, 3) for _, _, s, p in rounds],
            "best": {
                "engine_reps_per_s": round(total / best[0], 1),
                "serial_reps_per_s": round(total / best[2], 1),
                "processes_reps_per_s": round(total / best[3], 1),
                "harness_overhead": round(1 - best[0] / best[2], 4),
                "harness_overhead_vs_reusing": round(1 - best[1] / best[2], 4),
                "speedup": round(best[2] / best[3], 3),
            },
            "speedup_cold": round(serial / (processes + started), 3),
            "pool_start_s": round(started, 3),
            "workers": len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else None,
        }
        print(f"load average before: {load_before:.2f}; medians of {args.rounds} rounds")
        print(
            f"engine alone      {total / engine:9,.0f} reps/s (one core; "
            f"{total / reusing:,.0f} reusing a workspace)"
        )
        print(
            f"sweep, serial     {total / serial:9,.0f} reps/s (one core): "
            f"harness overhead {100 * overhead:.1f} % ({100 * overhead_reusing:.1f} % "
            "against the loop reusing a workspace)"
        )
        print(
            f"sweep, processes  {total / processes:9,.0f} reps/s: speedup {speedup:.2f}× "
            f"(rounds: {', '.join(f'{x:.2f}' for x in figures['speedup_rounds'])}; "
            f"{serial / (processes + started):.2f}× counting the pool's start, "
            f"{started:.2f} s)"
        )
        print(
            f"best runs         engine {total / best[0]:,.0f}, serial {total / best[2]:,.0f}, "
            f"processes {total / best[3]:,.0f} reps/s: harness overhead "
            f"{100 * (1 - best[0] / best[2]):.1f} % ({100 * (1 - best[1] / best[2]):.1f} % "
            f"against reusing), speedup {best[2] / best[3]:.2f}×"
        )
        sizes = ([] if args.no_memory else [("million", 10_000)]) + (
            [("ten_million", 100_000)] if args.ten_million else []
        )
        for name, per in sizes:
            peak, seconds = peak_rss_of_sweep(sweep_file(tmp, 100, per), tmp / name)
            figures[name] = {
                "replications": 100 * per,
                "peak_rss_mib": round(peak, 1),
                "seconds": round(seconds, 1),
            }
            print(
                f"{100 * per:,} replications: peak RSS {peak:,.0f} MiB (all processes), "
                f"{seconds:.0f} s"
            )
    print(json.dumps(figures))


if __name__ == "__main__":
    main()
