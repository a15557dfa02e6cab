"""Plots: structural facts a reader relies on, checked on the rendered (Agg) figure."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.colors import to_rgb
from matplotlib.figure import Figure

import simulator
from simulator.plots.runs import comparison_styles, plot_comparison, plot_funding

SCENARIOS = Path(__file__).resolve().parent.parent / "scenarios"
NAMES = ["andromede_plan", "atos_joins", "dassault_leaves", "dassault_stays", "state_raises_share"]


@pytest.fixture(scope="module")
def named():
    """The seed what-ifs, few replications, one seed (as `consim demo` runs them)."""
    out = {}
    for name in NAMES:
        s = simulator.load_scenario(SCENARIOS / f"{name}.yaml")
        n = 200 if simulator.is_stochastic(s) else 1
        out[name] = simulator.run(s, replications=n, seed=2011)
    return out


def rendered(fig: Figure):
    """Draw with the Agg renderer (as savefig does) and return the renderer."""
    canvas = FigureCanvasAgg(fig)
    canvas.draw()
    return canvas.get_renderer()


def final_median(results) -> float:
    t = results.trajectories
    last = t[t["date"] == t["date"].max()]
    return float(last.groupby("replication")["committed"].sum().median())


# --- comparison ----------------------------------------------------------------------


def test_comparison_draws_one_line_per_scenario(named):
    fig = plot_comparison(named)
    ax = fig.axes[0]
    assert isinstance(fig, Figure)
    assert len(ax.get_lines()) == len(named)


def test_comparison_legend_gives_each_final_median(named):
    ax = plot_comparison(named).axes[0]
    labels = [t.get_text() for t in ax.get_legend().get_texts()]
    assert len(labels) == len(named)
    for name, label in zip(named, labels, strict=True):
        assert label.startswith(f"{name}: {final_median(named[name]):,.0f} M€"), label
    assert labels[0] == "andromede_plan: 285 M€"
    assert labels[2] == "dassault_leaves: 225 M€"
    assert labels[4] == "state_raises_share: 285 M€"
    assert "5–95 %" in labels[1] and "5–95 %" not in labels[0]


def test_comparison_styles_tell_coinciding_curves_apart(named):
    lines = plot_comparison(named).axes[0].get_lines()
    looks = {(ln.get_color(), str(ln.get_linestyle()), ln.get_marker()) for ln in lines}
    assert len(looks) == len(lines)
    widths = [ln.get_linewidth() for ln in lines]
    zorders = [ln.get_zorder() for ln in lines]
    # Each later (narrower) line is drawn on top of the earlier ones it may coincide with.
    assert widths == sorted(widths, reverse=True) and len(set(widths)) == len(widths)
    assert zorders == sorted(zorders) and len(set(zorders)) == len(zorders)
    styles = comparison_styles(12)
    assert len({(s["color"], str(s["ls"]), s["marker"]) for s in styles}) == 12


def test_comparison_every_scenario_is_visible_in_the_image(named):
    """Plan and 'State covers the gap' share 285 M€ after 2012: both colours must show."""
    fig = plot_comparison(named)
    fig.set_dpi(100)
    renderer = rendered(fig)
    ax = fig.axes[0]
    box = ax.get_window_extent(renderer)
    image = np.asarray(fig.canvas.buffer_rgba())[..., :3].astype(float) / 255
    height = image.shape[0]
    # Inside the axes only (the legend, outside, repeats every colour).
    inside = image[
        int(height - box.y1) + 3 : int(height - box.y0) - 3, int(box.x0) + 3 : int(box.x1) - 3
    ]
    for line in ax.get_lines():
        distance = np.abs(inside - np.array(to_rgb(line.get_color()))).sum(axis=-1)
        assert (distance < 0.08).sum() > 200, f"{line.get_label()} is hidden"


def test_comparison_leaves_headroom_above_the_top_curve(named):
    ax = plot_comparison(named).axes[0]
    assert ax.get_ylim()[0] == 0
    assert ax.get_ylim()[1] > 285 * 1.05


def test_comparison_draws_on_a_given_axes(named):
    fig = Figure()
    ax = fig.subplots()
    assert plot_comparison({"plan": named["andromede_plan"]}, ax=ax) is fig
    assert len(ax.get_lines()) == 1


# --- funding -------------------------------------------------------------------------


@pytest.mark.parametrize("name", ["atos_joins", "state_raises_share", "dassault_leaves"])
def test_market_annotation_and_legend_never_collide(named, name):
    fig = plot_funding(named[name])
    renderer = rendered(fig)
    assert len(fig.axes) == 2
    ax = fig.axes[1]
    legend = ax.get_legend().get_window_extent(renderer)
    (note,) = ax.texts
    note_box = note.get_bbox_patch().get_window_extent(renderer)
    panel = ax.get_window_extent(renderer)
    ticks = ax.xaxis.get_tightbbox(renderer)
    assert not legend.overlaps(note_box)
    assert not legend.overlaps(panel), "the legend covers the curves"
    assert not legend.overlaps(ticks), "the legend covers the date labels"
    assert panel.contains(note_box.x0, note_box.y0) and panel.contains(note_box.x1, note_box.y1)
    figure = fig.bbox
    assert figure.contains(legend.x0, legend.y0) and figure.contains(legend.x1, legend.y1)


def test_market_annotation_gives_the_ratio(named):
    fig = plot_funding(named["state_raises_share"])
    (note,) = fig.axes[1].texts
    text = note.get_text()
    assert "2014-12" in text and f"{100 * 285 / 35000:.2f} %" in text and "35,000 M€" in text
    assert "median" not in text
    (note,) = plot_funding(named["atos_joins"]).axes[1].texts
    assert "median" in note.get_text()


def test_funding_draws_the_partner_panel_on_a_given_axes(named):
    fig = Figure()
    ax = fig.subplots()
    assert plot_funding(named["dassault_leaves"], ax=ax) is fig
    assert ax.get_legend() is not None


def test_plots_leave_pyplot_alone(named):
    import matplotlib.pyplot as plt

    before = plt.get_fignums()
    plot_comparison(named)
    plot_funding(named["atos_joins"])
    assert plt.get_fignums() == before


def partner_areas(fig: Figure) -> dict[tuple[int, str], tuple]:
    """(panel, partner label) → the colour of its area in the by-partner stacks."""
    from matplotlib.collections import PolyCollection

    out = {}
    for i, ax in enumerate(fig.axes):
        for area in ax.collections:
            if isinstance(area, PolyCollection) and not area.get_label().startswith("_"):
                out[(i, area.get_label())] = tuple(area.get_facecolor()[0][:3])
    return out


def test_a_partner_keeps_its_colour_in_every_panel_and_figure(named):
    from simulator.plots.style import MARKET

    split = simulator.run(SCENARIOS / "examples" / "split.yaml", replications=20, seed=1)
    colours: dict[str, set] = {}
    for results in (split, named["andromede_plan"], named["dassault_stays"]):
        for (_, label), colour in partner_areas(plot_funding(results)).items():
            if not label.startswith("committed"):
                colours.setdefault(label, set()).add(colour)
    assert {"French State", "Orange", "Thales", "Dassault Systèmes"} <= set(colours)
    assert all(len(seen) == 1 for seen in colours.values()), colours
    assert to_rgb(MARKET) not in {c for seen in colours.values() for c in seen}
