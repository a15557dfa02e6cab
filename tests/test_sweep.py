"""Sweeps end to end: files written, common random numbers, bad sweep files, failures, resume."""

from __future__ import annotations

import copy
import json
import re
import time
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from test_cli import PROBLEM_LINE, bad_input, consim, ok

import simulator
from simulator.engine import replication
from simulator.experiments.points import copy_along
from simulator.experiments.sweep import estimate
from simulator.experiments.tasks import TAIL, plan_tasks
from simulator.scenario.compose import set_path
from simulator.scenario.yamlio import Document, Mark

ROOT = Path(__file__).resolve().parents[1]
ATOS = ROOT / "scenarios" / "atos_joins.yaml"
BENCH = ROOT / "scenarios" / "reference" / "bench.yaml"
SWEEP_FILES = [
    "outcomes.parquet",
    "quantiles.parquet",
    "points.csv",
    "design.csv",
    "failures.csv",
    "market.csv",
    "manifest.json",
    "outcomes.png",
    "collapse.png",
    "heatmap.png",
    "trajectories.png",
    "sensitivity.csv",
    "sensitivity.png",
]


def write_sweep(tmp_path: Path, body: str, base: Path = ATOS, name: str = "s") -> Path:
    path = tmp_path / f"{name}.yaml"
    path.write_text(f"scenario: {base}\n{body}", encoding="utf-8")
    return path


GRID = """\
parameters:
  candidates.atos.negotiation.success: {low: 0.2, high: 0.8, steps: 2}
  candidates.atos.pledge: {values: [30, 90]}
replications: 60
seed: 5
"""


def test_sweep_writes_every_file_and_the_outcomes_have_the_parameters(tmp_path):
    path = write_sweep(tmp_path, GRID)
    done = ok(consim("sweep", path, "--executor", "serial", cwd=tmp_path))
    out = tmp_path / "results" / "s"
    assert sorted(p.name for p in out.iterdir()) == sorted(SWEEP_FILES)
    o = pd.read_parquet(out / "outcomes.parquet")
    assert len(o) == 4 * 60
    assert {"point", "candidates.atos.negotiation.success", "candidates.atos.pledge"} <= set(o)
    assert sorted(o.groupby("point")["candidates.atos.pledge"].first()) == [30, 30, 90, 90]
    manifest = json.loads((out / "manifest.json").read_text())
    assert manifest["status"] == "complete" and manifest["failed"] == 0
    assert "4 design point(s) × 60 replication(s)" in done.stdout
    q = pd.read_parquet(out / "quantiles.parquet")
    horizon = 63  # 2011-10 … 2016-12
    assert len(q) == 4 * 2 * horizon  # points × (committed, paid_in) × months
    assert (q["q05"] <= q["q50"]).all() and (q["q50"] <= q["q95"]).all()


def test_points_summary_matches_the_outcomes(tmp_path):
    r = simulator.sweep(
        write_sweep(tmp_path, GRID), out=tmp_path / "o", executor="serial", plots=False
    )
    for point, g in r.outcomes.groupby("point"):
        row = r.points[r.points["point"] == point].iloc[0]
        assert row["replications"] == len(g)
        assert row["committed_final_mean"] == pytest.approx(g["committed_final"].mean())
        assert row["p_collapse"] == pytest.approx(g["collapsed"].mean())


def test_replication_i_is_paired_across_points_and_with_consim_run(tmp_path):
    # Common random numbers: with success fixed at 1 the pledge does not change who joins
    # when, so members and join dates agree replication by replication across points, and
    # each point equals `run` of the scenario with the same override and seed.
    path = write_sweep(
        tmp_path,
        """\
parameters:
  candidates.atos.pledge: {values: [40, 80]}
replications: 50
seed: 9
""",
    )
    r = simulator.sweep(path, out=tmp_path / "o", executor="serial", plots=False)
    a, b = (r.outcomes[r.outcomes["point"] == p].reset_index(drop=True) for p in (0, 1))
    assert (a["members_final"] == b["members_final"]).all()
    for point, pledge in ((0, 40), (1, 80)):
        single = simulator.run(
            ATOS, replications=50, seed=9, overrides=[f"candidates.atos.pledge={pledge}"]
        )
        mine = r.outcomes[r.outcomes["point"] == point].reset_index(drop=True)
        np.testing.assert_array_equal(mine["committed_final"], single.outcomes["committed_final"])


