"""Options and echoes that several commands share."""

from __future__ import annotations

import functools

import click

workers_option = click.option(
    "--workers",
    type=click.IntRange(min=1),
    default=None,
    help="Worker processes [default: one per core].",
)


def executor_options(default: str):
    """--executor/--workers/--scheduler, shared by `run` and `sweep`."""

    def decorate(fn):
        fn = click.option(
            "--scheduler",
            metavar="ADDRESS",
            default=None,
            help="Address of a running Dask scheduler (e.g. tcp://10.0.0.5:8786); "
            "implies --executor dask.",
        )(fn)
        fn = workers_option(fn)
        return click.option(
            "--executor",
            type=click.Choice(["serial", "processes", "dask"]),
            default=default,
            show_default=True,
            help="Where replications run: this process, a local process pool, or Dask.",
        )(fn)

    return decorate


add_option = click.option(
    "--add",
    "additions",
    multiple=True,
    metavar="PATH=VALUE",
    help="Add a new partner, venture, candidate, … (or a key the file lacks), e.g. "
    "partners.atos='{pledge: 40}' (repeatable; applied before --set).",
)


def echo_warnings(scenario) -> None:
    """Warnings go to stderr, one line each, and do not change the exit code."""
    for warning in scenario.warnings:
        click.echo(str(warning), err=True)


def allow_large(fn):
    """--allow-large, shared by `sweep` and `validate`; kept in the context's meta (read by
    `large_allowed`), so that the commands' signatures stay as they are."""

    def remember(ctx: click.Context, _param, value: bool) -> bool:
        ctx.meta["consim.allow_large"] = value
        return value

    return click.option(
        "--allow-large",
        is_flag=True,
        expose_value=False,
        callback=remember,
        help="Accept a sweep of more than 10^8 runs (points × replications), or a run whose "
        "tables are estimated not to fit in memory.",
    )(fn)


def large_allowed() -> bool:
    return click.get_current_context().meta.get("consim.allow_large", False)


def target_options(fn):
    """--target-ci/--outcome/--batch, shared by `run` and `compare`; the command receives
    them as one `target` (a TargetCI, or None without --target-ci)."""

    @functools.wraps(fn)
    def command(*args, target_ci, outcome, batch, **kwargs):
        from simulator.experiments.precision import TargetCI

        if target_ci is None:
            return fn(*args, target=None, **kwargs)
        return fn(*args, target=TargetCI(target_ci, outcome, batch), **kwargs)

    command = click.option(
        "--batch",
        type=click.IntRange(min=1),
        default=500,
        show_default=True,
        help="With --target-ci: replications per batch.",
    )(command)
    command = click.option(
        "--outcome",
        default="committed_final",
        show_default=True,
        help="With --target-ci: the outcome whose interval is watched.",
    )(command)
    return click.option(
        "--target-ci",
        type=float,
        default=None,
        metavar="HALFWIDTH",
        help="Run in batches until the 95 % interval of the outcome's mean is ± HALFWIDTH "
        "(in the scenario's unit; a probability as a fraction) or -n replications are run.",
    )(command)


def echo_target(record: dict | None, replications: int) -> None:
    """How a run to a target ended: the half-width reached after how many replications."""
    if not record:
        return
    reached = record.get("reached")
    met = reached is not None and reached <= record["half_width"]
    how = "reached" if met else "NOT reached (the most replications were run)"
    click.echo(
        f"  target ±{record['half_width']:g} on the mean of {record['outcome']}: {how} after "
        f"{replications:,} replications (±{reached:.3g})"
    )


def output_options(fn):
    """--quiet (errors only) and --json (one JSON object on stdout, for programs); the
    command receives `show`: "text", "quiet" or "json"."""

    @click.option("-q", "--quiet", is_flag=True, help="Print nothing but errors (no bar).")
    @click.option(
        "--json", "as_json", is_flag=True, help="Print the summary as one JSON object (no bar)."
    )
    @functools.wraps(fn)
    def command(*args, quiet, as_json, **kwargs):
        if quiet and as_json:
            raise click.UsageError("--quiet and --json: choose one")
        return fn(*args, show="json" if as_json else "quiet" if quiet else "text", **kwargs)

    return command


def echo_json(data: dict) -> None:
    """One JSON object; tables as lists of records (NaN as null everywhere, dates as ISO
    text)."""
    import json
    import math

    import pandas as pd

    def plain(value):
        if isinstance(value, pd.DataFrame):
            return json.loads(value.to_json(orient="records", date_format="iso"))
        if isinstance(value, dict):
            return {k: plain(v) for k, v in value.items()}
        if isinstance(value, list | tuple):
            return [plain(v) for v in value]
        if isinstance(value, float) and not math.isfinite(value):
            return None  # NaN and infinities are not JSON
        return value

    click.echo(json.dumps({k: plain(v) for k, v in data.items()}, default=str))
