"""`consim calibrate`: fit a scenario's uncertain inputs to its observed history."""

from __future__ import annotations

import sys
from pathlib import Path

import click

from simulator.cli.options import executor_options


@click.command(short_help="Fit uncertain inputs to the scenario's observed history.")
@click.argument("scenario", type=click.Path(dir_okay=False, path_type=Path))
@click.option(
    "--fit",
    required=True,
    metavar="KEY[,KEY…]",
    help="Key paths of the inputs to fit, comma-separated; each must be a distribution in "
    "the file (its prior), e.g. ventures.cloudwatt.spending.per_year.",
)
@click.option(
    "-n",
    "--replications",
    type=click.IntRange(min=2),
    default=100,
    show_default=True,
    help="Replications per design point (one where nothing is left to chance).",
)
@click.option(
    "--design",
    type=click.IntRange(min=2),
    default=64,
    show_default=True,
    help="Design points per stage (a power of 2).",
)
@click.option(
    "--stages", type=click.IntRange(min=1), default=4, show_default=True, help="Stages at most."
)
@click.option(
    "--check",
    type=click.IntRange(min=2),
    default=500,
    show_default=True,
    help="Replications of the scenario as written and as calibrated, set against the data.",
)
@click.option(
    "--seed",
    type=click.IntRange(min=0),
    default=None,
    help="Root seed shared by every point [default: fresh, printed].",
)
@click.option(
    "--out",
    type=click.Path(file_okay=False, path_type=Path),
    default=None,
    help="Output directory [default: results/<scenario name>-calibration].",
)
@click.option(
    "--overlay",
    type=click.Path(dir_okay=False, path_type=Path),
    default=None,
    help="Also write the calibrated scenario to this new YAML file (never replaced).",
)
@click.option(
    "--force",
    is_flag=True,
    help="Replace a --out folder that holds an earlier calibration (consim's files only).",
)
@click.option("--no-plots", is_flag=True, help="Skip the figure.")
@executor_options("serial")
def calibrate(
    scenario,
    fit,
    replications,
    design,
    stages,
    check,
    seed,
    out,
    overlay,
    force,
    no_plots,
    executor,
    workers,
    scheduler,
):
    """Estimate the inputs named by --fit from SCENARIO's `observed:` series.

    Each input's distribution in the file is its prior. Stages of quasi-random points, each
    a batch of replications with one seed, are weighed by a synthetic likelihood of the
    observed figures, each stage narrowing to where the weight is (docs/model.md §13.4).
    Prints each input's posterior and the data against the runs before and after; writes
    calibrated.yaml (an `extends:` overlay: each input its posterior), fit.csv,
    posterior.csv, backtest.csv and calibration.png.

    \b
    Example:
      consim calibrate scenarios/examples/cloudwatt_pace.yaml \\
        --fit ventures.cloudwatt.spending.per_year,ventures.numergy.spending.per_year
    """
    from simulator.experiments.calibrate import calibrate as run_calibration
    from simulator.results.folders import check_replaceable, locked

    keys = [k.strip() for k in fit.split(",") if k.strip()]
    out, force = _output(scenario, keys, fit, out, overlay, force)
    with locked(out):
        check_replaceable(out, force)
        cal = run_calibration(
            scenario,
            keys,
            replications,
            design,
            stages,
            seed,
            check,
            progress=True,
            executor="dask" if scheduler else executor,
            workers=workers,
            scheduler=scheduler,
        )
        cal.manifest["command"] = "consim " + " ".join(sys.argv[1:])
        cal.save(out, force=force, plots=not no_plots)
    if overlay is not None:
        with open(overlay, "x", encoding="utf-8") as f:  # never replaces a file
            f.write(cal.overlay(overlay.parent))
    for line in cal.lines():
        click.echo(line)
    click.echo(f"  wrote {out}/ (run the calibrated scenario: consim run {out}/calibrated.yaml)")
    if overlay is not None:
        click.echo(f"  wrote {overlay}")


def _output(scenario: Path, keys: list, fit: str, out, overlay, force: bool):
    """The folder to write and whether it may be replaced: the default folder
    (results/<name>-calibration) is consim's own; one named with --out takes --force."""
    from simulator.errors import ConsimError
    from simulator.results.folders import default_output
    from simulator.scenario.load import load_scenario

    if not keys:
        raise ConsimError(f"--fit: no key path given (got {fit!r})")
    if overlay is not None and overlay.exists():
        raise ConsimError(f"{overlay}: exists; choose a new file for the calibrated scenario")
    if out is not None:
        return out, force
    name = load_scenario(scenario).name or scenario.stem
    return default_output(f"{name}-calibration"), True