def test_trajectory_quantiles_are_exact(tmp_path):
    r = simulator.sweep(
        write_sweep(tmp_path, GRID), out=tmp_path / "o", executor="serial", plots=False
    )
    single = simulator.run(
        ATOS,
        replications=60,
        seed=5,
        overrides=["candidates.atos.negotiation.success=0.2", "candidates.atos.pledge=30"],
    )
    totals = single.trajectories.groupby(["date", "replication"])["committed"].sum().unstack()
    q = r.quantiles[(r.quantiles["point"] == 0) & (r.quantiles["variable"] == "committed")]
    np.testing.assert_allclose(q["q50"], totals.median(axis=1), rtol=1e-6)
    np.testing.assert_allclose(q["q95"], totals.quantile(0.95, axis=1), rtol=1e-6)
    np.testing.assert_allclose(q["mean"], totals.mean(axis=1), rtol=1e-6)


def test_point_tables_do_not_depend_on_how_points_are_grouped(tmp_path, monkeypatch):
    """Chunks of 1 give one job per point; chunks of 84 give jobs of several points, whose
    replication counts differ (two replications fail): the tables are the same, exactly."""
    monkeypatch.setenv("CONSIM_ENGINE", "reference")  # where one replication alone can fail
    real = replication.Replication.run
    body = "parameters:\n  candidates.atos.pledge: {low: 20, high: 90, steps: 12}\n"
    body += "replications: 7\nseed: 3\n"
    results = []
    for chunk in (1, 84):
        calls = {"n": 0}

        def flaky(self, calls=calls):
            calls["n"] += 1
            if calls["n"] in (3, 20):  # point 0's replication 2, point 2's replication 5
                raise FloatingPointError("drawn share is NaN")
            return real(self)

        monkeypatch.setattr(replication.Replication, "run", flaky)
        path = write_sweep(tmp_path, body, name=f"c{chunk}")
        results.append(
            simulator.sweep(
                path, out=tmp_path / f"o{chunk}", executor="serial", plots=False, chunk=chunk
            )
        )
    single, grouped = results
    assert single.points.groupby("point")["replications"].first().tolist()[:4] == [6, 7, 6, 7]
    pd.testing.assert_frame_equal(single.points, grouped.points, check_exact=True)
    pd.testing.assert_frame_equal(single.quantiles, grouped.quantiles, check_exact=True)


def test_a_design_point_copies_only_what_it_changes():
    base = {
        "partners": {"state": {"pledge": 135, "schedule": {"type": "lump"}}},
        "list": [{"a": 1}, {"a": 2}],
        "other": {"x": [1, 2]},
    }
    before = copy.deepcopy(base)
    paths = [("partners", "state", "pledge"), ("list", "1", "a"), ("new", "key")]
    points = [copy_along(base, paths) for _ in range(2)]
    mark = Mark("s.yaml", 1, 1)
    for i, data in enumerate(points):
        doc = Document(data, {}, {})
        for path in paths:
            set_path(doc, path, 100 + i, mark)
    assert base == before  # the base is never changed
    assert [d["partners"]["state"]["pledge"] for d in points] == [100, 101]
    assert [d["list"][1]["a"] for d in points] == [100, 101] and base["list"][1]["a"] == 2
    assert [d["new"]["key"] for d in points] == [100, 101]
    assert points[0]["other"] is base["other"]  # untouched parts are shared


