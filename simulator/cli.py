"""The `consim` command: parse arguments, call the API, turn ConsimError into exit code 2."""

from __future__ import annotations

import json
import os
import sys
from pathlib import Path

import click

from simulator.errors import ConsimError

EXIT_BAD_INPUT, EXIT_INTERNAL = 2, 1
EXIT_TEMPFAIL = 75  # sysexits.h EX_TEMPFAIL: a worker died; running again may succeed


def _executor_options(default: str):
    """--executor/--workers/--scheduler, shared by `run` and `sweep`."""

    def decorate(fn):
        fn = click.option(
            "--scheduler",
            metavar="ADDRESS",
            default=None,
            help="Address of a running Dask scheduler (e.g. tcp://10.0.0.5:8786); "
            "implies --executor dask.",
        )(fn)
        fn = click.option(
            "--workers",
            type=click.IntRange(min=1),
            default=None,
            help="Worker processes [default: one per core].",
        )(fn)
        return click.option(
            "--executor",
            type=click.Choice(["serial", "processes", "dask"]),
            default=default,
            show_default=True,
            help="Where replications run: this process, a local process pool, or Dask.",
        )(fn)

    return decorate


_add_option = click.option(
    "--add",
    "additions",
    multiple=True,
    metavar="PATH=VALUE",
    help="Add a new partner, venture, candidate, … (or a key the file lacks), e.g. "
    "partners.atos='{pledge: 40}' (repeatable; applied before --set).",
)


def _echo_warnings(scenario) -> None:
    """Warnings go to stderr, one line each, and do not change the exit code."""
    for warning in scenario.warnings:
        click.echo(str(warning), err=True)


def _allow_large(fn):
    """--allow-large, shared by `sweep` and `validate`; kept in the context's meta (read by
    `_large_allowed`), so that the commands' signatures stay as they are."""

    def remember(ctx: click.Context, _param, value: bool) -> bool:
        ctx.meta["consim.allow_large"] = value
        return value

    return click.option(
        "--allow-large",
        is_flag=True,
        expose_value=False,
        callback=remember,
        help="Accept a sweep of more than 10^8 runs (points × replications).",
    )(fn)


def _large_allowed() -> bool:
    return click.get_current_context().meta.get("consim.allow_large", False)


class _Group(click.Group):
    """Maps errors to exit codes: 2 for bad input (one line per problem), 75 for a worker
    that died (`sweep` says what it kept), 1 for bugs."""

    def invoke(self, ctx):
        from simulator.experiments.executors import WorkerLost

        try:
            return super().invoke(ctx)
        except WorkerLost as exc:  # `run`: its results are gathered in memory, all lost
            click.echo(f"{exc}; the run stopped and nothing was written: run it again", err=True)
            ctx.exit(EXIT_TEMPFAIL)
        except ConsimError as exc:
            click.echo(str(exc), err=True)
            ctx.exit(EXIT_BAD_INPUT)
        except (click.exceptions.Exit, click.exceptions.Abort, click.ClickException):
            raise
        except KeyboardInterrupt:
            click.echo("interrupted; nothing was written", err=True)
            ctx.exit(130)
        except Exception as exc:  # a bug: say so briefly, full traceback on request
            if os.environ.get("CONSIM_DEBUG"):
                raise
            click.echo(
                f"internal error: {type(exc).__name__}: {exc} "
                "(set CONSIM_DEBUG=1 for the traceback)",
                err=True,
            )
            ctx.exit(EXIT_INTERNAL)


