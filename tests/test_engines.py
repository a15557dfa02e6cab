"""Differential tests: the batch engine (simulator/engine/batch) against the per-replication
engine, the reference. Both draw the same numbers for the same replication (streams.py), so
they must agree replication by replication, not only in distribution: every flow, every
membership month, every ending and every event, on every scenario file the batch engine
runs and on random scenarios built from the mechanisms it has."""

from __future__ import annotations

import platform
import subprocess
import sys
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import yaml
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st
from test_cli import bad_input, consim
from test_ledger_properties import prices

from simulator.engine.batch import run
from simulator.engine.batch.clocks import HEAP_FROM
from simulator.engine.batch.support import unsupported
from simulator.engine.compile import compile_scenario
from simulator.engine.simulate import simulate
from simulator.errors import ScenarioError
from simulator.results.event_files import event_table
from simulator.results.tables import (
    Context,
    outcome_months,
    outcome_table,
    trajectory_table,
)
from simulator.scenario.load import load_scenario, validate_document
from simulator.scenario.types import month_label
from simulator.scenario.yamlio import parse_text

ROOT = Path(__file__).resolve().parent.parent
FILES = sorted(
    str(p.relative_to(ROOT))
    for p in [*ROOT.glob("scenarios/*.yaml"), *ROOT.glob("scenarios/**/*.yaml")]
    if "sweeps" not in p.parts
)
FILES = sorted(set(FILES))
TOL = 1e-9


@pytest.fixture(autouse=True)
def small_blocks(monkeypatch):
    """Blocks of 7 replications (batch/month.py runs a block's months before the next
    block's): every chunk here runs in several blocks, as a sweep's chunk of thousands does."""
    monkeypatch.setattr(run, "block_size", lambda model: 7)


def both(model, seed: int, n: int, first: int = 0):
    return (
        simulate(model, seed, n, first, engine="reference"),
        simulate(model, seed, n, first, engine="batch"),
    )


def event_rows(scenario, model, chunk) -> pd.DataFrame:
    """The events table, sorted within each replication and month (same-month events of
    one replication may be recorded in another order by the two engines)."""
    table = event_table(Context(scenario, model), chunk)
    keys = ["replication", "date", "type", "partner", "venture", "amount", "detail"]
    table = table.assign(amount=table["amount"].round(9))
    return table.sort_values(keys, kind="stable").reset_index(drop=True)


def assert_same(scenario, model, ref, batch) -> None:
    for name in ("pledged", "paid_in", "cancelled"):
        np.testing.assert_allclose(getattr(batch, name), getattr(ref, name), rtol=TOL, atol=TOL)
    np.testing.assert_array_equal(batch.member, ref.member)
    np.testing.assert_array_equal(batch.end, ref.end)
    np.testing.assert_array_equal(batch.ending, ref.ending)
    assert not ref.failed
    if ref.market_growth is not None:
        np.testing.assert_array_equal(batch.market_growth, ref.market_growth)
    pd.testing.assert_frame_equal(
        event_rows(scenario, model, batch), event_rows(scenario, model, ref)
    )
    ctx = Context(scenario, model)
    pd.testing.assert_frame_equal(outcome_table(ctx, batch), outcome_table(ctx, ref))
    pd.testing.assert_frame_equal(
        trajectory_table(ctx, batch), trajectory_table(ctx, ref), rtol=TOL, atol=TOL
    )


BATCHED = [f for f in FILES if unsupported(compile_scenario(load_scenario(ROOT / f))) is None]


@pytest.mark.parametrize("path", BATCHED)
def test_every_batched_scenario_file_agrees_replication_by_replication(path):
    scenario = load_scenario(ROOT / path)
    model = compile_scenario(scenario)
    ref, batch = both(model, seed=11, n=400)
    assert_same(scenario, model, ref, batch)


