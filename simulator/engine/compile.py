"""Compile a validated Scenario into the engine's Model: ids become indices, dates month
indices from the start, schedules offset arrays; the plan every replication shares is built
here, once."""

from __future__ import annotations

from dataclasses import replace

import numpy as np

from simulator.engine.loans import loan_specs
from simulator.engine.model import (
    ON_CALL,
    BargainSpec,
    BudgetSpec,
    BuyoutSpec,
    CallSpec,
    ContagionSpec,
    CutSpec,
    DepartureSpec,
    DilutionSpec,
    ExitSpec,
    Model,
    NegotiationSpec,
    PledgeSpec,
    PolicySpec,
    RoundsSpec,
    Schedule,
    SplitSpec,
    StopTest,
    TransferSpec,
    VentureSpec,
)
from simulator.engine.plan import build_plan
from simulator.engine.terms import hazard_spec, round_spec
from simulator.engine.triggers import on_spec
from simulator.scenario.distributions import Distribution
from simulator.scenario.market import uncertain_growth
from simulator.scenario.members import Exit
from simulator.scenario.schedules import Calendar, OnCall, Tranches, Upfront
from simulator.scenario.schema import Cap, Match, Raise, Scenario, Stop, TopUp


def _schedule(sched, scenario_start: int, anchored_default: bool) -> Schedule:
    if isinstance(sched, OnCall):
        return Schedule(np.array([ON_CALL]), (1.0,), anchored=True)
    if isinstance(sched, Calendar):
        months = sorted(sched.payments)
        return Schedule(
            np.array([m - scenario_start for m in months]),
            tuple(sched.payments[m] for m in months),
            anchored=True,
        )
    if isinstance(sched, Tranches):
        offsets = np.arange(sched.count) * sched.every
        if sched.start is not None:
            return Schedule(offsets + (sched.start - scenario_start), (1.0,) * sched.count, True)
        return Schedule(offsets, (1.0,) * sched.count, anchored_default)
    at = sched.at if isinstance(sched, Upfront) else None
    if at is not None:
        return Schedule(np.array([at - scenario_start]), (1.0,), True)
    return Schedule(np.array([0]), (1.0,), anchored_default)


def compile_scenario(s: Scenario) -> Model:
    """Turn ids into indices and schedules into offset arrays."""
    members = list(s.members())
    index = {m: i for i, m in enumerate(members)}
    vindex = {v: i for i, v in enumerate(s.ventures)}
    pledges, departures, negotiations = _member_specs(s, index, vindex)
    only = next(iter(s.ventures))
    policies = [_policy(pid, p, index, vindex, only, s.start) for pid, p in s.policies.items()]
    ventures = [_venture(vid, v, members, index, vindex, s) for vid, v in s.ventures.items()]
    involved, split_only = _involved(ventures, len(members), pledges, policies)
    model = Model(
        horizon=s.horizon,
        start=s.start,
        ventures=ventures,
        members=members,
        public=np.array([m.public for m in s.members().values()], dtype=bool),
        candidate=np.array([mid in s.candidates for mid in members], dtype=bool),
        pledges=pledges,
        departures=departures,
        negotiations=negotiations,
        policies=policies,
        contagion=[_contagion(cid, c, index) for cid, c in s.contagion.items()],
        cuts=[
            _cut(c, index[mid], vindex[c.venture or _pledged_venture(m, only)], index, vindex, s)
            for mid, m in s.members().items()
            for c in m.cuts
        ],
        budgets=[
            BudgetSpec(index[mid], m.budget.per_year, m.budget.beyond)
            for mid, m in s.members().items()
            if m.budget is not None
        ],
        exits=[
            _exit(m.departure.exit if m.departure and m.departure.exit else s.exit, index)
            for m in s.members().values()
        ],
        involved=involved,
        split_only=split_only,
        market_growth=uncertain_growth(s.market),
    )
    return replace(model, plan=build_plan(model))


def _cut(c, member: int, venture: int, index: dict, vindex: dict, s: Scenario) -> CutSpec:
    at = None if c.at is None else c.at - s.start
    return CutSpec(member, venture, at, c.by, c.to, on_spec(c.on, index, vindex, venture))


