"""Crashes: a sweep SIGKILLed at a random moment (its parent, or one of its workers), then
resumed, equals the uninterrupted sweep value for value, and leaves no process behind.

Each case draws its kill moment from its own seeded generator (the seed is in every
assertion message): after a random number of saved chunks, or during the end of the sweep
(merge, point statistics, plots) at a random time within that phase as measured on the
uninterrupted run. Two cases run by default; the rest are `slow` (`make test-slow`).
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from contextlib import suppress
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd
import psutil
import pytest
from test_cli import consim, ok
from test_executors import survivors
from test_sweep import BENCH, BIG, write_sweep

TASKS = 37  # BIG: 16,000 replications in chunks of 500 and the smaller last ones
TABLES = ("outcomes.parquet", "quantiles.parquet", "points.csv")


def start(path: Path, out: str, cwd: Path, *extra: str) -> subprocess.Popen:
    """`consim sweep` on the two-worker pool, with plots (the end of the sweep draws them)."""
    # the per-replication engine: on the batch engine the sweep ends before it can be killed
    # (and the two engines' figures agree to 1e-9, not bit for bit, which these tests ask)
    env = {**os.environ, "PYTHONIOENCODING": "utf-8", "CONSIM_ENGINE": "reference"}
    cmd = [
        sys.executable,
        "-m",
        "simulator",
        "sweep",
        str(path),
        "--out",
        out,
        "--executor",
        "processes",
        "--workers",
        "2",
        *extra,
    ]
    return subprocess.Popen(
        cmd,
        cwd=cwd,
        env=env,
        start_new_session=True,
        text=True,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
    )


def saved(out: Path) -> int:
    return len(list((out / "parts").glob("*.outcomes.arrow")))


def wait_until(condition, proc: subprocess.Popen, what: str, timeout: float = 120) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        assert proc.poll() is None, f"the sweep ended before {what}: {proc.communicate()}"
        assert time.monotonic() < deadline, f"timed out waiting for {what}"
        time.sleep(0.01)


def tree(proc: subprocess.Popen) -> list[psutil.Process]:
    """The sweep's processes below its parent: pool workers and the resource tracker."""
    try:
        return psutil.Process(proc.pid).children(recursive=True)
    except psutil.NoSuchProcess:
        return []


def reap(processes: list[psutil.Process]) -> None:
    for p in processes:  # so that a failing test leaves nothing behind either
        with suppress(psutil.NoSuchProcess):
            p.kill()


@dataclass
class Whole:
    """The uninterrupted sweep: its folder and the length of its end phase (from its last
    chunk saved to its exit)."""

    out: Path
    end_seconds: float


@pytest.fixture(scope="module")
def whole(tmp_path_factory) -> Whole:
    tmp = tmp_path_factory.mktemp("whole")
    path = write_sweep(tmp, BIG, base=BENCH)
    proc = start(path, "whole", tmp)
    wait_until(lambda: saved(tmp / "whole") == TASKS, proc, "every chunk was saved")
    last = time.monotonic()
    out, err = proc.communicate(timeout=120)
    assert proc.returncode == 0, err
    return Whole(tmp / "whole", time.monotonic() - last)


def kill(proc: subprocess.Popen, target: psutil.Process | None = None) -> list[psutil.Process]:
    """SIGKILL the sweep's parent (or `target`, one of its workers); return its processes as
    they were just before."""
    processes = tree(proc)
    os.kill(target.pid if target else proc.pid, signal.SIGKILL)
    return processes


def kill_parent_during_run(proc, out: Path, rng) -> list[psutil.Process]:
    """After a random number of saved chunks (from those saved before, as soon as the
    manifest is written), plus a random fraction of a chunk's time."""
    chunks = int(rng.integers(min(saved(out), TASKS - 4), TASKS - 3))
    wait_until(
        lambda: (out / "manifest.json").is_file() and saved(out) >= chunks,
        proc,
        f"{chunks} chunks were saved",
    )
    time.sleep(rng.uniform(0, 0.1))
    return kill(proc)


def kill_parent_at_the_end(proc, out: Path, rng, end_seconds: float) -> list[psutil.Process]:
    """Once every chunk is saved, at a random moment of the end phase: the merge, the point
    statistics, the tables, the plots, removing the parts."""
    wait_until(lambda: saved(out) == TASKS, proc, "every chunk was saved")
    # within the first 60 % of the end phase the whole sweep took: its length varies from
    # run to run on a shared machine (a kill after the end would find nothing to kill)
    time.sleep(rng.uniform(0, 0.6 * end_seconds))
    return kill(proc)


