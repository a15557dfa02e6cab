"""Scenario discovery (PRIM) finds a collapse planted by construction, in the user's terms;
bad conditions and results without varied inputs get one line and exit 2."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest
from click.testing import CliRunner

import simulator
from simulator.analysis.discover import Feature, condition, sweep_inputs
from simulator.cli import main
from simulator.plots.discover import plot_discovery

ROOT = Path(__file__).resolve().parents[1]
PLANTED = ROOT / "scenarios" / "examples" / "planted_collapse.yaml"
PLAN = ROOT / "scenarios" / "andromede_plan.yaml"


@pytest.fixture(scope="module")
def planted(tmp_path_factory):
    """2,000 runs of the planted scenario: collapse ⇔ Thales leaves by 2013-01 and Atos
    pledges below 40 (the scenario file's comment says why)."""
    folder = tmp_path_factory.mktemp("runs") / "planted"
    r = simulator.run(PLANTED, replications=2000, seed=5, progress=False)
    r.save(folder, plots=False)
    return r, folder


def truth(r) -> pd.Series:
    ev = r.events
    left = ev[(ev["type"] == "departure") & (ev["partner"] == "thales")]
    early = set(left[left["date"] <= "2013-01-01"]["replication"])
    joined = ev[ev["type"] == "join"].set_index("replication")["amount"]
    reps = r.outcomes["replication"]
    return reps.map(lambda k: k in early and joined[k] < 40)


def test_the_planted_rule_is_the_model_s(planted):
    r, _ = planted
    assert (truth(r).to_numpy() == r.outcomes["collapsed"].to_numpy()).all()


def test_prim_recovers_the_planted_box_with_its_categorical_input(planted):
    r, _ = planted
    d = r.discover(outcome="collapsed")
    box = d.boxes.iloc[0]
    assert box["coverage"] > 0.8 and box["density"] > 0.8
    limits = d.limits[d.limits["box"] == 1].set_index("input")
    assert limits.loc["atos_pledge", "max"] == pytest.approx(40, abs=1.0)
    categorical = {"thales_left", "thales_left_in"} & set(limits.index)
    assert categorical, f"no Thales condition in {limits.index.tolist()}"
    said = set(limits["condition"])
    assert said & {"Thales left", "Thales leaves by 2013-01"}
    assert any(c.startswith("Atos's pledge at entry ≤ ") for c in said)


def test_discover_command_prints_the_box_and_draws_it(planted, tmp_path):
    _, folder = planted
    png = tmp_path / "boxes.png"
    done = CliRunner().invoke(
        main,
        [
            "analyze",
            "discover",
            str(folder),
            "--where",
            "committed_final < 200",
            "--plot",
            str(png),
        ],
    )
    assert done.exit_code == 0, done.output
    lines = done.output.splitlines()
    assert lines[0].endswith("runs are cases of interest (committed_final < 200): 17.9%")
    assert lines[1].startswith("  box 1: coverage 98% (of the cases), density 100%")
    assert png.is_file()


def test_the_figure_shows_the_trajectory_and_the_limits(planted):
    r, _ = planted
    d = r.discover(outcome="collapsed")
    fig = plot_discovery(d)
    tradeoff, boxes = fig.axes[0], fig.axes[1]
    path = d.trajectories[0]
    drawn = tradeoff.collections[0].get_offsets()
    assert drawn[:, 0].tolist() == path["coverage"].tolist()
    assert drawn[:, 1].tolist() == path["density"].tolist()
    texts = [t.get_text() for t in boxes.texts]
    assert texts == d.limits["condition"].tolist()


def test_a_sweep_s_text_values_become_yes_no_columns():
    import pandas as pd

    rows = pd.DataFrame({"a": [1.0, 2.0, 3.0], "who": ["x", "y", "x"], "when": ["2012-01"] * 3})
    inputs, features = sweep_inputs(rows, ["a", "who", "when"])
    assert inputs["who=x"].tolist() == [1.0, 0.0, 1.0]
    assert features["who=y"].label == "who is y"
    assert inputs["when"].tolist() == [2012 * 12] * 3
    assert condition(Feature("Atos talks start", "month"), 24144.0, 24150.7, (24144, 24160)) == (
        "Atos talks start by 2012-07"
    )


@pytest.mark.slow  # ~7 s of a sweep: `make test-slow`
def test_discovery_over_a_sweep_s_inputs(tmp_path):
    sweep = tmp_path / "s.yaml"
    sweep.write_text(
        f"scenario: {PLANTED}\n"
        "parameters:\n"
        "  candidates.atos.pledge.low: {low: 20, high: 50}\n"
        "  partners.orange.label: {values: [Orange, France Télécom]}\n"
        "design: {type: lhs, samples: 40}\nreplications: 40\nseed: 3\n",
        encoding="utf-8",
    )
    r = simulator.sweep(sweep, out=tmp_path / "o", executor="serial", plots=False, progress=False)
    d = r.discover(outcome="collapsed")
    restricted = set(d.limits[d.limits["box"] == 1]["input"])
    assert "candidates.atos.pledge.low" in restricted
    assert not any(name.startswith("partners.orange.label") for name in restricted)


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--where", "committed_final <"], "--where 'committed_final <': does not parse"),
        (["--where", "capital < 3"], "--where 'capital < 3': no column capital (columns: "),
        (["--outcome", "committed_final"], "--outcome 'committed_final': not a yes/no outcome"),
        ([], "discover: give exactly one of --where EXPRESSION or --outcome FLAG"),
        (["--outcome", "collapsed", "--venture", "x"], "--venture 'x': no such venture"),
    ],
)
def test_bad_conditions_get_one_line(planted, args, message):
    _, folder = planted
    done = CliRunner().invoke(main, ["analyze", "discover", str(folder), *args])
    assert done.exit_code == 2, done.output
    assert len(done.output.strip().splitlines()) == 1
    assert done.output.startswith(message), done.output


def test_discover_on_results_without_varied_inputs(tmp_path):
    simulator.run(PLAN, replications=1, seed=1, progress=False).save(tmp_path / "plan", plots=False)
    done = CliRunner().invoke(
        main, ["analyze", "discover", str(tmp_path / "plan"), "--outcome", "collapsed"]
    )
    assert done.exit_code == 2
    assert done.output.startswith("discover: no input varies across these runs"), done.output


def test_discover_on_a_folder_that_is_not_results(tmp_path):
    done = CliRunner().invoke(
        main, ["analyze", "discover", str(tmp_path), "--outcome", "collapsed"]
    )
    assert done.exit_code == 2
    assert "not a consim results directory" in done.output
