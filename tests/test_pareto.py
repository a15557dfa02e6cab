"""Several levers and objectives: the Pareto front (NSGA-II) among settings that meet the
targets, on a deterministic scenario with a known front and on a stochastic one."""

from __future__ import annotations

import numpy as np
import pytest
from click.testing import CliRunner

from simulator.cli import main
from simulator.experiments.levers import parse_lever
from simulator.experiments.pareto import pareto

PLAN = "scenarios/dassault_leaves.yaml"
ATOS = "scenarios/atos_joins.yaml"
STATE, ORANGE = "partners.state.pledge", "partners.orange.pledge"


def _dominated(a: np.ndarray, others: np.ndarray) -> bool:
    """Whether another row is at least as good everywhere and better somewhere (minimizing)."""
    return bool(np.any(np.all(others <= a, axis=1) & np.any(others < a, axis=1)))


def test_deterministic_front_is_the_cheapest_way_to_285():
    """Committed = State + Orange + Thales's 30 after Dassault Systèmes leaves: the settings
    reaching 285 at least cost lie on State + Orange = 255."""
    levers = [parse_lever(f"{STATE}=135..300"), parse_lever(f"{ORANGE}=60..200")]
    f = pareto(
        PLAN,
        levers,
        [(STATE, False), (ORANGE, False)],
        ["mean(committed_final) >= 285"],
        seed=1,
        progress=False,
    )
    total = f.front[STATE] + f.front[ORANGE]
    assert len(f.front) >= 5 and (total >= 255 - 1e-9).all()
    assert total.min() < 256  # the optimiser reaches the line
    feasible = f.evaluations[f.evaluations["t0"] >= 0][["o0", "o1"]].to_numpy()
    for row in f.front[["o0", "o1"]].to_numpy():
        assert not _dominated(row, feasible)
    assert f.front["stable"].all()  # one run per setting: nothing random to change


def test_stochastic_front_trades_money_for_probability(tmp_path):
    levers = [
        parse_lever(f"{STATE}=135..300"),
        parse_lever("candidates.atos.negotiation.success=0.1..0.9"),
    ]
    goals = [(STATE, False), ("P(committed_final >= 285 at 2014-12)", True)]
    out = tmp_path / "front"
    f = pareto(
        ATOS,
        levers,
        goals,
        replications=200,
        seed=3,
        out=out,
        progress=False,
        population=12,
        generations=6,
    )
    probability = f.front["o1"].to_numpy()
    assert np.all(np.diff(f.front["o0"]) > 0) and np.all(np.diff(probability) > 0)
    assert np.all(f.front["o1_low"] <= probability) and np.all(probability <= f.front["o1_high"])
    assert f.manifest["solution"]["evaluated"] == 12 * 6
    again = pareto(
        ATOS,
        levers,
        goals,
        replications=200,
        seed=3,
        out=out,
        resume=True,
        progress=False,
        population=12,
        generations=6,
    )
    assert again.front["o0"].tolist() == f.front["o0"].tolist()
    assert again.manifest["solution"]["reused"] >= 12 * 6
    assert {p.name for p in out.iterdir()} >= {"front.csv", "front.png", "evaluations.csv"}
    from simulator import report

    html = report(out).read_text(encoding="utf-8")
    assert "Pareto front" in html and "285 at 2014-12) low" in html


@pytest.mark.parametrize(
    ("args", "expected"),
    [
        ([], "several levers need objectives"),
        (["--minimize", "partners.stat.pledge"], "neither a lever"),
        (["--maximize", "P(nope)"], "unknown outcome 'nope'"),
    ],
)
def test_bad_objectives_are_one_line_exit_2(tmp_path, args, expected):
    base = [
        "solve",
        PLAN,
        "--lever",
        f"{STATE}=135..300",
        "--lever",
        f"{ORANGE}=60..200",
        "--out",
        str(tmp_path / "o"),
    ]
    r = CliRunner().invoke(main, base + args)
    assert r.exit_code == 2 and expected in r.output, r.output
    assert len(r.output.strip().splitlines()) == 1 and not (tmp_path / "o").exists()


def test_one_lever_without_a_target_is_refused(tmp_path):
    args = ["solve", PLAN, "--lever", f"{STATE}=135..300", "--minimize", STATE]
    r = CliRunner().invoke(main, [*args, "--out", str(tmp_path / "o")])
    assert r.exit_code == 2 and "one lever needs one --target" in r.output
