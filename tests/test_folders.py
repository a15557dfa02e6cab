"""Output folders are consim's alone: --force replaces only what consim wrote, one process
writes a folder at a time, and names are names, never paths. Driven through the real
`consim` command where a user would meet each case."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from test_cli import PLAN, ROOT, bad_input, consim, ok
from test_sweep import BENCH, GRID, write_sweep

import simulator
from simulator.errors import OutputExistsError, ScenarioError
from simulator.results.folders import OWN_FILES, foreign_entries, lock_path, locked

ENV = {**os.environ, "PYTHONIOENCODING": "utf-8"}


def tree(folder: Path) -> dict[str, bytes | None]:
    """Every entry under `folder` with its bytes (None for folders and links' targets)."""
    out = {}
    for p in sorted(folder.rglob("*")):
        key = str(p.relative_to(folder))
        out[key] = p.read_bytes() if p.is_file() and not p.is_symlink() else None
    return out


def seed_of(folder: Path) -> int:
    return json.loads((folder / "manifest.json").read_text())["seed"]


# --- --force -----------------------------------------------------------------------------


def test_force_into_a_folder_with_another_tools_manifest_touches_nothing(tmp_path):
    work = tmp_path / "work"
    (work / "sub").mkdir(parents=True)
    (work / "manifest.json").write_text('{"manifest_version": 3, "name": "an extension"}')
    (work / "notes.txt").write_text("precious")
    (work / "sub" / "data.csv").write_text("a,b\n1,2\n")
    before = tree(tmp_path)
    (line,) = bad_input(consim("run", PLAN, "--out", ".", "--force", cwd=work))
    assert "not a consim results directory" in line and "--out" in line
    assert tree(tmp_path) == before


@pytest.mark.slow  # subprocesses of a few seconds: make test-slow
def test_force_keeps_a_users_files_beside_consims(tmp_path):
    ok(consim("run", PLAN, "--seed", "1", "--out", "out", cwd=tmp_path))
    out = tmp_path / "out"
    (out / "notes.md").write_text("my reading of the run")
    (out / "mine").mkdir()
    (out / "mine" / "chart.xlsx").write_bytes(b"\x00\x01")
    before = tree(tmp_path)
    (line,) = bad_input(consim("run", PLAN, "--seed", "2", "--out", "out", "--force", cwd=tmp_path))
    assert "files consim did not write (mine/, notes.md)" in line
    assert tree(tmp_path) == before


@pytest.mark.slow  # ~8 s of runs: `make test-slow`
def test_force_through_a_link_replaces_the_folder_it_points_to(tmp_path):
    ok(consim("run", PLAN, "--seed", "1", "--out", "real", cwd=tmp_path))
    (tmp_path / "link").symlink_to("real", target_is_directory=True)
    ok(consim("run", PLAN, "--seed", "2", "--out", "link", "--force", cwd=tmp_path))
    assert (tmp_path / "link").is_symlink() and seed_of(tmp_path / "real") == 2
    assert sorted(p.name for p in tmp_path.iterdir()) == ["link", "real"]


def test_a_link_to_nothing_is_refused_and_nothing_is_written(tmp_path):
    (tmp_path / "link").symlink_to("nowhere", target_is_directory=True)
    (line,) = bad_input(consim("run", PLAN, "--out", "link", "--force", cwd=tmp_path))
    assert "symbolic link" in line and "not a folder" in line
    assert sorted(p.name for p in tmp_path.iterdir()) == ["link"]


@pytest.mark.slow  # subprocesses of a few seconds: make test-slow
def test_force_never_replaces_the_working_folder(tmp_path):
    ok(consim("run", PLAN, "--seed", "1", "--out", "out", cwd=tmp_path))
    before = tree(tmp_path)
    (line,) = bad_input(consim("run", PLAN, "--out", ".", "--force", cwd=tmp_path / "out"))
    assert "working folder" in line
    assert tree(tmp_path) == before


@pytest.mark.slow  # ~8 s of sweeps: `make test-slow`
def test_sweep_force_keeps_a_users_files_and_resume_refuses_another_tools_manifest(tmp_path):
    path = write_sweep(tmp_path, GRID)
    ok(consim("sweep", path, "--out", "g", "--executor", "serial", "--no-plots", cwd=tmp_path))
    (tmp_path / "g" / "notes.md").write_text("mine")
    (line,) = bad_input(consim("sweep", path, "--out", "g", "--force", cwd=tmp_path))
    assert "files consim did not write (notes.md)" in line
    assert (tmp_path / "g" / "notes.md").read_text() == "mine"
    (tmp_path / "other").mkdir()
    (tmp_path / "other" / "manifest.json").write_text("not even JSON")
    (line,) = bad_input(consim("sweep", path, "--out", "other", "--resume", cwd=tmp_path))
    assert "nothing to resume" in line
    assert [p.name for p in (tmp_path / "other").iterdir()] == ["manifest.json"]


@pytest.mark.slow  # ~12 s of runs and sweeps: `make test-slow`
def test_every_file_a_run_or_a_sweep_writes_is_one_force_may_replace(tmp_path):
    ok(
        consim(
            "run", ROOT / "scenarios" / "atos_joins.yaml", "-n", "20", "--out", "r", cwd=tmp_path
        )
    )
    sobol = """\
parameters:
  partners.state.pledge: {low: 100, high: 200}
  partners.orange.pledge: {low: 40, high: 80}
design: {type: sobol, samples: 4}
replications: 4
"""
    for name, body in (("g", GRID), ("s", sobol)):
        ok(
            consim(
                "sweep",
                write_sweep(tmp_path, body, name=name),
                "--out",
                name,
                "--executor",
                "serial",
                cwd=tmp_path,
            )
        )
    written = {p.name for d in "rgs" for p in (tmp_path / d).iterdir()}
    assert {"funding.png", "heatmap.png", "sensitivity.png"} <= written <= OWN_FILES
    assert all(foreign_entries(tmp_path / d) == [] for d in "rgs")


# --- one writer at a time ------------------------------------------------------------------


def test_two_runs_into_one_new_folder_cannot_both_write(tmp_path):
    """Started together: one writes, the other is refused (in use, or not empty once the
    first has finished); never two 'wrote' with one silently replaced."""
    cmds = [
        [
            sys.executable,
            "-m",
            "simulator",
            "run",
            str(BENCH),
            "-n",
            "600",
            "--seed",
            str(seed),
            "--out",
            "same",
            "--no-plots",
        ]
        for seed in (1, 2)
    ]
    procs = [
        subprocess.Popen(
            c, cwd=tmp_path, env=ENV, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True
        )
        for c in cmds
    ]
    done = [(p.wait(timeout=120), *p.communicate()) for p in procs]
    codes = sorted(code for code, _, _ in done)
    assert codes == [0, 2], done
    winner = 1 + [code for code, _, _ in done].index(0)
    loser_err = next(err for code, _, err in done if code == 2)
    assert "in use by consim (pid" in loser_err or "not empty" in loser_err
    assert "Traceback" not in loser_err
    assert seed_of(tmp_path / "same") == winner
    assert sorted(p.name for p in tmp_path.iterdir()) == ["same"]


SLOW = """\
parameters:
  partners.state.pledge: {low: 80, high: 120, steps: 4}
replications: 5000  # long enough to outlast two consim starts on a loaded machine
seed: 3
keep: {outcomes: [committed_final], trajectories: [committed]}
"""


@pytest.mark.slow  # ~8 s of a live sweep: `make test-slow`
def test_a_live_sweep_refuses_a_resume_and_a_forced_run_and_finishes(tmp_path):
    path = write_sweep(tmp_path, SLOW, base=BENCH)
    cmd = [
        sys.executable,
        "-m",
        "simulator",
        "sweep",
        str(path),
        "--out",
        "k",
        "--no-plots",
        "--executor",
        "processes",
        "--workers",
        "1",
    ]
    slow = {**ENV, "CONSIM_ENGINE": "reference"}  # the batch engine would finish first
    proc = subprocess.Popen(
        cmd, cwd=tmp_path, env=slow, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True
    )
    parts = tmp_path / "k" / "parts"
    deadline = time.monotonic() + 120
    while not list(parts.glob("*.outcomes.arrow")):
        assert proc.poll() is None, proc.communicate()
        assert time.monotonic() < deadline
        time.sleep(0.05)
    for args in (("sweep", path, "--out", "k", "--resume"), ("run", PLAN, "--out", "k", "--force")):
        (line,) = bad_input(consim(*args, cwd=tmp_path))
        assert line.startswith("k: in use by consim (pid") and "sweep" in line, line
    out, err = proc.communicate(timeout=300)
    assert proc.returncode == 0, err
    assert json.loads((tmp_path / "k" / "manifest.json").read_text())["status"] == "complete"


@pytest.mark.slow  # ~5 s: `make test-slow`
def test_a_lock_held_by_a_killed_process_is_free_again(tmp_path):
    out = tmp_path / "out"
    holder = subprocess.Popen(
        [
            sys.executable,
            "-c",
            "import sys, time; from simulator.results.folders import locked\n"
            f"with locked({str(out)!r}):\n    print('held', flush=True); time.sleep(60)",
        ],
        env=ENV,
        stdout=subprocess.PIPE,
        text=True,
    )
    assert holder.stdout.readline().strip() == "held"
    busy = f"in use by consim \\(pid {holder.pid}"
    with pytest.raises(OutputExistsError, match=busy), locked(out):
        pass
    os.kill(holder.pid, signal.SIGKILL)
    holder.wait()
    assert lock_path(out).exists()  # left by the killed holder; the kernel freed its lock
    ok(consim("run", PLAN, "--out", out, cwd=tmp_path))
    assert not lock_path(out).exists()


def test_the_lock_is_reentrant_in_one_process(tmp_path):
    with locked(tmp_path / "a"), locked(tmp_path / "a"):
        assert lock_path(tmp_path / "a").exists()
    assert not lock_path(tmp_path / "a").exists()
    assert list(tmp_path.iterdir()) == []  # nothing is written beside the folder


# --- names are names -----------------------------------------------------------------------


@pytest.mark.parametrize("name", ["../escape", "/tmp/consim-absolute-escape", "a/b", ".."])
def test_a_sweep_name_is_never_a_path(tmp_path, monkeypatch, name):
    monkeypatch.chdir(tmp_path)
    spec = {
        "name": name,
        "scenario": str(PLAN),
        "parameters": {"partners.state.pledge": {"values": [135, 150]}},
    }
    with pytest.raises(ScenarioError, match="cannot name a results folder"):
        simulator.sweep(spec, executor="serial", progress=False)
    assert list(tmp_path.iterdir()) == []
    assert not Path("/tmp/consim-absolute-escape").exists()


def test_a_sweep_file_name_that_is_a_path_is_reported_at_its_line(tmp_path):
    path = write_sweep(tmp_path, "name: ../../up\n" + GRID)
    (line,) = bad_input(consim("sweep", path, cwd=tmp_path))
    assert line.startswith(f"{path}:2:7: name: sweep name '../../up' cannot name")


@pytest.mark.slow  # subprocesses of a few seconds: make test-slow
def test_a_killed_runs_staging_folder_is_cleared_and_look_alikes_are_kept(tmp_path):
    (tmp_path / ".out.tmp-4242-0123abcd").mkdir()  # as a run killed while saving leaves it
    (tmp_path / ".out.tmp-4242-0123abcd" / "outcomes.csv").write_text("half")
    (tmp_path / ".out.tmp-backup").mkdir()  # a user's
    ok(consim("run", PLAN, "--out", "out", cwd=tmp_path))
    assert sorted(p.name for p in tmp_path.iterdir()) == [".out.tmp-backup", "out"]


def test_a_sweep_folder_is_born_whole(tmp_path):
    """Killed or failing while it starts, a sweep leaves no folder that neither --resume nor
    --force would take (parts/ without a manifest, as it could before)."""
    from simulator.experiments.store import Store

    class Unwritable:
        def to_csv(self, path, index):
            Path(path).write_text("point\n")
            raise OSError("disk full")

    with pytest.raises(OSError, match="disk full"):
        Store(tmp_path / "s").begin({"kind": "sweep"}, Unwritable(), resume=False, force=False)
    assert list(tmp_path.iterdir()) == []
