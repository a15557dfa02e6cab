"""How live `simulator.explore` feels: the time from a slider's new value to the new
figure and summary, for 1,000 replications of scenarios/atos_joins.yaml on one core.

Each round moves the State's pledge (a new value each time, so nothing is cached) and
times, interleaved in the same rounds:
  explore   Explorer.update: with_changes + run + the capital-against-market figure as PNG
  run       the run alone (the anchor: what the figure adds)
  funding   the run and the full plot_funding figure (what a naive redraw would cost)
Prints the median and max wall and CPU seconds of each, peak RSS, then a JSON last line.
Usage: python bench/explore.py [--rounds K] [--replications N]
"""

from __future__ import annotations

import argparse
import io
import json
import os
import resource
import statistics
import time
from pathlib import Path

from simulator.experiments.explore import explore
from simulator.experiments.run import run

ROOT = Path(__file__).resolve().parent.parent
KEY = "partners.state.pledge"


def timed(fn) -> tuple[float, float]:
    wall, cpu = time.perf_counter(), time.process_time()
    fn()
    return time.perf_counter() - wall, time.process_time() - cpu


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    ap.add_argument("--rounds", type=int, default=10)
    ap.add_argument("--replications", type=int, default=1000)
    args = ap.parse_args()
    if hasattr(os, "sched_setaffinity"):
        os.sched_setaffinity(0, {sorted(os.sched_getaffinity(0))[0]})  # one core
    e = explore(ROOT / "scenarios/atos_joins.yaml", [KEY], replications=args.replications)
    e.update(**{KEY: 140})  # the layout is worked out once
    times: dict[str, list] = {"explore": [], "run": [], "funding": []}
    for k in range(args.rounds):
        value = 141 + k
        variant = e.scenario.with_changes({KEY: value})

        def funding(v=variant):
            r = run(v, args.replications, e.seed, progress=False)
            r.plot_funding().savefig(io.BytesIO(), format="png", dpi=72)

        times["explore"].append(timed(lambda v=value: e.update(**{KEY: v})))
        times["run"].append(
            timed(lambda v=variant: run(v, args.replications, e.seed, progress=False))
        )
        times["funding"].append(timed(funding))
    out = {}
    for name, pairs in times.items():
        walls, cpus = [w for w, _ in pairs], [c for _, c in pairs]
        out[name] = {
            "wall_median": statistics.median(walls),
            "wall_max": max(walls),
            "cpu_median": statistics.median(cpus),
        }
        print(
            f"{name:8} wall median {out[name]['wall_median']:.3f} s, max {max(walls):.3f} s; "
            f"CPU median {out[name]['cpu_median']:.3f} s"
        )
    rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"peak RSS {rss:.0f} MiB; {args.replications:,} replications, {args.rounds} rounds")
    print(json.dumps({**out, "peak_rss_mib": rss, "replications": args.replications}))


if __name__ == "__main__":
    main()
