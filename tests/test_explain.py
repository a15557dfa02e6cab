"""`consim explain` and ResultSet.story: a run's dated story whose amounts add up to its
outcome row."""

from __future__ import annotations

import pytest
from click.testing import CliRunner

import simulator
from simulator.cli import main


@pytest.fixture(scope="module")
def atos(tmp_path_factory):
    folder = tmp_path_factory.mktemp("runs") / "atos"
    r = simulator.run("scenarios/atos_joins.yaml", replications=60, seed=3, progress=False)
    r.save(folder, plots=False)
    return r, folder


@pytest.mark.parametrize("scenario", ["scenarios/atos_joins.yaml", "scenarios/examples/split.yaml"])
def test_the_story_adds_up_to_the_outcome_row(scenario):
    r = simulator.run(scenario, replications=30, seed=5, progress=False)
    o = r.outcomes.assign(venture=r.outcomes["venture"].astype(str))
    for k in range(30):
        s = r.story(k)
        mine = o[o["replication"] == k].set_index("venture")
        for venture, rows in s[s["venture"] != ""].groupby("venture"):
            assert rows["pledged"].sum() == pytest.approx(mine.loc[venture, "pledged_final"])
            assert rows["cancelled"].sum() == pytest.approx(mine.loc[venture, "cancelled_final"])


def test_explain_prints_a_dated_story(atos):
    r, folder = atos
    joined = r.events[r.events["type"] == "join"]["replication"].iloc[0]
    done = CliRunner().invoke(main, ["explain", str(folder), "--replication", str(joined)])
    assert done.exit_code == 0, done.output
    lines = [line.strip() for line in done.output.splitlines()]
    assert lines[0] == f"atos_joins, run {joined}:"
    assert "2011-10  French State pledges: 135.0 M€" in lines
    assert "2011-12  Dassault Systèmes leaves: 60.0 M€ cancelled" in lines
    atos_line = next(line for line in lines if "Atos joins" in line)
    pledge = r.events[(r.events["replication"] == joined) & (r.events["type"] == "join")]
    assert f"+{pledge['amount'].iloc[0]:,.1f} M€ pledged" in atos_line
    row = r.outcomes[r.outcomes["replication"] == joined].iloc[0]
    assert f"committed {row['committed_final']:,.1f} M€" in lines[-1]


def test_worst_and_best_pick_the_extreme_runs(atos):
    r, folder = atos
    totals = r.outcomes.groupby("replication")["committed_final"].sum()
    for flag, k in (("--worst", totals.idxmin()), ("--best", totals.idxmax())):
        done = CliRunner().invoke(main, ["explain", str(folder), flag, "committed_final"])
        assert done.output.splitlines()[0] == f"atos_joins, run {k}:"


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (
            ["--replication", "60"],
            "--replication 60: no such run (these results hold replications 0–59)",
        ),
        (["--worst", "profit"], "--worst: 'profit' is not a numeric outcome"),
        ([], "explain: give exactly one of --replication, --worst, --best"),
    ],
)
def test_bad_input_is_one_line(atos, args, message):
    _, folder = atos
    done = CliRunner().invoke(main, ["explain", str(folder), *args])
    assert done.exit_code == 2 and message in done.output
    assert len(done.output.strip().splitlines()) == 1


def test_explain_refuses_what_is_not_a_run(tmp_path):
    c = simulator.compare(
        "scenarios/dassault_leaves.yaml",
        "scenarios/atos_joins.yaml",
        replications=20,
        seed=1,
        progress=False,
    )
    c.save(tmp_path / "cmp", plots=False)
    done = CliRunner().invoke(main, ["explain", str(tmp_path / "cmp"), "--replication", "1"])
    assert done.exit_code == 2
    assert "comparison's results" in done.output and "atos_joins, dassault_leaves" in done.output
    done = CliRunner().invoke(main, ["explain", str(tmp_path), "--replication", "1"])
    assert done.exit_code == 2 and "not a consim results directory" in done.output
