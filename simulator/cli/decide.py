"""`consim solve` and `consim value`: from what-if to what to do."""

from __future__ import annotations

import sys
from pathlib import Path

import click

from simulator.cli.options import echo_json, output_options

EXIT_UNREACHABLE = 3  # the search ran and wrote its folder, but no lever value meets the target

_scenario = click.argument("scenario", type=click.Path(dir_okay=False, path_type=Path))
_seed = click.option(
    "--seed",
    type=click.IntRange(min=0),
    default=None,
    help="Root seed shared by every setting [default: fresh, recorded].",
)
_set = click.option(
    "--set",
    "overrides",
    multiple=True,
    metavar="PATH=VALUE",
    help="Change a key of the scenario first, e.g. partners.orange.pledge=80 (repeatable).",
)


def _folder_options(fn):
    fn = click.option("--force", is_flag=True, help="Replace an earlier search in --out.")(fn)
    fn = click.option(
        "--resume", is_flag=True, help="Finish an interrupted search in --out (same inputs)."
    )(fn)
    return click.option(
        "--out",
        type=click.Path(file_okay=False, path_type=Path),
        default=None,
        help="Output directory [default: results/<command>-<scenario name>].",
    )(fn)


@click.command(short_help="Smallest (or largest) lever value that meets a target.")
@_scenario
@click.option(
    "--lever",
    required=True,
    metavar="PATH=LOW..HIGH[:STEP]",
    help="The key to move and its range: a number (partners.state.pledge=135..300), a "
    "probability, or a date (candidates.atos.negotiation.start=2012-01..2014-12).",
)
@click.option(
    "--target",
    required=True,
    metavar="TEXT",
    help='What must hold, e.g. "P(committed_final >= 285 at 2014-12) >= 0.9", '
    '"mean(paid_in_final) >= 250", "q10(committed_final) > 200", "P(not collapsed) >= 0.95".',
)
@click.option(
    "--minimize",
    is_flag=False,
    flag_value="",
    default=None,
    metavar="[PATH]",
    help="Find the lever's smallest value that meets the target [default]; PATH, if given, "
    "must be the lever's.",
)
@click.option(
    "--maximize",
    is_flag=False,
    flag_value="",
    default=None,
    metavar="[PATH]",
    help="Find the lever's largest value that meets the target instead.",
)
@click.option(
    "-n",
    "--replications",
    type=click.IntRange(min=1),
    default=None,
    help="Replications per setting [default: 1 if nothing is uncertain, else 2000].",
)
@_seed
@_set
@_folder_options
@output_options
def solve(show, scenario, lever, target, minimize, maximize, replications, seed, overrides, **kw):
    """Find the smallest value of a lever of SCENARIO (or the largest, with --maximize) for
    which TARGET holds, by a root search on the Monte Carlo estimate: every setting runs the
    same replications with one seed (common random numbers), so the estimate moves with the
    lever alone. Prints the value, the range of values over which the target's 95 % interval
    straddles the threshold, and the estimate there; an unreachable target says so, with
    the closest setting (exit code 3).

    Writes evaluations.csv (every setting tried), solve.png and a manifest; --resume reuses
    the settings an interrupted search evaluated.

    \b
    Examples:
      consim solve scenarios/dassault_leaves.yaml --lever partners.state.pledge=135..300 \\
        --target "P(committed_final >= 285 at 2014-12) >= 0.9"
      consim solve scenarios/atos_joins.yaml --seed 7 --maximize \\
        --lever candidates.atos.negotiation.start=2012-01..2015-12 \\
        --target "P(committed_final >= 250 at 2014-12) >= 0.4"
    """
    from simulator.errors import ConsimError
    from simulator.experiments.levers import parse_lever
    from simulator.experiments.solve import solve as run_solve
    from simulator.results.folders import default_output

    parsed = parse_lever(lever)
    for flag, path in (("--minimize", minimize), ("--maximize", maximize)):
        if path and path != parsed.path:
            raise ConsimError(
                f"{flag} {path}: only the lever can be minimized or maximized (got {path!r}; "
                f"the lever is {parsed.path!r})"
            )
    if minimize is not None and maximize is not None:
        raise ConsimError("--minimize and --maximize: choose one")
    out = kw["out"] or default_output(f"solve-{scenario.stem}")
    force = kw["force"] or kw["out"] is None
    solution = run_solve(
        scenario,
        parsed,
        target,
        maximize=maximize is not None,
        replications=replications,
        seed=seed,
        overrides=overrides,
        out=out,
        resume=kw["resume"],
        force=force and not kw["resume"],
        progress=show == "text",
    )
    _echo_solution(show, solution, out)
    if not solution.reachable:
        sys.exit(EXIT_UNREACHABLE)


def _echo_solution(show: str, solution, out: Path) -> None:
    from simulator.experiments.solve import answer_lines

    m = solution.manifest
    if show == "json":
        keys = ("seed", "replications")
        echo_json({"folder": str(out), **{k: m[k] for k in keys}, **m["solution"]})
    if show != "text":
        return
    reused = m["solution"]["reused"]
    click.echo(
        f"{m['scenario']}: {solution.target.text}; {m['replications']:,} run(s) per setting, "
        f"seed {m['seed']}, {len(solution.evaluations)} settings"
        + (f" ({reused} reused)" if reused else "")
    )
    for line in answer_lines(solution):
        click.echo("  " + line)
    click.echo(f"  wrote {out}/")
