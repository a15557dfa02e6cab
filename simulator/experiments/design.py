"""Design points: the parameter values of each point of a sweep (pure functions).

Sampling designs (Latin hypercube, Sobol, Morris) come from SALib, drawn on the
unit hypercube and mapped onto each parameter: a range linearly (rounded if
`integer`), a list of values by equal slices of [0, 1).
"""

from __future__ import annotations

import itertools

import numpy as np
import pandas as pd

from simulator.analysis.sensitivity import salib_sample
from simulator.experiments.spec import Range, Sweep, Values


def expand(sweep: Sweep) -> pd.DataFrame:
    """One row per design point: a `point` number and one column per parameter key."""
    names = list(sweep.parameters)
    params = [sweep.parameters[n] for n in names]
    if sweep.design.type == "grid":
        rows = list(itertools.product(*(grid_values(p) for p in params)))
    else:
        unit = unit_sample(sweep, len(names))
        rows = [tuple(from_unit(p, u) for p, u in zip(params, row, strict=True)) for row in unit]
    design = pd.DataFrame(rows, columns=names)
    design.insert(0, "point", np.arange(len(design), dtype=np.int64))
    return design


def grid_values(p: Range | Values) -> list:
    if isinstance(p, Values):
        return list(p.values)
    values = np.linspace(p.low, p.high, p.steps)
    return [int(round(v)) for v in values] if p.integer else [float(v) for v in values]


def unit_sample(sweep: Sweep, dims: int) -> np.ndarray:
    """The SALib sample on [0, 1]^dims, seeded from the sweep's seed."""
    names = list(sweep.parameters)[:dims]
    return salib_sample(sweep.design.type, names, sweep.design.model_dump(), sweep.seed)


def from_unit(p: Range | Values, u: float):
    if isinstance(p, Values):
        return p.values[min(int(u * len(p.values)), len(p.values) - 1)]
    x = p.low + u * (p.high - p.low)
    return int(round(x)) if p.integer else float(x)
