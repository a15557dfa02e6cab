"""`consim explain`: the dated story of one run of a saved run, or of a sweep's run
simulated again from its seed."""

from __future__ import annotations

from pathlib import Path

import click


@click.command(short_help="Tell the story of one run: its events, dated, with the money moved.")
@click.argument("results", type=click.Path(file_okay=False, path_type=Path))
@click.option("--replication", type=click.IntRange(min=0), default=None, help="The run to tell.")
@click.option(
    "--point",
    type=click.IntRange(min=0),
    default=None,
    help="A sweep's design point (the run is simulated again from the sweep's seed).",
)
@click.option(
    "--worst",
    metavar="OUTCOME",
    default=None,
    help="The run with the lowest OUTCOME (summed over ventures), e.g. committed_final.",
)
@click.option("--best", metavar="OUTCOME", default=None, help="The run with the highest OUTCOME.")
def explain(results, replication, point, worst, best):
    """Print the story of one run of RESULTS (a folder `consim run` wrote, one scenario's
    folder of a comparison, or a sweep): who pledged what at the start, then every event
    in date order with the money it pledged or cancelled, and each venture's account,
    which adds up to the run's row in the outcomes.

    A sweep keeps no events: its run is simulated again, exactly, from the sweep's seed
    (replication K of point P draws the numbers it drew in the sweep), after checking
    that the scenario files still give the same sweep.

    \b
    Examples:
      consim explain results/atos_joins --replication 347
      consim explain results/demo/atos_joins --worst committed_final
      consim explain results/atos_terms --point 3 --replication 17
      consim explain results/atos_terms --worst committed_final
    """
    from simulator.analysis.story import format_story, replication_of
    from simulator.errors import ConsimError
    from simulator.results.resultset import ResultSet

    if sum(x is not None for x in (replication, worst, best)) != 1:
        raise ConsimError("explain: give exactly one of --replication, --worst, --best")
    loaded = ResultSet.load(results)
    kind = loaded.manifest.get("kind")
    if kind == "sweep":
        loaded, replication = _sweep_run(loaded, point, replication, worst, best)
        click.echo(format_story(loaded, replication))
        return
    if kind != "run":
        inside = sorted(p.name for p in results.iterdir() if (p / "manifest.json").is_file())
        hint = f"; its scenarios' folders: {', '.join(inside)}" if inside else ""
        raise ConsimError(
            f"{results}: explain tells a run's story, not a {kind or 'folder'}'s{hint}"
        )
    if point is not None:
        raise ConsimError("--point: only a sweep has design points; these are a run's results")
    click.echo(loaded.explain(replication_of(loaded, replication, worst, best)))


def _sweep_run(loaded, point, replication, worst, best):
    """The sweep's run asked for, replayed: by point and number, or the extreme one (of
    every point, or of `point`)."""
    from simulator.analysis.story import extreme_run
    from simulator.errors import ConsimError
    from simulator.experiments.replay import replay

    if replication is not None:
        if point is None:
            raise ConsimError("--replication in a sweep needs --point (the design point)")
    else:
        point, replication = extreme_run(loaded.outcomes, worst, best, point)
    replayed = replay(loaded, point, replication)
    click.echo(
        f"design point {point} ({_values(loaded, point)}), simulated again from seed "
        f"{loaded.manifest['seed']}:"
    )
    return replayed, replication


def _values(loaded, point: int) -> str:
    from simulator.analysis.points import parameter_label

    row = loaded.design.set_index("point").loc[point]
    return ", ".join(parameter_label(k, v) for k, v in row.items())
