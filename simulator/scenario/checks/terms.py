"""Terms that vary (scenario/terms.py): a hazard's step months in the horizon and increasing,
a drift that starts by the end; a min_share below 1 in every round."""

from __future__ import annotations

from simulator.scenario.checks.context import CheckContext
from simulator.scenario.distributions import Distribution
from simulator.scenario.terms import ByRound, Drift, PerRound, Steps, value_range
from simulator.scenario.types import month_label


def hazard_checks(ctx: CheckContext, path, term) -> None:
    """A step schedule's months within the horizon, each after the one before; a drift
    starting by the end of the horizon (it may start before the start)."""
    if isinstance(term, Steps):
        latest = None  # (label, month) of the latest month so far
        for label, month in zip(term.steps, term.months(), strict=True):
            where = path + ("steps", label)
            ctx.in_horizon(where, month, "step month")
            if latest is not None and month <= latest[1]:
                ctx.add(
                    where,
                    f"step months must increase (got {label} after {latest[0]}; "
                    f"expected a month after {latest[0]})",
                )
            else:
                latest = (label, month)
    elif isinstance(term, Drift) and term.from_ is not None and term.from_ > ctx.s.end:
        ctx.add(
            path + ("from",),
            f"the drift starts after the end of the horizon (got {month_label(term.from_)}; "
            f"expected a month up to {month_label(ctx.s.end)}, or before the start)",
        )


def share_term_checks(ctx: CheckContext, path, term, key: str = "min_share") -> None:
    """A share asked for stays below 1 in every round: each value of a list, the first
    value and the bound of a line (a line that may rise needs its bound)."""
    if isinstance(term, ByRound):
        for k, value in enumerate(term.values()):
            below_one(ctx, path + ("by_round", k), value, key)
    elif isinstance(term, PerRound):
        below_one(ctx, path + ("first",), term.first, key)
        if term.max is not None:
            below_one(ctx, path + ("max",), term.max, key)
        elif value_range(term.per_round)[1] > 0:
            rise = value_range(term.per_round)[1]
            ctx.add(
                path,
                f"{key} rises by round: give max below 1 (got per_round up to {rise:g} and "
                "no max; expected max in [0, 1))",
            )
    else:
        below_one(ctx, path, term, key)


def below_one(ctx: CheckContext, path, value, key: str) -> None:
    high = value.support()[1] if isinstance(value, Distribution) else value
    if high >= 1:
        ctx.add(path, f"{key} must be below 1 (got up to {high:g}; expected in [0, 1))")
