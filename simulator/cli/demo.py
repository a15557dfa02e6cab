"""`consim demo`: the seed scenarios side by side."""

from __future__ import annotations

from pathlib import Path

import click


@click.command(short_help="Run the seed scenarios and plot them side by side.")
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
