"""`consim explain`: the dated story of one run of a saved run."""

from __future__ import annotations

from pathlib import Path

import click


@click.command(short_help="Tell the story of one run: its events, dated, with the money moved.")
@click.argument("results", type=click.Path(file_okay=False, path_type=Path))
@click.option("--replication", type=click.IntRange(min=0), default=None, help="The run to tell.")
@click.option(
    "--worst",
    metavar="OUTCOME",
    default=None,
    help="The run with the lowest OUTCOME (summed over ventures), e.g. committed_final.",
)
@click.option("--best", metavar="OUTCOME", default=None, help="The run with the highest OUTCOME.")
def explain(results, replication, worst, best):
    """Print the story of one run of RESULTS (a folder `consim run` wrote, or one scenario's
    folder of a comparison): who pledged what at the start, then every event in date order
    with the money it pledged or cancelled, and each venture's account, which adds up to
    the run's row in outcomes.csv.

    \b
    Examples:
      consim explain results/atos_joins --replication 347
      consim explain results/demo/atos_joins --worst committed_final
    """
    from simulator.analysis.story import format_story, replication_of
    from simulator.errors import ConsimError
    from simulator.results.resultset import ResultSet

    if sum(x is not None for x in (replication, worst, best)) != 1:
        raise ConsimError("explain: give exactly one of --replication, --worst, --best")
    loaded = ResultSet.load(results)
    kind = loaded.manifest.get("kind")
    if kind != "run":
        inside = sorted(p.name for p in results.iterdir() if (p / "manifest.json").is_file())
        hint = f"; its scenarios' folders: {', '.join(inside)}" if inside else ""
        raise ConsimError(
            f"{results}: explain tells a run's story, and this is a {kind or 'folder'}'s "
            f"results (a sweep keeps no events){hint}"
        )
    click.echo(format_story(loaded, replication_of(loaded, replication, worst, best)))