def kill_a_worker(proc, out: Path, rng) -> list[psutil.Process]:
    """One of the two pool workers, after a random number of saved chunks."""
    chunks = int(rng.integers(1, TASKS - 6))
    wait_until(lambda: saved(out) >= chunks, proc, f"{chunks} chunks were saved")
    time.sleep(rng.uniform(0, 0.1))
    workers = [p for p in tree(proc) if "resource_tracker" not in " ".join(p.cmdline())]
    assert len(workers) == 2, workers
    return kill(proc, workers[int(rng.integers(0, 2))])


def crash_and_resume(tmp_path: Path, whole: Whole, case: str, seed: int) -> None:
    rng = np.random.default_rng(seed)
    note = f"case {case}, seed {seed}"
    path = write_sweep(tmp_path, BIG, base=BENCH)
    out = tmp_path / "k"
    plan = {
        "parent": [kill_parent_during_run],
        "end": [lambda p, o, r: kill_parent_at_the_end(p, o, r, whole.end_seconds)],
        "worker": [kill_a_worker],
        "resumed": [kill_parent_during_run, kill_parent_during_run],  # the resume killed too
    }[case]
    for attempt, killer in enumerate(plan):
        proc = start(path, "k", tmp_path, *(("--resume",) if attempt else ()))
        processes = []
        try:
            processes = killer(proc, out, rng)
            proc.wait(timeout=120)  # not its pipes: a surviving worker holds them open
            alive = survivors(processes)
        finally:
            reap(processes)
            if proc.poll() is None:
                proc.kill()
        _, err = proc.communicate(timeout=30)
        assert not alive, f"{note}: still running after the kill: {alive}"
        if case == "worker":  # the parent stops by itself, saying what to do
            assert proc.returncode == 75, f"{note}: exit {proc.returncode}\n{err}"
            assert "a worker process died (killed by SIGKILL" in err, f"{note}: {err}"
            assert "rerun with --resume to finish" in err and "Traceback" not in err, note
        else:
            assert proc.returncode == -signal.SIGKILL, f"{note}: exit {proc.returncode}\n{err}"
    before, status = saved(out), json.loads((out / "manifest.json").read_text())["status"]
    done = ok(consim("sweep", path, "--out", "k", "--resume", cwd=tmp_path, timeout=300))
    if status == "running":  # else it was killed after marking the sweep complete
        assert "runs" in done.stderr, f"{note}: {done.stderr}"
        manifest = json.loads((out / "manifest.json").read_text())
        assert manifest["tasks"] == {
            "total": TASKS,
            "saved_before": before,
            "run": TASKS - before,
        }, note
    for name in TABLES:
        read = pd.read_csv if name.endswith(".csv") else pd.read_parquet
        pd.testing.assert_frame_equal(
            read(out / name), read(whole.out / name), check_exact=True, obj=f"{name} ({note})"
        )
    assert not (out / "parts").exists(), note


@pytest.mark.slow  # ~40 s of the pool being killed and restarted: `make test-slow`
@pytest.mark.parametrize(("case", "seed"), [("parent", 101), ("worker", 202)])
def test_a_killed_sweep_resumes_to_the_same_result_and_leaves_no_process(
    tmp_path, whole, case, seed, monkeypatch
):
    monkeypatch.setenv("CONSIM_ENGINE", "reference")  # the resume too, as every run here
    crash_and_resume(tmp_path, whole, case, seed)


SLOW_CASES = [
    *(("parent", seed) for seed in (1, 2, 3)),
    *(("end", seed) for seed in (4, 5, 6)),
    *(("worker", seed) for seed in (7, 8)),
    *(("resumed", seed) for seed in (9, 10)),
]


@pytest.mark.slow
@pytest.mark.parametrize(("case", "seed"), SLOW_CASES)
def test_killed_at_random_moments(tmp_path, whole, case, seed, monkeypatch):
    monkeypatch.setenv("CONSIM_ENGINE", "reference")  # the resume too, as every run here
    crash_and_resume(tmp_path, whole, case, seed)
