"""Tables with their months as timestamps, for matplotlib's date axes.

A ResultSet keeps months as periods (results.months); matplotlib knows datetimes, not
periods. Registering a Period converter with matplotlib would be undone as soon as a
notebook plots with pandas (which registers its own, needing an axis frequency), so each
plot function works on such a view instead: a shallow copy whose date columns are
timestamps (copy-on-write: the other columns are not copied).
"""

from __future__ import annotations

import copy

import pandas as pd

from simulator.results.months import DATE_COLUMNS, as_dates

_TABLES = ("outcomes", "trajectories", "events", "market", "quantiles")


def dated_table(table: pd.DataFrame | None) -> pd.DataFrame | None:
    """`table` with its monthly period columns as timestamps (a new frame; the same one
    when there are none)."""
    if table is None:
        return None
    months = {
        c: as_dates(table[c])
        for c in DATE_COLUMNS
        if c in table and isinstance(table[c].dtype, pd.PeriodDtype)
    }
    return table.assign(**months) if months else table


def dated(results):
    """A view of a ResultSet whose tables have timestamps for months (idempotent)."""
    if getattr(results, "_dated", False):
        return results
    view = copy.copy(results)  # no __post_init__: the months stay timestamps
    for name in _TABLES:
        setattr(view, name, dated_table(getattr(results, name)))
    view._dated = True
    return view
