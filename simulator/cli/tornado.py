"""`consim tornado`: which uncertain input moves an outcome most."""

from __future__ import annotations

from pathlib import Path

import click

FLAGS = ("collapsed", "dissolved", "cash_out")
UNITLESS = ("members_final", "capital_to_market")


def _shown(outcome: str, unit: str):
    """How a value of `outcome` reads: a probability in %, money with its unit."""
    if outcome in FLAGS:
        return lambda v: f"{100 * v:.1f} %"
    if outcome in UNITLESS:
        return lambda v: f"{v:,.3g}"
    return lambda v: f"{v:,.1f} {unit}"


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
    show = _shown(outcome, t.manifest["unit"])
    what = f"P({outcome})" if outcome in FLAGS else f"mean {outcome}"
    click.echo(
        f"{t.manifest['scenario']}: {what} {show(t.base_mean)} (95 % CI {show(t.base_ci[0])}–"
        f"{show(t.base_ci[1])}), {t.manifest['replications']:,} runs per bar end, seed "
        f"{t.manifest['seed']}"
    )
    width = max(len(k) for k in t.table["input"])
    for r in t.table.itertuples():
        click.echo(
            f"  {r.input:<{width}}  {r.low:>9,.3g} → {r.high:<9,.3g}  {show(r.mean_at_low)} → "
            f"{show(r.mean_at_high)}  swing {show(r.swing)}"
        )
    if out is not None:
        t.plot().savefig(out, dpi=110)
        click.echo(f"  wrote {out}")
