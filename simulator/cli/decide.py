"""`consim solve` and `consim value`: from what-if to what to do."""

from __future__ import annotations

import sys
from pathlib import Path

import click

from simulator.cli.options import echo_json, output_options, workers_option

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


@click.command(short_help="Goal seek: the lever value that meets a target; or a Pareto front.")
@_scenario
@click.option(
    "--lever",
    "levers",
    required=True,
    multiple=True,
    metavar="PATH=LOW..HIGH[:STEP]",
    help="A key to move and its range: a number (partners.state.pledge=135..300), a "
    "probability, or a date (candidates.atos.negotiation.start=2012-01..2014-12); repeatable.",
)
@click.option(
    "--target",
    "targets",
    multiple=True,
    metavar="TEXT",
    help='What must hold, e.g. "P(committed_final >= 285 at 2014-12) >= 0.9", '
    '"mean(paid_in_final) >= 250", "q10(committed_final) > 200", "P(not collapsed) >= 0.95"; '
    "with several levers or objectives, a constraint (repeatable).",
)
@click.option(
    "--minimize",
    multiple=True,
    metavar="PATH|STATISTIC",
    help="One lever: find its smallest value meeting the target [default]. Otherwise an "
    "objective: a lever's path or a statistic such as mean(paid_in_final) (repeatable).",
)
@click.option(
    "--maximize",
    multiple=True,
    metavar="PATH|STATISTIC",
    help="One lever: find its largest value meeting the target. Otherwise an objective "
    'to maximize, e.g. "P(not collapsed)" (repeatable).',
)
@click.option(
    "-n",
    "--replications",
    type=click.IntRange(min=1),
    default=None,
    help="Replications per setting [default: 1 if nothing is uncertain, else 2000 for one "
    "lever, 1000 for a front].",
)
@click.option(
    "--generations",
    type=click.IntRange(min=1),
    default=None,
    help="A front: NSGA-II's generations [default: 25].",
)
@click.option(
    "--population",
    type=click.IntRange(min=4),
    default=None,
    help="A front: settings per generation [default: 24].",
)
@_seed
@_set
@_folder_options
@output_options
def solve(show, scenario, levers, targets, minimize, maximize, **kw):
    """Goal seeking on SCENARIO. With one --lever and one --target: the lever's smallest
    value (largest with --maximize PATH) for which the target holds, by a root search on
    the Monte Carlo estimate; every setting runs the same replications with one seed
    (common random numbers), so the estimate moves with the lever alone. Prints the value,
    the lever values over which the target's 95 % interval straddles the threshold, and the
    estimate there; an unreachable target says so, with the closest setting (exit code 3).

    With several levers, or objectives that are statistics: the Pareto front of the
    objectives (--minimize, --maximize) among the settings that meet every --target, found
    by NSGA-II (pymoo), and checked again with fresh random numbers.

    Writes evaluations.csv (every setting tried), solve.png (or front.csv and front.png)
    and a manifest; --resume reuses the settings an interrupted search evaluated.

    \b
    Examples:
      consim solve scenarios/dassault_leaves.yaml --lever partners.state.pledge=135..300 \\
        --target "P(committed_final >= 285 at 2014-12) >= 0.9"
      consim solve scenarios/atos_joins.yaml --seed 7 \\
        --lever candidates.atos.negotiation.start=2012-01..2015-12 \\
        --target "P(committed_final >= 250 at 2014-12) >= 0.4" \\
        --maximize candidates.atos.negotiation.start
      consim solve scenarios/atos_joins.yaml --seed 3 \\
        --lever partners.state.pledge=135..300 \\
        --lever candidates.atos.negotiation.success=0.1..0.9 \\
        --minimize partners.state.pledge --maximize "P(committed_final >= 285 at 2014-12)"
    """
    from simulator.experiments.levers import parse_lever
    from simulator.results.folders import default_output

    parsed = [parse_lever(text) for text in levers]
    out = kw["out"] or default_output(f"solve-{scenario.stem}")
    folder = {
        "out": out,
        "resume": kw["resume"],
        "force": (kw["force"] or kw["out"] is None) and not kw["resume"],
        "progress": show == "text",
        "replications": kw["replications"],
        "seed": kw["seed"],
        "overrides": kw["overrides"],
    }
    if _root_search(parsed, targets, minimize, maximize):
        _solve_one(show, scenario, parsed[0], targets[0], bool(maximize), folder)
    else:
        _solve_front(show, scenario, parsed, targets, minimize, maximize, folder, kw)


def _root_search(levers, targets, minimize, maximize) -> bool:
    """One lever and one target, the lever alone minimized or maximized: a root search."""
    from simulator.errors import ConsimError

    objectives = [*minimize, *maximize]
    if len(levers) != 1 or any(o != levers[0].path for o in objectives) or len(objectives) > 1:
        if not objectives:
            raise ConsimError(
                "solve: several levers need objectives (--minimize, --maximize), e.g. "
                f"--minimize {levers[0].path}"
            )
        return False
    if len(targets) != 1:
        raise ConsimError(
            f"solve: one lever needs one --target (got {len(targets)}); for a trade-off "
            "between objectives give --minimize/--maximize statistics"
        )
    return True


