"""Options and echoes that several commands share."""

from __future__ import annotations

import click


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
        fn = click.option(
            "--workers",
            type=click.IntRange(min=1),
            default=None,
            help="Worker processes [default: one per core].",
        )(fn)
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
        help="Accept a sweep of more than 10^8 runs (points × replications).",
    )(fn)


def large_allowed() -> bool:
    return click.get_current_context().meta.get("consim.allow_large", False)
