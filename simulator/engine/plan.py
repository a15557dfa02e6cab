"""What every replication of a model starts from, worked out once per model."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from simulator.engine.ledger import Ledger
from simulator.engine.model import Model
from simulator.engine.terms import DriftHazard, StepHazard
from simulator.scenario.distributions import Distribution


def _simple_hazard(d) -> bool:
    return d.at is None and d.rival is None


def _varies(d) -> bool:
    return isinstance(d.hazard, StepHazard | DriftHazard)


def _is_fixed(spec) -> bool:
    return not isinstance(spec.amount, Distribution) and spec.schedule.fixed is not None


@dataclass
class Plan:
    """What every replication of a model starts from, worked out once per model."""

    base: Ledger  # partners' pledges that are the same in every replication...
    fixed_pledges: list  # ...their specs (the batch engine's book enters them)
    initial_join: np.ndarray  # (V, P): partners are members of their ventures from month 0
    drawn_pledges: list  # partners' pledges with an uncertain amount or schedule
    hazard_specs: list  # partners whose departure is a plain monthly hazard...
    hazard_start: np.ndarray  # ...the first month it applies...
    hazard_fixed: np.ndarray | None  # ...and the hazards, if none is a distribution
    hazard_names: tuple  # ...and their streams' names (streams.py)
    varying_hazards: list  # partners whose plain hazard varies by month (terms.py)
    other_departures: list  # partners' dated and rival departures
    raises: list  # `raise` policies, in file order...
    top_ups: list  # ...and `top_up` ones (raises.py)
    pledges_by_member: dict  # member → its pledge specs (for candidates joining)
    simple_negotiations: list  # negotiations of the simple form (model.md §7.1)
    round_negotiations: list  # negotiations in rounds (§7.2), in candidate file order
    contagion_targets: frozenset  # members whose hazard a contagion rule can raise (§6.3)
    funder_rules: bool  # stops, total caps or dissolutions (rules.py) are in play
    splits: list  # ventures that split (splits.py), as (venture index, SplitSpec)
    buyouts: list  # ventures bought out (exits.py), as (venture index, (month, ExitSpec))
    transfers: list  # transfers of ownership (transfers.py), as (venture index, TransferSpec)
    spending: list  # ventures with a spending plan (calls.py), as (venture index, CallSpec)


def _founders_pledges(model: Model, base: Ledger) -> tuple[list, list]:
    """The partners' pledges: the fixed ones, entered in `base`, and those to draw."""
    fixed, drawn = [], []
    for spec in model.pledges:
        if model.candidate[spec.member]:
            continue
        if _is_fixed(spec):
            s = spec.schedule
            base.pledge(spec.venture, spec.member, spec.month, spec.amount, s.offsets, s.fixed)
            fixed.append(spec)
        else:
            drawn.append(spec)
    return fixed, drawn


def build_plan(model: Model) -> Plan:
    """What every replication of `model` shares: the fixed pledges' ledger, the pledges
    to draw, the departures by kind, and which mechanisms it has."""
    V, P, H = len(model.ventures), len(model.members), model.horizon
    base = Ledger(V, P, H)
    fixed, drawn = _founders_pledges(model, base)
    partner_deps = [d for d in model.departures if not model.candidate[d.member]]
    targets = frozenset(q for c in model.contagion if c.probability is None for q in c.targets) & {
        d.member for d in model.departures if d.hazard is not None
    }
    plain = [d for d in partner_deps if _simple_hazard(d) and d.member not in targets]
    hazards = [d for d in plain if not _varies(d)]
    by_member: dict = {}
    for spec in model.pledges:
        by_member.setdefault(spec.member, []).append(spec)
    return Plan(
        base=base,
        fixed_pledges=fixed,
        initial_join=np.where(
            model.involved
            & ~model.candidate
            & (True if model.split_only is None else ~model.split_only),
            np.array([v.opens for v in model.ventures])[:, None],
            H,
        ),
        drawn_pledges=drawn,
        hazard_specs=hazards,
        hazard_start=np.array([1 if d.start is None else max(d.start, 1) for d in hazards]),
        hazard_names=tuple(f"departure/{model.members[d.member]}" for d in hazards),
        varying_hazards=[d for d in plain if _varies(d)],
        hazard_fixed=None
        if any(isinstance(d.hazard, Distribution) for d in hazards)
        else np.array([d.hazard for d in hazards], dtype=float),
        other_departures=[d for d in partner_deps if not any(d is h for h in plain)],
        raises=[p for p in model.policies if p.kind == "raise"],
        top_ups=[p for p in model.policies if p.kind == "top_up"],
        pledges_by_member=by_member,
        simple_negotiations=[n for n in model.negotiations if n.rounds is None],
        round_negotiations=[n for n in model.negotiations if n.rounds is not None],
        contagion_targets=targets,
        funder_rules=any(p.kind in ("stop", "cap") for p in model.policies)
        or any(
            v.dissolve_at is not None
            or v.dissolve_below is not None
            or v.dissolve_on is not None
            or (v.calls is not None and v.calls.dissolve)
            for v in model.ventures
        ),
        splits=[(v, spec.split) for v, spec in enumerate(model.ventures) if spec.split],
        buyouts=[(v, spec.buyout) for v, spec in enumerate(model.ventures) if spec.buyout],
        transfers=[(v, t) for v, spec in enumerate(model.ventures) for t in spec.transfers],
        spending=[(v, spec.calls) for v, spec in enumerate(model.ventures) if spec.calls],
    )
