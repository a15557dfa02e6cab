"""`consim run` and `consim sweep`: simulate a scenario file, or a sweep file's design."""

from __future__ import annotations

import sys
from pathlib import Path

import click

from simulator.cli.group import EXIT_TEMPFAIL
from simulator.cli.options import (
    add_option,
    allow_large,
    echo_json,
    echo_target,
    echo_warnings,
    executor_options,
    large_allowed,
    output_options,
    target_options,
)
from simulator.errors import ConsimError


@click.command(short_help="Simulate a scenario file and write results and plots.")
@click.argument("scenario", type=click.Path(dir_okay=False, path_type=Path))
@click.option(
    "-n",
    "--replications",
    type=click.IntRange(min=1),
    default=None,
    help="Replications to run [default: 1 if nothing is uncertain, else 1000].",
)
@click.option(
    "--seed",
    type=click.IntRange(min=0),
    default=None,
    help="Root seed; the same seed reproduces every number [default: fresh, recorded].",
)
@click.option(
    "--set",
    "overrides",
    multiple=True,
    metavar="PATH=VALUE",
    help="Change a key of the scenario, e.g. partners.state.pledge=150 (repeatable).",
)
@add_option
@click.option(
    "--out",
    type=click.Path(file_okay=False, path_type=Path),
    default=None,
    help="Output directory [default: results/<scenario name>].",
)
@click.option(
    "--force",
    is_flag=True,
    help="Replace earlier results in the folder given with --out (only a folder consim "
    "wrote that holds only consim's files; the default folder is replaced without it).",
)
@click.option("--no-plots", is_flag=True, help="Skip the PNG plots.")
@target_options
@executor_options("serial")
@output_options
@allow_large
def run(
    show,
    scenario,
    replications,
    seed,
    overrides,
    additions,
    out,
    force,
    no_plots,
    executor,
    workers,
    scheduler,
    target,
):
    """Simulate SCENARIO and write outcomes, trajectories, events, manifest and plots."""
    from simulator.experiments.run import run as run_scenario
    from simulator.results.folders import check_replaceable, default_output, locked
    from simulator.scenario.load import load_scenario

    loaded = load_scenario(scenario, overrides, additions)
    if show == "text":
        echo_warnings(loaded)
    # The default folder is named after the scenario and is consim's: running again replaces
    # it (as --force would: only if it holds nothing but consim's files). A folder the user
    # names with --out may be theirs: replacing it takes --force.
    force = force or out is None
    out = out or default_output(loaded.name or scenario.stem)
    if scheduler:
        executor = "dask"
    with locked(out):  # from the check to the final move: a concurrent run is refused
        check_replaceable(out, force)  # fail before simulating, not after
        results = run_scenario(
            loaded,
            replications=replications,
            seed=seed,
            progress=show == "text",
            executor=executor,
            workers=workers,
            scheduler=scheduler,
            target_ci=target,
            allow_large=large_allowed(),
            folder=out,
        )
        results.manifest["command"] = "consim " + " ".join(sys.argv[1:])
        results.save(out, force=force, plots=not no_plots)
    _echo_run(show, results, out)


def _echo_run(show: str, results, out: Path) -> None:
    """The summary as text, as one JSON object, or nothing (--quiet)."""
    from simulator.analysis.summary import format_summary

    if show == "json":
        m = results.manifest
        keys = ("scenario", "seed", "input_hash")
        summary = results.summary()
        echo_json(
            {
                **{k: m[k] for k in keys},
                "replications": results.replications,
                "folder": str(out),
                "summary": summary,
            }
        )
    elif show == "text":
        click.echo(format_summary(results))
        echo_target(results.manifest.get("target_ci"), results.replications)
        click.echo(f"  wrote {out}/")


@click.command(short_help="Run a sweep file: many design points × replications, with plots.")
@click.argument("sweep_file", metavar="SWEEP", type=click.Path(dir_okay=False, path_type=Path))
@click.option(
    "--out",
    type=click.Path(file_okay=False, path_type=Path),
    default=None,
    help="Output directory [default: results/<sweep name>].",
)
@executor_options("processes")
@click.option(
    "--resume",
    is_flag=True,
    help="Finish an interrupted sweep in --out, skipping its saved chunks.",
)
@click.option(
    "--force",
    is_flag=True,
    help="Replace the results of a previous sweep (only a folder consim wrote that holds "
    "only consim's files).",
)
@click.option("--no-plots", is_flag=True, help="Skip the PNG plots.")
@allow_large
def sweep(sweep_file, out, executor, workers, scheduler, resume, force, no_plots):
    """Run SWEEP (scenarios/sweeps/*.yaml): vary parameters of a base scenario over a
    design (grid, lhs, sobol, morris), run replications of every point with common
    random numbers, and write outcomes.parquet, quantiles.parquet, points.csv, plots
    and a manifest. Results are saved chunk by chunk: after an interruption, run the
    same command with --resume.

    \b
    Examples:
      consim sweep scenarios/sweeps/atos_terms.yaml
      consim sweep scenarios/sweeps/atos_terms.yaml --executor dask --scheduler tcp://host:8786
    """
    from simulator.analysis.summary import format_sweep_summary
    from simulator.experiments.executors import WorkerLost
    from simulator.experiments.spec import load_sweep
    from simulator.experiments.sweep import sweep as run_sweep
    from simulator.experiments.sweep import sweep_output

    if resume and force:
        raise ConsimError("--resume and --force contradict each other: choose one")
    if scheduler:
        executor = "dask"
    if out is None:
        spec, doc, _ = load_sweep(sweep_file, large_allowed())
        out = sweep_output(spec, doc)
    try:
        results = run_sweep(
            sweep_file,
            out=out,
            executor=executor,
            workers=workers,
            scheduler=scheduler,
            resume=resume,
            force=force,
            progress=True,
            plots=not no_plots,
            load=False,
            allow_large=large_allowed(),
            on_plan=echo_plan,
        )
    except KeyboardInterrupt:
        click.echo(
            f"interrupted; finished chunks are saved in {out}/: rerun with --resume to finish",
            err=True,
        )
        sys.exit(130)
    except WorkerLost as exc:
        click.echo(
            f"{exc}; the sweep stopped: its {exc.saved} finished chunks are kept in "
            f"{out}/: rerun with --resume to finish",
            err=True,
        )
        sys.exit(EXIT_TEMPFAIL)
    click.echo(format_sweep_summary(results))
    click.echo(f"  wrote {out}/")


def echo_plan(plan) -> None:
    """A sweep's warnings, then its size and estimated time, on stderr."""
    for warning in plan.warnings:
        click.echo(warning, err=True)
    click.echo(plan, err=True)
