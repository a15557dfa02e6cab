"""`consim compare`: what-ifs side by side with common random numbers."""

from __future__ import annotations

import sys
from pathlib import Path

import click

from simulator.cli.options import (
    add_option,
    echo_json,
    echo_target,
    echo_warnings,
    executor_options,
    output_options,
    target_options,
)


@click.command(short_help="Compare what-ifs with the first (the baseline), with intervals.")
@click.argument(
    "scenarios", nargs=-1, required=True, type=click.Path(dir_okay=False, path_type=Path)
)
@click.option(
    "-n",
    "--replications",
    type=click.IntRange(min=1),
    default=None,
    help="Replications of every scenario [default: 1 if nothing is uncertain, else 1000; "
    "with --target-ci, the most to run, default 100,000].",
)
@click.option(
    "--seed",
    type=click.IntRange(min=0),
    default=None,
    help="Root seed shared by every scenario [default: fresh, recorded].",
)
@click.option(
    "--set",
    "overrides",
    multiple=True,
    metavar="PATH=VALUE",
    help="Change a key in every scenario, e.g. partners.state.pledge=150 (repeatable).",
)
@add_option
@target_options
@click.option(
    "--out",
    type=click.Path(file_okay=False, path_type=Path),
    default=None,
    help="Output directory [default: results/compare-<baseline>].",
)
@click.option(
    "--force",
    is_flag=True,
    help="Replace an earlier comparison in the output directory (only a folder consim "
    "wrote that holds only consim's files).",
)
@click.option("--no-plots", is_flag=True, help="Skip the PNG plots.")
@executor_options("serial")
@output_options
def compare(
    show,
    scenarios,
    replications,
    seed,
    overrides,
    additions,
    target,
    out,
    force,
    no_plots,
    executor,
    workers,
    scheduler,
):
    """Run SCENARIOS (two or more files) with one seed and compare each with the first, the
    baseline: each one's mean with its 95 % confidence interval, the paired difference
    from the baseline (replication by replication: common random numbers) with its own
    interval and p-value, and P(collapse) with its binomial interval.

    Writes comparison.csv, comparison.png (trajectories and a forest plot of the
    differences), a manifest and one results folder per scenario.

    \b
    Examples:
      consim compare scenarios/dassault_leaves.yaml scenarios/atos_joins.yaml
      consim compare scenarios/dassault_leaves.yaml scenarios/atos_joins.yaml \\
        scenarios/state_raises_share.yaml --target-ci 1.0 --seed 7
    """
    from simulator.experiments.compare import compare as run_compare
    from simulator.results.folders import check_replaceable, default_output, locked
    from simulator.scenario.load import load_scenario

    loaded = [load_scenario(f, overrides, additions) for f in scenarios]
    for s in loaded:
        if show == "text":
            echo_warnings(s)
    force = force or out is None  # the default folder is consim's: replaced (as in `run`)
    out = out or default_output(f"compare-{loaded[0].name or scenarios[0].stem}")
    with locked(out):
        check_replaceable(out, force)  # fail before simulating, not after
        comparison = run_compare(
            *loaded,
            replications=replications,
            seed=seed,
            progress=show == "text",
            executor="dask" if scheduler else executor,
            workers=workers,
            scheduler=scheduler,
            target_ci=target,
        )
        comparison.manifest["command"] = "consim " + " ".join(sys.argv[1:])
        comparison.save(out, force=force, plots=not no_plots)
    _echo_comparison(show, comparison, out, target)


def _echo_comparison(show: str, comparison, out: Path, target) -> None:
    """The comparison as a table, as one JSON object, or nothing (--quiet)."""
    from simulator.analysis.compare import format_comparison

    m = comparison.manifest
    if show == "json":
        keys = ("baseline", "seed", "replications")
        echo_json({**{k: m[k] for k in keys}, "folder": str(out), "table": comparison.table})
    if show != "text":
        return
    outcome = target.outcome if target else "committed_final"
    click.echo(format_comparison(comparison.table, m["unit"], outcome))
    echo_target(m.get("target_ci"), m["replications"])
    click.echo(f"  {m['replications']:,} replication(s) each, seed {m['seed']}; wrote {out}/")
