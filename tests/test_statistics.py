"""Monte Carlo against closed forms (docs/model.md §6, §7, §14.2), within 3 standard errors.

Seeds are fixed, so each test is deterministic; the 3-SE band is what a correct engine
would pass for most seeds, and a wrong formula (a hazard applied one month early or
late, a probability off by a few points) fails it by a wide margin.
"""

from __future__ import annotations

import math

import numpy as np
from conftest import scenario

import simulator

N = 4000
SEED = 20240601


def assert_within_3se(sample, expected: float, what: str = "") -> None:
    sample = np.asarray(sample, dtype=float)
    mean = sample.mean()
    se = sample.std(ddof=1) / math.sqrt(len(sample))
    assert se > 0, f"{what}: no variation in the sample"
    assert abs(mean - expected) <= 3 * se, (
        f"{what}: Monte Carlo {mean:.5g} vs closed form {expected:.5g} "
        f"(SE {se:.3g}, off by {abs(mean - expected) / se:.1f} SE)"
    )


def assert_proportion(hits, p: float, what: str = "") -> None:
    hits = np.asarray(hits, dtype=float)
    se = math.sqrt(p * (1 - p) / len(hits))
    assert abs(hits.mean() - p) <= 3 * se, (
        f"{what}: share {hits.mean():.4f} vs {p:.4f} (SE {se:.4f}, "
        f"off by {abs(hits.mean() - p) / se:.1f} SE)"
    )


def membership(results, partner: str) -> np.ndarray:
    """(replications, months) array of the member column of one partner."""
    t = results.trajectories
    rows = t[t["partner"] == partner].sort_values(["replication", "date"])
    months = rows["date"].nunique()
    return rows["member"].to_numpy().reshape(-1, months)


# --- a hazard on equal monthly tranches ------------------------------------------------

A, COUNT, H = 10.0, 12, 0.05

HAZARD = f"""\
start: 2020-01
end: 2021-12
ventures: {{v: {{}}}}
partners:
  a:
    pledge: {A * COUNT}
    schedule: {{type: tranches, count: {COUNT}}}
    departure: {{hazard: {H}}}
"""


def test_expected_paid_in_under_a_monthly_hazard():
    r = simulator.run(scenario(HAZARD), replications=N, seed=SEED)
    o = r.outcomes
    assert len(o) == N
    expected = A * (1 - (1 - H) ** COUNT) / H  # month 0 always paid, month j w.p. (1-h)^j
    assert_within_3se(o["paid_in_final"], expected, "E[paid_in_final]")
    assert_within_3se(o["cancelled_final"], A * COUNT - expected, "E[cancelled_final]")
    # identity per replication: nothing stays outstanding (all tranches inside the horizon)
    np.testing.assert_allclose(o["paid_in_final"] + o["cancelled_final"], A * COUNT)
    member = membership(r, "a")
    assert member[:, 0].all()  # no departure possible in month 0
    for t in (1, 6, 23):
        assert_proportion(member[:, t], (1 - H) ** t, f"P(member at month {t})")


# --- negotiations ------------------------------------------------------------------------

JOIN = """\
start: 2020-01
end: 2021-12
ventures: {v: {}}
partners:
  a: {pledge: 100}
candidates:
  c:
    pledge: 50
    negotiation: {start: 2020-03, duration: 2, success: %s}
"""


def joined(results) -> np.ndarray:
    e = results.events
    who = set(e.loc[e["type"] == "join", "replication"])
    return np.array([i in who for i in range(results.replications)])


def test_probability_of_joining_is_success():
    p = 0.3
    r = simulator.run(scenario(JOIN % p), replications=N, seed=SEED)
    hits = joined(r)
    assert_proportion(hits, p, "P(join)")
    # the join event and the outcomes agree
    committed = r.outcomes["committed_final"].to_numpy()
    np.testing.assert_allclose(committed, np.where(hits, 150.0, 100.0))


