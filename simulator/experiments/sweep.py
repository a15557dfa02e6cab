"""Run a sweep: expand its design, check every point, run the tasks, merge the parts.

Every design point is the base scenario with the point's values set at their key
paths, validated like a scenario file (a bad value is reported at the sweep
file's line). Replication i of every point draws the same numbers per random element
(engine/streams.py).
"""

from __future__ import annotations

import tempfile
import time
from collections.abc import Callable
from pathlib import Path

import pandas as pd

from simulator.engine.simulate import compiles_first
from simulator.errors import OutputExistsError, Problem, ScenarioError
from simulator.experiments.estimate import SweepPlan, pilot_job
from simulator.experiments.executors import (
    Executor,
    Serial,
    WorkerLost,
    default_workers,
    executor_for,
    frozen_gc,
)
from simulator.experiments.parts import atomic_write
from simulator.experiments.point_jobs import PointJob, PointJobs, PointResult, point_results
from simulator.experiments.points import design_points, point_warnings
from simulator.experiments.progress import progress_bar
from simulator.experiments.spec import (
    Sweep,
    base_path,
    load_sweep,
    sweep_hash,
)
from simulator.experiments.store import Store, warm_up
from simulator.experiments.tasks import (
    TaskResult,
    Work,
    plan_digest,
    plan_tasks,
    run_task,
    sweep_chunk,
)
from simulator.results.folders import default_output, locked
from simulator.results.manifest import provenance
from simulator.results.resultset import SWEEP_FILES, ResultSet, write_table
from simulator.results.tables import outcome_months
from simulator.scenario.yamlio import Document


def sweep(
    sweep_file: str | Path | dict,
    out: str | Path | None = None,
    executor: str | Executor = "processes",
    workers: int | None = None,
    scheduler: str | None = None,
    resume: bool = False,
    force: bool = False,
    progress: bool = True,
    plots: bool = True,
    chunk: int | None = None,
    load: bool = True,
    allow_large: bool = False,
    on_plan: Callable[[SweepPlan], None] | None = None,
) -> ResultSet:
    """Run a sweep file (or the same mapping written in Python); results stream into `out`,
    by default a new temporary folder (a notebook cell run again just computes again;
    `ResultSet.save(folder)` keeps the results; `consim sweep` writes results/<sweep name>).

    Returns the ResultSet read back from `out` (with `load=False`, without the
    outcomes table, which for a very large sweep is best read in pieces). `progress`: a
    bar with rate and time left in a terminal or a notebook (nowhere else); False turns
    it off. A sweep of more than 10^8 runs (points × replications) is refused unless
    `allow_large` (docs/sweeps.md §7). Given `on_plan`, a pilot estimates the time, and
    before the first task `on_plan` receives the SweepPlan: points, runs, workers and the
    estimated time, also kept in the manifest as `estimated_seconds` (`consim sweep`
    prints it; `estimate` gives it without running the sweep).

    >>> from simulator import sweep
    >>> grid = sweep({"scenario": "scenarios/andromede_plan.yaml",
    ...               "parameters": {"partners.state.pledge": {"values": [100, 200]}},
    ...               "replications": 1, "seed": 1}, executor="serial", progress=False)
    >>> grid.points["committed_final_mean"].tolist()
    [250.0, 350.0]
    """
    spec, doc, sweep_file = load_sweep(sweep_file, allow_large)
    named = sweep_output(spec, doc)  # a name that is not one folder name is an error anyway
    if out is None:
        out = Path(tempfile.mkdtemp(prefix=f"consim-{named.name}-"))
    out = Path(out)
    design, points = design_points(spec, sweep_file, doc)
    # A resumed sweep keeps the tasks it was cut into, whichever engine runs it now
    chunk = chunk or (resume and Store(out).chunk()) or task_chunk(spec, points[0].context)
    tasks = plan_tasks(len(design), spec.replications, chunk)
    manifest = _new_manifest(spec, sweep_file, design, points, tasks, chunk)
    # The executor starts before anything is written: one that cannot start leaves no trace.
    # The lock is held until the sweep is merged: a second run or a --resume is refused.
    with locked(out), executor_for(executor, workers, scheduler, warm_up) as pool:
        store = Store(out)
        if store.begin(manifest, design, resume=resume, force=force):
            store.remove_parts()  # if killed while removing them, after marking it complete
            return ResultSet.load(out, skip=() if load else ("outcomes",))  # already complete
        manifest["executor"], manifest["workers"] = pool.name, pool.workers
        _run_and_finish(
            spec, design, points, tasks, store, pool, manifest, progress, plots, on_plan
        )
    return ResultSet.load(out, skip=() if load else ("outcomes",))


