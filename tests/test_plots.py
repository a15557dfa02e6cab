"""Plots: structural facts a reader relies on, checked on the rendered (Agg) figure."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.colors import to_rgb
from matplotlib.figure import Figure

import simulator
from simulator.plots.compare import draw_trajectories, scenario_styles
from simulator.plots.runs import plot_funding

SCENARIOS = Path(__file__).resolve().parent.parent / "scenarios"
NAMES = [
    "andromede_plan",
    "atos_joins",
    "dassault_leaves",
    "dassault_may_leave",
    "state_raises_share",
]


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


# --- comparison (the trajectories panel of `consim compare`) --------------------------------


def trajectories(named) -> Figure:
    fig = Figure(figsize=(13, 6))
    draw_trajectories(fig.subplots(), named)
    return fig


def test_comparison_draws_one_line_per_scenario(named):
    ax = trajectories(named).axes[0]
    assert len(ax.get_lines()) == len(named)


def test_comparison_legend_gives_each_final_median(named):
    ax = trajectories(named).axes[0]
    labels = [t.get_text() for t in ax.get_legend().get_texts()][: len(named)]
    for name, label in zip(named, labels, strict=True):
        assert label.startswith(f"{name}: median {final_median(named[name]):,.0f} M€"), label
    assert labels[0] == "andromede_plan: median 285 M€"
    assert labels[2] == "dassault_leaves: median 225 M€"
    assert labels[4] == "state_raises_share: median 285 M€"
    assert "5–95 % of runs" in labels[1] and "5–95 %" not in labels[0]


def test_comparison_styles_tell_coinciding_curves_apart(named):
    lines = trajectories(named).axes[0].get_lines()
    looks = {(ln.get_color(), str(ln.get_linestyle()), ln.get_marker()) for ln in lines}
    assert len(looks) == len(lines)
    widths = [ln.get_linewidth() for ln in lines]
    zorders = [ln.get_zorder() for ln in lines]
    # Each later (narrower) line is drawn on top of the earlier ones it may coincide with.
    assert widths == sorted(widths, reverse=True) and len(set(widths)) == len(widths)
    assert zorders == sorted(zorders) and len(set(zorders)) == len(zorders)
    styles = scenario_styles(12)
    assert len({(s["color"], str(s["ls"]), s["marker"]) for s in styles}) == 12
    assert "tab:purple" not in {s["color"] for s in styles}  # the market's colour


def test_comparison_every_scenario_is_visible_in_the_image(named):
    """Plan and 'State covers the gap' share 285 M€ after 2012: both colours must show."""
    fig = trajectories(named)
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
    ax = trajectories(named).axes[0]
    assert ax.get_ylim()[0] == 0
    assert ax.get_ylim()[1] > 285 * 1.05


# --- funding -------------------------------------------------------------------------


def funding_axes(fig: Figure) -> dict[str, object]:
    """The funding figure's panels of its (only) venture, by role."""
    roles = {}
    for ax in fig.axes:
        label = ax.get_ylabel()
        if "by partner" in ax.get_title():
            roles["partners"] = ax
        elif label.startswith("capital committed"):
            roles["ratio"] = ax
        elif label.startswith("capital"):
            roles["capital"] = ax
        elif label.startswith("market"):
            roles["market"] = ax
    assert len(roles) == len(fig.axes) == 4
    return roles


def line(ax, label: str):
    (found,) = [ln for ln in ax.get_lines() if ln.get_label() == label]
    return found


def at(ln, when: str) -> float:
    """A line's y value at the first day of month `when` (YYYY-MM)."""
    x = np.asarray(ln.get_xdata())
    (i,) = np.flatnonzero(x == np.datetime64(f"{when}-01"))
    return float(np.asarray(ln.get_ydata())[i])


@pytest.mark.parametrize("name", ["atos_joins", "state_raises_share", "dassault_leaves"])
def test_funding_legends_stay_in_the_figure_and_off_the_panels(named, name):
    fig = plot_funding(named[name])
    renderer = rendered(fig)
    panels = [ax.get_window_extent(renderer) for ax in fig.axes]
    legends = [ax.get_legend() for ax in fig.axes if ax.get_legend() is not None]
    assert len(legends) == 2  # the partners', and one for the capital, market and ratio
    for legend in legends:
        box = legend.get_window_extent(renderer)
        assert not any(box.overlaps(panel) for panel in panels), "a legend covers a panel"
        assert fig.bbox.contains(box.x0, box.y0) and fig.bbox.contains(box.x1, box.y1)
    ratio = funding_axes(fig)["ratio"]
    ticks = ratio.xaxis.get_tightbbox(renderer)
    assert not ratio.get_legend().get_window_extent(renderer).overlaps(ticks)