def test_probability_of_joining_with_an_uncertain_success():
    # success ~ uniform(0.2, 0.6): P(join) = E[success] = 0.4
    r = simulator.run(
        scenario(JOIN % "{dist: uniform, low: 0.2, high: 0.6}"), replications=N, seed=SEED
    )
    assert_proportion(joined(r), 0.4, "P(join), success uniform(0.2, 0.6)")


# --- rival hazards ---------------------------------------------------------------------


def test_rival_present_throughout_raises_the_hazard():
    h0, h1 = 0.01, 0.08
    r = simulator.run(
        scenario(f"""\
start: 2020-01
end: 2021-12
ventures: {{v: {{}}}}
partners:
  rival: {{pledge: 50}}
  d:
    pledge: 50
    departure: {{hazard: {h0}, rival: rival, rival_hazard: {h1}}}
"""),
        replications=N,
        seed=SEED,
    )
    member = membership(r, "d")
    assert member[:, 0].all()
    for k in (1, 3, 6, 12, 23):
        assert_proportion(~member[:, k], 1 - (1 - h1) ** k, f"P(left by month {k})")


def test_rival_leaving_switches_to_the_base_hazard_from_its_month():
    # The rival leaves in month 6 (at 6+0.0): months 1-5 carry the raised hazard h1,
    # months 6, 7, … the base hazard h0 (the rival is not a member in month 6).
    h0, h1, m0 = 0.3, 0.08, 6
    r = simulator.run(
        scenario(f"""\
start: 2020-01
end: 2020-12
ventures: {{v: {{}}}}
partners:
  rival: {{pledge: 50, departure: {{at: 2020-07}}}}
  d:
    pledge: 50
    departure: {{hazard: {h0}, rival: rival, rival_hazard: {h1}}}
"""),
        replications=4 * N,  # the five checks share one path of draws: a tighter SE
        seed=SEED,
    )
    member = membership(r, "d")
    for k in (3, 5, 6, 7, 10):
        raised, base = min(k, m0 - 1), max(k - m0 + 1, 0)
        expected = 1 - (1 - h1) ** raised * (1 - h0) ** base
        assert_proportion(~member[:, k], expected, f"P(left by month {k})")


def test_rival_joining_raises_the_hazard_from_the_next_month():
    # The rival (a candidate) joins in month 4 at 4+0.1, after month 4's departures:
    # months 1-4 carry h0, months 5, 6, … the raised h1.
    h0, h1, j = 0.02, 0.3, 4
    r = simulator.run(
        scenario(f"""\
start: 2020-01
end: 2020-12
ventures: {{v: {{}}}}
partners:
  d:
    pledge: 50
    departure: {{hazard: {h0}, rival: rival, rival_hazard: {h1}}}
candidates:
  rival: {{pledge: 50, negotiation: {{start: 2020-05}}}}
"""),
        replications=N,
        seed=SEED,
    )
    assert joined(r).all()
    member = membership(r, "d")
    for k in (2, 4, 5, 6, 9):
        expected = 1 - (1 - h0) ** min(k, j) * (1 - h1) ** max(k - j, 0)
        assert_proportion(~member[:, k], expected, f"P(left by month {k})")


def test_rival_change_before_start_does_not_open_the_hazard_early():
    # The rival leaves in month 2, before d's hazard starts in month 6 (2020-07):
    # d cannot leave before month 6; from then on the base hazard h0 applies.
    h0, h1, s = 0.2, 0.5, 6
    r = simulator.run(
        scenario(f"""\
start: 2020-01
end: 2020-12
ventures: {{v: {{}}}}
partners:
  rival: {{pledge: 50, departure: {{at: 2020-03}}}}
  d:
    pledge: 50
    departure: {{hazard: {h0}, start: 2020-07, rival: rival, rival_hazard: {h1}}}
"""),
        replications=N,
        seed=SEED,
    )
    member = membership(r, "d")
    assert member[:, :s].all()
    for k in (6, 8, 11):
        assert_proportion(~member[:, k], 1 - (1 - h0) ** (k - s + 1), f"P(left by month {k})")
