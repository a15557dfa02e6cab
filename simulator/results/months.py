"""Months as a person reads them: the tables a ResultSet holds keep every date as a
monthly period (`period[M]`, shown as 2012-03); plots turn them back into timestamps.

The engine and the sweep's part files work on numpy datetime64 (Arrow and numpy have no
monthly period); the conversion happens once, where a ResultSet is made or read.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

DATE_COLUMNS = (
    "date",
    "collapse_date",
    "dissolution_date",
    "end_date",
    "reference_date",
    "cash_out_date",
)


def as_months(table: pd.DataFrame | None) -> pd.DataFrame | None:
    """`table` with its date columns as monthly periods (in place; returned for chaining)."""
    if table is None:
        return None
    for column in DATE_COLUMNS:
        if column in table and not isinstance(table[column].dtype, pd.PeriodDtype):
            values = table[column]
            if values.dtype.kind == "M":  # numpy datetimes: months since 1970 are ordinals
                months = values.to_numpy().astype("datetime64[M]").astype(np.int64)
                months[values.isna().to_numpy()] = pd.NaT.value
                table[column] = pd.arrays.PeriodArray(months, dtype="period[M]")
                continue
            if values.dtype == object or pd.api.types.is_string_dtype(values):
                values = pd.to_datetime(values, format="mixed")  # CSV: 2012-03 (or a date)
            table[column] = (
                pd.PeriodIndex(values, freq="M") if len(values) else values.astype("period[M]")
            )
    return table


def as_dates(values) -> pd.Series | pd.DatetimeIndex | pd.Timestamp:
    """Monthly periods (a column, an index or one) as the first day of each month, for
    matplotlib's date axes and date arithmetic; timestamps pass through."""
    if isinstance(values, pd.Period):
        return values.to_timestamp()
    if isinstance(values, pd.Series) and isinstance(values.dtype, pd.PeriodDtype):
        return values.dt.to_timestamp()
    if isinstance(values, pd.PeriodIndex):
        return values.to_timestamp()
    return values