def task_chunk(spec: Sweep, context) -> int:
    """Replications per task: a sweep keeping no trajectory records venture totals at
    the outcomes' months only (run_task), so its chunks hold more."""
    months = None if spec.keep.trajectories else len(outcome_months(context))
    return sweep_chunk(context.model, months=months)


def _new_manifest(spec: Sweep, sweep_file, design, points: dict, tasks: list, chunk: int) -> dict:
    """The manifest of a sweep about to start (status "running")."""
    first = points[0].context
    return {
        "kind": "sweep",
        "sweep": spec.name,
        "title": spec.title,
        "scenario": first.scenario_name,
        "unit": first.unit,
        "labels": first.labels,
        "files": [str(sweep_file), str(base_path(spec, sweep_file))],
        "parameters": list(spec.parameters),
        "design": spec.design.model_dump(),
        "points": len(design),
        "replications": spec.replications,
        "total_replications": len(design) * spec.replications,
        "seed": spec.seed,
        "stochastic": True,
        "market_reference": first.market_reference,
        "chunk": chunk,
        "plan": plan_digest(tasks),
        "sweep_hash": sweep_hash(spec, first.base_hash),
        "resolved_sweep": spec.model_dump(mode="json"),
        "warnings": point_warnings(points),
        "status": "running",
        **provenance(),
    }


def _run_and_finish(
    spec, design, points, tasks, store: Store, pool, manifest: dict, progress, plots, on_plan
) -> None:
    """Run the tasks not saved yet, then merge, summarise, plot and mark the sweep complete;
    on any failure the merge is abandoned and the saved parts are kept for a resume."""
    done = store.done()
    manifest["estimated_seconds"] = None
    if on_plan is not None:  # only when asked for: the pilot costs some time
        plan = _plan(spec, points, tasks, done, pool.workers, pool)
        manifest["estimated_seconds"] = round(plan.seconds, 1)
        on_plan(plan)
    began = time.perf_counter()
    merge = store.merge(tasks)
    outcomes = ["point", "venture", *spec.keep.outcomes]
    if "collapsed" in outcomes:  # for the months to collapse
        outcomes.append("collapse_date")
    finishing = store.point_jobs(tasks, outcomes, list(spec.keep.trajectories), points[0].context)
    try:
        with frozen_gc():  # the libraries and design points: no garbage among them
            saved = _run_tasks(spec, points, tasks, done, store, pool, progress, merge, finishing)
        manifest["seconds"] = round(time.perf_counter() - began, 3)
        manifest["tasks"] = {"total": len(tasks), "saved_before": saved, "run": len(tasks) - saved}
        # A local pool's workers see the parts: they compute the last points' statistics.
        map_ = pool.map if pool.local else map
        _finish(spec, design, points, tasks, store, manifest, plots, merge, finishing, map_)
    except WorkerLost as exc:  # the parts saved are kept: say how many
        merge.abort()
        raise WorkerLost(str(exc), saved=len(store.done())) from None
    except BaseException:
        merge.abort()
        raise


def sweep_sensitivity(spec: Sweep, design: pd.DataFrame, summary: pd.DataFrame) -> pd.DataFrame:
    """The indices of every outcome the points table holds (analysis.sensitivity)."""
    from simulator.analysis.sensitivity import indices

    return indices(summary, design, spec.design.model_dump(), spec.seed)


def sweep_output(spec: Sweep, doc: Document) -> Path:
    """results/<sweep name>; a name that is not one folder name is reported at its line."""
    try:
        return default_output(spec.name, "sweep")
    except OutputExistsError as exc:
        mark = doc.mark_for(("name",)) or doc.marks[()]
        raise ScenarioError([Problem(mark.file, mark.line, mark.col, "name", str(exc))]) from None


def estimate(
    sweep_file: str | Path | dict, workers: int | None = None, allow_large: bool = False
) -> SweepPlan:
    """The SweepPlan of a sweep on `workers` (default: one per core), without running it:
    its design points are built and checked, and the pilot runs."""
    spec, doc, sweep_file = load_sweep(sweep_file, allow_large)
    design, points = design_points(spec, sweep_file, doc)
    tasks = plan_tasks(len(design), spec.replications, task_chunk(spec, points[0].context))
    return _plan(spec, points, tasks, set(), workers or default_workers())


