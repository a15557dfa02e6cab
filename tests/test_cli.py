"""End to end: the real `consim` command in a subprocess, run from a scratch directory.

Every command runs as `python -m simulator …` with cwd=tmp_path, so the default
`results/` folder lands in the scratch directory and never in the repository.
"""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest

from simulator.errors import ScenarioError
from simulator.scenario.load import load_scenario

ROOT = Path(__file__).resolve().parents[1]
SCENARIOS = ROOT / "scenarios"
SEED_FILES = sorted(SCENARIOS.glob("*.yaml"))
PLAN = SCENARIOS / "andromede_plan.yaml"
PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"
RUN_FILES = [
    "outcomes.csv",
    "trajectories.parquet",
    "events.csv",
    "failures.csv",
    "manifest.json",
    "market.csv",
    "funding.png",
]
# FILE:LINE:COL: key.path: message
PROBLEM_LINE = re.compile(r"^(?P<file>.+?):(?P<line>\d+):(?P<col>\d+): (?P<path>[\w.]+): .+$")


def consim(*args, cwd: Path, timeout: float = 120) -> subprocess.CompletedProcess:
    env = {k: v for k, v in os.environ.items() if k != "CONSIM_DEBUG"}
    env["PYTHONIOENCODING"] = "utf-8"
    return subprocess.run(
        [sys.executable, "-m", "simulator", *map(str, args)],
        cwd=cwd,
        env=env,
        capture_output=True,
        text=True,
        encoding="utf-8",
        timeout=timeout,
    )


def ok(done: subprocess.CompletedProcess) -> subprocess.CompletedProcess:
    assert done.returncode == 0, f"exit {done.returncode}\n{done.stdout}\n{done.stderr}"
    return done


def bad_input(done: subprocess.CompletedProcess) -> list[str]:
    """Exit code 2, no traceback; the stderr lines."""
    assert done.returncode == 2, f"exit {done.returncode}\n{done.stdout}\n{done.stderr}"
    assert "Traceback" not in done.stderr
    return done.stderr.splitlines()


def committed(stdout: str) -> float:
    """The final committed capital in `consim run`'s summary (mean for uncertain runs)."""
    m = re.search(r"^\s+committed\s+(?:mean )?([\d,]+\.\d)", stdout, re.MULTILINE)
    assert m, stdout
    return float(m.group(1).replace(",", ""))


def snapshot(directory: Path) -> dict[str, tuple[bytes, int]]:
    return {p.name: (p.read_bytes(), p.stat().st_mtime_ns) for p in sorted(directory.iterdir())}


def typo_file(tmp_path: Path) -> tuple[Path, int]:
    """The plan with `pledgee:` for Orange's pledge; returns the file and the 1-based line."""
    lines = PLAN.read_text(encoding="utf-8").splitlines(keepends=True)
    at = lines.index("  orange:\n") + 1
    while not lines[at].startswith("    pledge:"):
        at += 1
    lines[at] = lines[at].replace("pledge:", "pledgee:", 1)
    path = tmp_path / "typo.yaml"
    path.write_text("".join(lines), encoding="utf-8")
    return path, at + 1


# --- help ---------------------------------------------------------------------------


def test_help_lists_the_commands(tmp_path):
    out = ok(consim("--help", cwd=tmp_path)).stdout
    for word in ("run", "validate", "schema", "demo", "--version", "--help"):
        assert word in out


def test_every_help_reads_cleanly():
    """Examples keep their line breaks (click's \\b marker is a real backspace, not the
    two characters a doubled backslash leaves in the text)."""
    from click.testing import CliRunner

    from simulator.cli import main

    for name in main.commands:
        out = CliRunner().invoke(main, [name, "--help"]).output
        assert "\\b" not in out, f"consim {name} --help shows a raw \\b"


