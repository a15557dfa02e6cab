"""Executors: run tasks serially, in a local process pool, or on a Dask cluster.

All three take the same picklable `Work` items and yield `TaskResult`s as they
finish; the numbers are the same whichever runs them (seeds belong to
replications, not to workers). At most a few tasks per worker are in flight, so
memory stays bounded however long the sweep.
"""

from __future__ import annotations

import gc
import logging
import multiprocessing
import os
import signal
import sys
import threading
import time
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import FIRST_COMPLETED, ProcessPoolExecutor, wait
from concurrent.futures.process import BrokenProcessPool
from contextlib import contextmanager, suppress
from itertools import islice

from simulator.errors import ConsimError

EXECUTORS = ("serial", "processes", "dask")
IN_FLIGHT_PER_WORKER = 2


class ExecutorError(ConsimError):
    """An executor could not start or lost contact with its workers."""


class WorkerLost(Exception):
    """A worker process died mid-run (killed, or out of memory): the run stops, and a sweep
    keeps its saved chunks for a resume. Not the input's fault, hence not a ConsimError:
    `consim` exits 75 (EX_TEMPFAIL, "try again")."""

    def __init__(self, message: str, saved: int | None = None):
        super().__init__(message)
        self.saved = saved  # a sweep's chunks saved on disk, when known


def default_workers() -> int:
    return len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count() or 1


@contextmanager
def frozen_gc():
    """The garbage collector leaves the objects that exist now alone until the block ends.

    Its full collections scan every tracked object, the libraries' and the compiled design
    points' among them, none of which becomes garbage during a run. Used as a plain `with`
    around a whole run (an exception or Ctrl-C unfreezes at once; a generator left suspended
    would not), not around each task (each freeze resets the collector's counts, so the
    garbage of a long run would pile up). Left as it is if someone else froze it.
    """
    if gc.get_freeze_count():
        yield
        return
    gc.freeze()
    try:
        yield
    finally:
        gc.unfreeze()


def _start_worker(parent: int, by_main_thread: bool, warm_up: Callable | None) -> None:
    """A pool worker's start: tie its life to its parent's, warm up (the caller's hook:
    import what its tasks need), then freeze what exists (see frozen_gc)."""
    _exit_with_parent(parent, by_main_thread)
    if warm_up is not None:
        warm_up()
    gc.freeze()


PR_SET_PDEATHSIG = 1  # linux/prctl.h
WATCH_SECONDS = 0.5
NOTICE_SECONDS = 3  # a pool notices a dead worker at once, unless it is stuck (Processes._watch)


def _exit_with_parent(parent: int, by_main_thread: bool) -> None:
    """A worker exits when the process that started it dies, rather than simulating on and
    writing parts for nobody (a SIGKILLed sweep left its workers, and with them
    multiprocessing's resource tracker, running for minutes).

    On Linux the kernel kills it at once (PR_SET_PDEATHSIG). That signal comes when the
    *thread* that spawned the worker exits, not the process: ProcessPoolExecutor (3.11,
    spawn) starts workers from the thread that calls `submit`, which for Processes is the
    one that creates the pool, as it starts every worker at once. So it is set only when
    that was the main thread, which lives as long as its process. Everywhere, a watchdog
    thread also exits when the parent changes (polled twice a second).
    """
    if by_main_thread and sys.platform.startswith("linux"):
        _set_parent_death_signal(signal.SIGKILL)
    if os.getppid() != parent:  # the parent died before the signal was set
        os._exit(1)
    threading.Thread(
        target=_watch_parent, args=(parent,), name="consim-parent-watch", daemon=True
    ).start()


def _set_parent_death_signal(signum: int) -> None:
    """prctl(PR_SET_PDEATHSIG, signum) through libc; if it fails, the watchdog remains."""
    import ctypes

    with suppress(OSError, AttributeError):  # a libc without prctl
        ctypes.CDLL(None, use_errno=True).prctl(PR_SET_PDEATHSIG, signum, 0, 0, 0)


def _watch_parent(parent: int) -> None:
    while os.getppid() == parent:
        time.sleep(WATCH_SECONDS)
    os._exit(1)  # orphaned: adopted by init or a subreaper


class Serial:
    """In this process, one task after the other (tests, debugging, small runs)."""

    name = "serial"
    workers = 1
    local = True  # shares this machine's disk: workers write their results themselves

    def map(self, fn: Callable, items: Iterable) -> Iterator:
        for item in items:
            yield fn(item)

    def close(self) -> None:
        pass


