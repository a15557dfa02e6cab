"""A report as one self-contained HTML file: Jinja2 template, tables through pandas'
Styler, figures embedded as PNG data (no network needed to view it)."""

from __future__ import annotations

import base64
import io
from datetime import datetime, timezone

import numpy as np
import pandas as pd

from simulator.reports.content import Report

DPI = 80  # a figure ~50–150 KB: a sweep's report stays well under 5 MB


def figure_data(fig) -> str:
    """A figure as a data URI (PNG, base64)."""
    buffer = io.BytesIO()
    fig.savefig(buffer, format="png", dpi=DPI)
    return "data:image/png;base64," + base64.b64encode(buffer.getvalue()).decode("ascii")


def table_html(table: pd.DataFrame) -> str:
    """A table through pandas' Styler: numbers to 4 significant digits, no index."""
    numbers = _numeric(table)
    text = [c for c in table.columns if c not in numbers]
    styler = table.style.hide(axis="index").format(_number, subset=numbers)
    styler = styler.set_properties(subset=text, **{"text-align": "left"})
    return styler.set_table_attributes('class="data"').to_html()


def _numeric(table: pd.DataFrame) -> list[str]:
    return [
        c
        for c in table.columns
        if pd.api.types.is_numeric_dtype(table[c]) and not pd.api.types.is_bool_dtype(table[c])
    ]


def _number(v) -> str:
    if v is None or (isinstance(v, float) and np.isnan(v)):
        return ""
    return f"{v:,.4g}" if isinstance(v, float) else f"{v:,}"


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
