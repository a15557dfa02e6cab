"""How the engine's time per replication grows with partners and months, one core.

A synthetic consortium: P partners pledging 10 each in yearly tranches, each leaving with a
monthly hazard of 1 %, a venture with a minimum capital checked after every departure,
over H months. Prints CPU time per replication for P in 4, 32, 128 (H = 72) and H in 24,
72, 240 (P = 32), each the median of interleaved rounds, and its ratio to the smallest
case: linear growth doubles the time when the size doubles (16× from 4 to 128 partners
would be linear; 32× the 8× of months is linear too).

Usage: python bench/growth.py [--replications N] [--rounds K] [--engine batch|reference]
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import statistics
import time

from simulator.engine.compile import compile_scenario
from simulator.engine.simulate import Workspace, simulate
from simulator.experiments.tasks import sweep_chunk
from simulator.scenario.load import load_scenario

PARTNERS, MONTHS = (4, 32, 128), (24, 72, 240)


def scenario_text(partners: int, months: int) -> str:
    end_year, end_month = 2020 + (months - 1) // 12, (months - 1) % 12 + 1
    lines = [
        "start: 2020-01",
        f"end: {end_year}-{end_month:02d}",
        "ventures:",
        f"  v: {{minimum_capital: {8 * partners}, deadline: 2020-06}}",
        "partners:",
    ]
    lines += [
        f"  p{i}: {{pledge: 10, schedule: {{type: tranches, count: 4, every: 12}},"
        " departure: {hazard: 0.01}}"
        for i in range(partners)
    ]
    return "\n".join(lines) + "\n"


def cpu_per_replication(model, n: int, engine: str) -> float:
    """CPU per replication over n as a sweep runs them: in its chunks, reusing one
    workspace, recording venture totals and no events."""
    chunk, workspace = sweep_chunk(model), Workspace()
    start = time.process_time()
    for first in range(0, n, chunk):
        count = min(chunk, n - first)
        simulate(model, 1, count, first, workspace, engine=engine, totals=True, events=False)
    return (time.process_time() - start) / n


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    ap.add_argument("--replications", type=int, default=400, help="per case (× 10 on batch)")
    ap.add_argument("--rounds", type=int, default=5)
    ap.add_argument("--engine", choices=("batch", "reference"), default="batch")
    args = ap.parse_args()
    n = args.replications * (10 if args.engine == "batch" else 1)  # a batch is much faster
    if hasattr(os, "sched_setaffinity"):
        os.sched_setaffinity(0, {sorted(os.sched_getaffinity(0))[0]})  # one core
    cases = [(p, 72) for p in PARTNERS] + [(32, h) for h in MONTHS if h != 72]
    models = {c: compile_scenario(load_scenario(scenario_text(*c))) for c in cases}
    for model in models.values():
        simulate(model, 0, 20)  # warm up
    times: dict = {c: [] for c in cases}
    for _ in range(args.rounds):  # interleaved: a noisy moment hits every case alike
        for c, model in models.items():
            times[c].append(cpu_per_replication(model, n, args.engine))
    median = {c: statistics.median(t) for c, t in times.items()}
    report = {}
    for label, series in (
        ("partners", [(p, 72) for p in PARTNERS]),
        ("months", [(32, h) for h in MONTHS]),
    ):
        base = median[series[0]]
        for c in series:
            size = c[0] if label == "partners" else c[1]
            ratio = median[c] / base
            print(
                f"{label:>8} {size:>4}: {1e6 * median[c]:8.1f} µs CPU per replication "
                f"(× {ratio:5.2f} of {series[0][0 if label == 'partners' else 1]}; "
                f"size × {size / (series[0][0] if label == 'partners' else series[0][1]):g})"
            )
            report[f"{label}_{size}_us"] = round(1e6 * median[c], 1)
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"peak RSS {peak:.0f} MiB")
    print(json.dumps(report | {"peak_rss_mib": round(peak), "engine": args.engine}))


if __name__ == "__main__":
    main()
