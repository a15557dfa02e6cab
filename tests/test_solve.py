"""Goal seeking: targets read from text, levers, the root search (exact on deterministic
scenarios, checked against a fine grid sweep with the same seed on stochastic ones), the
unreachable case, resuming, and the command line's messages and exit codes."""

from __future__ import annotations

import json

import numpy as np
import pytest
from click.testing import CliRunner

from simulator import load_scenario, solve, sweep
from simulator.analysis.targets import Metric, parse_target
from simulator.cli import main
from simulator.errors import ConsimError
from simulator.experiments.levers import parse_lever
from simulator.experiments.samples import sample
from simulator.experiments.solve import answer_lines

PLAN = "scenarios/dassault_leaves.yaml"
ATOS = "scenarios/atos_joins.yaml"
START = 2011 * 12 + 9  # 2011-10
GOAL = "mean(committed_final) >= 285"


def test_targets_parse_every_form():
    t = parse_target("P(committed_final >= 285 at 2014-12) >= 0.9", START)
    s = t.statistic
    assert (s.kind, s.op, s.value, s.metric) == ("P", ">=", 285.0, Metric("committed_final", 38))
    assert (t.op, t.threshold, t.above) == (">=", 0.9, True)
    assert parse_target("P(committed_final at 2014-12 >= 285) >= 0.9", START).statistic == s
    t = parse_target("P(not collapsed) > 0.95", START)
    assert t.statistic.metric == Metric("collapsed", None, True) and t.statistic.op is None
    t = parse_target("q10(paid_in_final) <= 200", START)
    assert (t.statistic.kind, t.statistic.q, t.above) == ("quantile", 0.1, False)
    assert parse_target("median(committed_final) < 1e3", START).statistic.q == 0.5


@pytest.mark.parametrize(
    "text",
    ["P(committed_final >= 285)", "mean(committed_final) => 3", "P(x >= 1) >= 2", "avg(x) > 1"],
)
def test_a_target_that_does_not_parse_says_what_is_allowed(text):
    with pytest.raises(ConsimError, match="expected|probability lies"):
        parse_target(text, START)


def test_levers_parse_numbers_steps_and_dates():
    lever = parse_lever("partners.state.pledge=135..300")
    assert (lever.low, lever.high, lever.step, lever.dates) == (135, 300, None, False)
    lever = parse_lever("candidates.atos.negotiation.duration=2..24:1")
    assert lever.grid(40) == [float(v) for v in range(2, 25)]
    lever = parse_lever("candidates.atos.negotiation.start=2012-01..2012-12")
    assert (lever.dates, lever.step, lever.shown(lever.high)) == (True, 1.0, "2012-12")
    for bad in ("x=1..", "x=3..1", "x=1...2", "x=2012-01..5", "x=1..2:0"):
        with pytest.raises(ConsimError, match="--lever"):
            parse_lever(bad)


def test_margin_of_a_probability_is_the_deciding_replication():
    """P(X >= 10) >= 0.5 over ten values holds exactly when the 5th largest is >= 10."""
    t = parse_target("P(committed_final >= 10) >= 0.5", START)
    x = np.arange(1.0, 11.0) + 3  # 4 … 13: five values >= 10 (9 is the 5th largest... +3)
    judged = t.judge(x)
    assert judged["value"] == pytest.approx(0.4) and not judged["met"]
    assert judged["margin"] == pytest.approx(9.0 - 10.0)  # the 5th largest is 9
    judged = t.judge(x + 1.0)
    assert judged["met"] and judged["margin"] == pytest.approx(0.0)


def test_deterministic_top_up_is_exact():
    """After Dassault Systèmes leaves, 225 M€ stay committed: the State must pledge 60 more
    (195) for the venture to reach 285 M€ by 2014-12 (docs/model.md §14.1)."""
    s = solve(
        PLAN,
        "partners.state.pledge=135..300",
        "P(committed_final >= 285 at 2014-12) >= 0.9",
        progress=False,
    )
    assert s.value == pytest.approx(195.0, abs=1e-9)
    assert s.interval[0] == pytest.approx(195.0, abs=1e-6)
    assert s.interval[1] == pytest.approx(195.0, abs=1e-6)
    assert s.manifest["replications"] == 1 and s.estimate["value"] == 1.0
    there = answer_lines(s)[1]  # no interval of one value twice
    assert there == "there: P(committed_final >= 285 at 2014-12) = 1"
    low = solve(
        PLAN,
        "partners.state.pledge=135..300",
        "mean(committed_final) <= 300",
        maximize=True,
        progress=False,
    )
    assert low.value == pytest.approx(210.0, abs=1e-9)