def test_a_sweep_may_keep_no_trajectories(tmp_path):
    body = GRID.replace("seed: 5\n", "seed: 5\nkeep: {trajectories: []}\n")
    r = simulator.sweep(write_sweep(tmp_path, body), out=tmp_path / "o", executor="serial")
    assert r.quantiles.empty and len(r.points) == 4 and len(r.outcomes) == 4 * 60
    assert (tmp_path / "o" / "collapse.png").is_file()
    assert not (tmp_path / "o" / "trajectories.png").exists()


def test_a_sweep_keeping_no_trajectory_cuts_larger_tasks(tmp_path):
    """Its tasks record venture totals at the outcomes' two months, not at every month:
    more replications fit the same memory (tasks.sweep_chunk), and the estimate cuts the
    sweep as the sweep does."""
    from simulator.engine.compile import compile_scenario
    from simulator.engine.rooms import bytes_per_replication
    from simulator.experiments.tasks import BATCH_STATE, sweep_chunk

    bench = Path(__file__).resolve().parent.parent / "scenarios" / "reference" / "bench.yaml"
    body = "parameters:\n  partners.state.pledge: {values: [90, 110]}\nreplications: 3\nseed: 1\n"
    path = write_sweep(tmp_path, body, bench, "kept")
    kept = simulator.sweep(path, out=tmp_path / "k", executor="serial", plots=False)
    path = write_sweep(tmp_path, body + "keep: {trajectories: []}\n", bench, "none")
    none = simulator.sweep(path, out=tmp_path / "n", executor="serial", plots=False)
    model = compile_scenario(simulator.load_scenario(bench))
    every, two = (BATCH_STATE // bytes_per_replication(model, False, m) for m in (None, 2))
    assert kept.manifest["chunk"] == sweep_chunk(model) == every
    assert none.manifest["chunk"] == two
    assert none.manifest["chunk"] > 2 * kept.manifest["chunk"]
    big = body.replace("replications: 3", "replications: 50000") + "keep: {trajectories: []}\n"
    planned = estimate(write_sweep(tmp_path, big, bench, "big")).tasks  # a pilot, no sweep
    assert planned == len(plan_tasks(2, 50_000, two)) < len(plan_tasks(2, 50_000))


# --- bad sweep files: one clear line each, exit 2, nothing written ---------------------------

BAD = {
    "unknown key path": (
        "parameters:\n  partners.stat.pledge: {values: [1, 2]}\n",
        3,
        "did you mean 'state'?",
    ),
    "low above high": (
        "parameters:\n  partners.state.pledge: {low: 200, high: 100, steps: 3}\n",
        3,
        "low must not exceed high (got low 200 > high 100)",
    ),
    "zero samples": (
        "parameters:\n  partners.state.pledge: {low: 100, high: 200}\n"
        "  partners.orange.pledge: {low: 10, high: 90}\ndesign: {type: lhs, samples: 0}\n",
        5,
        "out of range (got 0; expected ≥ 1)",
    ),
    "grid range without steps": (
        "parameters:\n  partners.state.pledge: {low: 100, high: 200}\n",
        3,
        "a range on a grid needs `steps`",
    ),
    "value the scenario refuses": (
        "parameters:\n  partners.state.pledge: {values: [100, -5]}\n",
        3,
        "[design point 1: partners.state.pledge=-5]",
    ),
    "unknown design": (
        "parameters:\n  partners.state.pledge: {values: [1]}\ndesign: {type: factorial}\n",
        4,
        "expected 'grid', 'lhs', 'sobol' or 'morris'",
    ),
    "cash without a spending plan": (
        "parameters:\n  partners.state.pledge: {values: [1]}\n"
        "keep: {trajectories: [committed, cash]}\n",
        4,
        "cash need a venture with a spending plan (ventures.<id>.spending)",
    ),
}


@pytest.mark.parametrize("case", list(BAD))
def test_bad_sweep_file_one_clear_line(tmp_path, case):
    body, line, text = BAD[case]
    path = write_sweep(tmp_path, body)
    lines = bad_input(consim("sweep", path, "--executor", "serial", cwd=tmp_path))
    assert len(lines) == 1, lines
    m = PROBLEM_LINE.match(lines[0])
    assert m and m["file"] == str(path) and int(m["line"]) == line, lines[0]
    assert text in lines[0]
    assert not (tmp_path / "results").exists()


def test_missing_base_scenario(tmp_path):
    path = tmp_path / "s.yaml"
    path.write_text("scenario: nowhere.yaml\nparameters:\n  a.b: {values: [1]}\n")
    (line,) = bad_input(consim("sweep", path, cwd=tmp_path))
    assert line.startswith(f"{path}:1:1: scenario: base scenario not found")


@pytest.mark.slow  # waits out the connection timeout (10 s)
def test_scheduler_nobody_answers(tmp_path):
    path = write_sweep(tmp_path, GRID)
    lines = bad_input(consim("sweep", path, "--scheduler", "tcp://127.0.0.1:9", cwd=tmp_path))
    assert len(lines) == 1 and "cannot connect to scheduler tcp://127.0.0.1:9" in lines[0]
    assert not (tmp_path / "results").exists()


def test_refuses_a_non_empty_directory_and_resume_of_another_sweep(tmp_path):
    path = write_sweep(tmp_path, GRID)
    ok(consim("sweep", path, "--executor", "serial", "--no-plots", cwd=tmp_path))
    (line,) = bad_input(consim("sweep", path, "--executor", "serial", cwd=tmp_path))
    assert "output directory is not empty" in line and "--resume" in line
    other = write_sweep(tmp_path, GRID.replace("seed: 5", "seed: 6"), name="t")
    (line,) = bad_input(consim("sweep", other, "--out", "results/s", "--resume", cwd=tmp_path))
    assert "cannot resume: these results come from a different sweep" in line


@pytest.mark.slow  # subprocesses of a few seconds: make test-slow
def test_resume_refuses_parts_cut_by_another_plan(tmp_path):
    """Parts are numbered by task: resuming onto another cutting would mix replications."""
    path = write_sweep(tmp_path, GRID)
    ok(consim("sweep", path, "--executor", "serial", "--no-plots", cwd=tmp_path))
    manifest_file = tmp_path / "results" / "s" / "manifest.json"
    manifest = json.loads(manifest_file.read_text())
    manifest.update(status="running", plan="0123456789abcdef")  # as an older consim wrote
    manifest_file.write_text(json.dumps(manifest))
    (line,) = bad_input(consim("sweep", path, "--resume", cwd=tmp_path))
    assert "cannot resume" in line and "cut it into tasks" in line


@settings(max_examples=200, deadline=None)
@given(points=st.integers(1, 6), replications=st.integers(1, 900), chunk=st.integers(1, 600))
def test_the_task_plan_covers_every_replication_once_in_order(points, replications, chunk):
    tasks = plan_tasks(points, replications, chunk)
    covered = [(s.point, s.first + i) for t in tasks for s in t.segments for i in range(s.count)]
    assert covered == [(p, r) for p in range(points) for r in range(replications)]
    sizes = [t.replications for t in tasks]
    assert [t.index for t in tasks] == list(range(len(tasks)))
    assert all(0 < size <= chunk for size in sizes)
    tail = [chunk // d for d in TAIL if chunk // d > 0]
    if tail and points * replications >= chunk + sum(tail):  # the end: small tasks
        assert sizes[-len(tail) :] == tail[::-1] and max(sizes) == chunk


# --- failures and interruptions ------------------------------------------------------------


def test_a_replication_that_raises_is_recorded_and_the_sweep_goes_on(tmp_path, monkeypatch):
    monkeypatch.setenv("CONSIM_ENGINE", "reference")  # where one replication alone can fail
    real = replication.Replication.run
    calls = {"n": 0}

    def flaky(self):
        calls["n"] += 1
        if calls["n"] in (3, 70):
            raise FloatingPointError("drawn share is NaN")
        return real(self)

    monkeypatch.setattr(replication.Replication, "run", flaky)
    r = simulator.sweep(
        write_sweep(tmp_path, GRID), out=tmp_path / "o", executor="serial", plots=False
    )
    assert r.manifest["failed"] == 2
    f = r.failures.sort_values(["point", "replication"]).reset_index(drop=True)
    assert f[["point", "replication"]].values.tolist() == [[0, 2], [1, 9]]
    assert (f["seed"] == 5).all() and f["error"].str.contains("FloatingPointError").all()
    assert len(r.outcomes) == 4 * 60 - 2
    assert r.points.set_index("point")["replications"].tolist() == [59, 59, 60, 60]


# 16,000 replications of bench.yaml: 37 chunks, for the crash tests (test_crash.py).
BIG = """\
parameters:
  partners.state.pledge: {low: 80, high: 120, steps: 8}
replications: 2000
seed: 1
keep: {outcomes: [committed_final, collapsed], trajectories: [committed]}
"""


def test_validate_checks_sweep_files_at_every_design_point(tmp_path):
    good = ROOT / "scenarios" / "sweeps" / "atos_terms.yaml"
    done = ok(consim("validate", good, cwd=tmp_path))
    assert "ok (sweep: 25 design points × 200 replications" in done.stdout
    bad = write_sweep(tmp_path, BAD["value the scenario refuses"][0])
    (line,) = bad_input(consim("validate", bad, cwd=tmp_path))
    assert line.startswith(f"{bad}:3:3: partners.state.pledge:") and "design point 1" in line


def test_executor_that_cannot_start_is_bad_input(tmp_path):
    path = write_sweep(tmp_path, GRID)
    (line, *_) = bad_input(consim("sweep", path, "--workers", "0", cwd=tmp_path))
    assert "--workers" in line or "--workers" in "".join(_)
    assert not (tmp_path / "results").exists()


def test_a_sweep_written_in_python_equals_the_file(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    spec = {
        "name": "inline",
        "scenario": str(ATOS),
        "parameters": {
            "candidates.atos.negotiation.success": {"low": 0.2, "high": 0.8, "steps": 2},
            "candidates.atos.pledge": {"values": [30, 90]},
        },
        "replications": 60,
        "seed": 5,
    }
    inline = simulator.sweep(spec, executor="serial", plots=False)
    assert (inline.path / "manifest.json").is_file()  # a temporary folder: nothing in cwd
    assert not (tmp_path / "results").exists()
    from_file = simulator.sweep(
        write_sweep(tmp_path, GRID), out="f", executor="serial", plots=False
    )
    pd.testing.assert_frame_equal(inline.points, from_file.points)
    with pytest.raises(simulator.ScenarioError, match="<sweep>.*low must not exceed high"):
        bad = {**spec, "parameters": {"partners.state.pledge": {"low": 9, "high": 1, "steps": 2}}}
        simulator.sweep(bad, executor="serial")


def test_resuming_a_complete_sweep_runs_nothing(tmp_path):
    path = write_sweep(tmp_path, GRID)
    ok(consim("sweep", path, "--executor", "serial", "--no-plots", cwd=tmp_path))
    before = (tmp_path / "results" / "s" / "outcomes.parquet").stat().st_mtime_ns
    done = ok(consim("sweep", path, "--resume", "--executor", "serial", cwd=tmp_path))
    assert "4 design point(s)" in done.stdout
    assert (tmp_path / "results" / "s" / "outcomes.parquet").stat().st_mtime_ns == before


def test_schema_of_sweep_files(tmp_path):
    schema = json.loads(ok(consim("schema", "--sweep", cwd=tmp_path)).stdout)
    assert {"scenario", "parameters", "design", "replications", "seed", "keep"} <= set(
        schema["properties"]
    )


CALLS = ROOT / "scenarios" / "examples" / "capital_calls.yaml"


def test_a_sweep_keeps_spending_outcomes_and_cash_quantiles(tmp_path):
    """Probability of cash running out per point equals the share of its replications whose
    outcome says so; with no default at all (p = 0) the cash never runs out (model.md §9.5)."""
    body = (
        "parameters:\n"
        "  ventures.andromede.capital_calls.default.probability: {values: [0.0, 0.6]}\n"
        "replications: 40\nseed: 3\n"
        "keep:\n  outcomes: [committed_final, cash_final, spent_final, cash_out]\n"
        "  trajectories: [paid_in, cash]\n"
    )
    r = simulator.sweep(
        write_sweep(tmp_path, body, CALLS), out=tmp_path / "o", plots=False, executor="serial"
    )
    o = r.outcomes
    assert {"cash_out", "cash_out_date", "cash_final", "spent_final"} <= set(o.columns)
    by_point = o.groupby("point")["cash_out"].mean()
    points = r.points.set_index("point")
    np.testing.assert_allclose(points["p_cash_out"], by_point.loc[points.index])
    assert points.loc[0, "p_cash_out"] == 0.0
    assert (o.loc[o["point"] == 0, "cash_final"] == 10.0).all()  # the example's 285 − 275
    cash = r.quantiles[r.quantiles["variable"] == "cash"]
    assert (cash["q05"] >= -1e-6).all()


# --- sweep size: counted from the file, refused before anything is expanded ----------------

HUGE_GRID = (
    "parameters:\n"
    + "".join(
        f"  {p}.pledge: {{low: 10, high: 90, steps: 1000}}\n"
        for p in ("partners.state", "partners.orange", "partners.thales", "candidates.atos")
    )
    + "  partners.dassault.pledge: {low: 10, high: 90, steps: 1000}\n"
)  # 1000^5 = 10^15 points


def test_a_design_too_large_for_memory_is_refused_at_once(tmp_path):
    """10^15 grid points, or a Sobol design of 2^40 base samples: one line at the key that
    makes it so, within seconds (it was expanded first), and --allow-large does not lift it."""
    grid = write_sweep(tmp_path, HUGE_GRID, name="grid")
    sobol = write_sweep(
        tmp_path,
        "parameters:\n  partners.state.pledge: {low: 10, high: 90}\n"
        "  partners.orange.pledge: {low: 10, high: 90}\n"
        f"design: {{type: sobol, samples: {2**40}}}\n",
        name="sobol",
    )
    began = time.monotonic()
    for command in ("validate", "sweep"):
        (line,) = bad_input(consim(command, grid, "--allow-large", cwd=tmp_path))
        assert line == (
            f"{grid}:2:1: parameters: the design has 10^15 points, more than can "
            "be held in memory (expected at most 100,000)"
        )
        (line,) = bad_input(consim(command, sobol, cwd=tmp_path))
        assert (
            line.startswith(f"{sobol}:5:23:") and "design.samples: the design has 4.4e+12" in line
        )
    assert time.monotonic() - began < 30
    assert not (tmp_path / "results").exists()


@pytest.mark.slow  # subprocesses of a few seconds: make test-slow
def test_a_sweep_of_too_many_runs_needs_allow_large(tmp_path):
    """2 points × 10^11 replications (`1e11` reads as a number) pass no check; 2 × 10^8
    runs need --allow-large, in `validate` and in `sweep` alike, and from Python."""
    body = "parameters:\n  candidates.atos.pledge: {values: [30, 90]}\nreplications: "
    huge = write_sweep(tmp_path, body + "1e11\n", name="huge")
    large = write_sweep(tmp_path, body + "100000000\n", name="large")
    for command in ("validate", "sweep"):
        (line,) = bad_input(consim(command, huge, "--allow-large", cwd=tmp_path))
        assert line.startswith(f"{huge}:4:1: replications: 2.0e+11 runs in all")
        assert "exceed the limit of 10^9, which no option lifts" in line
        (line,) = bad_input(consim(command, large, cwd=tmp_path))
        assert line == (
            f"{large}:4:1: replications: 2.0e+08 runs in all (points × "
            "replications) exceed the limit of 10^8; pass --allow-large "
            "(allow_large=True from Python) to run it anyway"
        )
    assert not (tmp_path / "results").exists()
    done = ok(consim("validate", large, "--allow-large", cwd=tmp_path))
    assert "2 design points × 100000000 replications" in done.stdout
    with pytest.raises(simulator.ScenarioError, match="exceed the limit of 10\\^8"):
        simulator.sweep(large, out=tmp_path / "o", executor="serial")


def test_a_sweep_says_its_size_and_about_how_long_before_it_starts(tmp_path):
    """On stderr (stdout stays the summary), from a pilot of the first point scaled by the
    runs and workers; the manifest and simulator.experiments.sweep.estimate have it too."""
    path = write_sweep(tmp_path, BIG, base=BENCH)  # 8 points × 2,000 replications
    done = ok(
        consim("sweep", path, "--executor", "serial", "--no-plots", cwd=tmp_path, timeout=300)
    )
    first = done.stderr.splitlines()[0]
    pattern = r"s: 8 points × 2,000 replications = 16,000 runs on 1 worker; about [\d.]+ (s|min)"
    assert re.fullmatch(pattern, first), first
    assert "about" not in done.stdout
    manifest = json.loads((tmp_path / "results" / "s" / "manifest.json").read_text())
    ratio = manifest["estimated_seconds"] / manifest["seconds"]
    assert 0.2 < ratio < 5, manifest  # approximate, on a shared machine
    plan = estimate(path, workers=2)
    assert (plan.points, plan.runs, plan.to_run, plan.workers) == (8, 16_000, 16_000, 2)
    assert str(plan).startswith("s: 8 points × 2,000 replications = 16,000 runs on 2 workers")
    plans = []
    simulator.sweep(
        write_sweep(tmp_path, GRID, name="g"),
        out=tmp_path / "g",
        plots=False,
        executor="serial",
        on_plan=plans.append,
    )
    assert [(p.points, p.runs, p.workers) for p in plans] == [(4, 240, 1)]


def test_a_parameter_naming_a_new_entry_at_its_end_is_refused_like_set(tmp_path):
    path = write_sweep(tmp_path, "parameters:\n  partners.stat: {values: [1, 2]}\n")
    (line,) = bad_input(consim("validate", path, cwd=tmp_path))
    assert line.startswith(f"{path}:3:3: parameters.partners.stat: unknown key path: no 'stat'")
    assert "did you mean 'state'?" in line


def test_a_sweep_shows_and_records_the_warnings_of_its_scenarios(tmp_path):
    base = tmp_path / "base.yaml"
    base.write_text(f"extends: {ATOS}\nname: warned\npartners:\n  sfr: {{label: SFR}}\n")
    path = write_sweep(tmp_path, GRID, base=base)
    expected = f"{base}:4:8: partners.sfr: warning: no pledge, and nothing refers to it"
    done = ok(consim("validate", path, cwd=tmp_path))
    assert done.stderr.startswith(expected) and done.stderr.count("warning:") == 1
    args = ("sweep", path, "--out", "w", "--executor", "serial", "--no-plots")
    done = ok(consim(*args, cwd=tmp_path))
    assert done.stderr.splitlines()[0].startswith(expected)
    (warning,) = json.loads((tmp_path / "w" / "manifest.json").read_text())["warnings"]
    assert warning.startswith(expected)