# A native library that aborts in its teardown, after Python has finalised: libc runs
# `abort` at exit (pyarrow's thread pools do this now and then on a loaded machine).
ABORT_AT_EXIT = (
    "import ctypes, atexit, sys; libc = ctypes.CDLL(None); "
    "libc.__cxa_atexit(ctypes.cast(libc.abort, ctypes.c_void_p), None, None); "
    "atexit.register(print, 'exit handlers ran'); "
)


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="glibc's __cxa_atexit")
@pytest.mark.parametrize(
    ("args", "code"), [(["validate", str(PLAN)], 0), (["validate", "missing.yaml"], 2)]
)
def test_the_command_s_exit_code_survives_a_native_teardown_that_aborts(tmp_path, args, code):
    ends = f"from simulator.cli.entry import console; console({args!r})"
    done = subprocess.run(
        [sys.executable, "-c", ABORT_AT_EXIT + ends], cwd=tmp_path, capture_output=True, text=True
    )
    assert done.returncode == code, done.stderr
    assert done.stdout.splitlines()[-1] == "exit handlers ran"  # Python's shutdown still ran
    plain = subprocess.run(
        [sys.executable, "-c", ABORT_AT_EXIT + "sys.exit(0)"], cwd=tmp_path, capture_output=True
    )
    assert plain.returncode == -6  # the abort this guards against, without `console`


def test_run_help_lists_the_options(tmp_path):
    out = ok(consim("run", "--help", cwd=tmp_path)).stdout
    for option in ("--replications", "-n", "--seed", "--set", "--out", "--force", "--no-plots"):
        assert option in out
    assert "SCENARIO" in out


# --- consim run -------------------------------------------------------------------------


@pytest.fixture(scope="module")
def plan_run(tmp_path_factory):
    """`consim run <abs path>/andromede_plan.yaml` in a fresh directory."""
    cwd = tmp_path_factory.mktemp("plan")
    done = ok(consim("run", PLAN, cwd=cwd))
    return cwd, done


def test_run_prints_the_plan_total(plan_run):
    cwd, done = plan_run
    assert committed(done.stdout) == 285.0
    assert "wrote results/andromede_plan" in done.stdout
    assert "Traceback" not in done.stderr


def test_run_writes_every_file(plan_run):
    cwd, _ = plan_run
    out = cwd / "results" / "andromede_plan"
    assert sorted(p.name for p in out.iterdir()) == sorted(RUN_FILES)
    png = (out / "funding.png").read_bytes()
    assert png.startswith(PNG_SIGNATURE)
    assert len(png) > 10_000


def test_run_tables_have_their_columns(plan_run):
    out = plan_run[0] / "results" / "andromede_plan"
    outcomes = pd.read_csv(out / "outcomes.csv")
    assert {
        "replication",
        "venture",
        "pledged_final",
        "committed_final",
        "paid_in_final",
        "cancelled_final",
        "members_final",
        "collapsed",
        "collapse_date",
        "capital_to_market",
    } <= set(outcomes.columns)
    assert outcomes["committed_final"].tolist() == [285.0]
    trajectories = pd.read_parquet(out / "trajectories.parquet")
    assert {
        "replication",
        "date",
        "venture",
        "partner",
        "pledged",
        "paid_in",
        "outstanding",
        "cancelled",
        "committed",
        "share",
    } <= set(trajectories.columns)
    assert set(trajectories["partner"].astype(str)) == {"state", "orange", "thales", "dassault"}
    events = pd.read_csv(out / "events.csv")
    assert {"replication", "date", "type", "partner", "venture", "amount"} <= set(events.columns)


def test_run_manifest_makes_the_run_reproducible(plan_run):
    manifest = json.loads(
        (plan_run[0] / "results" / "andromede_plan" / "manifest.json").read_text()
    )
    assert {"seed", "input_hash", "resolved_scenario", "versions"} <= set(manifest)
    assert isinstance(manifest["seed"], int)
    assert re.fullmatch(r"[0-9a-f]{64}", manifest["input_hash"])
    assert manifest["resolved_scenario"]["partners"]["state"]["pledge"] == 135
    assert manifest["versions"]["python"]
    assert manifest["replications"] == 1


@pytest.mark.slow  # subprocesses of a few seconds: make test-slow
def test_rerun_into_the_default_folder_replaces_it(tmp_path):
    """The default folder is named after the scenario and is consim's: the README's
    commands work when typed again (after `make demo`, say)."""
    ok(consim("run", PLAN, "--seed", "1", "--no-plots", cwd=tmp_path))
    out = tmp_path / "results" / "andromede_plan"
    ok(consim("run", PLAN, "--seed", "2", "--no-plots", cwd=tmp_path))
    assert json.loads((out / "manifest.json").read_text())["seed"] == 2


