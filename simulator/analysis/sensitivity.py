"""Global sensitivity indices of a Sobol or Morris sweep (SALib), per venture and outcome.

The model output for SALib is each design point's mean over its replications, so
the indices say how much of the variation of the *expected* outcome each
parameter explains; replication noise shows up in the confidence intervals.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from simulator.experiments.design import salib_problem, unit_sample
from simulator.experiments.spec import Sweep

OUTCOMES = ("committed_final", "paid_in_final", "capital_to_market", "members_final")


def sensitivity(spec: Sweep, points: pd.DataFrame) -> pd.DataFrame | None:
    """One row per (venture, outcome, parameter); None for designs without an analysis."""
    kind = spec.design.type
    if kind not in ("sobol", "morris"):
        return None
    from SALib.analyze import morris, sobol

    problem = salib_problem(spec)
    rows = []
    for venture, g in points.groupby("venture", sort=False):
        g = g.sort_values("point")
        for outcome in OUTCOMES:
            column = f"{outcome}_mean"
            if column not in g:
                continue
            y = g[column].to_numpy(dtype=float)
            if np.ptp(y) == 0:  # a constant output: every index is 0, SALib would divide by 0
                result = {"S1": 0.0, "ST": 0.0} if kind == "sobol" else {"mu_star": 0.0}
                result = {k: np.zeros(problem["num_vars"]) for k in result}
            elif kind == "sobol":
                result = sobol.analyze(problem, y, calc_second_order=spec.design.second_order,
                                       seed=spec.seed)  # fmt: skip
            else:
                x = unit_sample(spec, problem["num_vars"])
                result = morris.analyze(problem, x, y, num_levels=spec.design.levels,
                                        seed=spec.seed)  # fmt: skip
            keys = ("S1", "S1_conf", "ST", "ST_conf") if kind == "sobol" else (
                "mu_star", "mu_star_conf", "sigma", "mu")  # fmt: skip
            for i, name in enumerate(problem["names"]):
                row = {"venture": venture, "outcome": outcome, "parameter": name}
                row.update({k: float(np.asarray(result[k])[i]) for k in keys if k in result})
                rows.append(row)
    return pd.DataFrame(rows)
