"""Golden outputs: every shipped scenario and sweep, run with fixed seeds, compared value for
value between two versions of consim (a restructuring must change no number).

    python bench/golden.py write DIR        # run everything, save the tables under DIR
    python bench/golden.py compare A B      # exit 1 unless every table of A equals B's

Runs go through the public API only (`simulator.run`, `simulator.sweep`), so that the
same script works before and after the code moves. Scenarios run 300 replications (1 when
deterministic), seed 11; sweeps run serially as their files say.
"""

from __future__ import annotations

import sys
from pathlib import Path

import pandas as pd

ROOT = Path(__file__).resolve().parents[1]
SCENARIOS = sorted([*ROOT.glob("scenarios/*.yaml"), *ROOT.glob("scenarios/examples/*.yaml")])
SWEEPS = sorted(ROOT.glob("scenarios/sweeps/*.yaml"))
RUN_TABLES = ("outcomes", "trajectories", "events", "market", "failures")
SWEEP_FILES = ("outcomes.parquet", "points.csv", "quantiles.parquet", "design.csv")


def write(folder: Path) -> None:
    import simulator

    folder.mkdir(parents=True, exist_ok=True)
    for path in SCENARIOS:
        name = f"{path.parent.name}-{path.stem}"
        results = simulator.run(path, replications=300, seed=11, progress=False)
        for table in RUN_TABLES:
            frame = getattr(results, table).reset_index(drop=True)
            frame.to_pickle(folder / f"{name}.{table}.pkl")
        print(f"ran {name}", flush=True)
    for path in SWEEPS:
        out = folder / f"sweep-{path.stem}"
        simulator.sweep(path, out=out, executor="serial", progress=False, plots=False, force=True)
        print(f"swept {path.stem}", flush=True)


def compare(a: Path, b: Path) -> int:
    """Every table of `a` against `b`'s; returns the number that differ or are missing."""
    names = sorted(p.name for p in a.glob("*.pkl"))
    pairs = [(a / n, b / n, pd.read_pickle) for n in names]
    for sweep in sorted(a.glob("sweep-*")):
        for file in SWEEP_FILES:
            read = pd.read_csv if file.endswith(".csv") else pd.read_parquet
            pairs.append((sweep / file, b / sweep.name / file, read))
    wrong = 0
    for left, right, read in pairs:
        try:
            pd.testing.assert_frame_equal(read(left), read(right), check_exact=True)
        except (AssertionError, FileNotFoundError) as exc:
            wrong += 1
            print(f"DIFFERS {left.relative_to(a)}: {str(exc).splitlines()[0]}")
    print(f"{len(pairs) - wrong} of {len(pairs)} tables equal value for value")
    return wrong


def main(argv: list[str]) -> int:
    if len(argv) == 2 and argv[0] == "write":
        write(Path(argv[1]))
        return 0
    if len(argv) == 3 and argv[0] == "compare":
        return 1 if compare(Path(argv[1]), Path(argv[2])) else 0
    print(__doc__, file=sys.stderr)
    return 2


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