def test_rerun_into_a_named_folder_needs_force_and_touches_nothing(tmp_path):
    ok(consim("run", PLAN, "--seed", "1", "--out", "mine", cwd=tmp_path))
    out = tmp_path / "mine"
    before = snapshot(out)
    lines = bad_input(consim("run", PLAN, "--seed", "2", "--out", "mine", cwd=tmp_path))
    assert len(lines) == 1
    assert "mine" in lines[0]
    assert "--force" in lines[0]
    assert snapshot(out) == before


@pytest.mark.slow  # subprocesses of a few seconds: make test-slow
def test_the_default_folder_with_a_user_s_file_is_never_replaced(tmp_path):
    ok(consim("run", PLAN, "--seed", "1", cwd=tmp_path))
    out = tmp_path / "results" / "andromede_plan"
    (out / "my notes.txt").write_text("precious")
    lines = bad_input(consim("run", PLAN, "--seed", "2", cwd=tmp_path))
    assert len(lines) == 1 and "my notes.txt" in lines[0]
    assert (out / "my notes.txt").read_text() == "precious"


@pytest.mark.slow  # subprocesses of a few seconds: make test-slow
def test_rerun_with_force_replaces(tmp_path):
    ok(consim("run", PLAN, "--seed", "1", cwd=tmp_path))
    out = tmp_path / "results" / "andromede_plan"
    (out / "funding.png").unlink()
    (out / ".events.csv.99-abcdef.tmp").write_text("left by a killed run")
    ok(consim("run", PLAN, "--seed", "2", "--force", cwd=tmp_path))
    assert sorted(p.name for p in out.iterdir()) == sorted(RUN_FILES)
    assert json.loads((out / "manifest.json").read_text())["seed"] == 2
    assert not [p for p in tmp_path.joinpath("results").iterdir() if p.name.startswith(".")]


def test_force_never_replaces_a_directory_that_is_not_a_result(tmp_path):
    (tmp_path / "notes.txt").write_text("precious")
    lines = bad_input(consim("run", PLAN, "--out", ".", "--force", cwd=tmp_path))
    assert len(lines) == 1 and "manifest.json" in lines[0]
    assert (tmp_path / "notes.txt").read_text() == "precious"


def test_scenario_name_cannot_leave_the_results_folder(tmp_path):
    (tmp_path / "inner").mkdir()
    escape = tmp_path / "inner" / "escape.yaml"
    escape.write_text(f"extends: {PLAN}\nname: ../../outside\n", encoding="utf-8")
    lines = bad_input(consim("run", escape, "--force", cwd=tmp_path / "inner"))
    assert len(lines) == 1 and "--out" in lines[0]
    assert not (tmp_path / "outside").exists()


def test_set_override_restores_the_plan_total(tmp_path):
    done = ok(
        consim(
            "run",
            SCENARIOS / "dassault_leaves.yaml",
            "--set",
            "partners.state.pledge=195",
            cwd=tmp_path,
        )
    )
    assert committed(done.stdout) == 285.0
    manifest = json.loads((tmp_path / "results/dassault_leaves/manifest.json").read_text())
    assert manifest["resolved_scenario"]["partners"]["state"]["pledge"] == 195


@pytest.mark.slow  # subprocesses of a few seconds: make test-slow
def test_same_seed_same_numbers(tmp_path):
    runs = []
    for out in ("a", "b"):
        args = ("run", SCENARIOS / "atos_joins.yaml", "--seed", "5", "-n", "300", "--no-plots")
        args += ("--out", out)
        runs.append(ok(consim(*args, cwd=tmp_path)))
    first, second = ((tmp_path / o / "outcomes.csv").read_bytes() for o in ("a", "b"))
    assert first == second
    assert len(pd.read_csv(tmp_path / "a" / "outcomes.csv")) == 300
    assert runs[0].stdout.replace("wrote a/", "") == runs[1].stdout.replace("wrote b/", "")
    assert json.loads((tmp_path / "a" / "manifest.json").read_text())["seed"] == 5