def _plan(spec: Sweep, points: dict, tasks: list, done: set, workers: int, pool=None) -> SweepPlan:
    """What is left to run and, from a pilot of the first point, about how long it takes
    (in one of a local pool's workers, where the sweep's tasks will run: the parent then
    never loads the engine's kernels)."""
    left = [t for t in tasks if t.index not in done]
    job = (points[0], spec.seed, tuple(spec.keep.outcomes), tuple(spec.keep.trajectories))
    seconds, on_pool = (0.0, 0.0, 0.0), pool is not None and pool.local
    if left:
        seconds = next(iter(pool.map(pilot_job, [job]))) if on_pool else pilot_job(job)
    return SweepPlan(
        name=spec.name or "sweep",
        points=len(points),
        replications=spec.replications,
        to_run=sum(t.replications for t in left),
        workers=max(1, min(workers, len(left))),
        seconds_per_run=seconds[0],
        tasks=len(left),
        seconds_per_task=seconds[1],
        # a pilot in this process has loaded them for the whole sweep
        seconds_once=seconds[2] if on_pool and not isinstance(pool, Serial) else 0.0,
        warnings=tuple(point_warnings(points)),
    )


def _run_tasks(
    spec: Sweep,
    points: dict,
    tasks: list,
    done: set[int],
    store: Store,
    pool,
    progress: bool,
    merge,
    finishing: PointJobs,
) -> int:
    """Run the tasks not yet saved, feeding `merge` as their parts land, and, on a local pool,
    each point's statistics as soon as its tasks are saved (between the tasks: the end of the
    sweep then waits only for the last points'); `done`: the tasks already saved (resumed
    from); return how many they are."""
    merge.add(done)
    finishing.saved(done)
    todo = [t for t in tasks if t.index not in done]
    total = len(points) * spec.replications
    works = (
        Work(
            t,
            {s.point: points[s.point] for s in t.segments},
            spec.seed,
            outcomes=tuple(spec.keep.outcomes),
            trajectories=tuple(spec.keep.trajectories),
            parts=store if pool.local else None,
        )
        for t in todo
    )

    def items():
        for work in works:
            if pool.local:
                yield from finishing.take_ready()
            yield work

    initial = total - sum(t.replications for t in todo)
    models = [p.context.model for p in points.values()]
    compiling = compiles_first(models)  # its tasks run whichever engine the scenario allows
    with progress_bar(total, spec.name, progress, initial=initial, compiling=compiling) as bar:
        for result in pool.map(_run, items()):
            if isinstance(result, PointResult):
                finishing.add(result)
                continue
            if not result.saved:
                store.write(result)
            merge.add([result.task.index])
            finishing.saved([result.task.index])
            bar.update(result.task.replications)
    return len(tasks) - len(todo)


def _run(item: Work | PointJob) -> TaskResult | PointResult:
    """What a pool runs: a task, or the statistics of a point whose tasks are all saved."""
    return point_results(item) if isinstance(item, PointJob) else run_task(item)


def _finish(
    spec,
    design,
    points,
    tasks,
    store: Store,
    manifest: dict,
    plots: bool,
    merge,
    finishing: PointJobs,
    map_,
) -> None:
    """Merge the parts into the final tables, draw the plots, mark the sweep complete."""
    from simulator.analysis.points import with_design

    context = points[0].context
    # A local pool starts on the points left now (its map submits at once), while this
    # process finishes the merge of the outcomes.
    last = map_(point_results, finishing.remaining())
    merge.finish()
    for result in last:
        finishing.add(result)
    statistics, quantiles = finishing.combine()
    summary = with_design(statistics, design)
    failures = store.failures(tasks)
    manifest["failed"] = len(failures)
    result = ResultSet(
        outcomes=pd.DataFrame(),  # merged into outcomes.parquet above; not held in memory
        market=context.market,
        manifest=manifest,
        failures=failures,
        design=design,
        points=summary,
        quantiles=quantiles,
        indices=sweep_sensitivity(spec, design, summary),
    )
    for name, table in result.tables().items():
        if name not in ("outcomes", "design"):  # both are on disk already
            file = SWEEP_FILES[name]
            atomic_write(store.dir / file, lambda p, t=table, f=file: write_table(t, p, f))
    if plots:
        result.save_plots(store.dir)
    manifest["status"] = "complete"
    store.write_manifest(manifest)
    # Only now: a sweep killed while removing its parts (seconds for a large one) is then
    # complete, not a sweep to run again from its first chunk.
    store.remove_parts()
