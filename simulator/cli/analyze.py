"""`consim analyze`: what matters (sensitivity indices) and under which conditions runs
fail (scenario discovery), from results already on disk."""

from __future__ import annotations

from pathlib import Path

import click

MAIN = ("committed_final", "capital_to_market", "collapsed", "months_to_collapse")


@click.group(short_help="What matters, and under which conditions runs fail.")
def analyze():
    """Analyse saved results: `sensitivity` ranks a sweep's inputs by how much each moves
    an outcome; `discover` finds the conditions (PRIM boxes) under which runs collapse or
    fall short."""


def _new_file(path: Path | None) -> None:
    from simulator.errors import ConsimError

    if path is not None and path.exists():
        raise ConsimError(f"{path}: exists; choose a new file for the figure")


def _load(results: Path):
    from simulator.results.resultset import ResultSet

    return ResultSet.load(results)


@analyze.command(short_help="Rank a sweep's inputs by how much each moves an outcome.")
@click.argument("results", type=click.Path(file_okay=False, path_type=Path))
@click.option(
    "--outcome",
    "outcomes",
    multiple=True,
    help="An outcome to rank the inputs for (repeatable) [default: committed capital, "
    "capital / market, P(collapse), months to collapse].",
)
@click.option("--venture", default=None, help="The venture [default: the first].")
@click.option(
    "--plot",
    type=click.Path(dir_okay=False, path_type=Path),
    default=None,
    help="Also draw the indices into this PNG file (a new file; never replaced).",
)
def sensitivity(results, outcomes, venture, plot):
    """Print the sensitivity indices of a sweep in RESULTS, inputs most influential first:
    Sobol S1/ST for a Sobol design, exact S1/ST for a full grid, Morris μ* for a Morris
    design, Borgonovo δ for a Latin hypercube; each with its 95 % interval. `collapsed` is
    P(collapse); `months_to_collapse` counts a run that did not collapse at the horizon.

    \b
    Examples:
      consim analyze sensitivity results/what_matters
      consim analyze sensitivity results/what_matters --outcome collapsed --plot why.png
    """
    from simulator.analysis.sensitivity import RANK_BY, ranked

    _new_file(plot)
    loaded = _load(results)
    table = loaded.sensitivity()
    shown = list(outcomes) or [o for o in MAIN if o in set(table["outcome"])]
    for outcome in shown:
        rows = ranked(table, outcome, venture)
        key = RANK_BY[str(rows["method"].iloc[0])]
        click.echo(f"{outcome} ({rows['method'].iloc[0]}; ranked by {key}):")
        width = max(len(p) for p in rows["parameter"])
        for r in rows.to_dict("records"):
            click.echo(f"  {r['parameter']:<{width}}  {_index_line(r)}")
    if plot is not None:
        from simulator.plots.sensitivity import plot_indices

        plot_indices(loaded, shown, venture).savefig(plot, dpi=110)
        click.echo(f"wrote {plot}")


def _index_line(r: dict) -> str:
    names = [k for k in ("ST", "S1", "mu_star", "delta") if k in r and r[k] == r[k]]
    return "  ".join(
        f"{k} {r[k]:6.3f} [{r[f'{k}_ci_low']:.3f}, {r[f'{k}_ci_high']:.3f}]" for k in names
    )


@analyze.command(short_help="Find the conditions under which runs collapse or fall short.")
@click.argument("results", type=click.Path(file_okay=False, path_type=Path))
@click.option(
    "--where", default=None, help='A condition on outcomes, e.g. "committed_final < 250".'
)
@click.option("--outcome", default=None, help="A yes/no outcome instead: collapsed, dissolved.")
@click.option("--venture", default=None, help="The venture [default: the first].")
@click.option(
    "--boxes",
    type=click.IntRange(1, 10),
    default=3,
    show_default=True,
    help="At most this many boxes.",
)
@click.option(
    "--min-coverage",
    type=click.FloatRange(0, 1),
    default=None,
    help="Pick on each trajectory the densest box covering at least this share "
    "of the cases [default: the best balance of coverage and density].",
)
@click.option(
    "--plot",
    type=click.Path(dir_okay=False, path_type=Path),
    default=None,
    help="Also draw the trade-off and the boxes into this PNG file (a new file).",
)
def discover(results, where, outcome, venture, boxes, min_coverage, plot):
    """Scenario discovery with PRIM: the boxes of inputs where the runs of RESULTS that
    meet a condition (--where) or a yes/no outcome (--outcome) concentrate, each with its
    coverage (share of those runs inside) and density (share of the box that are such
    runs). A run's inputs are who left and when, who joined and with how much; a sweep's
    are its design's values.

    \b
    Examples:
      consim analyze discover results/atos_joins --outcome collapsed
      consim analyze discover results/what_matters --where "committed_final < 250" --plot b.png
    """
    _new_file(plot)
    found = _load(results).discover(where, outcome, venture, boxes, min_coverage)
    click.echo(found.describe())
    if plot is not None:
        from simulator.plots.discover import plot_discovery

        plot_discovery(found).savefig(plot, dpi=110)
        click.echo(f"wrote {plot}")
