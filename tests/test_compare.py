"""`consim compare` and simulator.compare: paired differences, intervals, coverage, the
comparison folder, bad input, and what the figure draws."""

from __future__ import annotations

import json

import numpy as np
import pytest
from click.testing import CliRunner
from conftest import scenario

import simulator
from simulator.analysis.intervals import mean_interval
from simulator.cli import main
from simulator.experiments.precision import TargetCI, half_width

BASE = """
name: base
start: 2020-01
end: 2021-12
ventures: {v: {}}
partners:
  a: {pledge: 100, schedule: {type: tranches, count: 24}, departure: {hazard: 0.05}}
  b: {pledge: 50}
"""
PLUS_TEN = BASE.replace("name: base", "name: plus_ten").replace("pledge: 50", "pledge: 60")
# A candidate that joins at once with probability 1/2, pledging uniform(0, 40): the paired
# difference in committed capital has mean 0.5 · 20 = 10 and variance 0.5 · 40²/3 - 10².
WITH_CANDIDATE = (
    BASE.replace("name: base", "name: with_candidate")
    + """candidates:
  c:
    pledge: {dist: uniform, low: 0, high: 40}
    negotiation: {start: 2020-01, duration: 0, success: 0.5}
"""
)


def final(comparison, name: str, outcome: str = "committed_final"):
    t = comparison.table
    return t[(t["scenario"] == name) & (t["outcome"] == outcome)].iloc[0]


def test_a_deterministic_difference_is_exact():
    c = simulator.compare(
        scenario(BASE.replace("{hazard: 0.05}", "{at: 2021-01}")),
        scenario(PLUS_TEN.replace("{hazard: 0.05}", "{at: 2021-01}")),
        seed=1,
        progress=False,
    )
    row = final(c, "plus_ten")
    assert (row["diff"], row["diff_ci_low"], row["diff_ci_high"]) == (10.0, 10.0, 10.0)
    assert row["replications"] == 1 and final(c, "base")["note"] == "baseline"


def test_a_constant_shift_in_an_uncertain_scenario_is_exact_too():
    c = simulator.compare(
        scenario(BASE), scenario(PLUS_TEN), replications=300, seed=2, progress=False
    )
    row = final(c, "plus_ten")
    assert row["diff"] == pytest.approx(10.0) and row["diff_ci_high"] - row["diff_ci_low"] == 0
    assert row["ci_high"] > row["ci_low"]  # each mean is uncertain, their difference is not


def test_the_paired_interval_comes_from_the_differences():
    c = simulator.compare(
        scenario(BASE), scenario(WITH_CANDIDATE), replications=2000, seed=3, progress=False
    )
    base, other = (
        c.results[n].outcomes.set_index("replication") for n in ("base", "with_candidate")
    )
    d = other["committed_final"] - base["committed_final"]
    expected = mean_interval(d)
    row = final(c, "with_candidate")
    assert (row["diff_ci_low"], row["diff_ci_high"]) == pytest.approx((expected.low, expected.high))
    unpaired = 1.96 * np.sqrt(
        base["committed_final"].var() / 2000 + other["committed_final"].var() / 2000
    )
    assert row["diff_ci_high"] - row["diff"] < 0.5 * unpaired
    assert row["diff"] == pytest.approx(10.0, abs=4 * np.sqrt((0.5 * 1600 / 3 - 100) / 2000))


@pytest.mark.slow
def test_the_interval_of_the_difference_covers_the_truth_95_percent_of_the_time():
    base, other = scenario(BASE), scenario(WITH_CANDIDATE)
    covered = 0
    for seed in range(200):
        c = simulator.compare(base, other, replications=100, seed=seed, progress=False)
        row = final(c, "with_candidate")
        covered += row["diff_ci_low"] <= 10.0 <= row["diff_ci_high"]
    assert 0.92 * 200 <= covered <= 0.98 * 200


def test_target_ci_stops_at_the_first_batch_that_meets_it():
    target = TargetCI(2.0, batch=100, maximum=5000)
    r = simulator.run(scenario(WITH_CANDIDATE), seed=4, target_ci=target, progress=False)
    full = simulator.run(scenario(WITH_CANDIDATE), seed=4, replications=5000, progress=False)
    o = full.outcomes
    stops = [
        n
        for n in range(100, 5001, 100)
        if half_width(o[o["replication"] < n], "committed_final") <= 2.0
    ]
    assert r.replications == stops[0]
    # roughly (1.96 · sd / 2.0)² replications
    sd = o["committed_final"].std()
    assert abs(r.replications - (1.96 * sd / 2) ** 2) < 0.25 * (1.96 * sd / 2) ** 2
    assert r.manifest["target_ci"]["reached"] <= 2.0


def test_target_ci_on_a_deterministic_scenario_runs_once():
    r = simulator.run(
        scenario(BASE.replace("{hazard: 0.05}", "{at: 2021-01}")),
        target_ci=TargetCI(0.1),
        seed=1,
        progress=False,
    )
    assert r.replications == 1


