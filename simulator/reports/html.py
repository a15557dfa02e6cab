"""A report as one self-contained HTML file: Jinja2 template, tables through pandas'
Styler, figures embedded as PNG data (no network needed to view it)."""

from __future__ import annotations

import base64
import io
import re
from datetime import datetime, timezone

import numpy as np
import pandas as pd

from simulator.reports.content import Report

MONTH = re.compile(r"\b(\d{4}-\d{2})\b")
DPI = 80  # a figure ~50–150 KB: a sweep's report stays well under 5 MB


def figure_data(fig) -> str:
    """A figure as a data URI (PNG, base64)."""
    buffer = io.BytesIO()
    # tight: a colour bar's label or a legend below the axes is not cut at the figure's edge
    fig.savefig(buffer, format="png", dpi=DPI, bbox_inches="tight")
    return "data:image/png;base64," + base64.b64encode(buffer.getvalue()).decode("ascii")


def table_html(table: pd.DataFrame) -> str:
    """A table through pandas' Styler: numbers to 4 significant digits, p-values as
    "< 0.001", no index."""
    numbers = numeric_columns(table)
    text = [c for c in table.columns if c not in numbers]
    styler = table.style.hide(axis="index").format(number_text, subset=numbers)
    if "p-value" in numbers:
        styler = styler.format(p_value_text, subset=["p-value"])
    # the scenario's own words are escaped; a month is never cut at its hyphen
    styler = styler.format(month_text, subset=text, escape="html")
    styler = styler.set_properties(subset=text, **{"text-align": "left"})
    styler = styler.set_properties(subset=numbers, **{"white-space": "nowrap"})
    return styler.set_table_attributes('class="data"').to_html()


def month_text(value) -> str:
    """Text (already escaped) with each month kept on one line."""
    return MONTH.sub(r'<span class="month">\1</span>', "" if value is None else str(value))


def numeric_columns(table: pd.DataFrame) -> list[str]:
    """The columns of numbers (not yes/no)."""
    return [
        c
        for c in table.columns
        if pd.api.types.is_numeric_dtype(table[c]) and not pd.api.types.is_bool_dtype(table[c])
    ]


def number_text(v) -> str:
    """A number to 4 significant digits, thousands separated."""
    if v is None or (isinstance(v, float) and np.isnan(v)):
        return ""
    if isinstance(v, float) and abs(v) >= 1000:
        return f"{v:,.0f}"  # 35,000, not 3.5e+04
    return f"{v:,.4g}" if isinstance(v, float) else f"{v:,}"


def p_value_text(p) -> str:
    """As `consim compare` prints it: "< 0.001", "0.042"; blank for the baseline."""
    if p is None or pd.isna(p):
        return ""
    return "&lt; 0.001" if p < 0.001 else f"{p:.3f}"  # HTML: the Styler writes it as is


def render(report: Report) -> str:
    from jinja2 import Environment, PackageLoader, select_autoescape

    env = Environment(
        loader=PackageLoader("simulator.reports", "templates"),
        autoescape=select_autoescape(["html", "j2"]),
    )
    sections = [
        {
            "title": s.title,
            "anchor": f"s{i}",
            "text": s.text,
            "tables": [(name, table_html(t)) for name, t in s.tables.items() if not t.empty],
            "figures": [(caption, figure_data(f)) for caption, f in s.figures.items()],
            "stories": list(s.stories.items()),
        }
        for i, s in enumerate(report.sections)
    ]
    return env.get_template("report.html.j2").render(
        title=report.title,
        kind=report.kind,
        sections=sections,
        assumptions=[(k, table_html(t)) for k, t in report.assumptions.items() if not t.empty],
        provenance=table_html(report.provenance),
        made=datetime.now(timezone.utc).strftime("%Y-%m-%d %H:%M UTC"),
    )