@pytest.mark.parametrize("name", NAMES)
def test_no_axis_of_the_funding_figure_is_log_scaled(named, name):
    fig = plot_funding(named[name])
    assert [ax.get_yscale() for ax in fig.axes] == ["linear"] * len(fig.axes)
    assert [ax.get_xscale() for ax in fig.axes] == ["linear"] * len(fig.axes)


def test_funding_axes_say_their_units(named):
    ax = funding_axes(plot_funding(named["andromede_plan"]))
    assert ax["partners"].get_ylabel() == "capital (M€)"
    assert ax["capital"].get_ylabel() == "capital (M€)"
    assert ax["market"].get_ylabel() == "market projection (bn€ = 1,000 M€)"
    ratio = ax["ratio"].get_ylabel()
    assert ratio.replace("\n", " ") == (
        "capital committed ÷ one year's projected market revenue (%)"
    )
    assert ax["ratio"].yaxis.get_major_formatter()(0.75, 0) == "0.75 %"


def test_the_ratio_line_is_committed_over_market_in_percent(named):
    """The plan: 285 M€ committed from the start against 35 bn€ in 2014-12, +25 %/year."""
    ax = funding_axes(plot_funding(named["andromede_plan"]))
    ratio = line(ax["ratio"], "ratio")
    assert at(ratio, "2014-12") == pytest.approx(100 * 285 / 35000, rel=1e-12)  # 0.814 %
    assert f"{at(ratio, '2014-12'):.3f}" == "0.814"
    assert at(ratio, "2011-10") == pytest.approx(100 * 285 / (35000 * 1.25 ** (-38 / 12)))
    assert at(ratio, "2016-12") == pytest.approx(100 * 285 / (35000 * 1.25**2))
    market = line(ax["market"], "European cloud market (EC projection)")
    assert at(market, "2014-12") == pytest.approx(35.0, rel=1e-12)  # bn€
    assert at(market, "2015-12") == pytest.approx(35 * 1.25, rel=1e-12)
    assert at(line(ax["capital"], "committed"), "2014-12") == pytest.approx(285)
    (mean,) = [c for c in ax["ratio"].containers]  # the value at the reference date
    assert mean.lines[0].get_ydata()[0] == pytest.approx(100 * 285 / 35000)
    leaves = funding_axes(plot_funding(named["dassault_leaves"]))
    assert at(line(leaves["ratio"], "ratio"), "2014-12") == pytest.approx(100 * 225 / 35000)


def legend_texts(fig: Figure) -> list[str]:
    return [t.get_text() for ax in fig.axes if ax.get_legend() for t in ax.get_legend().get_texts()]


def test_funding_legend_names_each_statistic(named):
    """Uncertain: every entry for a statistic says median or mean; a band is a spread of
    runs, not a confidence interval. Certain: no statistic is named."""
    texts = legend_texts(plot_funding(named["atos_joins"]))
    stats = [t for t in texts if t not in ("European cloud market (EC projection)",)]
    partners = {"French State", "Orange", "Thales", "Atos", "Dassault Systèmes"}
    for text in stats:
        if text in partners:
            continue
        assert "median" in text or "mean" in text or "5–95 % of runs" in text, text
    assert "ratio, median" in texts and "ratio: 5–95 % of runs" in texts
    (mean,) = [t for t in texts if t.startswith("ratio at 2014-12: mean")]
    assert "95 % CI" in mean
    assert not any("CI" in t for t in texts if "5–95" in t)
    plain = legend_texts(plot_funding(named["andromede_plan"]))
    assert not any("median" in t or "mean" in t or "5–95" in t for t in plain), plain
    assert "ratio at 2014-12: 0.81 %" in plain


def test_funding_mean_at_reference_matches_the_outcomes(named):
    results = named["atos_joins"]
    ax = funding_axes(plot_funding(results))["ratio"]
    (mean,) = ax.containers
    expected = 100 * results.outcomes["capital_to_market"].mean()
    assert mean.lines[0].get_ydata()[0] == pytest.approx(expected, rel=1e-12)


def test_funding_draws_the_partner_panel_on_a_given_axes(named):
    fig = Figure()
    ax = fig.subplots()
    assert plot_funding(named["dassault_leaves"], ax=ax) is fig
    assert ax.get_legend() is not None


def test_plots_leave_pyplot_alone(named):
    import matplotlib.pyplot as plt

    before = plt.get_fignums()
    trajectories(named)
    simulator.compare(
        *[SCENARIOS / f"{n}.yaml" for n in NAMES[:2]],
        replications=20,
        seed=1,
        progress=False,
    ).plot()
    plot_funding(named["atos_joins"])
    assert plt.get_fignums() == before