def test_results_folder_has_ordinary_permissions(tmp_path):
    ok(consim("run", PLAN, "--no-plots", cwd=tmp_path))
    (tmp_path / "plain").mkdir()
    mode = (tmp_path / "results" / "andromede_plan").stat().st_mode & 0o777
    assert mode == (tmp_path / "plain").stat().st_mode & 0o777


# --- bad input -----------------------------------------------------------------------------


def test_typo_reports_file_line_and_key_and_writes_nothing(tmp_path):
    path, line = typo_file(tmp_path)
    lines = bad_input(consim("run", path, cwd=tmp_path))
    with pytest.raises(ScenarioError) as info:
        load_scenario(path)
    assert lines == [str(p) for p in info.value.problems]  # exactly the problems, nothing else
    assert len(lines) == 1
    m = PROBLEM_LINE.match(lines[0])
    assert m, lines[0]
    assert (m["file"], int(m["line"]), m["path"]) == (str(path), line, "partners.orange.pledgee")
    assert "'pledge'" in lines[0]  # the suggestion
    assert not (tmp_path / "results").exists()


def test_bad_override_value(tmp_path):
    args = ("run", SCENARIOS / "dassault_leaves.yaml", "--set", "partners.state.pledge=-5")
    lines = bad_input(consim(*args, cwd=tmp_path))
    assert len(lines) == 1
    assert "partners.state.pledge" in lines[0] and "-5" in lines[0]
    assert not (tmp_path / "results").exists()


def test_override_without_value(tmp_path):
    lines = bad_input(consim("run", PLAN, "--set", "partners.state.pledge", cwd=tmp_path))
    assert len(lines) == 1 and "PATH=VALUE" in lines[0]


def test_missing_file(tmp_path):
    lines = bad_input(consim("run", "no_such_scenario.yaml", cwd=tmp_path))
    assert lines == ["no_such_scenario.yaml: file not found"]
    assert not (tmp_path / "results").exists()


# --- validate and schema -----------------------------------------------------------------


def test_validate_every_seed_scenario(tmp_path):
    done = ok(consim("validate", *SEED_FILES, cwd=tmp_path))
    assert len(SEED_FILES) == 6
    for f in SEED_FILES:
        assert f"{f}: ok" in done.stdout
    assert done.stderr == ""


def test_validate_reports_problems_of_every_file_at_once(tmp_path):
    typo, line = typo_file(tmp_path)
    several = ROOT / "tests" / "bad" / "several_mistakes.yaml"
    done = consim("validate", typo, several, PLAN, cwd=tmp_path)
    lines = bad_input(done)
    assert all(PROBLEM_LINE.match(x) for x in lines), lines
    files = {PROBLEM_LINE.match(x)["file"] for x in lines}
    assert files == {str(typo), str(several)}
    assert len(lines) >= 1 + 4
    assert f"{PLAN}: ok" in done.stdout
    assert not (tmp_path / "results").exists()


def test_schema_is_json_schema(tmp_path):
    done = ok(consim("schema", cwd=tmp_path))
    schema = json.loads(done.stdout)
    assert "partners" in schema["properties"]
    assert "partners" in schema.get("required", [])

    ok(consim("schema", "--out", "f.json", cwd=tmp_path))
    assert json.loads((tmp_path / "f.json").read_text()) == schema


# --- demo ----------------------------------------------------------------------------------


def test_demo_runs_every_seed_scenario(tmp_path):
    """From a folder without scenarios/ (not the repository), on the seed scenarios."""
    out = tmp_path / "res"
    done = ok(consim("demo", "--out", out, "-n", "200", cwd=tmp_path, timeout=300))
    assert "no ./scenarios here: the seed scenarios in " in done.stderr
    png = (out / "comparison.png").read_bytes()
    assert png.startswith(PNG_SIGNATURE) and len(png) > 10_000
    assert sorted(p.name for p in out.iterdir() if p.is_dir()) == [f.stem for f in SEED_FILES]
    table = pd.read_csv(out / "comparison.csv")
    assert table["scenario"].iloc[0] == "dassault_leaves"  # the baseline: what happened
    assert "paired with dassault_leaves (the baseline)" in done.stdout
    for f in SEED_FILES:
        assert sorted(p.name for p in (out / f.stem).iterdir()) == sorted(RUN_FILES)
        manifest = json.loads((out / f.stem / "manifest.json").read_text())
        assert manifest["seed"] == 2011
    assert "Traceback" not in done.stderr


