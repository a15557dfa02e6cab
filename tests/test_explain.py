"""`consim explain` and ResultSet.story: a run's dated story whose amounts add up to its
outcome row."""

from __future__ import annotations

from pathlib import Path

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
    assert "not a comparison" in done.output and "atos_joins, dassault_leaves" in done.output
    done = CliRunner().invoke(main, ["explain", str(tmp_path), "--replication", "1"])
    assert done.exit_code == 2 and "not a consim results directory" in done.output


SWEEP = """\
scenario: {base}
parameters:
  candidates.atos.negotiation.success: {{values: [0.3, 0.9]}}
  candidates.atos.pledge: {{values: [30, 90]}}
replications: 25
seed: 4
"""


@pytest.fixture(scope="module")
def sweep(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("sweep")
    base = tmp / "atos.yaml"
    text = Path("scenarios/atos_joins.yaml").read_text(encoding="utf-8")
    base.write_text(
        text.replace(
            "extends: dassault_leaves.yaml", f"extends: {Path.cwd()}/scenarios/dassault_leaves.yaml"
        ),
        encoding="utf-8",
    )
    path = tmp / "s.yaml"
    path.write_text(SWEEP.format(base=base), encoding="utf-8")
    r = simulator.sweep(path, out=tmp / "o", executor="serial", plots=False, progress=False)
    return r, tmp / "o", base


def test_a_sweep_s_run_replayed_is_the_run_the_sweep_made(sweep):
    """Replayed from the seed, each run's outcome row is the sweep's, value for value."""
    from simulator.experiments.replay import replay

    r, _, _ = sweep
    o = r.outcomes.set_index(["point", "replication"])
    for point, k in [(0, 0), (1, 7), (3, 24), (2, 13)]:
        again = replay(r, point, k).outcomes.iloc[0]
        mine = o.loc[(point, k)]
        for column in ("committed_final", "paid_in_final", "members_final", "collapsed"):
            assert again[column] == mine[column], (point, k, column)


def test_explain_tells_a_sweep_s_worst_run(sweep):
    r, folder, _ = sweep
    done = CliRunner().invoke(main, ["explain", str(folder), "--worst", "committed_final"])
    assert done.exit_code == 0, done.output
    totals = r.outcomes.groupby(["point", "replication"])["committed_final"].sum()
    point, k = totals.idxmin()
    lines = done.output.splitlines()
    assert lines[0].startswith(f"design point {point} (")
    assert lines[1] == f"atos_joins, run {k}:"
    assert f"committed {totals.min():,.1f} M€" in lines[-1]


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--replication", "3"], "--replication in a sweep needs --point (the design point)"),
        (["--point", "9", "--replication", "3"], "--point 9: no such design point (0–3)"),
        (["--point", "1", "--replication", "25"], "--replication 25: no such run (0–24 per point)"),
    ],
)
def test_bad_sweep_runs_are_one_line(sweep, args, message):
    _, folder, _ = sweep
    done = CliRunner().invoke(main, ["explain", str(folder), *args])
    assert done.exit_code == 2 and done.output.strip() == message


def test_a_changed_scenario_is_not_replayed(sweep, tmp_path):
    import shutil

    _, folder, base = sweep
    copy = tmp_path / "o"
    shutil.copytree(folder, copy)
    saved = base.read_text(encoding="utf-8")
    try:
        base.write_text(saved.replace("high: 12}", "high: 13}"), encoding="utf-8")
        done = CliRunner().invoke(
            main, ["explain", str(copy), "--point", "0", "--replication", "1"]
        )
    finally:
        base.write_text(saved, encoding="utf-8")
    assert done.exit_code == 2
    assert "changed since the sweep ran" in done.output


def test_point_is_for_sweeps(atos):
    _, folder = atos
    done = CliRunner().invoke(main, ["explain", str(folder), "--point", "1", "--replication", "1"])
    assert done.exit_code == 2 and "only a sweep has design points" in done.output
