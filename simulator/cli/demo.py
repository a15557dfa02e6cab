"""`consim demo`: the seed what-ifs compared with what happened."""

from __future__ import annotations

from pathlib import Path

import click


@click.command(short_help="Compare the seed what-ifs with what happened, with intervals.")
@click.option(
    "--scenarios",
    "folder",
    type=click.Path(file_okay=False, path_type=Path),
    default=None,
    help="Folder of the scenarios to compare [default: ./scenarios, else the seed scenarios "
    "beside consim's code].",
)
@click.option(
    "--baseline",
    default="dassault_leaves",
    show_default=True,
    help="The scenario the others are compared with (what happened, for the seed case).",
)
@click.option(
    "--out",
    type=click.Path(file_okay=False, path_type=Path),
    default=Path("results/demo"),
    show_default=True,
    help="The comparison folder (replaced if consim wrote it).",
)
@click.option(
    "-n",
    "--replications",
    type=click.IntRange(min=1),
    default=1000,
    show_default=True,
    help="Replications of every scenario.",
)
@click.option(
    "--seed",
    type=click.IntRange(min=0),
    default=2011,
    show_default=True,
    help="Root seed shared by all scenarios (paired what-ifs).",
)
def demo(folder, baseline, out, replications, seed):
    """Compare every scenario in the folder with the baseline, as `consim compare` does
    (one seed: common random numbers), and write the comparison folder: comparison.csv,
    comparison.png and one results folder per scenario."""
    from simulator.analysis.compare import format_comparison
    from simulator.experiments.demo import demo as run_demo

    if folder is None:
        folder = Path("scenarios")
        if not folder.is_dir():  # run from elsewhere: the seed scenarios consim came with
            folder = Path(__file__).resolve().parents[1] / "seeds"
            click.echo(f"no ./scenarios here: the seed scenarios in {folder}", err=True)
    comparison = run_demo(folder, out, replications, seed, baseline)
    click.echo(format_comparison(comparison.table, comparison.manifest["unit"]))
    click.echo(f"  wrote {out}/ (comparison.png, comparison.csv, one folder per scenario)")