def test_demo_checks_every_file_before_running_any(tmp_path):
    folder = tmp_path / "scenarios"
    folder.mkdir()
    (folder / "a_good.yaml").write_text(PLAN.read_text(encoding="utf-8"), encoding="utf-8")
    typo, _ = typo_file(tmp_path)
    typo.rename(folder / "b_typo.yaml")
    lines = bad_input(consim("demo", "--scenarios", folder, "--out", "res", cwd=tmp_path))
    assert lines and all("b_typo.yaml" in x for x in lines)
    assert not (tmp_path / "res").exists()


# --- --set changes, --add adds ---------------------------------------------------------------


def test_set_with_a_typo_in_an_id_adds_no_partner(tmp_path):
    args = ("run", SCENARIOS / "dassault_leaves.yaml", "--set", "partners.stat.pledge=150")
    lines = bad_input(consim(*args, cwd=tmp_path))
    assert lines == [
        "--set partners.stat.pledge=150: partners.stat: no partner 'stat' (did you mean "
        "'state'? expected one of: state, orange, thales, dassault; use --add to add one)"
    ]
    assert not (tmp_path / "results").exists()


@pytest.mark.slow  # subprocesses of a few seconds: make test-slow
def test_add_a_partner(tmp_path):
    atos = "partners.atos={pledge: 40, schedule: {type: upfront}}"
    done = ok(consim("run", PLAN, "--add", atos, "--no-plots", cwd=tmp_path))
    assert committed(done.stdout) == 325.0
    manifest = json.loads((tmp_path / "results/andromede_plan/manifest.json").read_text())
    assert manifest["resolved_scenario"]["partners"]["atos"]["pledge"] == 40
    lines = bad_input(consim("validate", PLAN, "--add", "partners.state={pledge: 1}", cwd=tmp_path))
    assert len(lines) == 1
    assert lines[0].startswith("--add partners.state={pledge: 1}: partners.state: already exists")


# --- warnings ---------------------------------------------------------------------------------


@pytest.mark.slow  # subprocesses of a few seconds: make test-slow
def test_warnings_are_shown_and_recorded_but_do_not_fail(tmp_path):
    path = tmp_path / "warned.yaml"
    path.write_text(
        f"extends: {PLAN}\npartners:\n  sfr: {{label: SFR}}\n",
        encoding="utf-8",
    )
    expected = [
        f"{path}:3:8: partners.sfr: warning: no pledge, and nothing refers to it: it takes no "
        "part in the run (give pledge or pledges, or remove it with null)",
    ]
    done = ok(consim("validate", path, cwd=tmp_path))
    assert done.stderr.splitlines() == expected
    assert f"{path}: ok" in done.stdout
    done = ok(consim("run", path, "--no-plots", "--out", "out", cwd=tmp_path))
    assert done.stderr.splitlines() == expected
    manifest = json.loads((tmp_path / "out" / "manifest.json").read_text())
    assert manifest["warnings"] == [
        {
            "file": str(path),
            "line": 3,
            "col": 8,
            "path": "partners.sfr",
            "message": expected[0].split(": warning: ")[1],
        }
    ]


def test_json_prints_one_object_and_quiet_prints_nothing(tmp_path):
    done = ok(
        consim(
            "run",
            SCENARIOS / "atos_joins.yaml",
            *("-n", "40", "--seed", "3", "--json", "--no-plots"),
            cwd=tmp_path,
        )
    )
    data = json.loads(done.stdout)
    assert data["seed"] == 3 and data["replications"] == 40
    assert data["folder"] == "results/atos_joins"
    outcomes = pd.read_csv(tmp_path / data["folder"] / "outcomes.csv")
    assert data["summary"][0]["committed_final_mean"] == pytest.approx(
        outcomes["committed_final"].mean()
    )
    quiet = ok(consim("run", PLAN, "--quiet", "--no-plots", cwd=tmp_path))
    assert quiet.stdout == "" and quiet.stderr == ""
    both = consim("run", PLAN, "--quiet", "--json", cwd=tmp_path)
    assert both.returncode == 2 and "choose one" in both.stderr
