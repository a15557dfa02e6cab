"""Global sensitivity indices of a Sobol or Morris sweep (SALib), per venture and outcome.

The model output for SALib is each design point's mean over its replications, so
the indices say how much of the variation of the *expected* outcome each
parameter explains; replication noise shows up in the confidence intervals.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

OUTCOMES = ("committed_final", "paid_in_final", "capital_to_market", "members_final")


def sensitivity(
    points: pd.DataFrame,
    problem: dict,
    method: str,
    sample: np.ndarray | None = None,
    second_order: bool = False,
    levels: int = 4,
    seed: int | None = None,
) -> pd.DataFrame:
    """One row per (venture, outcome, parameter) of a sweep's per-point means.

    problem: SALib's problem dict; method "sobol" or "morris"; sample: the design on the
    unit hypercube (Morris needs it); second_order, levels, seed: as the design was drawn.
    """
    from SALib.analyze import morris, sobol

    rows = []
    for venture, g in points.groupby("venture", sort=False):
        g = g.sort_values("point")
        for outcome in OUTCOMES:
            column = f"{outcome}_mean"
            if column not in g:
                continue
            y = g[column].to_numpy(dtype=float)
            if np.ptp(y) == 0:  # a constant output: every index is 0, SALib would divide by 0
                result = {"S1": 0.0, "ST": 0.0} if method == "sobol" else {"mu_star": 0.0}
                result = {k: np.zeros(problem["num_vars"]) for k in result}
            elif method == "sobol":
                result = sobol.analyze(problem, y, calc_second_order=second_order, seed=seed)
            else:
                result = morris.analyze(problem, sample, y, num_levels=levels, seed=seed)
            keys = (
                ("S1", "S1_conf", "ST", "ST_conf")
                if method == "sobol"
                else ("mu_star", "mu_star_conf", "sigma", "mu")
            )
            for i, name in enumerate(problem["names"]):
                row = {"venture": venture, "outcome": outcome, "parameter": name}
                row.update({k: float(np.asarray(result[k])[i]) for k in keys if k in result})
                rows.append(row)
    return pd.DataFrame(rows)
