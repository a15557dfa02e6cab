"""The `consim` group: its help, and how errors become exit codes."""

from __future__ import annotations

import os

import click

from simulator.errors import ConsimError

EXIT_BAD_INPUT, EXIT_INTERNAL = 2, 1
EXIT_TEMPFAIL = 75  # sysexits.h EX_TEMPFAIL: a worker died; running again may succeed


class _Group(click.Group):
    """Maps errors to exit codes: 2 for bad input (one line per problem), 75 for a worker
    that died (`sweep` says what it kept), 1 for bugs."""

    def invoke(self, ctx):
        from simulator.experiments.executors import WorkerLost

        try:
            return super().invoke(ctx)
        except WorkerLost as exc:  # `run`: its results are gathered in memory, all lost
            click.echo(f"{exc}; the run stopped and nothing was written: run it again", err=True)
            ctx.exit(EXIT_TEMPFAIL)
        except ConsimError as exc:
            click.echo(str(exc), err=True)
            ctx.exit(EXIT_BAD_INPUT)
        except (click.exceptions.Exit, click.exceptions.Abort, click.ClickException):
            raise
        except KeyboardInterrupt:
            click.echo("interrupted; nothing was written", err=True)
            ctx.exit(130)
        except Exception as exc:  # a bug: say so briefly, full traceback on request
            if os.environ.get("CONSIM_DEBUG"):
                raise
            click.echo(
                f"internal error: {type(exc).__name__}: {exc} "
                "(set CONSIM_DEBUG=1 for the traceback)",
                err=True,
            )
            ctx.exit(EXIT_INTERNAL)


@click.group(cls=_Group, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(package_name="consim")
def main() -> None:
    """consim: what-if simulator for consortium restructuring.

    Scenario files (YAML) describe a consortium's ventures, partners and their
    pledges, departures, candidates in negotiation and funders' policies. `consim run`
    simulates them and writes funding trajectories set against a market projection.

    \b
    Examples:
      consim run scenarios/andromede_plan.yaml
      consim run scenarios/atos_joins.yaml --replications 5000 --seed 7
      consim run scenarios/dassault_leaves.yaml --set partners.state.pledge=195
      consim validate scenarios/*.yaml
    """
