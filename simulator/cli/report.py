"""`consim report`: one self-contained HTML page (or an Excel workbook) of a results folder."""

from __future__ import annotations

from pathlib import Path

import click


@click.command(short_help="Write a self-contained HTML report (or an Excel workbook) of results.")
@click.argument("results", type=click.Path(file_okay=False, path_type=Path))
@click.option(
    "--out",
    type=click.Path(path_type=Path),
    default=None,
    help="The report's file [default: report.html (or .xlsx) inside RESULTS].",
)
@click.option(
    "--format",
    "format_",
    type=click.Choice(["html", "xlsx"]),
    default="html",
    show_default=True,
    help="html: one page, figures embedded, viewable offline; xlsx: the same tables, one "
    "sheet each.",
)
@click.option("--force", is_flag=True, help="Replace the file given with --out if it exists.")
def report(results, out, format_, force):
    """Write the report of RESULTS, a folder `consim run`, `compare`, `sweep`, `solve` or
    `value` wrote: the scenario's assumptions (who pledged what, when, with which
    uncertainty), the funding picture against the market, the findings with their
    intervals (a comparison's differences, a sweep's points and sensitivity indices, where
    its runs collapse; a goal seek's answer, a front, partner values), the worst runs'
    stories and the provenance (seed, versions, input hash).

    \b
    Examples:
      consim report results/demo
      consim report results/atos_joins --out atos.html
      consim report results/what_matters --format xlsx
    """
    from simulator.reports import report as write_report

    path = write_report(results, out, format_, force)
    size = path.stat().st_size
    click.echo(
        f"wrote {path} ({size / 1e6:.1f} MB)" if size > 1e6 else f"wrote {path} ({size // 1000} KB)"
    )