@click.group(cls=_Group, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(package_name="consim")
def main() -> None:
    """consim: what-if simulator for consortium restructuring.

    Scenario files (YAML) describe a consortium's ventures, partners and their
    pledges, departures, candidates in negotiation and funders' policies. `consim run`
    simulates them and writes funding trajectories set against a market projection.

    \b
    Examples:
      consim run scenarios/andromede_plan.yaml
      consim run scenarios/atos_joins.yaml --replications 5000 --seed 7
      consim run scenarios/dassault_leaves.yaml --set partners.state.pledge=195
      consim validate scenarios/*.yaml
    """


@main.command(short_help="Simulate a scenario file and write results and plots.")
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
@_add_option
@click.option(
    "--out",
    type=click.Path(file_okay=False, path_type=Path),
    default=None,
    help="Output directory [default: results/<scenario name>].",
)
@click.option(
    "--force",
    is_flag=True,
    help="Replace the results of a previous run in the output directory (only a "
    "folder consim wrote that holds only consim's files).",
)
@click.option("--no-plots", is_flag=True, help="Skip the PNG plots.")
@_executor_options("serial")
def run(
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
):
    """Simulate SCENARIO and write outcomes, trajectories, events, manifest and plots."""
    from simulator.analysis.summary import format_summary
    from simulator.experiments.run import run as run_scenario
    from simulator.results.folders import check_replaceable, default_output, locked
    from simulator.scenario.load import load_scenario

    loaded = load_scenario(scenario, overrides, additions)
    _echo_warnings(loaded)
    out = out or default_output(loaded.name or scenario.stem)
    if scheduler:
        executor = "dask"
    with locked(out):  # from the check to the final move: a concurrent run is refused
        check_replaceable(out, force)  # fail before simulating, not after
        results = run_scenario(
            loaded,
            replications=replications,
            seed=seed,
            progress=True,
            executor=executor,
            workers=workers,
            scheduler=scheduler,
        )
        results.manifest["command"] = "consim " + " ".join(sys.argv[1:])
        results.save(out, force=force, plots=not no_plots)
    click.echo(format_summary(results))
    click.echo(f"  wrote {out}/")


@main.command(short_help="Run a sweep file: many design points × replications, with plots.")
@click.argument("sweep_file", metavar="SWEEP", type=click.Path(dir_okay=False, path_type=Path))
@click.option(
    "--out",
    type=click.Path(file_okay=False, path_type=Path),
    default=None,
    help="Output directory [default: results/<sweep name>].",
)
@_executor_options("processes")
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
@_allow_large
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
        spec, doc, _ = load_sweep(sweep_file, _large_allowed())
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
            allow_large=_large_allowed(),
            on_plan=_echo_plan,
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


def _is_sweep_file(path: Path) -> bool:
    """A sweep file names a base `scenario:` and `parameters:`; a scenario file never does."""
    from simulator.scenario.yamlio import read_file

    data = read_file(path).data
    return isinstance(data, dict) and "parameters" in data and "scenario" in data


def _echo_plan(plan) -> None:
    """A sweep's warnings, then its size and estimated time, on stderr."""
    for warning in plan.warnings:
        click.echo(warning, err=True)
    click.echo(plan, err=True)


def _check_sweep(path: Path) -> str:
    from simulator.experiments.points import design_points, point_warnings
    from simulator.experiments.spec import load_sweep

    spec, doc, path = load_sweep(path, _large_allowed())
    design, points = design_points(spec, path, doc)
    for warning in point_warnings(points):
        click.echo(warning, err=True)
    return (
        f"sweep: {len(design)} design points × {spec.replications} replications of {spec.scenario}"
    )


@main.command(short_help="Check scenario and sweep files without running them.")
@click.argument("files", nargs=-1, required=True, type=click.Path(dir_okay=False, path_type=Path))
@click.option(
    "--set",
    "overrides",
    multiple=True,
    metavar="PATH=VALUE",
    help="Check with these overrides applied.",
)
@_add_option
@_allow_large
def validate(files, overrides, additions):
    """Check scenario and sweep FILES without running them; report every problem found.

    A sweep file is checked at every design point (each is validated as a scenario).
    """
    from simulator.errors import ScenarioError
    from simulator.scenario.load import load_scenario

    problems = []
    for f in files:
        try:
            if _is_sweep_file(f):
                click.echo(f"{f}: ok ({_check_sweep(f)})")
                continue
            s = load_scenario(f, overrides, additions)
            _echo_warnings(s)
            click.echo(
                f"{f}: ok ({len(s.partners)} partners, {len(s.candidates)} candidates, "
                f"{s.horizon} months)"
            )
        except ScenarioError as exc:
            problems.extend(exc.problems)
    if problems:
        raise ScenarioError(problems)


@main.command(short_help="Print the JSON Schema of scenario files.")
@click.option(
    "--out",
    type=click.Path(dir_okay=False, path_type=Path),
    default=None,
    help="Write to this file instead of standard output.",
)
@click.option("--sweep", "of_sweeps", is_flag=True, help="The schema of sweep files instead.")
def schema(out, of_sweeps):
    """Print the JSON Schema of scenario files, or of sweep files with --sweep (for editor
    completion and checks)."""
    from simulator.experiments.spec import Sweep
    from simulator.scenario.schema import Scenario

    model = Sweep if of_sweeps else Scenario
    text = json.dumps(model.model_json_schema(), indent=2, ensure_ascii=False)
    if out:
        out.write_text(text + "\n")
        click.echo(f"wrote {out}")
    else:
        click.echo(text)


@main.command(short_help="Run the seed scenarios and plot them side by side.")
@click.option(
    "--scenarios",
    "folder",
    type=click.Path(file_okay=False, path_type=Path),
    default=Path("scenarios"),
    show_default=True,
    help="Folder of the seed scenarios.",
)
@click.option(
    "--out",
    type=click.Path(file_okay=False, path_type=Path),
    default=Path("results"),
    show_default=True,
    help="Where to write one folder per scenario.",
)
@click.option(
    "-n",
    "--replications",
    type=click.IntRange(min=1),
    default=1000,
    show_default=True,
    help="Replications for uncertain scenarios.",
)
@click.option(
    "--seed",
    type=click.IntRange(min=0),
    default=2011,
    show_default=True,
    help="Root seed shared by all scenarios (paired what-ifs).",
)
def demo(folder, out, replications, seed):
    """Run every scenario in the folder (one seed: common random numbers) and compare them."""
    from simulator.analysis.summary import format_summary
    from simulator.experiments.demo import demo as run_demo

    def echo(results) -> None:
        click.echo(format_summary(results))

    named = run_demo(folder, out, replications, seed, on_result=echo)
    click.echo(f"wrote {out}/<scenario>/ for {len(named)} scenarios and {out}/comparison.png")


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