def partner_areas(fig: Figure) -> dict[tuple[int, str], tuple]:
    """(panel, partner label) → the colour of its area in the by-partner stacks."""
    from matplotlib.collections import PolyCollection

    out = {}
    for i, ax in enumerate(fig.axes):
        if "by partner" not in ax.get_title():
            continue
        for area in ax.collections:
            if isinstance(area, PolyCollection) and not area.get_label().startswith("_"):
                out[(i, area.get_label())] = tuple(area.get_facecolor()[0][:3])
    return out


def test_a_partner_keeps_its_colour_in_every_panel_and_figure(named):
    from simulator.plots.style import MARKET

    split = simulator.run(SCENARIOS / "examples" / "split.yaml", replications=20, seed=1)
    colours: dict[str, set] = {}
    for results in (split, named["andromede_plan"], named["dassault_may_leave"]):
        for (_, label), colour in partner_areas(plot_funding(results)).items():
            if not label.startswith("committed"):
                colours.setdefault(label, set()).add(colour)
    assert {"French State", "Orange", "Thales", "Dassault Systèmes"} <= set(colours)
    assert all(len(seen) == 1 for seen in colours.values()), colours
    assert to_rgb(MARKET) not in {c for seen in colours.values() for c in seen}


def test_benchmarks_and_an_uncertain_market_share_the_market_axis():
    results = simulator.run(
        SCENARIOS / "andromede_plan.yaml",
        replications=50,
        seed=1,
        progress=False,
        overrides=["market.growth={dist: uniform, low: 0.1, high: 0.4}"],
        additions=["benchmarks.others={label: Others' investment, points: {2012-01: 2000}}"],
    )
    fig = plot_funding(results)
    ax = funding_axes(fig)
    mk = results.market.set_index(["series", "date"])
    median = line(ax["market"], "European cloud market (EC projection), median")
    assert at(median, "2016-12") == pytest.approx(mk.loc[("market", "2016-12"), "value"] / 1000)
    (band,) = [c for c in ax["market"].collections if "5–95 %" in c.get_label()]
    assert band.get_label() == "market: 5–95 % of the projection (uncertain growth)"
    top = band.get_paths()[0].vertices[:, 1].max()
    assert top == pytest.approx(mk.loc[("market", "2016-12"), "p95"] / 1000)
    others = line(ax["market"], "Others' investment")
    assert list(others.get_ydata()) == [2.0]  # 2000 M€ on the bn€ axis
    assert "Others' investment" in legend_texts(fig)


def test_a_deterministic_scenario_run_many_times_labels_each_event_once():
    """A comparison runs a deterministic scenario as often as its uncertain neighbours: its
    events, the same in every run, are labelled once, not once per run."""
    r = simulator.run(SCENARIOS / "dassault_leaves.yaml", replications=50, seed=1)
    fig = plot_funding(r)
    labels = [t.get_text() for ax in fig.axes for t in ax.texts if "Dassault" in t.get_text()]
    assert labels and all(label.count("Dassault") == 1 for label in labels), labels


CROWD = """
name: crowd
start: 2011-10
end: 2016-12
ventures: {v: {}}
partners:
  state: {pledge: 135}
  orange: {pledge: 60, departure: {at: 2012-01}}
  thales: {pledge: 30, departure: {at: 2012-02}}
  dassault: {pledge: 60, departure: {at: 2012-03}}
  bull: {pledge: 20, departure: {at: 2012-05}}
  atos: {pledge: 20, departure: {at: 2014-05}}
"""


def test_event_labels_of_nearby_months_share_one_label_and_never_overlap(tmp_path):
    path = tmp_path / "crowd.yaml"
    path.write_text(CROWD, encoding="utf-8")
    fig = plot_funding(simulator.run(path, progress=False))
    renderer = rendered(fig)
    panel = fig.axes[0]
    texts = [t.get_text() for t in panel.texts]
    assert texts == [
        "2012-01 orange leaves\n2012-02 thales leaves\n2012-03 dassault leaves\n"
        "2012-05 bull leaves",
        "atos leaves",
    ]
    boxes = [t.get_window_extent(renderer) for t in panel.texts]
    assert not any(a.overlaps(b) for i, a in enumerate(boxes) for b in boxes[i + 1 :])
    assert len([ln for ln in panel.lines if ln.get_linestyle() == "--"]) == 5  # a line each


def test_event_labels_for_several_members_are_in_the_plural():
    from simulator.plots.runs import _plural

    verbs = ["leaves", "tops up", "passes ownership", "cuts pledge", "buys out", "raises"]
    assert [_plural(v) for v in verbs] == [
        "leave",
        "top up",
        "pass ownership",
        "cut pledge",
        "buy out",
        "raise",
    ]
