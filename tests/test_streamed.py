"""A run too large to keep whole (experiments/streamed.py): outcomes of every replication,
trajectories and events of a sample in memory, every event on disk, any other replication
replayed; the same figures as a run kept whole."""

from __future__ import annotations

import gc
from pathlib import Path

import pandas as pd
import pytest
from click.testing import CliRunner

import simulator.experiments.streamed as streamed
from simulator import run
from simulator.analysis.summary import membership_changes
from simulator.cli import main
from simulator.results.resultset import ResultSet

ROOT = Path(__file__).resolve().parents[1]
ATOS = ROOT / "scenarios/atos_joins.yaml"  # 5 members × 63 months: 315 rows a replication
N, KEPT, SEED = 300, 40, 11


@pytest.fixture(scope="module")
def whole():
    return run(ATOS, replications=N, seed=SEED, progress=False)


@pytest.fixture
def sampled(monkeypatch):
    monkeypatch.setattr(streamed, "KEEP_ROWS", 315 * KEPT)
    return run(ATOS, replications=N, seed=SEED, progress=False)


def _changes(results) -> pd.DataFrame:
    return membership_changes(results).sort_values(["partner", "change"], ignore_index=True)


def test_a_streamed_run_keeps_every_outcome_and_a_sample_of_the_rest(whole, sampled):
    assert "streamed" not in whole.manifest
    assert sampled.manifest["streamed"]["kept"] == KEPT
    assert "; trajectories and events of the first 40;" in repr(sampled)
    pd.testing.assert_frame_equal(sampled.outcomes, whole.outcomes)
    first = whole.trajectories[whole.trajectories["replication"] < KEPT]
    pd.testing.assert_frame_equal(sampled.trajectories, first.reset_index(drop=True))
    events = whole.events[whole.events["replication"] < KEPT].reset_index(drop=True)
    pd.testing.assert_frame_equal(sampled.events, events)
    assert sampled.manifest["streamed"]["events"] == len(whole.events)


def test_its_summary_counts_every_run(whole, sampled):
    pd.testing.assert_frame_equal(_changes(sampled), _changes(whole))
    assert _changes(whole)["probability"].between(0, 1).all()
    pd.testing.assert_frame_equal(sampled.summary(), whole.summary())


def test_its_saved_events_are_every_replication_s_in_order(whole, sampled, tmp_path):
    sampled.save(tmp_path / "r", plots=False)
    assert not (tmp_path / "r/events.csv").exists()
    assert (tmp_path / "r/outcomes.parquet").is_file()
    saved = pd.read_parquet(tmp_path / "r/events.parquet")
    assert saved["replication"].is_monotonic_increasing
    assert len(saved) == len(whole.events)
    assert (saved["type"] == whole.events["type"]).all()
    assert (saved["amount"] - whole.events["amount"]).abs().max() < 1e-9
    assert not [p for p in tmp_path.iterdir() if "spool" in p.name]  # nothing left beside
    loaded = ResultSet.load(tmp_path / "r")
    as_text = {"ended": str}  # parquet gives the categories as strings, not objects
    pd.testing.assert_frame_equal(loaded.outcomes.astype(as_text), sampled.outcomes.astype(as_text))
    pd.testing.assert_frame_equal(loaded.events, sampled.events)  # the sample, as in memory
    pd.testing.assert_frame_equal(_changes(loaded), _changes(whole))


def test_a_replication_past_the_sample_is_replayed(whole, sampled):
    late = N - 7
    assert sampled.explain(late) == whole.explain(late)
    assert "replayed" not in sampled.explain(3)


def test_the_spool_goes_with_an_unsaved_result(monkeypatch):
    monkeypatch.setattr(streamed, "KEEP_ROWS", 315 * 5)
    results = run(ATOS, replications=20, seed=1, progress=False)
    folder = results.spool.folder
    assert (folder / "events.parquet").is_file()
    del results
    gc.collect()
    assert not folder.exists()


def test_processes_stream_the_same_events_as_one_process(sampled, tmp_path, monkeypatch):
    monkeypatch.setattr(streamed, "KEEP_ROWS", 315 * KEPT)
    pooled = run(ATOS, N, SEED, executor="processes", workers=2, progress=False)
    pd.testing.assert_frame_equal(pooled.outcomes, sampled.outcomes)
    one, two = (pd.read_parquet(r.spooled["events"]) for r in (sampled, pooled))
    pd.testing.assert_frame_equal(one, two)


def test_the_command_streams_a_large_run_and_explains_any_run(whole, tmp_path, monkeypatch):
    monkeypatch.setattr(streamed, "KEEP_ROWS", 315 * KEPT)
    out = tmp_path / "big"
    args = ["run", str(ATOS), "-n", str(N), "--seed", str(SEED), "--out", str(out), "-q"]
    assert CliRunner().invoke(main, args).exit_code == 0
    told = CliRunner().invoke(main, ["explain", str(out), "--replication", str(N - 1)])
    assert told.exit_code == 0
    assert told.stdout.strip() == whole.explain(N - 1).strip()
    assert sorted(p.name for p in tmp_path.iterdir()) == ["big"]


def test_a_report_tells_the_stories_of_runs_past_the_sample(whole, sampled, tmp_path):
    from simulator.reports.content import stories_section

    sampled.save(tmp_path / "r", plots=False)
    stories = stories_section(ResultSet.load(tmp_path / "r")).stories
    assert stories == stories_section(whole).stories
    assert all("at the end: pledged" in text for text in stories.values())