def test_stochastic_answer_matches_a_fine_grid_sweep(tmp_path):
    """The mean of committed capital at the market's reference month (2014-12) against
    Atos's pledge: the answer lies between the last grid point of a sweep with the same
    seed below 270 and the first at or above it."""
    target = "mean(committed_at_reference) >= 270"
    s = solve(
        ATOS, "candidates.atos.pledge=20..120", target, replications=400, seed=11, progress=False
    )
    assert 20 < s.value < 120 and s.interval[0] <= s.value <= s.interval[1]
    grid = np.round(np.linspace(s.value - 3, s.value + 3, 13), 6).tolist()
    spec = {
        "scenario": str(ATOS and __import__("pathlib").Path(ATOS).resolve()),
        "parameters": {"candidates.atos.pledge": {"values": grid}},
        "design": {"type": "grid"},
        "replications": 400,
        "seed": 11,
        "keep": {"outcomes": ["committed_at_reference"]},
    }
    grid_run = sweep(spec, out=tmp_path / "grid", executor="serial", progress=False, plots=False)
    means = grid_run.outcomes.groupby("candidates.atos.pledge")["committed_at_reference"].mean()
    assert np.all(np.diff(means.to_numpy()) > 0)  # common random numbers: monotone
    below, above = means[means < 270], means[means >= 270]
    assert below.index.max() < s.value <= above.index.min()
    assert s.estimate["value"] == pytest.approx(270.0, abs=1e-6)


def test_probability_target_equals_the_sample_at_the_answer():
    target = "P(committed_at_reference >= 265) >= 0.3"
    s = solve(
        ATOS, "candidates.atos.pledge=20..120", target, replications=300, seed=5, progress=False
    )
    scenario = load_scenario(ATOS, [f"candidates.atos.pledge={s.value!r}"])
    x = sample(scenario, Metric("committed_at_reference"), 5, 300)
    assert np.mean(x >= 265) >= 0.3
    just_below = load_scenario(ATOS, [f"candidates.atos.pledge={s.value - 1e-4!r}"])
    assert np.mean(sample(just_below, Metric("committed_at_reference"), 5, 300) >= 265) < 0.3


def test_unreachable_target_says_so_with_the_best_setting(tmp_path):
    runner = CliRunner()
    out = tmp_path / "s"
    r = runner.invoke(
        main,
        [
            "solve",
            ATOS,
            "--lever",
            "candidates.atos.pledge=20..120",
            "--target",
            "q25(committed_final) >= 250",
            "-n",
            "200",
            "--seed",
            "3",
            "--out",
            str(out),
        ],
    )
    assert r.exit_code == 3, r.output
    assert "unreachable" in r.output and "candidates.atos.pledge=120" in r.output
    manifest = json.loads((out / "manifest.json").read_text())
    assert manifest["status"] == "complete" and manifest["solution"]["value"] is None


@pytest.mark.parametrize(
    ("args", "expected"),
    [
        (
            ["--lever", "partners.stat.pledge=135..300", "--target", GOAL],
            "--lever partners.stat.pledge=135..300: partners.stat: no partner 'stat'",
        ),
        (["--lever", "partners.state.pledge=135-300", "--target", GOAL], "does not parse"),
        (
            ["--lever", "partners.state.pledge=135..300", "--target", "P(x >= 1) >= 0.5"],
            "unknown outcome 'x'",
        ),
    ],
)
def test_bad_lever_or_target_is_one_line_exit_2(tmp_path, args, expected):
    base = ["solve", PLAN, "--out", str(tmp_path / "o")]
    r = CliRunner().invoke(main, base + args)
    assert r.exit_code == 2
    assert expected in r.output and len(r.output.strip().splitlines()) == 1
    assert not (tmp_path / "o").exists()


def test_resume_reuses_every_setting(tmp_path):
    out, args = (
        tmp_path / "s",
        (ATOS, "candidates.atos.pledge=20..120", "mean(committed_final) >= 260"),
    )
    first = solve(*args, replications=200, seed=2, out=out, progress=False)
    again = solve(*args, replications=200, seed=2, out=out, resume=True, progress=False)
    assert again.value == first.value and again.manifest["solution"]["reused"] == len(
        first.evaluations
    )
    with pytest.raises(ConsimError, match="another search"):
        solve(*args, replications=100, seed=2, out=out, resume=True, progress=False)
    with pytest.raises(ConsimError, match="not empty"):
        solve(*args, replications=100, seed=2, out=out, progress=False)
    assert sorted(p.name for p in out.iterdir()) == [
        "evaluations.csv",
        "evaluations.jsonl",
        "manifest.json",
        "solve.png",
    ]


def test_report_of_a_solve_folder(tmp_path):
    from simulator import report

    out = tmp_path / "s"
    solve(
        ATOS,
        "candidates.atos.pledge=20..120",
        "mean(committed_final) >= 260",
        replications=200,
        seed=2,
        out=out,
        progress=False,
    )
    html = report(out).read_text(encoding="utf-8")
    assert "goal seek" in html and "smallest candidates.atos.pledge = " in html
    assert html.count("<img") >= 1 and "settings evaluated" in html


