"""Per design point summaries of a sweep's outcomes."""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np
import pandas as pd

from simulator.analysis.intervals import proportion_bounds, t_factors

NUMERIC_OUTCOMES = (
    "pledged_final",
    "committed_final",
    "paid_in_final",
    "outstanding_final",
    "cancelled_final",
    "members_final",
    "committed_at_reference",
    "capital_to_market",
    "spent_final",
    "cash_final",
    "months_to_collapse",
)
LEVELS = (0.05, 0.5, 0.95)
FLAGS = (("collapsed", "p_collapse"), ("dissolved", "p_dissolved"), ("cash_out", "p_cash_out"))
ENDED = (("split", "p_split"), ("absorbed", "p_absorbed"))  # values of `ended`


def parameter_label(key: str, value) -> str:
    """`success=0.9` for `candidates.atos.negotiation.success` at 0.9: short, for labels."""
    name = key.split(".")[-1]
    return f"{name}={value:.3g}" if isinstance(value, float) else f"{name}={value}"


def summarize_points(outcomes: pd.DataFrame, design: pd.DataFrame) -> pd.DataFrame:
    """One row per (point, venture): the design's parameter columns, then `point_statistics`."""
    return with_design(point_statistics(outcomes), design)


def with_design(statistics: pd.DataFrame, design: pd.DataFrame) -> pd.DataFrame:
    """The design's parameter columns first, so the table reads on its own."""
    return design.merge(statistics, on="point", how="right")


