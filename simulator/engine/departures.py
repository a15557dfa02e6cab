"""Dated and hazard departures of members (docs/model.md §6.1-6.3), started at month 1 for
founders and the month after joining for candidates.

A plain hazard is drawn as a geometric waiting time once (a hazard that varies by month,
by inversion of its survival function with the same one uniform: terms.py); a member with
a rival leaves at one of two rates, redrawn when the rival joins or leaves (the draw is
memoryless: what is to come does not depend on the months survived); a member a contagion
rule can reach is followed by contagion.py instead.
"""

from __future__ import annotations

import math

import numpy as np

from simulator.engine.terms import draw_rate, leave_month


def months_until_departure_vector(hazard: np.ndarray, u: np.ndarray) -> np.ndarray:
    """Vector form of months_until_departure (inf where the hazard is 0)."""
    # Clipping keeps the logarithm finite (np.errstate would cost more than the draw).
    k = np.floor(np.log1p(-u) / np.log1p(-np.clip(hazard, 1e-300, 1 - 1e-16)))
    return np.where(hazard <= 0, np.inf, np.where(hazard >= 1, 0.0, k))


def start_departure(rep, d, first_month: int) -> None:
    """Book departure `d` of the replication `rep`, possible from `first_month` on."""
    if d.at is None and d.member in rep.plan.contagion_targets:
        rep.env.process(rep.contagion.hazard_departure(d, first_month))
    elif d.at is not None:
        if d.at >= rep.env.now:  # a candidate joins only before its date (else it walked out)
            rep.at(d.at, rep.leave_if_member, d.member, d.venture)
    elif d.rival is None:
        start = first_month if d.start is None else max(d.start, first_month)
        key = rep.member_key("departure", d.member)
        when = leave_month(draw_rate(rep, d.hazard, key + "/hazard"), start, rep.uniform(key))
        if when < rep.model.horizon:
            rep.at(when, rep.leave_if_member, d.member, d.venture)
    else:
        rep.env.process(rival_departure(rep, d, first_month))


def start_hazard_departures(rep, plan) -> None:
    """Partners' plain hazards, drawn as one vector: the common case in large consortia;
    those that vary by month take their uniform from the same source, one by one."""
    if plan.varying_hazards:
        _start_varying(rep, plan.varying_hazards)
    specs = plan.hazard_specs
    if not specs:
        return
    hazard = plan.hazard_fixed
    if hazard is None:
        hazard = np.array(
            [
                rep.draw(d.hazard, name + "/hazard")
                for d, name in zip(specs, plan.hazard_names, strict=True)
            ]
        )
    u = rep.streams.uniforms(plan.hazard_names)
    when = plan.hazard_start + months_until_departure_vector(hazard, u)
    horizon = rep.model.horizon
    for d, t in zip(specs, when.tolist(), strict=True):
        if t < horizon:
            rep.at(t, rep.leave_if_member, d.member, d.venture)


def _start_varying(rep, specs: list) -> None:
    names = [rep.member_key("departure", d.member) for d in specs]
    for d, name, u in zip(specs, names, rep.streams.uniforms(names).tolist(), strict=True):
        start = 1 if d.start is None else max(d.start, 1)
        when = leave_month(draw_rate(rep, d.hazard, name + "/hazard"), start, u)
        if when < rep.model.horizon:
            rep.at(when, rep.leave_if_member, d.member, d.venture)


def rival_departure(rep, d, first_month: int):
    """Hazard `rival_hazard` while the rival is a member, `hazard` otherwise (memoryless);
    either may vary by month: the draw from month s follows it from s on."""
    env, horizon = rep.env, rep.model.horizon
    key = rep.member_key("departure", d.member)
    base = draw_rate(rep, d.hazard, key + "/hazard")
    raised = draw_rate(rep, d.rival_hazard, key + "/rival_hazard")
    month = start = first_month if d.start is None else max(d.start, first_month)
    while True:
        rate = raised if rep.is_member(d.rival) else base
        when = leave_month(rate, month, rep.uniform(key))
        wait = horizon - env.now if when >= horizon else when - env.now
        change = rep.change_of(d.rival)
        yield env.timeout(max(wait, 0.0)) | change
        if change.triggered:
            # The rival left at m+0.0: month m's draw is still to come (use the new
            # rate); it joined at m+0.1: month m is past. Never before `start`.
            month = max(math.ceil(env.now), start)
            continue
        if when < horizon:
            rep.leave_if_member(d.member, d.venture)
        return