def _strict(text: str) -> dict:
    """JSON as a strict parser reads it: NaN and Infinity are not JSON."""

    def refuse(token):
        raise ValueError(f"not JSON: {token}")

    return json.loads(text, parse_constant=refuse)


def test_json_output_is_strict_json(tmp_path):
    """A 90th percentile of 20 runs has no upper bound in the sample (NaN): null."""
    args = ["solve", ATOS, "--lever", "candidates.atos.pledge=20..120", "--seed", "2"]
    args += ["--target", "q90(committed_final) >= 270", "-n", "20"]
    r = CliRunner().invoke(main, [*args, "--out", str(tmp_path / "t")])
    assert "(95 % CI 270–?: too few runs for this quantile's interval)" in r.output
    r = CliRunner().invoke(main, [*args, "--json", "--out", str(tmp_path / "s")])
    assert r.exit_code == 0, r.output
    data = _strict(r.output)
    assert data["estimate"]["high"] is None and data["value"] == 45
    front = ["solve", ATOS, "--lever", "partners.state.pledge=135..300", "--lever"]
    front += ["candidates.atos.negotiation.success=0.1..0.9", "--minimize", "partners.state.pledge"]
    front += ["--maximize", "P(not collapsed)", "-n", "50", "--seed", "1", "--json"]
    front += ["--generations", "2", "--population", "6", "--out", str(tmp_path / "f")]
    r = CliRunner().invoke(main, front)
    assert r.exit_code == 0, r.output
    assert "P(not collapsed) low" in _strict(r.output)["front"][0]


def test_resume_after_a_kill_mid_line(tmp_path):
    """A journal whose last line was cut by a kill: that setting is evaluated again, and the
    answer is the uninterrupted one."""
    out, args = (
        tmp_path / "s",
        (ATOS, "candidates.atos.pledge=20..120", "mean(committed_final) >= 260"),
    )
    whole = solve(*args, replications=200, seed=6, progress=False)
    solve(*args, replications=200, seed=6, out=out, progress=False)
    lines = (out / "evaluations.jsonl").read_text().splitlines()
    (out / "evaluations.jsonl").write_text("\n".join(lines[:4]) + "\n" + lines[4][:25])
    again = solve(*args, replications=200, seed=6, out=out, resume=True, progress=False)
    assert again.value == whole.value and again.manifest["solution"]["reused"] == 4


def test_a_date_lever_lands_on_a_month():
    """The latest start of Atos's talks for P(285 M€ by 2014-12) ≥ 0.4: a whole month, met
    there and missed a month later (the same replications: common random numbers)."""
    lever, target = (
        "candidates.atos.negotiation.start=2012-01..2015-12",
        ("P(committed_final >= 250 at 2014-12) >= 0.4"),
    )
    s = solve(ATOS, lever, target, maximize=True, replications=400, seed=7, progress=False)
    assert s.value == int(s.value) and s.estimate["met"]
    label = s.lever.shown(s.value)
    later = s.lever.shown(s.value + 1)
    x = sample(
        load_scenario(ATOS, [f"candidates.atos.negotiation.start={later}"]),
        Metric("committed_final", 38),
        7,
        400,
    )
    assert np.mean(x >= 250) < 0.4, (label, later)


def test_a_lever_end_that_breaks_the_scenario_says_which_end(tmp_path):
    args = ["solve", ATOS, "--lever", "candidates.atos.pledge.mode=20..120", "--target", GOAL]
    r = CliRunner().invoke(main, [*args, "--out", str(tmp_path / "o")])
    assert r.exit_code == 2 and len(r.output.strip().splitlines()) == 1
    assert r.output.startswith("--lever at its high end (candidates.atos.pledge.mode=120): ")
    assert "triangular needs low ≤ mode ≤ high" in r.output


def test_an_outcome_of_one_venture():
    """committed_final[cloudwatt]: that venture alone; the ventures add up to the total, at
    the end and at a month; a yes/no outcome of one venture is within the any-venture one."""
    s = load_scenario("scenarios/examples/cloudwatt_numergy.yaml")
    month = 2013 * 12 + 5 - s.start
    for at in (None, month):
        total = sample(s, Metric("committed_final", at), 3, 50)
        parts = [sample(s, Metric("committed_final", at, venture=v), 3, 50) for v in s.ventures]
        assert np.allclose(total, sum(parts)) and np.ptp([p.mean() for p in parts]) > 0
    t = parse_target("P(not collapsed[numergy]) >= 0.5", s.start)
    assert t.statistic.metric == Metric("collapsed", None, True, "numergy")
    with pytest.raises(ConsimError, match=r"unknown venture 'numergie' \(expected one of: "):
        sample(s, Metric("committed_final", venture="numergie"), 1, 1)
