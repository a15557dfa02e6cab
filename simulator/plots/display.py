"""How results show in a notebook: a short text line and an HTML card (a summary table
with intervals, the main figure, where the files are) for runs, sweeps and comparisons."""

from __future__ import annotations

import base64
import html

import pandas as pd

FIGURE_DPI = 72


def card(title: str, lines: list[str], table: pd.DataFrame | None, figure=None, path=None) -> str:
    """One HTML block: a title, lines of text, a table, a figure (PNG data), the folder."""
    parts = [f"<div><strong>{html.escape(title)}</strong>"]
    parts += [f"<div>{html.escape(line)}</div>" for line in lines]
    if table is not None and not table.empty:
        parts.append(table.to_html(index=False, float_format=lambda v: f"{v:,.4g}", na_rep=""))
    if figure is not None:
        import io

        buffer = io.BytesIO()
        figure.savefig(buffer, format="png", dpi=FIGURE_DPI)
        data = base64.b64encode(buffer.getvalue()).decode("ascii")
        parts.append(f'<img src="data:image/png;base64,{data}" style="max-width:100%">')
    where = f"files in {path}" if path else "in memory (save(folder) writes the files)"
    parts.append(f"<div><em>{html.escape(where)}</em></div></div>")
    return "\n".join(parts)


def run_lines(results) -> list[str]:
    """A run in a few lines: per venture, the mean committed with its interval and
    P(collapse)."""
    s = results.summary()
    unit = results.manifest.get("unit", "")
    lines = []
    for r in s.to_dict("records"):
        mean = f"{r['committed_final_mean']:,.1f} {unit}"
        if results.stochastic:
            mean += (
                f" (95 % CI {r['committed_final_ci_low']:,.1f}–{r['committed_final_ci_high']:,.1f})"
            )
        lines.append(
            f"{r['venture']}: committed at the end {mean}, P(collapse) "
            f"{r['collapse_probability']:.1%}"
        )
    return lines


def sweep_lines(results) -> list[str]:
    p, unit = results.points, results.manifest.get("unit", "")
    lines = []
    for venture, g in p.groupby("venture", observed=True):
        line = f"{venture}: mean committed at the end from {g['committed_final_mean'].min():,.1f} "
        line += f"to {g['committed_final_mean'].max():,.1f} {unit} across the points"
        if "p_collapse" in g:
            line += f"; P(collapse) up to {g['p_collapse'].max():.1%}"
        lines.append(line)
    return lines


def run_table(results) -> pd.DataFrame:
    """Per venture: committed, paid in and capital ÷ market, mean with interval; P(collapse)."""
    s = results.summary()
    keep = ["venture"]
    for column in ("committed_final", "paid_in_final", "capital_to_market"):
        keep += [c for c in (f"{column}_mean", f"{column}_ci_low", f"{column}_ci_high") if c in s]
    keep += ["collapse_probability", "collapse_ci_low", "collapse_ci_high"]
    return s[[c for c in keep if c in s]]
