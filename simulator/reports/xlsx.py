"""A report's tables as an Excel workbook (openpyxl): one sheet per table, the assumptions
and the provenance included, for readers who work in spreadsheets."""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from simulator.reports.content import Report

SHEET = 31  # Excel's longest sheet name


def write_workbook(report: Report, path: Path) -> None:
    with pd.ExcelWriter(path, engine="openpyxl") as writer:
        used: set[str] = set()
        for name, table in report.tables().items():
            sheet = _sheet_name(name, used)
            out = table.copy()
            for column in out.columns:  # Excel has no time zones; categories as text
                if isinstance(out[column].dtype, pd.CategoricalDtype):
                    out[column] = out[column].astype(str)
            out.to_excel(writer, sheet_name=sheet, index=False)
            _widen(writer.sheets[sheet], out)


def _sheet_name(name: str, used: set[str]) -> str:
    base = "".join(c for c in name if c not in "[]:*?/\\")[:SHEET]
    sheet, k = base, 2
    while sheet in used:
        sheet = f"{base[: SHEET - 3]} {k}"
        k += 1
    used.add(sheet)
    return sheet


def _widen(sheet, table: pd.DataFrame) -> None:
    """Columns wide enough for their header and values (up to 60 characters)."""
    from openpyxl.utils import get_column_letter

    for i, column in enumerate(table.columns, start=1):
        values = table[column].astype(str).str.len()
        width = max(len(str(column)), int(values.max()) if len(values) else 0)
        sheet.column_dimensions[get_column_letter(i)].width = min(60, width + 2)