def _pledged_venture(m, only: str) -> str:
    """The venture a member's one pledge goes to (a cut without `venture` names none)."""
    return next(iter(m.pledges)) if m.pledges else (m.venture or only)


def _member_specs(s: Scenario, index: dict, vindex: dict) -> tuple[list, list, list]:
    """Every member's pledges and departure, every candidate's negotiation, in file order."""
    only = next(iter(s.ventures))
    pledges, departures, negotiations = [], [], []
    for mid, m in s.members().items():
        i = index[mid]
        is_cand = mid in s.candidates
        items = (
            {m.venture or only: (m.pledge, m.schedule or Upfront())}
            if m.pledge is not None
            else {v: (p.amount, p.schedule) for v, p in (m.pledges or {}).items()}
        )
        for vid, (amount, sched) in items.items():
            opens = 0 if is_cand else _opens(s, vid)
            sch = _schedule(sched, s.start, anchored_default=not is_cand and not opens)
            pledges.append(PledgeSpec(vindex[vid], i, amount, _from(sch, opens), opens))
        if m.departure is not None:
            departures.append(_departure(m.departure, i, index, vindex, s.start))
        if is_cand and m.negotiation.bargained:
            sched = _schedule(m.schedule or Upfront(), s.start, anchored_default=False)
            pledges.append(
                PledgeSpec(vindex[m.venture or only], i, m.negotiation.max_pledge, sched)
            )
        if is_cand:
            negotiations.append(_negotiation(s, m, i, index, vindex, len(negotiations), pledges))
    pledges += _capital_pledges(s, index, vindex)
    return pledges, departures, negotiations


def _opens(s: Scenario, vid: str) -> int:
    """The month index a venture opens at (0: from the start)."""
    opens = s.ventures[vid].opens
    return 0 if opens is None else opens - s.start


def _from(schedule: Schedule, opens: int) -> Schedule:
    """A schedule whose undated payments run from month `opens` (dated ones stay)."""
    if not opens or schedule.anchored:
        return schedule
    return Schedule(schedule.offsets + opens, schedule.weights, anchored=True)


def _capital_pledges(s: Scenario, index: dict, vindex: dict) -> list[PledgeSpec]:
    """Each listed partner's share of a venture's given capital (model.md §10.1), the shares
    scaled to add up to exactly 1 (published ones are rounded)."""
    pledges = []
    for vid, v in s.ventures.items():
        if v.capital is None:
            continue
        opens, total = _opens(s, vid), sum(v.capital.shares.values())
        sched = _from(_schedule(v.capital.schedule, s.start, anchored_default=not opens), opens)
        for mid, share in v.capital.shares.items():
            amount = v.capital.amount * share / total
            pledges.append(PledgeSpec(vindex[vid], index[mid], amount, sched, opens))
    return pledges


def _departure(d, member: int, index: dict, vindex: dict, start: int) -> DepartureSpec:
    return DepartureSpec(
        member,
        None if d.at is None else d.at - start,
        hazard_spec(d.hazard, start),
        None if d.start is None else d.start - start,
        None if d.rival is None else index[d.rival],
        hazard_spec(d.rival_hazard, start),
        None if d.venture is None else vindex[d.venture],
    )


def _contagion(cid: str, c, index: dict) -> ContagionSpec:
    return ContagionSpec(
        cid,
        None if c.from_ == "any" else tuple(index[x] for x in c.from_),
        tuple(range(len(index))) if c.to == "any" else tuple(index[x] for x in c.to),
        c.multiplier,
        c.added,
        c.months,
        c.probability,
    )


def _venture(vid: str, v, members: list, index: dict, vindex: dict, s: Scenario) -> VentureSpec:
    dissolution, here = v.dissolution, vindex[vid]
    transfers = [_transfer(t, index, vindex, here, s.start) for t in v.transfers]
    return VentureSpec(
        vid,
        v.minimum_capital,
        None if v.deadline is None else v.deadline - s.start,
        v.share_basis,
        None if dissolution is None or dissolution.at is None else dissolution.at - s.start,
        None if dissolution is None else dissolution.committed_below,
        None if dissolution is None else on_spec(dissolution.on, index, vindex, here),
        None if v.split is None else _split(v.split, index, vindex, here, s.start),
        None if v.buyout is None else _buyout(v.buyout, index, vindex, here, s.start),
        None if v.spending is None else _calls(v, members, index, s),
        _opens(s, vid),
        tuple(sorted(transfers, key=lambda t: (t.at is None, t.at or 0))),  # dated first
        loan_specs(v.loans, index, vindex, here, s.start),
    )


