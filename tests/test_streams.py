"""Random streams keyed by name (docs/model.md §12): a what-if that adds a random element
leaves every other element's draws unchanged, replication by replication."""

from __future__ import annotations

import numpy as np
import pandas as pd
from conftest import scenario

import simulator
from simulator.engine.compile import compile_scenario
from simulator.engine.simulate import simulate
from simulator.engine.streams import Streams, element_word, uniform_at, uniform_vector

PARTNERS = """
name: {name}
start: 2020-01
end: 2022-12
ventures: {{v: {{}}}}
partners:
  a: {{pledge: 100, schedule: {{type: tranches, count: 36}}, departure: {{hazard: 0.03}}}}
  b:
    pledge: {{dist: uniform, low: 40, high: 60}}
    schedule: {{type: tranches, count: 36}}
    departure: {{hazard: {{dist: uniform, low: 0.01, high: 0.05}}}}
  c: {{pledge: 30, departure: {{hazard: 0.02, rival: a, rival_hazard: 0.06}}}}
  d: {{pledge: 20, departure: {{hazard: 0.03}}}}
"""
CANDIDATE = """candidates:
  atos:
    pledge: {dist: triangular, low: 20, mode: 40, high: 60}
    negotiation:
      start: 2020-06
      duration: {dist: triangular, low: 2, mode: 5, high: 12}
      success: 0.6
"""


def partner_rows(results, partners=("a", "b", "c", "d")):
    """The events and trajectories of the partners only, comparable across scenarios."""
    events = results.events[results.events["partner"].isin(partners)]
    t = results.trajectories
    t = t[t["partner"].astype(str).isin(partners)]
    columns = ["replication", "date", "partner", "pledged", "committed", "paid_in", "member"]
    t = t[columns].assign(partner=t["partner"].astype(str))
    return events.reset_index(drop=True), t.reset_index(drop=True)


def test_adding_a_candidate_leaves_the_partners_draws_alone():
    base = simulator.run(scenario(PARTNERS.format(name="base")), replications=300, seed=8)
    whatif = simulator.run(
        scenario(PARTNERS.format(name="with_atos") + CANDIDATE), replications=300, seed=8
    )
    assert (whatif.events["type"] == "join").sum() > 100  # Atos draws, and often joins
    for mine, theirs in zip(partner_rows(base), partner_rows(whatif), strict=True):
        pd.testing.assert_frame_equal(mine, theirs)


def test_a_hazard_given_to_the_first_partner_moves_no_other_draw():
    text = PARTNERS.format(name="base")
    calm = text.replace("departure: {hazard: 0.03}}", "departure: {hazard: 0.0}}", 1)
    assert calm != text
    # `a` is c's rival: keep c out of it, whose rate a's departure changes by design
    base = simulator.run(scenario(calm), replications=300, seed=9)
    whatif = simulator.run(scenario(text), replications=300, seed=9)
    for mine, theirs in zip(
        partner_rows(base, ("b", "d")), partner_rows(whatif, ("b", "d")), strict=True
    ):
        pd.testing.assert_frame_equal(mine, theirs)


def test_a_replication_draws_the_same_in_any_chunk():
    model = compile_scenario(scenario(PARTNERS.format(name="p") + CANDIDATE))
    whole = simulate(model, 5, 40)
    for i in (0, 17, 39):
        alone = simulate(model, 5, 1, first=i)
        np.testing.assert_array_equal(alone.paid_in[0], whole.paid_in[i])
        np.testing.assert_array_equal(alone.member[0], whole.member[i])


def test_elements_do_not_share_numbers():
    twins = PARTNERS.format(name="twins").replace(
        "d: {pledge: 20, departure: {hazard: 0.03}}", "d: {pledge: 100, departure: {hazard: 0.03}}"
    )
    r = simulator.run(scenario(twins), replications=400, seed=3)
    left = r.events[r.events["type"] == "departure"].pivot_table(
        index="replication", columns="partner", values="date", aggfunc="first"
    )
    both = left[["a", "d"]].dropna()
    assert len(both) > 50 and (both["a"] != both["d"]).mean() > 0.8
    streams = Streams(3)
    streams.start(0)
    assert streams.get("departure/a").random() != streams.get("departure/d").random()


def test_counter_uniforms_are_uniform_and_keyed():
    words = np.arange(1, 5, dtype=np.uint64)
    u = np.concatenate([uniform_vector(words, i) for i in range(50_000)])
    assert abs(u.mean() - 0.5) < 0.005 and abs(u.var() - 1 / 12) < 0.002
    counts, _ = np.histogram(u, 20)
    assert counts.min() > 0.9 * counts.mean()
    assert u.min() > 0 and u.max() < 1
    assert not np.array_equal(uniform_vector(words, 0), uniform_vector(words, 1))


def test_a_uniform_is_a_function_of_seed_element_replication_and_draw():
    word = element_word(4, "negotiation/atos")
    reps = np.arange(1000)
    for k in (0, 1, 7):
        vector = uniform_vector(word, reps, k)
        assert vector[123] == uniform_at(word, 123, k)
    streams = Streams(4)
    streams.start(123)
    stream = streams.get("negotiation/atos")
    assert [stream.random() for _ in range(3)] == [uniform_at(word, 123, k) for k in range(3)]
    streams.start(124)
    assert streams.get("negotiation/atos").random() == uniform_at(word, 124, 0)
    # successive draws of one replication are not correlated with the next replication's
    first, second = uniform_vector(word, reps, 0), uniform_vector(word, reps, 1)
    assert abs(np.corrcoef(first, second)[0, 1]) < 0.1
