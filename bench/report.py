"""Run the benchmarks and write docs/performance.md from the figures they print.

    python bench/report.py                 # bench/engine.py, run.py, sweep.py (with the
                                           # 1,000,000-replication memory sweep): minutes
    python bench/report.py --no-memory     # without the memory sweep

Each benchmark prints its figures as a JSON object on its last line; this script only
runs them and lays the figures out, so the table always says what a command measured.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import subprocess
import sys
from datetime import date
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
OUT = ROOT / "docs" / "performance.md"

METHOD = """\
`bench/engine.py` times, in interleaved rounds on one core (CPU time, medians over
rounds), the batch engine (in a sweep's chunks, reusing one workspace) and the
per-replication engine on `scenarios/reference/bench.yaml`, with three anchors written by
hand for the same
mechanisms: a naive SimPy model (one process per partner, one event per partner per month),
a plain Python loop over months and partners, and the vectorised limit (numpy over chunks
of 1,000 replications at once, written into one reused array, no events); all five write
full records (pledged, paid-in and
cancelled per replication, member and month); the vectorised anchor makes several numpy
passes over each chunk's records, where the batch engine writes each replication's rows
once while they are in the cache, which is why the engine now runs faster than it.
`bench/run.py` times the engine alone
(`simulate()` over chunks of 500 replications) and a whole `simulator.run` (the engine plus
the ResultSet's tables) on
`scenarios/reference/bench.yaml` (8 partners, 72 months, hazards, candidates, matching, a
deadline), pinned to one core, best of 3. `bench/sweep.py` runs, in interleaved rounds
(engine, engine reusing a workspace, serial sweep, pool, pool, serial, reusing, engine, so
that a drift of the machine's speed within a round cancels out of the ratios), the engine
loop and the same sweep serially and on the process pool: 10 points × 100,000 replications
of the reference scenario keeping outcomes only (`keep: {trajectories: []}`), the engine
loop recording, as the sweep's tasks do, venture totals at the outcomes' months only and
no events, in the sweep's chunks. Its
figures are medians over rounds of the ratios within a round, and each configuration's
best run (interference only slows a run down). The memory figure is the peak resident
memory over all processes of a sweep of 1,000,000 replications (100 points × 10,000).
`bench/growth.py` times, in interleaved rounds on one core, a synthetic consortium (P
partners pledging 10 each in yearly tranches, each leaving with a monthly hazard of 1 %, a
minimum capital checked after each departure) for P = 4, 32, 128 (72 months) and 24, 72,
240 months (32 partners): CPU time per replication on the batch engine (in a sweep's
chunks), medians over rounds. Linear growth is × 32 from 4 to 128 partners and × 10 from
24 to 240 months.

A `consim run` keeps the trajectory rows of at most 1,000,000 rows' worth of replications
in memory (about 160 bytes a row on the reference scenario, 330 with capital calls and
their events); a larger run keeps every outcome but the trajectories and events of a
sample, and streams every event to disk (docs/cli.md, "Large runs are streamed"):
`bench/run.py` runs `consim run scenarios/reference/bench.yaml -n 1000000 --no-plots` in a
child process pinned to one core and reports its wall and CPU time and peak RSS. A run
estimates its size before it starts (kept rows × 250 bytes plus its outcome rows, against
the memory available) and refuses, with the figure, a run that would not fit
(`--allow-large` runs it anyway).

The project's machine is a 2-core virtual machine on a shared host whose speed changes by
up to ±30 % from one second to the next: compare ratios from one run, not figures from two.
"""


def figures(script: str, *args: str) -> dict:
    """Run a benchmark and return the JSON object on its last line (its other lines go on)."""
    done = subprocess.run(
        [sys.executable, str(ROOT / "bench" / script), *args],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=True,
    )
    sys.stdout.write(done.stdout)
    return json.loads(done.stdout.strip().splitlines()[-1])


def table(engine: dict, sweep: dict) -> list[str]:
    best = sweep["best"]
    rows = [
        (
            "engine alone in a run's tasks of 500, one core (best of 3)",
            f"{engine['reps_per_s']:,.0f} reps/s",
        ),
        ("`simulator.run` with its tables, one core", f"{engine['reps_per_s_tables']:,.0f} reps/s"),
        (
            "engine alone in the sweep benchmark (median; best run)",
            f"{sweep['engine_reps_per_s']:,.0f}; {best['engine_reps_per_s']:,.0f} reps/s",
        ),
        (
            "sweep keeping outcomes only, one worker (median; best run)",
            f"{sweep['reps_per_s']['serial']:,.0f}; {best['serial_reps_per_s']:,.0f} runs/s",
        ),
        (
            f"the same sweep on {sweep['workers']} worker processes (median; best run)",
            f"{sweep['reps_per_s']['processes']:,.0f}; {best['processes_reps_per_s']:,.0f} runs/s",
        ),
        (
            "serial sweep: harness overhead over the engine loop (median; best runs)",
            f"{100 * sweep['harness_overhead']:.1f} %; {100 * best['harness_overhead']:.1f} %",
        ),
        (
            f"process pool of {sweep['workers']}: speedup over serial (median; best runs)",
            f"{sweep['speedup']:.2f}×; {best['speedup']:.2f}×",
        ),
        (
            "the same counting the pool's start",
            f"{sweep['speedup_cold']:.2f}× (start {sweep['pool_start_s']:.2f} s)",
        ),
    ]
    if "million" in sweep:
        m = sweep["million"]
        rows.append(
            (
                "sweep of 1,000,000 replications: peak RSS, all processes",
                f"{m['peak_rss_mib']:,.0f} MiB ({m['seconds']:.0f} s)",
            )
        )
    if "million" in engine:
        m = engine["million"]
        rows.append(
            (
                "`consim run -n 1000000 --no-plots`, one core: time; peak RSS",
                f"{m['seconds']:.1f} s ({m['cpu_seconds']:.1f} CPU-s); {m['peak_rss_mib']:,} MiB",
            )
        )
    return ["| figure | measured |", "|---|---|", *(f"| {a} | {b} |" for a, b in rows)]


def engine_rows(e: dict) -> list[tuple[str, str]]:
    """Replications per CPU-second of each engine and anchor (bench/engine.py)."""
    naive = e["naive_SimPy"]
    names = (
        ("batch_engine", "batch engine, full records"),
        ("per_replication_engine", "per-replication engine"),
        ("naive_SimPy", "anchor: naive SimPy model"),
        ("plain_loop", "anchor: plain Python loop"),
        ("vectorised_limit", "anchor: vectorised limit (numpy, no events)"),
    )
    return [
        (f"{label}, one core", f"{e[key]:,.0f} reps/CPU-s (× {e[key] / naive:.1f} naive SimPy)")
        for key, label in names
    ]


def growth_rows(g: dict) -> list[tuple[str, str]]:
    """CPU time per replication against partners and months (bench/growth.py)."""
    partners = ", ".join(f"{g[f'partners_{p}_us']:,.0f}" for p in (4, 32, 128))
    months = ", ".join(f"{g[f'months_{h}_us']:,.0f}" for h in (24, 72, 240))
    return [
        ("CPU per replication, 4 / 32 / 128 partners (72 months)", f"{partners} µs"),
        ("CPU per replication, 24 / 72 / 240 months (32 partners)", f"{months} µs"),
    ]


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    ap.add_argument("--no-memory", action="store_true", help="skip the 1,000,000-run sweep")
    args = ap.parse_args()
    engines = figures("engine.py")
    engine = figures("run.py")
    sweep = figures("sweep.py", *(["--no-memory"] if args.no_memory else []))
    growth = figures("growth.py")
    cores = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count()
    command = "python bench/report.py" + (" --no-memory" if args.no_memory else "")
    text = [
        "# Performance",
        "",
        f"Written by `{command}` on {date.today():%Y-%m-%d} ({cores} cores, Python "
        f"{platform.python_version()}); run it again to refresh every figure.",
        "",
        *table(engine, sweep),
        *(f"| {a} | {b} |" for a, b in engine_rows(engines)),
        *(f"| {a} | {b} |" for a, b in growth_rows(growth)),
        "",
        "## How it is measured",
        "",
        METHOD,
    ]
    OUT.write_text("\n".join(text))
    print(f"wrote {OUT.relative_to(ROOT)}")


if __name__ == "__main__":
    main()
