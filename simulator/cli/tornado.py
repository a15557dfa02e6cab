"""`consim tornado`: which uncertain input moves an outcome most."""

from __future__ import annotations

from pathlib import Path

import click


@click.command(short_help="Swing of an outcome's mean when each uncertain input is set low/high.")
@click.argument("scenario", type=click.Path(dir_okay=False, path_type=Path))
@click.option(
    "--outcome",
    default="committed_final",
    show_default=True,
    help="The outcome (summed over the ventures) whose mean swings.",
)
@click.option(
    "-n",
    "--replications",
    type=click.IntRange(min=1),
    default=1000,
    show_default=True,
    help="Replications per bar end (paired with the base).",
)
@click.option(
    "--seed",
    type=click.IntRange(min=0),
    default=None,
    help="Root seed shared by every run [default: fresh, printed].",
)
@click.option(
    "--out",
    type=click.Path(dir_okay=False, path_type=Path),
    default=None,
    help="Write the figure to this PNG file (a new file; never replaced).",
)
def tornado(scenario, outcome, replications, seed, out):
    """For each distribution in SCENARIO, run the file with that input at its 5th and at its
    95th percentile, everything else unchanged, all with one seed (common random numbers),
    and print the swing of OUTCOME's mean, widest first, with the 95 % interval of each
    paired difference from the base scenario.

    \b
    Example:
      consim tornado scenarios/atos_joins.yaml --outcome committed_final --out tornado.png
    """
    from simulator.errors import ConsimError
    from simulator.experiments.tornado import tornado as run_tornado

    if out is not None and out.exists():
        raise ConsimError(f"{out}: exists; choose a new file for the figure")
    t = run_tornado(scenario, outcome, replications, seed)
    unit = t.manifest["unit"]
    click.echo(
        f"{t.manifest['scenario']}: mean {outcome} {t.base_mean:,.1f} {unit} (95 % CI "
        f"{t.base_ci[0]:,.1f}–{t.base_ci[1]:,.1f}), {t.manifest['replications']:,} runs per "
        f"bar end, seed {t.manifest['seed']}"
    )
    width = max(len(k) for k in t.table["input"])
    for r in t.table.itertuples():
        click.echo(
            f"  {r.input:<{width}}  {r.low:>9,.3g} → {r.high:<9,.3g} mean {r.mean_at_low:,.1f} → "
            f"{r.mean_at_high:,.1f}  swing {r.swing:,.1f} {unit}"
        )
    if out is not None:
        t.plot().savefig(out, dpi=110)
        click.echo(f"  wrote {out}")
