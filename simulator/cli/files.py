"""`consim validate` and `consim schema`: check files without running them, and the
JSON Schemas editors check them with."""

from __future__ import annotations

import json
from pathlib import Path

import click

from simulator.cli.options import add_option, allow_large, echo_warnings, large_allowed


def _is_sweep_file(path: Path) -> bool:
    """A sweep file names a base `scenario:` and `parameters:`; a scenario file never does."""
    from simulator.scenario.yamlio import read_file

    data = read_file(path).data
    return isinstance(data, dict) and "parameters" in data and "scenario" in data


def _check_sweep(path: Path) -> str:
    from simulator.experiments.points import design_points, point_warnings
    from simulator.experiments.spec import load_sweep

    spec, doc, path = load_sweep(path, large_allowed())
    design, points = design_points(spec, path, doc)
    for warning in point_warnings(points):
        click.echo(warning, err=True)
    return (
        f"sweep: {len(design)} design points × {spec.replications} replications of {spec.scenario}"
    )


@click.command(short_help="Check scenario and sweep files without running them.")
@click.argument("files", nargs=-1, required=True, type=click.Path(dir_okay=False, path_type=Path))
@click.option(
    "--set",
    "overrides",
    multiple=True,
    metavar="PATH=VALUE",
    help="Check with these overrides applied.",
)
@add_option
@allow_large
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
            echo_warnings(s)
            click.echo(
                f"{f}: ok ({len(s.partners)} partners, {len(s.candidates)} candidates, "
                f"{s.horizon} months)"
            )
        except ScenarioError as exc:
            problems.extend(exc.problems)
    if problems:
        raise ScenarioError(problems)


@click.command(short_help="Print the JSON Schema of scenario files.")
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