@pytest.mark.parametrize("path", BATCHED)
def test_venture_totals_are_the_members_records_summed(path):
    """What a sweep asks for (simulate's `totals`): the same outcomes as full records."""
    scenario = load_scenario(ROOT / path)
    model = compile_scenario(scenario)
    full = simulate(model, 3, 300, engine="batch")
    sums = simulate(model, 3, 300, engine="batch", totals=True)
    assert_totals(model, full, sums, seed=3)
    ctx = Context(scenario, model)
    pd.testing.assert_frame_equal(outcome_table(ctx, sums), outcome_table(ctx, full))
    at = simulate(model, 3, 300, engine="batch", totals=True, months=outcome_months(ctx))
    assert at.pledged.shape[-1] == len(outcome_months(ctx))
    pd.testing.assert_frame_equal(outcome_table(ctx, at), outcome_table(ctx, full))


def assert_totals(model, full, sums, seed: int) -> None:
    assert sums.totals and sums.pledged.shape[2] == 1
    for name in ("pledged", "paid_in", "cancelled"):
        summed = getattr(full, name).sum(axis=2)
        np.testing.assert_allclose(getattr(sums, name)[:, :, 0], summed, rtol=TOL, atol=TOL)
    np.testing.assert_array_equal(sums.member[:, :, 0], full.member.sum(axis=2))
    # and only at some months (a sweep keeping no trajectory: simulate's `months`)
    H = model.horizon
    months = tuple(sorted({0, 1, H // 3, H // 2, H - 2, H - 1} - {-1}))
    n, first = len(full.end), full.first
    at = simulate(model, seed, n, first, engine="batch", totals=True, months=months)
    assert at.months == months
    for name in ("pledged", "paid_in", "cancelled"):
        summed = getattr(full, name).sum(axis=2)[..., months]
        np.testing.assert_allclose(getattr(at, name)[:, :, 0], summed, rtol=TOL, atol=TOL)
    np.testing.assert_array_equal(at.member[:, :, 0], full.member.sum(axis=2)[..., months])


@pytest.mark.parametrize("block", [1, 64, 4096])
@pytest.mark.parametrize(
    "path", ["scenarios/reference/bench.yaml", "scenarios/examples/split_on_departure.yaml"]
)
def test_the_size_of_the_blocks_changes_nothing(path, block, monkeypatch):
    scenario = load_scenario(ROOT / path)
    model = compile_scenario(scenario)
    sevens = simulate(model, 8, 200, engine="batch")
    monkeypatch.setattr(run, "block_size", lambda model: block)
    other = simulate(model, 8, 200, engine="batch")
    for name in ("pledged", "paid_in", "cancelled", "member", "end", "ending"):
        np.testing.assert_array_equal(getattr(other, name), getattr(sevens, name))
    pd.testing.assert_frame_equal(
        event_table(Context(scenario, model), other), event_table(Context(scenario, model), sevens)
    )


def test_a_chunk_anywhere_draws_what_the_whole_run_draws():
    scenario = load_scenario(ROOT / "scenarios/reference/bench.yaml")
    model = compile_scenario(scenario)
    whole = simulate(model, 5, 300, engine="batch")
    part = simulate(model, 5, 100, first=150, engine="batch")
    np.testing.assert_array_equal(part.paid_in, whole.paid_in[150:250])
    np.testing.assert_array_equal(part.end, whole.end[150:250])


def test_every_seed_scenario_and_the_reference_scenario_run_on_the_batch_engine():
    # what `auto` picks (docs/engine.md lists the mechanisms still on the reference engine)
    for path in (
        "scenarios/andromede_plan.yaml",
        "scenarios/atos_joins.yaml",
        "scenarios/dassault_leaves.yaml",
        "scenarios/dassault_may_leave.yaml",
        "scenarios/dassault_stays.yaml",
        "scenarios/state_raises_share.yaml",
        "scenarios/reference/bench.yaml",
    ):
        assert path in BATCHED


# --- random scenarios of the mechanisms the batch engine has -------------------------------

START = 2020 * 12


def label(index: int) -> str:
    return month_label(START + index)


def index(text: str) -> int:
    """label's inverse."""
    return int(text[:4]) * 12 + int(text[5:7]) - 1 - START


amounts = st.one_of(
    st.integers(0, 200),
    st.builds(
        lambda lo, w: {"dist": "triangular", "low": lo, "mode": lo + w / 2, "high": lo + w},
        st.integers(0, 50),
        st.integers(0, 100),
    ),
)
hazards = st.one_of(
    st.sampled_from([0.0, 0.02, 0.1, 0.5, 1.0]), st.just({"dist": "beta", "a": 1, "b": 10})
)


@st.composite
def varying_hazards(draw, horizon: int) -> dict:
    """A hazard by month: steps (0 before the first), or a drift within [0, max]."""
    if draw(st.booleans()):
        months = draw(st.lists(st.integers(0, horizon - 1), min_size=1, max_size=4, unique=True))
        values = st.sampled_from([0.0, 0.05, 0.3, 1.0, {"dist": "beta", "a": 1, "b": 10}])
        return {"steps": {label(m): draw(values) for m in sorted(months)}}
    out = {
        "start": draw(
            st.sampled_from([0.0, 0.01, 0.2, {"dist": "uniform", "low": 0, "high": 0.1}])
        ),
        "per_year": draw(
            st.sampled_from([-0.3, 0.0, 0.1, 1.5, {"dist": "uniform", "low": -0.1, "high": 0.4}])
        ),
    }
    if draw(st.booleans()):
        out["from"] = label(draw(st.integers(-12, horizon - 1)))
    if draw(st.booleans()):
        out["max"] = draw(st.sampled_from([0.05, 0.5]))
    return out


def hazard_terms(horizon: int):
    return st.one_of(hazards, varying_hazards(horizon))


# top-up targets: two on a venture stay below 100 % together (checks/policies.py)
SHARES = [0.1, 0.3, 0.45, {"dist": "uniform", "low": 0.05, "high": 0.4}]


@st.composite
def schedules(draw, horizon: int):
    kind = draw(st.sampled_from(["upfront", "tranches"]))
    if kind == "upfront":
        return {"type": "upfront"}
    return {"type": "tranches", "count": draw(st.integers(1, 8)), "every": draw(st.integers(1, 6))}


@st.composite
def departure(draw, horizon: int, others: list):
    kind = draw(st.sampled_from(["none", "at", "hazard", "rival"]))
    if kind == "none":
        return None
    if kind == "at":
        return {"at": label(draw(st.integers(1, horizon - 1)))}
    out: dict = {"hazard": draw(hazard_terms(horizon))}
    if kind == "rival" and others:
        out["rival"] = draw(st.sampled_from(others))
        out["rival_hazard"] = draw(hazard_terms(horizon))
    if draw(st.booleans()):
        out["start"] = label(draw(st.integers(1, horizon - 1)))
    return out


@st.composite
def scenario_texts(draw) -> str:
    horizon = draw(st.integers(6, 36))
    ventures = ["v0", "v1"][: draw(st.integers(1, 2))]
    partners = [f"a{i}" for i in range(draw(st.integers(2, 5)))]
    candidates = [f"c{i}" for i in range(draw(st.integers(0, 2)))]
    data: dict = {"start": label(0), "end": label(horizon - 1), "ventures": {}}
    for vid in ventures:
        v: dict = {}
        if draw(st.booleans()):
            v["minimum_capital"] = draw(st.one_of(st.integers(0, 400), amounts))
            v["deadline"] = label(draw(st.integers(0, horizon - 1)))
        if draw(st.integers(0, 2)) == 0:  # ownership by what has been paid (model.md §10)
            v["share_basis"] = "paid_in"
        data["ventures"][vid] = v
    for group, ids in (("partners", partners), ("candidates", candidates)):
        if ids:
            data[group] = {}
        for mid in ids:
            m: dict = {"public": draw(st.booleans()), "pledge": draw(amounts)}
            m["schedule"] = draw(schedules(horizon))
            if len(ventures) > 1:
                m["venture"] = draw(st.sampled_from(ventures))
            dep = draw(departure(horizon, [x for x in partners + candidates if x != mid]))
            if dep is not None:
                m["departure"] = dep
            if group == "candidates":
                m["negotiation"] = {
                    "start": label(draw(st.integers(0, horizon - 1))),
                    "duration": draw(
                        st.one_of(
                            st.integers(0, 8),
                            st.just({"dist": "triangular", "low": 0, "mode": 2, "high": 9}),
                        )
                    ),
                    "success": draw(st.sampled_from([0.0, 0.5, 1.0])),
                }
            data[group][mid] = m
    if len(ventures) > 1:
        opens_later(draw, data, horizon)
    add_exit_rules(draw, data, ventures[0])
    for v in data["ventures"].values():  # dissolved at a date or on an event, sometimes
        if not draw(st.integers(0, 3)):
            v["dissolution"] = when(draw, data, 0, horizon)
    add_dilution(draw, data)
    add_cuts(draw, data, ventures, horizon)
    add_buyouts(draw, data, horizon)
    add_transfers(draw, data, horizon)
    policies: dict = {}
    if draw(st.booleans()):
        funder = draw(st.sampled_from(partners + candidates))
        policies["more"] = {
            "type": "raise",
            "funder": funder,
            "venture": draw(st.sampled_from(ventures)),
            **when(draw, data, 0, horizon, funder),
            "amount": draw(amounts),
            "schedule": draw(schedules(horizon)),
        }
    if draw(st.booleans()):
        funder = draw(st.sampled_from(partners + candidates))
        policies["match"] = {
            "type": "match",
            "funder": funder,
            "venture": draw(st.sampled_from(ventures)),
            "ratio": draw(st.sampled_from([0.5, 1.0])),
            **({"cap": draw(st.integers(10, 200))} if draw(st.booleans()) else {}),
        }
    for k in range(draw(st.integers(0, 2))):  # top-ups, evaluated in file order
        funder = draw(st.sampled_from(partners + candidates))
        policies[f"keep{k}"] = {
            "type": "top_up",
            "funder": funder,
            "venture": draw(st.sampled_from(ventures)),
            "share": draw(st.sampled_from(SHARES)),
            **({"cap": draw(st.integers(5, 200))} if draw(st.booleans()) else {}),
            "schedule": draw(schedules(horizon)),
            # from its event on, half the time
            **(when(draw, data, 0, horizon, funder, dated=False) if draw(st.booleans()) else {}),
        }
    if policies:
        data["policies"] = policies
    add_split(draw, data, horizon)
    return yaml.safe_dump(data, sort_keys=False)


def add_split(draw, data: dict, horizon: int) -> None:
    """v0 splitting, at a date, into one or two new ventures (perhaps with a minimum capital
    of their own): each of its members going to one or both, or leaving; in equal parts, in
    fractions or by amounts."""
    members = {**data.get("partners", {}), **data.get("candidates", {})}
    inside = [q for q, m in members.items() if "v0" in m.get("pledges", [m.get("venture", "v0")])]
    for v in data["ventures"].values():  # a buyer absorbing its venture into v0 joins it
        then = v.get("buyout", {}).get("then")
        if isinstance(then, dict) and then["into"] == "v0" and v["buyout"]["buyer"] not in inside:
            inside.append(v["buyout"]["buyer"])
    for pol in data.get("policies", {}).values():
        if pol["venture"] == "v0" and pol["funder"] not in inside:
            inside.append(pol["funder"])
    if not inside or draw(st.integers(0, 2)):
        return
    kids = ["k0", "k1"][: draw(st.integers(1, 2))]
    into: dict = {k: {"members": []} for k in kids}
    leaving, goes = [], {}
    for i, q in enumerate(inside):
        if i and draw(st.integers(0, 4)) == 0:
            leaving.append(q)
            continue
        goes[q] = draw(st.lists(st.sampled_from(kids), min_size=1, unique=True))
        for k in goes[q]:
            into[k]["members"].append(q)
    for k in kids:
        if not into[k]["members"]:
            del into[k]
            continue
        child = data["ventures"][k] = {}
        if draw(st.booleans()):
            child["minimum_capital"] = draw(st.integers(0, 200))
            child["deadline"] = label(draw(st.integers(0, horizon - 1)))
    split: dict = {**when(draw, data, 0, horizon), "into": into}
    if leaving:
        split["leaving"] = leaving
    how = draw(st.sampled_from(["equal", "fractions", "amounts"]))
    if how == "fractions":
        weights = {q: [draw(st.integers(0, 3)) for _ in g] for q, g in goes.items()}
        split["pledges"] = {
            q: {k: w / sum(weights[q]) for k, w in zip(g, weights[q], strict=True)}
            for q, g in goes.items()
            if sum(weights[q])
        }
    elif how == "amounts":
        split["amounts"] = {q: {k: draw(amounts) for k in g} for q, g in goes.items()}
    data["ventures"]["v0"]["split"] = split
    for m in members.values():  # several ventures now: each pledge and cut names its own
        if "pledges" not in m:
            m.setdefault("venture", "v0")
            for cut in m.get("cuts", []):
                cut.setdefault("venture", m["venture"])


def opens_later(draw, data: dict, horizon: int) -> None:
    """v1 may open later (its deadline and its candidates' talks not before), and some
    partners pledge to both ventures: one leaving every venture before v1 opens withdraws
    from it (model.md §5)."""
    if draw(st.booleans()):
        opens = draw(st.integers(1, horizon - 1))
        v1 = data["ventures"]["v1"]
        v1["opens"] = label(opens)
        if "deadline" in v1:
            v1["deadline"] = label(max(opens, index(v1["deadline"])))
        for m in data.get("candidates", {}).values():
            if m.get("venture") == "v1":
                m["negotiation"]["start"] = label(max(index(m["negotiation"]["start"]), opens))
    for m in data["partners"].values():
        if draw(st.integers(0, 3)) == 0:
            first = {"amount": m.pop("pledge"), "schedule": m.pop("schedule")}
            m.pop("venture", None)
            second = {"amount": draw(amounts), "schedule": draw(schedules(horizon))}
            m["pledges"] = {"v0": first, "v1": second}


def add_dilution(draw, data: dict) -> None:
    """Candidates granted a share at entry, pro rata or in equal parts: a fixed or drawn
    share, or the price of a pre-money value."""
    for m in data.get("candidates", {}).values():
        how = draw(st.sampled_from(["capital", "pro_rata", "equal", "valuation"]))
        if how == "capital":
            continue
        talks = m["negotiation"]
        if how == "valuation":
            valuations = [1, 50, 300, {"dist": "uniform", "low": 10, "high": 400}]
            talks["pre_money"] = draw(st.sampled_from(valuations))
            if draw(st.booleans()):
                talks["dilution"] = draw(st.sampled_from(["pro_rata", "equal"]))
            continue
        talks["dilution"] = how  # simple talks bargain no share: one is given
        talks["share"] = draw(
            st.sampled_from([0.0, 0.2, 0.7, {"dist": "uniform", "low": 0.05, "high": 0.5}])
        )


def when(draw, data: dict, first, horizon, owner=None, departures=True, dated=True) -> dict:
    """A date from `first` on, or (one time in three, or always if not `dated`) an event that
    can happen (model.md §9.7): a member leaving (not the action's owner), a candidate
    joining or failing, a venture collapsing or dissolved, perhaps months after."""
    if dated and draw(st.integers(0, 2)):
        return {"at": label(draw(st.integers(first, horizon - 1)))}
    everyone = {**data.get("partners", {}), **data.get("candidates", {})}
    members = [q for q, m in everyone.items() if "departure" in m and q != owner]
    candidates = list(data.get("candidates", {}))
    failing = [q for q in candidates if everyone[q]["negotiation"]["success"] < 1]
    short = [v for v, x in data["ventures"].items() if "minimum_capital" in x]  # can collapse
    ending = [v for v, x in data["ventures"].items() if "dissolution" in x]  # is dissolved
    kinds = (["collapse"] if short else []) + (["departure"] if departures else [])
    kinds += ["dissolution"] if ending else []
    kinds += ["joins", "negotiation_failed"] if candidates else []
    if not kinds:
        return {"at": label(draw(st.integers(first, horizon - 1)))} if dated else {}
    kind = draw(st.sampled_from(kinds))
    if kind in ("collapse", "dissolution"):
        who = draw(st.sampled_from(["any", *(short if kind == "collapse" else ending)]))
    else:
        named = {"departure": members, "joins": candidates, "negotiation_failed": failing}[kind]
        who = draw(st.sampled_from(["any", *named]))
    on = {kind: who}
    if draw(st.booleans()):
        on["after"] = draw(st.integers(1, 3))
    return {"on": on}


def add_cuts(draw, data: dict, ventures: list, horizon: int) -> None:
    """Dated pledge cuts by an amount or to a committed amount, one or two a member (the
    second may find the first's continuations), on some members."""
    members = {**data.get("partners", {}), **data.get("candidates", {})}
    for mid, m in members.items():
        if draw(st.integers(0, 2)):
            continue
        cuts = []
        for _ in range(draw(st.integers(1, 2))):
            cut = when(draw, data, 0, horizon, mid)
            cut[draw(st.sampled_from(["by", "to"]))] = draw(amounts)
            if "pledges" in m:
                cut["venture"] = draw(st.sampled_from(list(m["pledges"])))
            elif len(ventures) > 1:
                cut["venture"] = m.get("venture", ventures[0])
            cuts.append(cut)
        m["cuts"] = cuts


def add_buyouts(draw, data: dict, horizon: int) -> None:
    """A dated buy-out on some ventures, by a member pledging to it (a founder or a
    candidate), at a price; the venture goes on or is absorbed by the buyer."""
    members = {**data.get("partners", {}), **data.get("candidates", {})}
    only = next(iter(data["ventures"]))
    for vid, v in data["ventures"].items():
        buyers = [
            q for q, m in members.items() if vid in m.get("pledges", [m.get("venture", only)])
        ]
        if not buyers or draw(st.integers(0, 2)):
            continue
        # a buy-out on a departure beside another: not on the batch engine (support.py)
        buyout = when(draw, data, 0, horizon, departures=len(data["ventures"]) == 1)
        buyout["buyer"] = draw(st.sampled_from(buyers))
        price = draw(prices)
        if price is not None:
            buyout["price"] = price
        others = [w for w, x in data["ventures"].items() if w != vid and "opens" not in x]
        then = draw(st.sampled_from(["continue", "absorbed"] + (["into"] if others else [])))
        buyout["then"] = {"into": draw(st.sampled_from(others))} if then == "into" else then
        v["buyout"] = buyout


def add_transfers(draw, data: dict, horizon: int) -> None:
    """One or two dated transfers of ownership on some ventures, between members pledging
    to it, in equal parts or in proportions, in the register or as capital, at a price."""
    members = {**data.get("partners", {}), **data.get("candidates", {})}
    only = next(iter(data["ventures"]))
    for vid, v in data["ventures"].items():
        held = [q for q, m in members.items() if vid in m.get("pledges", [m.get("venture", only)])]
        if len(held) < 2 or draw(st.integers(0, 2)):
            continue
        v["transfers"] = []
        for _ in range(draw(st.integers(1, 2))):
            to = draw(st.sampled_from(held))
            others = draw(
                st.lists(st.sampled_from([q for q in held if q != to]), min_size=1, unique=True)
            )
            weights = [draw(st.integers(1, 4)) for _ in others]
            givers = (
                others
                if draw(st.booleans())
                else {q: w / sum(weights) for q, w in zip(others, weights, strict=True)}
            )
            opens = index(v["opens"]) if "opens" in v else 0  # not before it opens
            t = {**when(draw, data, opens, horizon), "to": to, "from": givers}
            t["share"] = draw(st.sampled_from([0.05, 0.3, 0.9]))
            t["ownership"] = draw(st.sampled_from(["register", "capital"]))
            price = draw(prices)
            if price is not None:
                t["price"] = price
            v["transfers"].append(t)


def add_exit_rules(draw, data: dict, only: str) -> None:
    """A default exit rule, and one on some departures: refund, pre-emption, one named
    buyer or several in parts (members of the leaver's venture), each at a price."""
    members = {**data.get("partners", {}), **data.get("candidates", {})}
    if draw(st.booleans()):
        data["exit"] = {"stake": draw(st.sampled_from(["refund", "preemption"]))}
    for mid, m in members.items():
        if "departure" not in m or "pledges" in m or draw(st.integers(0, 3)) == 0:
            continue
        venture = m.get("venture", only)
        mates = [
            q
            for q, o in members.items()
            if q != mid and "pledges" not in o and o.get("venture", only) == venture
        ]
        stakes = ["refund", "preemption", "stays"] + (["buyer", "buyers"] if mates else [])
        rule = {"stake": draw(st.sampled_from(stakes))}
        if rule["stake"] == "buyer":
            rule["buyer"] = draw(st.sampled_from(mates))
        elif rule["stake"] == "buyers":
            named = draw(st.lists(st.sampled_from(mates), min_size=1, unique=True))
            weights = [draw(st.integers(1, 5)) for _ in named]
            rule["buyers"] = {q: w / sum(weights) for q, w in zip(named, weights, strict=True)}
        price = draw(prices)
        if price is not None and rule["stake"] != "stays":
            rule["price"] = price
        m["departure"]["exit"] = rule


@settings(
    max_examples=60,
    deadline=None,
    derandomize=True,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)
@given(scenario_texts())
def test_random_scenarios_agree_replication_by_replication(text):
    try:
        scenario = validate_document(parse_text(text, "generated.yaml"), default_name="generated")
    except ScenarioError as exc:
        # a buyer also funding, through a policy, another venture; a giver owning too little
        # of the venture as planned to pass on its part of a transfer
        assume(not any(x in str(exc) for x in ("is not a member of venture", "which owns")))
        raise
    model = compile_scenario(scenario)
    assert unsupported(model) is None, text
    ref, batch = both(model, seed=2, n=30)
    assert_same(scenario, model, ref, batch)
    assert_totals(model, batch, simulate(model, 2, 30, engine="batch", totals=True), seed=2)


@pytest.mark.parametrize(
    ("engine", "path", "expected"),
    [
        ("fast", "scenarios/atos_joins.yaml", "engine (CONSIM_ENGINE) must be one of auto"),
        ("batch", "scenarios/examples/contagion.yaml", "the batch engine does not run contagion"),
    ],
)
def test_an_engine_that_cannot_run_is_one_line_and_exit_2(
    tmp_path, monkeypatch, engine, path, expected
):
    monkeypatch.setenv("CONSIM_ENGINE", engine)
    done = consim("run", ROOT / path, "--no-plots", "--out", tmp_path / "out", cwd=tmp_path)
    (line,) = bad_input(done)
    assert line.startswith(expected), line
    assert not (tmp_path / "out").exists()


def test_the_kernels_cache_of_another_version_goes_and_a_users_files_stay(tmp_path, monkeypatch):
    from simulator.engine.batch import cache

    (tmp_path / "consim-kernels-0123456789ab").mkdir()  # consim's, of another version
    (tmp_path / "kernels-of-another-tool").mkdir()
    (tmp_path / "other.nbi").write_text("someone else's")
    monkeypatch.setenv("NUMBA_CACHE_DIR", str(tmp_path))
    folder = cache.folder()
    cache.remove_others(folder)
    assert folder.parent == tmp_path and folder.name.startswith("consim-kernels-")
    assert not (tmp_path / "consim-kernels-0123456789ab").exists()
    assert (tmp_path / "other.nbi").exists() and (tmp_path / "kernels-of-another-tool").exists()


def test_a_first_batch_run_on_a_machine_says_it_compiles_the_engine_first(
    tmp_path, monkeypatch, capsys
):
    from simulator.engine.simulate import compiles_first
    from simulator.experiments.progress import COMPILING, progress_bar

    model = compile_scenario(load_scenario(ROOT / "scenarios/reference/bench.yaml"))
    simulate(model, 1, 10, engine="batch")  # this process's cache now has the kernels
    assert not compiles_first([model], 100_000)
    monkeypatch.setenv("NUMBA_CACHE_DIR", str(tmp_path))  # a machine that has none
    monkeypatch.delenv("CONSIM_ENGINE")  # the engine chosen by the job's size
    assert compiles_first([model], 100_000)
    assert not compiles_first([model], 100)  # a small job: the per-replication engine
    monkeypatch.setattr(sys.stderr, "isatty", lambda: True)  # someone sees the terminal
    with progress_bar(10, "bench", compiling=True):
        pass
    assert COMPILING in capsys.readouterr().err
    with progress_bar(10, "bench", enabled=False, compiling=True):  # --no-progress
        pass
    assert capsys.readouterr().err == ""


@pytest.mark.skipif(platform.libc_ver()[0] != "glibc", reason="glibc's mallopt only")
def test_a_batch_process_keeps_freed_memory_for_the_next_chunk():
    from simulator.engine.batch.memory import keep_freed_memory

    assert keep_freed_memory()


def test_the_commands_and_tables_load_no_numba_until_a_kernel_runs():
    """numba (~0.4 s, ~100 MB) is for the processes that run the batch engine: a sweep's
    parent, `consim validate` and the tables' code do without it."""
    code = (
        "import sys, simulator.cli, simulator.experiments.sweep, simulator.results.tables;"
        "from simulator.experiments.tasks import sweep_chunk;"
        "print('numba' in sys.modules)"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert done.stdout.strip() == "False", done.stderr


def test_a_consortium_of_many_partners_keeps_its_clocks_in_heaps_and_agrees():
    """20 partners, half of them with a rival: the batch engine keeps each replication's
    clocks in a heap from 16 on (clocks.py), and must replay the same order of leaving."""
    partners = {}
    for i in range(20):
        m = {"pledge": 10 + i, "schedule": {"type": "tranches", "count": 12}}
        m["departure"] = {"hazard": 0.03}
        if i % 2:
            m["departure"].update(rival=f"p{i - 1}", rival_hazard=0.2)
        partners[f"p{i}"] = m
    doc = {
        "start": "2020-01",
        "end": "2022-12",
        "ventures": {"v": {"minimum_capital": 200, "deadline": "2020-09"}},
        "partners": partners,
    }
    scenario = validate_document(parse_text(yaml.safe_dump(doc), "many.yaml"), default_name="m")
    model = compile_scenario(scenario)
    assert len(model.departures) >= HEAP_FROM and unsupported(model) is None
    ref, batch = both(model, seed=4, n=200)
    assert_same(scenario, model, ref, batch)


@pytest.mark.parametrize("hazard", [-0.1, 0.0, 1e-12, 0.01, 0.5, 0.999999, 1.0, 1.5])
def test_a_hazards_logarithm_taken_once_draws_the_reference_months(hazard):
    """The batch engine takes ln(1 - h) once per chunk (kernels.log_stay); each draw must
    give the month the per-replication engine's months_until_departure gives, bit for bit,
    at the edges too (no hazard, certain departure, a tiny hazard)."""
    from simulator.engine.batch.kernels import geometric_month, log_stay
    from simulator.engine.draws import months_until_departure

    us = np.random.default_rng(7).random(2_000)
    us[:3] = (0.0, 0.5, 1 - 2**-53)
    stays = log_stay(np.full(len(us), hazard))
    for u, stay in zip(us, stays, strict=True):
        expected = 3 + months_until_departure(hazard, float(u))
        assert geometric_month(3, log_stay(hazard), float(u)) == expected
        assert geometric_month(3, float(stay), float(u)) == expected