def test_ventures_in_only_some_scenarios_are_kept_and_marked():
    split = (
        BASE.replace("name: base", "name: split")
        .replace(
            "ventures: {v: {}}",
            "ventures:\n  v: {split: {at: 2021-01, into: {w: {members: [a, b]}}}}\n  w: {}",
        )
        .replace("departure: {hazard: 0.05}}", "venture: v, departure: {hazard: 0.05}}")
        .replace("b: {pledge: 50}", "b: {pledge: 50, venture: v}")
    )
    c = simulator.compare(scenario(BASE), scenario(split), replications=50, seed=1, progress=False)
    t = c.table[c.table["outcome"] == "committed_final"]
    w = t[t["venture"] == "w"].set_index("scenario")
    assert w.loc["base", "note"] == "not in this scenario" and w.loc["base", "replications"] == 0
    assert w.loc["split", "note"] == "not in the baseline" and np.isnan(w.loc["split", "diff"])
    # the consortium's money, however divided: the split moves pledges, it does not add any
    total = t[t["venture"] == "all ventures"].set_index("scenario")
    assert total.loc["split", "diff"] == pytest.approx(0.0, abs=1e-9)
    forest = next(ax for ax in c.plot().axes if ax.get_title().startswith("Paired"))
    assert [x.get_text() for x in forest.get_yticklabels()] == [
        "split · v",
        "split · w",
        "split · all ventures",
    ]
    assert "not in the baseline" in [x.get_text() for x in forest.texts]


def test_the_cli_writes_the_comparison_folder(tmp_path):
    files = []
    for text in (BASE, WITH_CANDIDATE):
        path = tmp_path / f"{text.split('name: ')[1].split()[0]}.yaml"
        path.write_text(text)
        files.append(str(path))
    out = tmp_path / "cmp"
    result = CliRunner().invoke(
        main, ["compare", *files, "-n", "200", "--seed", "1", "--out", str(out)]
    )
    assert result.exit_code == 0, result.output
    assert "with_candidate" in result.output and "95 % CI" in result.output
    assert sorted(p.name for p in out.iterdir()) == [
        "base",
        "comparison.csv",
        "comparison.png",
        "manifest.json",
        "with_candidate",
    ]
    manifest = json.loads((out / "manifest.json").read_text())
    assert manifest["kind"] == "comparison" and manifest["baseline"] == "base"
    again = CliRunner().invoke(main, ["compare", *files, "-n", "200", "--out", str(out)])
    assert again.exit_code == 2 and "--force" in again.output
    (out / "base" / "notes.txt").write_text("mine")
    forced = CliRunner().invoke(
        main, ["compare", *files, "-n", "200", "--out", str(out), "--force"]
    )
    assert forced.exit_code == 2 and "base/notes.txt" in forced.output
    assert (out / "base" / "notes.txt").read_text() == "mine"


@pytest.mark.parametrize(
    ("change", "args", "message"),
    [
        ("unit: M€", ["--target-ci", "0"], "--target-ci: the half-width must be > 0 (got 0.0)"),
        ("unit: M€", ["--target-ci", "1", "--outcome", "profit"], "'profit' is not an outcome"),
        ("unit: bn€", [], "unit 'bn€' differs from the baseline's 'M€'"),
        ("market: {points: {2021-01: 10}, growth: 0.1}", [], "market projection differs"),
        ("partners: {a: {pledge: -1}}", [], "other.yaml:"),
    ],
)
def test_bad_input_is_one_line_and_exit_2(tmp_path, change, args, message):
    (tmp_path / "base.yaml").write_text(BASE)
    (tmp_path / "other.yaml").write_text(BASE.replace("name: base", "name: other") + change + "\n")
    out = tmp_path / "out"
    files = [str(tmp_path / "base.yaml"), str(tmp_path / "other.yaml")]
    result = CliRunner().invoke(main, ["compare", *files, "--out", str(out), *args])
    assert result.exit_code == 2
    assert message in result.output and "Traceback" not in result.output
    assert len(result.output.strip().splitlines()) == 1
    assert not out.exists()


def test_the_figure_draws_the_table():
    market = "market: {points: {2021-01: 1000}, growth: 0.1}\n"
    c = simulator.compare(
        scenario(BASE + market),
        scenario(WITH_CANDIDATE + market),
        scenario(PLUS_TEN + market),
        replications=200,
        seed=5,
        progress=False,
    )
    fig = c.plot()
    titled = {ax.get_title().split(" ")[0]: ax for ax in fig.axes if ax.get_title()}
    trajectories, ratio, forest = titled["Committed"], titled["Capital"], titled["Paired"]
    labels = [line.get_label() for line in trajectories.get_lines()]
    assert all("median" in label for label in labels) and len(labels) == 3
    # the market on the same figure, on its own axis, in bn€
    market_ax = next(ax for ax in fig.axes if ax.get_ylabel().startswith("market projection"))
    assert market_ax.get_ylabel() == "market projection (bn€ = 1,000 M€)"
    # the ratio: committed ÷ the projected market, in %, for every scenario
    assert ratio.get_ylabel().startswith("capital committed ÷ one year's")
    assert len([x for x in ratio.get_lines() if x.get_label().startswith("base")]) == 1
    assert trajectories.get_ylabel() == "committed capital (M€)"
    assert "5–95 % of runs" in trajectories.get_title()
    assert [t.get_text() for t in forest.get_yticklabels()] == ["with_candidate", "plus_ten"]
    points = forest.collections[0].get_offsets() if forest.collections else None
    drawn = forest.lines[0].get_xdata()
    expected = [final(c, "with_candidate")["diff"], final(c, "plus_ten")["diff"]]
    assert np.allclose(drawn, expected)
    assert forest.get_xlabel() == "difference from base (M€)"
    assert points is not None