class Processes:
    """A local pool of worker processes (spawned: nothing of the parent's state is shared)."""

    name = "processes"
    local = True

    def __init__(self, workers: int | None = None, warm_up: Callable | None = None):
        """warm_up: a picklable function each worker calls once at its start."""
        self.workers = workers or default_workers()
        try:
            self.pool = ProcessPoolExecutor(
                self.workers,
                mp_context=multiprocessing.get_context("spawn"),
                initializer=_start_worker,
                initargs=(
                    os.getpid(),
                    threading.current_thread() is threading.main_thread(),
                    warm_up,
                ),
            )
            # Start the workers now, so that a pool that cannot start fails before a sweep
            # writes anything (and their start overlaps the parent's own preparations).
            # (Each submit with no idle worker spawns one, up to `workers`.)
            for started in [self.pool.submit(int) for _ in range(self.workers)]:
                started.result(timeout=120)
        except (OSError, ValueError, BrokenProcessPool, TimeoutError) as exc:
            self.close()
            hint = ""
            if isinstance(exc, BrokenProcessPool):  # most often: a script without a guard
                hint = (
                    '; in a script, call it under `if __name__ == "__main__":` (each '
                    'worker imports the script), or pass executor="serial"'
                )
            raise ExecutorError(
                f"cannot start {self.workers} worker processes: {exc}{hint}"
            ) from None

    def map(self, fn: Callable, items: Iterable) -> Iterator:
        """Results as they finish. The first tasks are submitted now, not at the first
        `next`: the caller can do its own work while the pool starts on them."""
        items = iter(items)
        limit = self.workers * IN_FLIGHT_PER_WORKER
        try:
            pending = {self.pool.submit(fn, item) for item in islice(items, limit)}
        except BrokenProcessPool:
            raise self._lost() from None
        return self._results(fn, items, pending)

    def _results(self, fn: Callable, items: Iterator, pending: set) -> Iterator:
        dead_since = None
        try:
            while pending:
                done, pending = wait(pending, timeout=WATCH_SECONDS, return_when=FIRST_COMPLETED)
                if not done:
                    dead_since = self._watch(dead_since)
                    continue
                pending |= {self.pool.submit(fn, item) for item in islice(items, len(done))}
                for future in done:
                    yield future.result()
        except BrokenProcessPool:
            raise self._lost() from None

    def _watch(self, dead_since: float | None) -> float | None:
        """Unstick a pool that missed the death of a worker: when a worker is killed while
        sending a result, the pool's reader waits for the rest of that message from a pipe
        the other workers keep open, and the pool never sees that it is broken (the parent
        hung, 1 run in 4 of a test that kills a worker). A worker dead for a few seconds
        without the pool noticing: end the others and close this process's end of the
        pipe, so that the reader gets end-of-file, and the pool breaks as it should."""
        processes = list((getattr(self.pool, "_processes", None) or {}).values())
        if not any(p.exitcode is not None for p in processes):
            return None
        now = time.monotonic()
        if dead_since is None:
            return now
        if now - dead_since > NOTICE_SECONDS:
            for process in processes:
                process.terminate()  # SIGTERM: _lost reports the first signal, not this one
            for process in processes:
                process.join(timeout=2)
            results = getattr(self.pool, "_result_queue", None)
            if results is not None:
                with suppress(OSError):
                    results._writer.close()
        return dead_since

    def _lost(self) -> WorkerLost:
        """What a broken pool means, with how the worker died when the pool can tell (its
        processes' exit codes: a negative one is the signal that killed it)."""
        how = "killed, or out of memory"
        processes = list((getattr(self.pool, "_processes", None) or {}).values())
        for process in processes:  # the pool is terminating them all (SIGTERM): moments
            process.join(timeout=2)
        codes = [p.exitcode for p in processes]
        killers = [-c for c in codes if c is not None and c < 0 and -c != signal.SIGTERM]
        if killers:
            how = f"killed by {signal.Signals(killers[0]).name}"
            if killers[0] == signal.SIGKILL:
                how += ": by hand, or by the out-of-memory killer"
        return WorkerLost(f"a worker process died ({how})")

    def close(self) -> None:
        pool = getattr(self, "pool", None)
        if pool is not None:
            pool.shutdown(wait=True, cancel_futures=True)


