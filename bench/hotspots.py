"""Where the batch engine spends its time, by compiled function (needs Linux's `perf`).

Runs the engine over a scenario in the sweep's chunks (venture totals at the outcomes'
months, no events, as a sweep's tasks do) while `perf record` samples this process, and
prints each compiled function's share of the samples and its CPU time per replication.
Numba's functions have no symbols `perf` can read, so the kernels are compiled afresh in a
temporary cache (about a minute and a half) and their addresses written to the map file
`perf` reads for code generated at run time (/tmp/perf-PID.map, removed at the end).
Kernels inlined into another count as part of it; `month_steps` and the mechanisms'
steps are functions of their own.

Usage: python bench/hotspots.py [SCENARIO] [--seconds S] [--limit PERCENT]
The last line printed is a JSON object with the figures.
"""

from __future__ import annotations

import argparse
import gc
import json
import os
import re
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
BENCH = ROOT / "scenarios" / "reference" / "bench.yaml"


def compiled_functions() -> dict[int, str]:
    """Address → dotted Python name of every function numba compiled in this process."""
    from numba.core.registry import CPUDispatcher

    found = {}
    for dispatcher in (o for o in gc.get_objects() if isinstance(o, CPUDispatcher)):
        for result in dispatcher.overloads.values():
            module = getattr(result.library, "_final_module", None)
            if module is None:  # loaded from a cache: no module to list
                continue
            for fn in module.functions:
                if fn.is_declaration:
                    continue
                address = result.library.get_pointer_to_function(fn.name)
                if address:
                    found[address] = python_name(fn.name)
    return found


def python_name(mangled: str) -> str:
    """simulator.engine.batch.departures.departures from numba's Itanium-style name."""
    if not mangled.startswith("_ZN"):
        return mangled
    parts, rest = [], mangled[3:]
    while (m := re.match(r"(\d+)", rest)) is not None:
        size = int(m.group(1))
        start = len(m.group(1))
        parts.append(rest[start : start + size])
        rest = rest[start + size :]
    return ".".join(parts) or mangled


def write_map(functions: dict[int, str]) -> Path:
    """perf's map of generated code: start, size, name, one line each."""
    path = Path(f"/tmp/perf-{os.getpid()}.map")
    starts = sorted(functions)
    with path.open("w") as f:
        for i, start in enumerate(starts):
            size = (starts[i + 1] - start) if i + 1 < len(starts) else 1 << 16
            f.write(f"{start:x} {min(size, 1 << 20):x} {functions[start]}\n")
    return path


class EngineLoop:
    """The engine over `path` in a sweep's chunks, warmed up (its kernels compiled)."""

    def __init__(self, path: Path):
        from simulator.engine.compile import compile_scenario
        from simulator.engine.simulate import Workspace
        from simulator.experiments.tasks import sweep_chunk
        from simulator.results.tables import Context, outcome_months
        from simulator.scenario.load import load_scenario

        scenario = load_scenario(path)
        context = Context(scenario, compile_scenario(scenario))
        self.model, self.months = context.model, outcome_months(context)
        self.chunk = sweep_chunk(self.model, months=len(self.months))  # as a sweep's tasks
        self.workspace = Workspace()
        self.run(0, 2_000)

    def run(self, first: int, n: int) -> None:
        from simulator.engine.simulate import simulate

        model, months, workspace = self.model, self.months, self.workspace
        simulate(model, 1, n, first, workspace, totals=True, events=False, months=months)

    def for_seconds(self, seconds: float) -> tuple[int, float]:
        """Replications run and CPU seconds taken, over `seconds` of CPU at least."""
        began, done = time.process_time(), 0
        while time.process_time() - began < seconds:
            self.run(done, self.chunk)
            done += self.chunk
        return done, time.process_time() - began


def sampled(loop: EngineLoop, seconds: float, data: Path) -> tuple[int, float]:
    """The loop run while `perf record` samples this process into `data`."""
    perf = subprocess.Popen(
        ["perf", "record", "-q", "-F", "2000", "-p", str(os.getpid()), "-o", str(data)],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    time.sleep(0.5)  # perf attaches
    try:
        return loop.for_seconds(seconds)
    finally:
        perf.send_signal(signal.SIGINT)
        perf.wait(timeout=60)


def shares(data: Path, limit: float) -> list[tuple[float, str]]:
    """(percent of samples, function) from `perf report`, largest first."""
    report = subprocess.run(
        ["perf", "report", "-i", str(data), "--no-children", "--sort", "symbol", "--stdio"],
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    rows = []
    for line in report.splitlines():
        m = re.match(r"\s*([\d.]+)%\s+\[\.\]\s+(\S+)", line)
        if m and float(m.group(1)) >= limit:
            rows.append((float(m.group(1)), m.group(2)))
    return rows


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    ap.add_argument("scenario", nargs="?", type=Path, default=BENCH)
    ap.add_argument("--seconds", type=float, default=6.0, help="CPU seconds sampled")
    ap.add_argument("--limit", type=float, default=1.0, help="smallest share printed, %%")
    args = ap.parse_args()
    if shutil.which("perf") is None:
        raise SystemExit("bench/hotspots.py needs `perf` (Debian: apt-get install linux-perf)")
    with tempfile.TemporaryDirectory() as tmp:
        os.environ["NUMBA_CACHE_DIR"] = tmp  # before numba loads: compiled here, not loaded
        loop = EngineLoop(args.scenario)
        perf_map = write_map(compiled_functions())
        try:
            done, cpu = sampled(loop, args.seconds, Path(tmp) / "perf.data")
            rows = shares(Path(tmp) / "perf.data", args.limit)
        finally:
            perf_map.unlink(missing_ok=True)
    per_rep = cpu / done * 1e6
    print(f"{args.scenario.name}: {done:,} replications, {per_rep:.2f} µs CPU each")
    for percent, name in rows:
        print(f"{percent:6.2f} %  {percent / 100 * per_rep:6.3f} µs  {name}")
    figures = {"scenario": str(args.scenario), "us_per_replication": round(per_rep, 3)}
    figures["shares"] = {name: percent for percent, name in rows}
    print(json.dumps(figures))


if __name__ == "__main__":
    sys.exit(main())