def _solve_one(show, scenario, lever, target, maximize, folder) -> None:
    from simulator.experiments.solve import solve as run_solve

    solution = run_solve(scenario, lever, target, maximize=maximize, **folder)
    _echo_solution(show, solution, folder["out"])
    if not solution.reachable:
        sys.exit(EXIT_UNREACHABLE)


def _solve_front(show, scenario, levers, targets, minimize, maximize, folder, kw) -> None:
    from simulator.experiments.pareto import GENERATIONS, POPULATION, pareto

    objectives = [(o, False) for o in minimize] + [(o, True) for o in maximize]
    front = pareto(
        scenario,
        levers,
        objectives,
        targets,
        population=kw["population"] or POPULATION,
        generations=kw["generations"] or GENERATIONS,
        **folder,
    )
    _echo_front(show, front, folder["out"])
    if front.front.empty:
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


def _echo_front(show: str, front, out: Path) -> None:
    from simulator.experiments.pareto import front_lines

    m = front.manifest
    if show == "json":
        keys = ("seed", "replications")
        echo_json({"folder": str(out), **{k: m[k] for k in keys}, "front": front.table})
    if show != "text":
        return
    for line in front_lines(front):
        click.echo(line)
    click.echo(f"  wrote {out}/")


@click.command(short_help="Each member's value to an outcome (Shapley), pivotal members.")
@_scenario
@click.option(
    "--outcome",
    default="committed_final",
    show_default=True,
    type=click.Choice(
        [
            "committed_final",
            "paid_in_final",
            "pledged_final",
            "committed_at_reference",
            "members_final",
            "p_no_collapse",
        ]
    ),
    help="The outcome each coalition is worth (its mean over the replications).",
)
@click.option(
    "-n",
    "--replications",
    type=click.IntRange(min=1),
    default=None,
    help="Replications per coalition [default: 1 if nothing is uncertain, else 1000].",
)
@click.option(
    "--threshold",
    type=float,
    default=None,
    help="A coalition succeeds when its outcome reaches this (for the Banzhaf index and "
    "veto players) [default: 0.5 for p_no_collapse; none for money].",
)
@click.option(
    "--samples",
    type=click.IntRange(min=1),
    default=None,
    help="Beyond 12 members: random orders of arrival sampled [default: 200].",
)
@click.option(
    "--executor",
    type=click.Choice(["serial", "processes"]),
    default=None,
    help="Where coalitions run [default: a process per core from 2,048 coalitions, else here].",
)
@workers_option
@_seed
@_set
@_folder_options
@output_options
def value(show, scenario, outcome, replications, threshold, samples, seed, overrides, **kw):
    """Each member's (partner's and candidate's) Shapley value to OUTCOME: its average
    contribution over every order in which the consortium could have formed, from
    simulations of every coalition (the scenario with only its members: the others, the
    policies they fund and the rules that name them left out), all with one seed (common
    random numbers). Up to 12 members every coalition is run (exact); beyond, random orders
    of arrival are sampled, with an interval, and the run count is printed first.

    With a success threshold (p_no_collapse ≥ 0.5 by default, or --threshold): the
    normalized Banzhaf index of each member and the veto players, without whom no
    coalition succeeds.

    Writes values.csv, coalitions.csv, value.png and a manifest; --resume reuses the
    coalitions an interrupted run valued.

    \b
    Examples:
      consim value scenarios/andromede_plan.yaml
      consim value scenarios/atos_joins.yaml --outcome p_no_collapse -n 2000 --seed 7
      consim value scenarios/dassault_stays.yaml --outcome committed_final --threshold 285
    """
    from simulator.experiments.run import DEFAULT_STOCHASTIC_REPLICATIONS, as_scenario
    from simulator.experiments.samples import replications_for
    from simulator.experiments.value import DEFAULT_SAMPLES, partner_value, planned_runs
    from simulator.results.folders import default_output

    base = as_scenario(scenario, overrides)
    n = replications_for(base, replications, DEFAULT_STOCHASTIC_REPLICATIONS)
    k, candidates = len(base.members()), len(base.candidates)
    method, runs = planned_runs(k, n, samples or DEFAULT_SAMPLES, candidates)
    if show == "text":
        how = (
            f"every one of the {2**k:,} coalitions"
            if method == "exact"
            else f"more than 12: sampling {samples or DEFAULT_SAMPLES} orders of arrival"
        )
        click.echo(f"{base.name}: {k} members, {how}; {runs:,} runs at most, {n:,} per coalition")
    out = kw["out"] or default_output(f"value-{scenario.stem}")
    pv = partner_value(
        scenario,
        outcome,
        replications=replications,
        seed=seed,
        overrides=overrides,
        samples=samples,
        out=out,
        resume=kw["resume"],
        force=(kw["force"] or kw["out"] is None) and not kw["resume"],
        progress=show == "text",
        threshold=threshold,
        executor=kw["executor"],
        workers=kw["workers"],
    )
    _echo_value(show, pv, out)


def _echo_value(show: str, pv, out: Path) -> None:
    from simulator.experiments.value import value_lines

    m = pv.manifest
    if show == "json":
        keys = ("seed", "replications", "outcome", "method")
        echo_json({"folder": str(out), **{k: m[k] for k in keys}, **m["result"], "table": pv.table})
    if show != "text":
        return
    for line in value_lines(pv):
        click.echo(line)
    click.echo(f"  wrote {out}/")