class Dask:
    """A Dask distributed cluster: a local one by default, or an existing scheduler.

    Dask reruns a task elsewhere when its worker dies, so a lost worker costs
    only the tasks it held.
    """

    name = "dask"
    local = False  # workers may be on other machines: results come back to the client

    def __init__(
        self, workers: int | None = None, scheduler: str | None = None, timeout: float = 10
    ):
        try:
            from distributed import Client, LocalCluster
        except ImportError:
            raise ExecutorError(
                "the dask executor needs Dask's `distributed` package: "
                "pip install 'consim[distributed]'"
            ) from None
        self.cluster = None
        try:
            if scheduler:
                self.client = Client(scheduler, timeout=timeout, set_as_default=False)
            else:
                self.cluster = LocalCluster(
                    n_workers=workers or default_workers(),
                    threads_per_worker=1,
                    processes=True,
                    dashboard_address=None,
                    # The scheduler serves HTTP even without a dashboard, on port 8787 by
                    # default: with another cluster there, a warning went to stderr.
                    scheduler_kwargs={"dashboard_address": ":0"},
                    # CRITICAL: the workers of a cluster being closed log a failed heartbeat
                    # as an ERROR with a traceback (a race in its shutdown, seen in tests);
                    # a task's own errors come back to this process anyway.
                    silence_logs=logging.CRITICAL,
                )
                self.client = Client(self.cluster, set_as_default=False)
        except (OSError, TimeoutError) as exc:
            where = f"scheduler {scheduler}" if scheduler else "a local Dask cluster"
            self.close()
            raise ExecutorError(f"cannot connect to {where}: {exc}") from None
        found = len(self.client.scheduler_info().get("workers", {}))
        self.workers = found or workers or 1

    def map(self, fn: Callable, items: Iterable) -> Iterator:
        from distributed import KilledWorker, as_completed

        items = iter(items)
        limit = max(self.workers, 1) * IN_FLIGHT_PER_WORKER
        first = [self.client.submit(fn, item, pure=False) for item in islice(items, limit)]
        running = as_completed(first, loop=self.client.loop)
        with quiet("distributed.client"):  # "Couldn't gather … rescheduling": Dask's own cure
            for future in running:
                try:
                    result = future.result()
                except KilledWorker as exc:  # Dask gave up rerunning a task (killed workers)
                    raise WorkerLost(f"Dask workers died running a task ({exc})") from None
                future.release()
                for item in items:
                    running.add(self.client.submit(fn, item, pure=False))
                    break
                yield result

    def close(self) -> None:
        client = getattr(self, "client", None)
        if client is not None:
            client.close()
        if self.cluster is not None:
            self.cluster.close()


@contextmanager
def quiet(logger: str):
    """Only errors of `logger` while the block runs; its level is restored after. A worker
    that dies makes Dask's client warn that it reschedules the task it held, which is what
    it should do: not news for a user whose sweep goes on."""
    log = logging.getLogger(logger)
    level = log.level
    log.setLevel(max(level, logging.ERROR))
    try:
        yield
    finally:
        log.setLevel(level)


Executor = Serial | Processes | Dask


def make_executor(
    name: str | Executor = "processes",
    workers: int | None = None,
    scheduler: str | None = None,
    warm_up: Callable | None = None,
) -> Executor:
    """An executor by name; `scheduler` (an address like tcp://host:8786) needs "dask";
    `warm_up` is called once by each local worker process as it starts.

    An executor object is returned as it is, so a notebook can keep one pool (or one
    Dask client) open across many runs and sweeps.
    """
    if not isinstance(name, str):
        return name
    if scheduler and name != "dask":
        raise ExecutorError(f"--scheduler is for the dask executor (got --executor {name})")
    if name == "serial":
        return Serial()
    if name == "processes":
        return Processes(workers, warm_up)
    if name == "dask":
        return Dask(workers, scheduler)
    raise ExecutorError(f"unknown executor {name!r} (expected one of: {', '.join(EXECUTORS)})")


@contextmanager
def executor_for(
    executor: str | Executor,
    workers: int | None = None,
    scheduler: str | None = None,
    warm_up: Callable | None = None,
):
    """An executor for one run: one named here is started and closed on exit; an object
    passed in is left open for its owner's next run."""
    pool = make_executor(executor, workers, scheduler, warm_up)
    try:
        yield pool
    finally:
        if isinstance(executor, str):
            pool.close()
