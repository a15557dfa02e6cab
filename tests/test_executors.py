"""Executors: serial, processes and Dask give the same numbers, value for value.

The Dask tests start a real `dask scheduler` and two `dask worker` processes on
127.0.0.1 and send sweeps through them, one of them losing a worker midway.
"""

from __future__ import annotations

import gc
import os
import pickle
import signal
import socket
import subprocess
import sys
import time
from contextlib import suppress
from pathlib import Path

import pandas as pd
import psutil
import pytest
from test_cli import consim, ok
from test_sweep import BENCH, GRID, write_sweep

import simulator
from simulator.engine.compile import compile_scenario
from simulator.experiments.executors import ExecutorError, Processes, Serial, make_executor
from simulator.experiments.tasks import Point, run_task
from simulator.results.tables import Context
from simulator.scenario.load import load_scenario

DASK = Path(sys.executable).parent / "dask"
TABLES = ("outcomes", "quantiles", "points")


def square(x: int) -> int:
    return x * x


def assert_same(a: simulator.ResultSet, b: simulator.ResultSet) -> None:
    for name in TABLES:
        pd.testing.assert_frame_equal(getattr(a, name), getattr(b, name), check_exact=True)


@pytest.fixture(scope="module")
def serial_grid(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("serial")
    return simulator.sweep(
        write_sweep(tmp, GRID), out=tmp / "o", executor="serial", plots=False, chunk=40
    )


def test_executors_map_every_item_once():
    for pool in (Serial(), Processes(2)):
        try:
            assert sorted(pool.map(square, range(20))) == [x * x for x in range(20)]
        finally:
            pool.close()


def test_a_point_is_unpickled_once_per_process_and_keeps_its_own_parameters():
    """Tasks carry their points pickled; a process that already holds a point's context
    reuses it, but the parameters always come with the task (two sweeps may reach the same
    scenario, hence the same key, under different parameter names)."""
    scenario = load_scenario(BENCH)
    context = Context(scenario, compile_scenario(scenario))
    a = Point(context, {"partners.state.pledge": 135.0}, key="bench:0")
    b = Point(context, {"partners.orange.pledge": 60.0}, key="bench:0")
    first, second, third = (pickle.loads(pickle.dumps(p)) for p in (a, a, b))
    assert first.context is second.context is third.context  # one copy in this process
    assert first.context is not context
    assert third.parameters == {"partners.orange.pledge": 60.0}
    assert first.context.model.venture_ids == context.model.venture_ids
    unkeyed = pickle.loads(pickle.dumps(Point(context, {"x": 1.0})))
    assert unkeyed.context is not first.context and unkeyed.parameters == {"x": 1.0}


def frozen(_) -> int:
    return gc.get_freeze_count()


def test_the_collector_ignores_older_objects_during_a_run_and_only_then(monkeypatch):
    import simulator.experiments.run as runner

    seen = []

    def recording(work):
        seen.append(gc.get_freeze_count())
        if len(seen) == 3:
            raise KeyboardInterrupt  # as a user's Ctrl-C in a notebook
        return run_task(work)

    assert gc.get_freeze_count() == 0
    simulator.run(BENCH, replications=40, seed=1)
    monkeypatch.setattr(runner, "run_task", recording)
    with pytest.raises(KeyboardInterrupt):
        simulator.run(BENCH, replications=1200, seed=1)
    assert seen[0] > 1000 and gc.get_freeze_count() == 0  # frozen during, released after
    pool = Processes(2)
    try:  # workers freeze once, after their imports
        assert all(n > 1000 for n in pool.map(frozen, range(4)))
    finally:
        pool.close()


def test_unknown_executor_and_scheduler_without_dask():
    with pytest.raises(ExecutorError, match="unknown executor 'threads'"):
        make_executor("threads")
    with pytest.raises(ExecutorError, match="--scheduler is for the dask executor"):
        make_executor("processes", scheduler="tcp://127.0.0.1:8786")


@pytest.mark.parametrize("executor", ["processes", "dask"])
def test_same_numbers_as_serial(tmp_path, serial_grid, executor):
    r = simulator.sweep(
        write_sweep(tmp_path, GRID),
        out=tmp_path / "o",
        executor=executor,
        workers=2,
        plots=False,
        chunk=40,
    )
    assert r.manifest["executor"] == executor
    assert_same(r, serial_grid)


def test_run_on_processes_equals_serial():
    a = simulator.run(BENCH, replications=1200, seed=4)
    b = simulator.run(BENCH, replications=1200, seed=4, executor="processes", workers=2)
    for name in ("outcomes", "trajectories", "events"):
        pd.testing.assert_frame_equal(getattr(a, name), getattr(b, name), check_exact=True)


# --- a real Dask cluster on 127.0.0.1 ----------------------------------------------------------


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def start(*args: str) -> subprocess.Popen:
    return subprocess.Popen(
        [str(DASK), *args],
        start_new_session=True,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )


@pytest.fixture
def cluster():
    """`dask scheduler` and two `dask worker` processes; yields (address, workers)."""
    address = f"tcp://127.0.0.1:{free_port()}"
    host, port = address.rsplit(":", 1)
    procs = [start("scheduler", "--host", "127.0.0.1", "--port", port, "--no-dashboard")]
    workers = [
        start(
            "worker", address, "--nthreads", "1", "--no-dashboard", "--no-nanny", "--name", f"w{i}"
        )
        for i in range(2)
    ]
    procs += workers
    try:
        from distributed import Client

        with Client(address, timeout=30) as client:
            client.wait_for_workers(2, timeout=60)
        yield address, workers
    finally:
        for p in procs:
            if p.poll() is None:
                os.killpg(p.pid, signal.SIGKILL)
            p.wait()


def test_sweep_through_a_real_dask_cluster(tmp_path, serial_grid, cluster):
    address, _ = cluster
    r = simulator.sweep(
        write_sweep(tmp_path, GRID),
        out=tmp_path / "o",
        scheduler=address,
        executor="dask",
        plots=False,
        chunk=40,
    )
    assert r.manifest["executor"] == "dask" and r.manifest["workers"] == 2
    assert_same(r, serial_grid)


SLOW = """\
parameters:
  partners.state.pledge: {low: 80, high: 120, steps: 6}
replications: 1000
seed: 2
keep: {outcomes: [committed_final, collapsed], trajectories: [committed]}
"""


@pytest.mark.slow  # ~12 s with its cluster: `make test-slow`
def test_a_dask_worker_dying_midway_does_not_lose_the_sweep(tmp_path, cluster):
    address, workers = cluster
    path = write_sweep(tmp_path, SLOW, base=BENCH)
    env = {**os.environ, "PYTHONIOENCODING": "utf-8"}
    cmd = [
        sys.executable,
        "-m",
        "simulator",
        "sweep",
        str(path),
        "--out",
        "d",
        "--no-plots",
        "--scheduler",
        address,
    ]
    proc = subprocess.Popen(
        cmd, cwd=tmp_path, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True
    )
    parts = tmp_path / "d" / "parts"
    deadline = time.monotonic() + 120
    while len(list(parts.glob("*.outcomes.arrow"))) < 2:
        assert proc.poll() is None, proc.communicate()
        assert time.monotonic() < deadline
        time.sleep(0.05)
    os.killpg(workers[0].pid, signal.SIGKILL)
    out, err = proc.communicate(timeout=300)
    assert proc.returncode == 0, err
    # Nothing but the plan: no resource-tracker KeyError, no traceback, no warning.
    assert len(err.splitlines()) == 1 and err.startswith("s: 6 points × 1,000"), err
    whole = simulator.sweep(path, out=tmp_path / "s", executor="serial", plots=False)
    assert_same(simulator.ResultSet.load(tmp_path / "d"), whole)


@pytest.mark.slow  # subprocesses of a few seconds: make test-slow
def test_a_local_dask_cluster_is_quiet_when_port_8787_is_taken(tmp_path):
    """Its scheduler serves HTTP on a free port: on 8787, the default, it warned on stderr
    whenever another Dask cluster was running."""
    path = write_sweep(tmp_path, GRID)
    with socket.socket() as taken:
        with suppress(OSError):  # already taken: all the better
            taken.bind(("", 8787))
            taken.listen()
        done = ok(
            consim(
                "sweep", path, "--executor", "dask", "--workers", "2", "--no-plots", cwd=tmp_path
            )
        )
    assert len(done.stderr.splitlines()) == 1 and done.stderr.startswith("s: 4 points"), done


def test_progress_bar_follows_enabled_and_minimum(monkeypatch):
    """Shown where it can be seen (tqdm decides for a terminal or a notebook), unless
    turned off or the run is short."""
    import sys

    from simulator.experiments.progress import progress_bar

    monkeypatch.setattr(sys.stderr, "isatty", lambda: True, raising=False)
    with progress_bar(5000, "x", minimum=1000) as bar:
        assert not bar.disable
    for kwargs in ({"enabled": False}, {"minimum": 10_000}):
        with progress_bar(5000, "x", **kwargs) as bar:
            assert bar.disable


# --- dead workers and dead parents -------------------------------------------------------------


def survivors(processes: list[psutil.Process], timeout: float = 5) -> list[psutil.Process]:
    """Those still running after `timeout` s (a zombie waiting for init to reap it has
    exited: this machine's init does not always reap)."""

    def running(p: psutil.Process) -> bool:
        try:
            return p.is_running() and p.status() != psutil.STATUS_ZOMBIE
        except psutil.NoSuchProcess:
            return False

    deadline = time.monotonic() + timeout
    while (alive := [p for p in processes if running(p)]) and time.monotonic() < deadline:
        time.sleep(0.05)
    return alive


POOL_IN_A_THREAD = """
import threading, time
from simulator.experiments.executors import Processes
pools = []
started = threading.Thread(target=lambda: pools.append(Processes(2)))
started.start(); started.join()
print(sorted(pools[0].map(abs, [-3, -1, -2])), flush=True)
time.sleep(600)
"""


def test_a_pool_started_by_a_thread_outlives_it_but_not_its_process():
    """The kernel's parent-death signal follows the thread that spawned a worker, so it is
    left unset for a pool started off the main thread: its workers outlive that thread,
    and the watchdog still ends them with their process."""
    proc = subprocess.Popen(
        [sys.executable, "-c", POOL_IN_A_THREAD],
        stdout=subprocess.PIPE,
        text=True,
        start_new_session=True,
    )
    try:
        assert proc.stdout.readline().strip() == "[1, 2, 3]"  # the thread had ended
        children = psutil.Process(proc.pid).children(recursive=True)
        assert len(children) == 3  # two workers and the resource tracker
        os.kill(proc.pid, signal.SIGKILL)
        proc.wait()
        assert not survivors(children)
    finally:
        os.killpg(proc.pid, signal.SIGKILL)
        proc.wait()


def pool_workers(pid: int) -> list[psutil.Process]:
    children = psutil.Process(pid).children()
    return [p for p in children if "spawn_main" in " ".join(p.cmdline())]


def cpu(process: psutil.Process) -> float:
    times = process.cpu_times()
    return times.user + times.system


@pytest.mark.slow  # ~6 s: `make test-slow`
def test_a_worker_killed_during_consim_run_stops_it_with_exit_75(tmp_path):
    """A run gathers its results in memory: nothing is kept, and it says so."""
    cmd = [
        sys.executable,
        "-m",
        "simulator",
        "run",
        str(BENCH),
        "-n",
        "400000",  # streamed (experiments/streamed.py): about 5 s of CPU in each worker
        "--seed",
        "1",
        "--executor",
        "processes",
        "--workers",
        "2",
        "--out",
        "r",
    ]
    proc = subprocess.Popen(
        cmd,
        cwd=tmp_path,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        start_new_session=True,
    )
    try:
        deadline = time.monotonic() + 120
        # Simulating: both workers past their start (~0.8 s of CPU for their imports).
        while len(workers := pool_workers(proc.pid)) < 2 or min(cpu(w) for w in workers) < 2:
            assert proc.poll() is None and time.monotonic() < deadline
            time.sleep(0.05)
        os.kill(workers[0].pid, signal.SIGKILL)
        _, err = proc.communicate(timeout=120)
    finally:
        os.killpg(proc.pid, signal.SIGKILL)
    assert proc.returncode == 75, err
    assert err.strip().splitlines()[-1] == (
        "a worker process died (killed by SIGKILL: by hand, or by the out-of-memory killer); "
        "the run stopped and nothing was written: run it again"
    )
    assert not (tmp_path / "r").exists()


def die_halfway_through_a_result(task: int) -> int:
    """Task 0 dies the way a worker killed while sending its result does: the start of a
    result message in the pool's result pipe, then SIGKILL. The others wait a little."""
    import struct

    if task:
        time.sleep(0.5)
        return task
    frame = sys._getframe()
    while "result_queue" not in frame.f_locals:  # the pool's worker loop, up the stack
        frame = frame.f_back
    writer = frame.f_locals["result_queue"]._writer
    os.write(writer.fileno(), struct.pack("!i", 10_000) + b"partial")
    os.kill(os.getpid(), signal.SIGKILL)
    return task


@pytest.mark.slow  # ~5 s: `make test-slow`
def test_a_worker_killed_while_sending_its_result_does_not_hang_the_pool():
    from simulator.experiments.executors import WorkerLost

    began = time.monotonic()
    pool = Processes(2)
    try:
        with pytest.raises(WorkerLost, match="killed by SIGKILL"):
            list(pool.map(die_halfway_through_a_result, range(6)))
    finally:
        pool.close()
    assert time.monotonic() - began < 30