def _transfer(t, index: dict, vindex: dict, here: int, start: int) -> TransferSpec:
    if isinstance(t.from_, list):
        givers = tuple((index[q], 1 / len(t.from_)) for q in t.from_)
    else:
        total = sum(t.from_.values())
        givers = tuple((index[q], w / total) for q, w in t.from_.items())
    price = None if t.price is None else _exit(Exit(stake="buyer", price=t.price), index)
    at = None if t.at is None else t.at - start
    on = on_spec(t.on, index, vindex, here)
    return TransferSpec(at, index[t.to], t.share, givers, t.ownership, price, on)


def _involved(ventures: list, members: int, pledges: list, policies: list):
    """(V, P) masks: which member has a row in which venture, and which of those rows only a
    split or an absorption can add (None if none can)."""
    involved = np.zeros((len(ventures), members), dtype=bool)
    for p in pledges:
        involved[p.venture, p.member] = True
    for p in policies:
        if p.venture >= 0:
            involved[p.venture, p.funder] = True
    split_only = None
    for v in ventures:
        joins = []  # (venture, member) rows a split or an absorption may add
        if v.split is not None:
            joins += [(c, p) for p in range(members) for c in v.split.children_of(p)]
        if v.buyout is not None and v.buyout.into is not None:
            joins.append((v.buyout.into, v.buyout.exit.buyer))
        for c, p in joins:
            if split_only is None:
                split_only = np.zeros_like(involved)
            split_only[c, p] = not involved[c, p]
    if split_only is not None:
        involved |= split_only
    return involved, split_only


def _split(sp, index, vindex, here: int, start: int) -> SplitSpec:
    """Each member's children with its fractions (given, else equal parts) or amounts."""
    goes: dict[int, list[int]] = {}
    for cid, child in sp.into.items():
        for mid in child.members:
            goes.setdefault(index[mid], []).append(vindex[cid])
    given = {} if sp.pledges == "equal" else sp.pledges
    listed = sp.amounts or {}
    parts, amounts = [], []
    for p, mid in enumerate(index):
        kids = goes.get(p, [])
        if mid in listed:  # amounts instead of fractions; a fixed 0 moves and joins nothing
            drawn = listed[mid].items()
            amounts.append(tuple((vindex[c], a) for c, a in drawn if _positive_or_drawn(a)))
            parts.append(())
            continue
        amounts.append(None)
        if mid in given:
            parts.append(tuple((vindex[c], f) for c, f in given[mid].items() if f > 0))
        else:
            parts.append(tuple((c, 1.0 / len(kids)) for c in kids))
    return SplitSpec(
        None if sp.at is None else sp.at - start,
        tuple(vindex[c] for c in sp.into),
        tuple(parts),
        tuple(amounts) if listed else None,
        on_spec(sp.on, index, vindex, here, within=here),  # a departure: from the parent
    )


def _calls(v, members: list, index: dict, s: Scenario) -> CallSpec:
    sp, cc = v.spending, v.capital_calls
    d = None if cc is None else cc.default
    if d is None:
        probability = (0.0,) * len(members)
    elif isinstance(d.probability, dict):
        probability = tuple(d.probability.get(m, 0.0) for m in members)
    else:
        probability = (d.probability,) * len(members)
    return CallSpec(
        amount=sp.per_month if sp.per_month is not None else sp.per_year,
        per=1 if sp.per_month is not None else 12,
        start=(s.start if sp.start is None else sp.start) - s.start,
        end=(s.end if sp.end is None else sp.end) - s.start,
        below=None if cc is None else cc.below,
        target=None if cc is None else (cc.below if cc.target is None else cc.target),
        default_probability=probability,
        rule=None if d is None else d.rule,
        penalty=0.0 if d is None or d.penalty is None else d.penalty,
        exit=None if d is None or d.exit is None else _exit(d.exit, index),
        dissolve=v.dissolution is not None and v.dissolution.cash_out,
    )


