"""A run that would not fit says so before it starts (experiments/fits.py)."""

from __future__ import annotations

from pathlib import Path

from click.testing import CliRunner

import simulator.experiments.fits as fits
from simulator.cli import main

PLAN = str(Path(__file__).resolve().parents[1] / "scenarios/atos_joins.yaml")


def test_a_run_too_large_for_memory_is_refused_with_the_estimate(tmp_path, monkeypatch):
    # atos_joins: 5 members over 63 months, 315 rows a replication; 2,000 replications are
    # 630,000 rows, ~150 MiB at 250 bytes a row (and 2,000 outcome rows): refused with 100 MiB
    monkeypatch.setattr(fits, "available_memory", lambda: 100 * 2**20)
    out = tmp_path / "out"
    done = CliRunner().invoke(main, ["run", PLAN, "-n", "2000", "--out", str(out)])
    assert done.exit_code == 2
    assert "2,000 replications would keep about 151 MiB of tables in memory" in done.stderr
    assert "(630,000 trajectory rows × ~250 bytes); this machine has 100 MiB" in done.stderr
    assert not out.exists()
    allowed = ["run", PLAN, "-n", "20", "--seed", "1", "--out", str(out), "--allow-large"]
    assert CliRunner().invoke(main, allowed).exit_code == 0


def test_a_run_whose_files_would_not_fit_on_the_disk_is_refused(tmp_path, monkeypatch):
    class Usage:
        free = 1000

    monkeypatch.setattr(fits.shutil, "disk_usage", lambda _: Usage())
    done = CliRunner().invoke(main, ["run", PLAN, "-n", "200", "--out", str(tmp_path / "o")])
    assert done.exit_code == 2
    assert "200 replications would write about 541 KiB of files" in done.stderr
