"""Run until precise: replications in batches until an outcome's confidence interval is as
narrow as asked (the way spreadsheet risk tools monitor convergence), or a maximum is hit.

Replication i draws the same numbers whichever batch runs it, so stopping after k batches
gives exactly the results of a run of k batches' replications.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
import pandas as pd

from simulator.analysis.intervals import mean_interval, proportion_interval
from simulator.errors import ConsimError
from simulator.results.tables import OUTCOME_COLUMNS, SPENDING_OUTCOME_COLUMNS

# Outcomes a target can be set on: a number per replication, or a yes/no whose share is
# estimated (dates and labels are not).
NUMBERS = [
    c
    for c in OUTCOME_COLUMNS + SPENDING_OUTCOME_COLUMNS
    if c.endswith(("_final", "_reference")) or c == "capital_to_market"
]
FLAGS = ["collapsed", "dissolved", "cash_out"]


@dataclass(frozen=True)
class TargetCI:
    """Run until the 95 % interval of `outcome`'s mean (every venture's) is at most
    ± `half_width`, in batches of `batch` replications, at most `maximum` in all.

    >>> from simulator import TargetCI, run
    >>> r = run("scenarios/atos_joins.yaml", seed=1, target_ci=TargetCI(2.0), progress=False)
    >>> bool(r.manifest["target_ci"]["reached"] <= 2.0)
    True
    """

    half_width: float
    outcome: str = "committed_final"
    batch: int = 500
    maximum: int = 100_000

    def __post_init__(self):
        if not self.half_width > 0:
            raise ConsimError(f"--target-ci: the half-width must be > 0 (got {self.half_width})")
        if self.outcome not in NUMBERS + FLAGS:
            raise ConsimError(
                f"--outcome: {self.outcome!r} is not an outcome a target can be set on "
                f"(expected one of {', '.join(NUMBERS + FLAGS)})"
            )
        if self.batch < 1 or self.maximum < 1:
            raise ConsimError(
                f"--target-ci: batch and maximum must be ≥ 1 (got {self.batch}, {self.maximum})"
            )


def half_width(outcomes: pd.DataFrame, outcome: str) -> float:
    """The widest 95 % half-width of `outcome`'s mean over the ventures (NaN: cannot tell)."""
    if outcome not in outcomes:
        raise ConsimError(f"--outcome: {outcome!r} is not in these results")
    widths = []
    for _, values in outcomes.groupby("venture", observed=True)[outcome]:
        if outcome in FLAGS:
            est = proportion_interval(int(values.astype(bool).sum()), len(values))
        else:
            est = mean_interval(values.dropna())
        widths.append(est.half_width)
    return max(widths) if widths else np.nan


def until_precise(step: Callable[[int, int], None], measure: Callable[[], float], target) -> int:
    """Call step(first, count) batch after batch until measure() ≤ the target's half-width
    or the maximum is reached; return the replications run."""
    done = 0
    while done < target.maximum:
        count = min(target.batch, target.maximum - done)
        step(done, count)
        done += count
        if measure() <= target.half_width:  # NaN (one replication) never stops it
            break
    return done