def point_statistics(outcomes: pd.DataFrame | Mapping[str, np.ndarray]) -> pd.DataFrame:
    """One row per (point, venture), by point then venture: replications, P(collapse) (and
    the other ways of ending) with a 95 % Wilson interval, the mean of each outcome with its
    95 % t-interval, its std and 5/50/95 % (quantiles interpolated linearly, as numpy's).

    `outcomes`: a table, or its columns as arrays (a sweep's workers pass Arrow's, which skips
    a DataFrame). Vectorised over groups (one sort per column), as a table may hold many
    points; a sweep calls it once per point and concatenates.
    """
    # Codes by hashing (or a categorical's own), not by sorting the names row by row
    venture = pd.Categorical(outcomes["venture"])
    venture = venture.reorder_categories(sorted(venture.categories))
    names, codes = np.asarray(venture.categories, dtype=str), venture.codes.astype(np.int64)
    key = np.asarray(outcomes["point"], dtype=np.int64) * len(names) + codes
    groups, group, size = _groups_of(key)
    table = {}  # the figures, all floats: one block of the frame below
    flags = {name: np.asarray(outcomes[flag]) for flag, name in FLAGS if flag in outcomes}
    if "ended" in outcomes:  # how a venture ended (model.md §9.2, §9.3)
        ended = outcomes["ended"]
        if isinstance(ended, pd.Categorical):  # its codes: not 20,000 strings compared
            codes, kinds = ended.codes, list(ended.categories)
            at = {how: kinds.index(how) if how in kinds else -2 for how, _ in ENDED}
            flags.update({name: codes == at[how] for how, name in ENDED})
        else:
            flags.update({name: np.asarray(ended) == how for how, name in ENDED})
    layout = _Groups(group, size)
    hits = {name: layout.counts(flag) for name, flag in flags.items()}
    if hits:  # every flag's intervals in one call: its fixed cost is most of one flag's
        low, high = proportion_bounds(np.stack(list(hits.values())), size)
        for k, (name, count) in enumerate(hits.items()):
            table[name] = count / size
            table[f"{name}_ci_low"], table[f"{name}_ci_high"] = low[k], high[k]
    for column in NUMERIC_OUTCOMES:
        if column in outcomes:
            values = np.asarray(outcomes[column], dtype=float)
            table.update(_moments(column, values, layout))
    figures = np.column_stack(list(table.values())) if table else np.empty((len(size), 0))
    frame = pd.DataFrame(figures, columns=list(table))  # one block: ~10× faster than by column
    frame.insert(0, "point", groups // len(names))
    frame.insert(1, "venture", names[groups % len(names)])
    frame.insert(2, "replications", size)
    return frame


def _groups_of(key: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """np.unique's (values, inverse, counts) of `key`; without its sort when the keys come
    in order (a sweep's rows, point after point)."""
    if len(key) and not (key[1:] >= key[:-1]).all():
        return np.unique(key, return_inverse=True, return_counts=True)
    starts = np.flatnonzero(np.concatenate([[len(key) > 0], key[1:] != key[:-1]]))
    size = np.diff(np.append(starts, len(key)))
    return key[starts], np.repeat(np.arange(len(starts)), size), size


class _Groups:
    """What every column's moments share: the rows' groups, where each group's quantiles
    lie once sorted, its t-interval's factor."""

    def __init__(self, group: np.ndarray, size: np.ndarray):
        self.group, self.size = group, size
        self.start = np.concatenate([[0], np.cumsum(size)[:-1]]).astype(np.int64)
        # rows group after group (a sweep's points, one venture): slices, not gathers
        self.contiguous = bool(len(group) == 0 or (group[1:] >= group[:-1]).all())
        self.levels = [_between(level, self.start, size) for level in LEVELS]
        self.t = t_factors(size)

    def sums(self, values: np.ndarray) -> np.ndarray:
        if self.contiguous:
            return np.add.reduceat(values, self.start) if len(values) else values[:0]
        return np.bincount(self.group, values, minlength=len(self.size))

    def counts(self, flags: np.ndarray) -> np.ndarray:
        """How many rows of each group are flagged (as floats)."""
        if self.contiguous and len(flags):
            return np.add.reduceat(flags, self.start, dtype=np.int64).astype(float)
        return np.bincount(self.group, flags.astype(float), minlength=len(self.size))

    def deviations(self, values: np.ndarray, per_group: np.ndarray) -> np.ndarray:
        """Each row's value less its group's `per_group` value. Large groups one after the
        other (a sweep's points) a slice at a time: no repeated copy of the group's value."""
        if not (self.contiguous and len(values) >= 1000 * len(self.size)):
            each = np.repeat(per_group, self.size) if self.contiguous else per_group[self.group]
            return values - each
        out = np.empty_like(values)
        for start, n, value in zip(self.start, self.size, per_group, strict=True):
            np.subtract(values[start : start + n], value, out=out[start : start + n])
        return out


def _moments(name: str, values: np.ndarray, groups: _Groups) -> dict:
    size = groups.size
    mean = groups.sums(values) / size
    dev = groups.deviations(values, mean)
    dev *= dev
    with np.errstate(invalid="ignore", divide="ignore"):
        std = np.sqrt(groups.sums(dev) / (size - 1))
    ordered = _ordered_at(values, groups)
    std = np.where(size > 1, std, np.nan)
    half = groups.t * np.where(std < 1e-9 * np.maximum(1.0, abs(mean)), 0.0, std)
    out = {f"{name}_mean": mean, f"{name}_ci_low": mean - half, f"{name}_ci_high": mean + half}
    out[f"{name}_std"] = std
    for level, (below, above, weight) in zip(LEVELS, groups.levels, strict=True):
        value = ordered[below] + weight * (ordered[above] - ordered[below])
        out[f"{name}_q{round(level * 100):02d}"] = value
    return out


def _between(level: float, start: np.ndarray, size: np.ndarray) -> tuple:
    """The positions in the sorted rows of each group that its `level` quantile lies
    between, and the weight of the upper one (numpy's linear interpolation). The weight
    from the position within the group, not within the whole table: the same figures
    however the points are grouped (a large offset would cost digits)."""
    offset = level * (size - 1)
    below = start + np.floor(offset).astype(np.int64)
    return below, np.minimum(below + 1, start + size - 1), offset - np.floor(offset)


def _ordered_at(values: np.ndarray, groups: _Groups) -> np.ndarray:
    """The values sorted by group, then by value. When the rows come group after group (a
    sweep's points, one venture), each group is sorted on its own: numpy's vectorised sort
    took 0.4 ms for 100,000 values, against 1.5 ms for a partition around the six positions
    the quantiles read (its selection slows down further on many equal values), and a sort
    on two keys of the whole table takes longer still."""
    group = groups.group
    if groups.contiguous and len(group):
        out = values.copy()  # sorted in place, group by group: one copy, not two
        start = 0
        for n in groups.size:
            out[start : start + n].sort()
            start += n
        return out
    return values[np.lexsort((values, group))]
