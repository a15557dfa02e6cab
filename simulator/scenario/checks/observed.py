"""Observed series: a known venture, dates inside the horizon, figures ≥ 0."""

from __future__ import annotations

from simulator.scenario.checks.context import CheckContext
from simulator.scenario.types import month_label


def observed_checks(ctx: CheckContext) -> None:
    for oid, o in ctx.s.observed.items():
        path = ("observed", oid)
        ctx.default_venture(path, o.venture)
        for month, value in o.points.items():
            where = path + ("points", month_label(month))
            ctx.in_horizon(where, month, "observation date")
            if value < 0:
                ctx.add(where, f"an observed total must be ≥ 0 (got {value:g})")