def _positive_or_drawn(amount) -> bool:
    return isinstance(amount, Distribution) or amount > 0


def _buyout(b, index, vindex, here: int, start: int) -> BuyoutSpec:
    purchase = _exit(Exit(stake="buyer", buyer=b.buyer, price=b.price), index)
    at, on = None if b.at is None else b.at - start, on_spec(b.on, index, vindex, here)
    if b.then == "continue":
        return BuyoutSpec(at, purchase, on=on)
    into = None if b.then == "absorbed" else vindex[b.then.into]
    return BuyoutSpec(at, purchase, absorbed=True, into=into, on=on)


def _exit(e, index) -> ExitSpec | None:
    if e.stake == "stays":
        return None
    price = e.price
    return ExitSpec(
        e.stake,
        None if e.buyer is None else index[e.buyer],
        "paid_in" if price is None else price.rule,
        1.0 if price is None or price.multiple is None else price.multiple,
        0.0 if price is None or price.amount is None else price.amount,
        tuple((index[q], w / sum(e.buyers.values())) for q, w in (e.buyers or {}).items()),
    )


def _policy(pid, p, index, vindex, only, start) -> PolicySpec:
    if isinstance(p, Cap):
        return PolicySpec(id=pid, kind="cap", funder=index[p.funder], venture=-1, amount=p.total)
    here = vindex[p.venture or only]
    on = on_spec(getattr(p, "on", None), index, vindex, here)
    common = dict(id=pid, funder=index[p.funder], venture=here, on=on)
    at = None if getattr(p, "at", None) is None else p.at - start
    if isinstance(p, Stop):
        w, when = p.when, None
        if w is not None and w.paid_in_below is not None:
            when = StopTest("paid_in_below", w.paid_in_below, w.of == "others")
        elif w is not None:
            when = StopTest("committed_below", w.committed_below)
        return PolicySpec(kind="stop", at=at, when=when, **common)
    if isinstance(p, Match):
        return PolicySpec(kind="match", ratio=p.ratio, cap=p.cap, **common)
    if isinstance(p, TopUp):
        sched = _schedule(p.schedule, start, anchored_default=False)
        return PolicySpec(kind="top_up", share=p.share, cap=p.cap, schedule=sched, **common)
    assert isinstance(p, Raise)  # the schema's discriminated union has no other member
    sched = _schedule(p.schedule, start, anchored_default=False)
    return PolicySpec(kind="raise", at=at, amount=p.amount, schedule=sched, **common)


def _negotiation(s, m, i, index, vindex, order, pledges) -> NegotiationSpec:
    n = m.negotiation
    start = None if n.start is None else n.start - s.start
    kind = n.granted_kind
    dilution = None if kind == "capital" else DilutionSpec(kind, n.share, n.pre_money)
    d = m.departure
    walk_out = None if d is None or d.at is None else d.at - s.start
    if not n.in_rounds:
        return NegotiationSpec(i, start, n.duration, n.success, None, dilution, walk_out)
    own = list(dict.fromkeys(p.venture for p in pledges if p.member == i))
    watched = own[0] if own else 0
    t = n.trigger
    bargain = None
    if n.bargained:
        terms = round_spec(n.ask), round_spec(n.max_pledge), round_spec(n.min_share, 0, 1)
        bargain = BargainSpec(own[0], *terms, n.power)
    rounds = RoundsSpec(
        order=order,
        every=n.every,
        rounds=n.rounds if n.rounds is not None or n.deadline is not None else 1,
        deadline=None if n.deadline is None else n.deadline - s.start,
        failure=round_spec(n.round_failure, 0, 1),
        trigger=on_spec(t, index, vindex, watched),
        bargain=bargain,
        veto_by=tuple(index[x] for x in n.veto_by),
        refuses_with=tuple(index[x] for x in n.refuses_with),
        until_filled=tuple(own) if n.until_filled else (),
    )
    return NegotiationSpec(i, start, 0.0, 1.0, rounds, dilution, walk_out)
