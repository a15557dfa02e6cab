"""The market and benchmark series: positive sizes, a reference date, growth for one point."""

from __future__ import annotations

from simulator.scenario.checks.context import CheckContext
from simulator.scenario.types import month_label


def market_checks(ctx: CheckContext) -> None:
    """The market series: sizes above 0, a reference date, growth for one point."""
    m = ctx.s.market
    for month, value in m.points.items():
        if value <= 0:
            ctx.add(
                ("market", "points", month_label(month)),
                f"market size must be > 0 (got {value:g})",
            )
    if m.reference is not None:
        ctx.in_horizon(("market", "reference"), m.reference, "reference date")
    if len(m.points) == 1 and m.growth is None:
        ctx.add(("market",), "a single market point needs 'growth' (annual rate) to extend it")


def benchmark_checks(ctx: CheckContext) -> None:
    """Benchmark series: values ≥ 0."""
    for bid, b in ctx.s.benchmarks.items():
        for month, value in b.points.items():
            if value < 0:
                ctx.add(
                    ("benchmarks", bid, "points", month_label(month)),
                    f"must be ≥ 0 (got {value:g})",
                )
