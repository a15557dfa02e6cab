"""One replication: a SimPy environment in which members pledge, leave, join and policies act.

Same-month order (a month m runs from time m to m+1): departures at m+0.0, buy-outs at
m+0.03 (exits.py), splits at m+0.05 (splits.py), negotiation outcomes at m+0.1,
negotiation rounds at m+0.15 (negotiation.py), policies at m+0.2 (dated stops first), then
that month's scheduled payments are settled, spending and capital calls at m+0.25
(calls.py), then stop conditions at m+0.45 (rules.py),
venture checks (deadline, minimum capital) at m+0.5 and dissolutions at m+0.55.
"""

from __future__ import annotations

from functools import partial

import numpy as np
import simpy

from simulator.engine import matching
from simulator.engine.budgets import Budgets
from simulator.engine.calls import CALL, Calls
from simulator.engine.contagion import Contagion
from simulator.engine.cuts import start_cuts
from simulator.engine.departures import start_departure, start_hazard_departures
from simulator.engine.dilution import Dilution
from simulator.engine.exits import Exits, buyout
from simulator.engine.ledger import Ledger
from simulator.engine.loans import Loans
from simulator.engine.model import Model, normalise
from simulator.engine.negotiation import Negotiations, negotiate
from simulator.engine.outcome import RepOutcome, outcome_of
from simulator.engine.raises import Raises, policy_terms
from simulator.engine.rules import FunderRules
from simulator.engine.splits import Splits
from simulator.engine.streams import Streams
from simulator.engine.transfers import TRANSFER, transfer
from simulator.engine.triggers import Triggers, book
from simulator.scenario.distributions import Distribution

POLICY, CHECK = 0.2, 0.5
BUYOUT = 0.03  # after the month's departures (0.0), before splits (0.05) and joins (0.1)


def _call(action, args, _event) -> None:
    action(*args)


class Replication:
    def __init__(self, model: Model, streams: Streams, flows: np.ndarray | None = None):
        self.model, self.streams = model, streams
        V, P, H = len(model.ventures), len(model.members), model.horizon
        self.env = simpy.Environment()
        self.ledger = Ledger(V, P, H, flows)
        self.join = np.full((V, P), H, dtype=np.int64)
        self.leave = np.full((V, P), H, dtype=np.int64)
        # The month each venture ended, None while it runs: the engine treats every way of
        # ending alike (no checks, raises, top-ups...); `ended_as` says which it was.
        self.collapse = [None] * V
        self.ended_as = [""] * V
        self.events: list[tuple] = []
        self.changed: dict[int, simpy.Event] = {}  # member → fires when it joins or leaves
        self.policy_values: dict[str, dict] = {}  # policy id → its drawn terms
        self.checks_scheduled: set = set()
        self.plan = model.plan
        self.contagion: Contagion | None = None  # only when the scenario has contagion rules
        self.negotiations: Negotiations | None = None  # only with negotiations in rounds
        self.exits: Exits | None = Exits(self) if model.has_exits else None
        self.rules: FunderRules | None = None  # only with stops, total caps or dissolutions
        self.splits: Splits | None = None  # only with splits
        self.dilution = Dilution(self) if model.has_dilution else None
        self.triggers = Triggers(self) if model.triggers else None  # actions on events, §9.7
        self.raises = Raises(self) if self.plan.raises or self.plan.top_ups else None
        self.calls: Calls | None = None  # only with spending plans
        self.loans: Loans | None = None  # only with loans (model.md §9.8)
        self.budgets = Budgets(self, model.budgets) if model.budgets else None  # §8.7
        # The most committed capital each venture has had so far (thresholds, §9.6)
        self.peak: list | None = [0.0] * len(model.ventures) if model.has_thresholds else None
        self.minimum = [
            None
            if v.minimum_capital is None
            else self.draw(v.minimum_capital, f"venture/{v.id}/minimum_capital")
            for v in model.ventures
        ]

    # --- the run --------------------------------------------------------------------

    def run(self) -> RepOutcome:
        """Simulate; the flows land in the ledger, the rest is returned."""
        m, plan = self.model, self.plan
        self.policy_values = policy_terms(self)
        if m.contagion:
            self.contagion = Contagion(self, m.contagion)
        self.ledger.copy_from(plan.base)
        for spec in plan.drawn_pledges:
            key = self.pledge_key(spec.member, spec.venture)
            self.pledge(
                spec.venture,
                spec.member,
                spec.month,
                self.draw(spec.amount, key + "/amount"),
                spec.schedule,
                key,
            )
        self.join[...] = plan.initial_join
        if self.budgets is not None:
            self.budgets.start()
        start_hazard_departures(self, plan)
        for d in plan.other_departures:
            start_departure(self, d, 1)
        if plan.spending:
            self.calls = Calls(self, plan.spending)
        loans = [x for v in m.ventures for x in v.loans]
        if loans:
            self.loans = Loans(self, loans)
        for n in plan.simple_negotiations:
            self.env.process(negotiate(self, n))
        if plan.round_negotiations:
            self.negotiations = Negotiations(self, plan.round_negotiations)
        if plan.funder_rules:
            self.rules = FunderRules(self)
            self.rules.start()
        if plan.splits:
            self.splits = Splits(self, plan.splits)
        for v, spec in plan.buyouts:  # after the month's departures (§9.3, §11)
            book(self, spec.at, spec.on, BUYOUT, buyout, self, v, spec)
        for v, spec in plan.transfers:  # after the buy-outs, before the splits (§10.2)
            book(self, spec.at, spec.on, TRANSFER, transfer, self, v, spec)
        start_cuts(self, m.cuts, POLICY)  # after the month's dated stops, before raises (§8.6, §11)
        if self.raises is not None:
            self.raises.start()
        for v, spec in enumerate(m.ventures):
            if spec.deadline is not None:
                self._schedule_check(v, spec.deadline)
        self.after_change(0)
        self.env.run(until=m.horizon)
        return outcome_of(self)

    def at(self, time: float, action, *args) -> None:
        """Call action(*args) at `time`: a bare timeout with a callback, no process needed."""
        self.env.timeout(time - self.env.now).callbacks.append(partial(_call, action, args))

    def month(self) -> int:
        """The month the simulation is in (the clock's whole part)."""
        return int(self.env.now)

    # --- random numbers (docs/model.md §12) -------------------------------------------------

    def draw(self, value, key: str):
        """A number as given, or one draw of its distribution from element `key`'s stream
        (e.g. "departure/orange": each element draws from its own stream)."""
        return value.sample(self.streams.get(key)) if isinstance(value, Distribution) else value

    def uniform(self, key: str) -> float:
        """One uniform in [0, 1) from element `key`'s stream."""
        return self.streams.get(key).random()

    def member_key(self, kind: str, p: int) -> str:
        """The name of member p's element of `kind` ("departure", "negotiation", ...): by
        its id, so that adding a member leaves the others' names, hence draws, alone."""
        return f"{kind}/{self.model.members[p]}"

    def pledge_key(self, p: int, v: int) -> str:
        """The name of member p's pledge to venture v."""
        return f"pledge/{self.model.members[p]}/{self.model.ventures[v].id}"

    # --- members -----------------------------------------------------------------------

    def pledge(self, v, p, month, amount, schedule, key: str) -> float:
        """Member p pledges `amount` to venture v in `month`, paid on `schedule`; uncertain
        payment weights are drawn from the stream of element `key` (who decided the pledge)."""
        offsets = schedule.offsets if schedule.anchored else schedule.offsets + month
        weights = schedule.fixed
        if weights is None:
            weights = normalise([self.draw(w, key + "/weights") for w in schedule.weights])
        self.ledger.pledge(v, p, month, amount, offsets, weights)
        if self.budgets is not None:
            self.budgets.fit(p, month)
        return amount

    def is_member(self, p: int, v: int | None = None) -> bool:
        m = self.month()
        rows = range(len(self.model.ventures)) if v is None else (v,)
        return any(self.join[r, p] <= m < self.leave[r, p] for r in rows)

    def leave_member(self, p: int, venture: int | None, detail: str = "", exit_spec=None) -> None:
        """p leaves (§6.2). Past m + 0.25 (an exclusion after a capital call, and contagion
        exits it sets off, §9.5) the month's payments are made: only later ones are cancelled."""
        month = self.month()
        paid_month = self.env.now - month >= CALL
        for v in range(len(self.model.ventures)) if venture is None else (venture,):
            if self.join[v, p] <= month < self.leave[v, p]:
                amount = self.ledger.cancel_from(v, p, month + 1 if paid_month else month, month)
                self.leave[v, p] = month
                self.freeze_match(v, p, month)
                self.record_event("departure", p, v, amount, detail)
                if self.exits is not None:
                    self.exits.left(p, v, month, exit_spec, paid_month)
            elif month < self.join[v, p] < self.leave[v, p] and not self.model.candidate[p]:
                self._withdraw(p, v, detail)  # its venture has not opened yet
        self._signal(p)
        if self.contagion is not None:
            self.contagion.departed(p, month)
        self.after_change(month)

    def _withdraw(self, p: int, v: int, detail: str) -> None:
        """p, due to join v when it opens (model.md §5), leaves first: its pledge, made at
        the opening, is cancelled in that same month, so it never holds anything in v."""
        opens = int(self.join[v, p])
        amount = self.ledger.cancel_from(v, p, opens)
        self.leave[v, p] = opens
        self.record_event("departure", p, v, amount, f"{detail}, before it opens".lstrip(", "))

    def change_of(self, p: int) -> simpy.Event:
        """An event that fires when p next joins or leaves a venture."""
        event = self.changed.get(p)
        if event is None:
            event = self.changed[p] = self.env.event()
        return event

    def _signal(self, p: int) -> None:
        event = self.changed.pop(p, None)
        if event is not None:
            event.succeed()

    def admit(self, p: int, venture: int, month: int) -> None:
        """p is a member of `venture` from `month` on, unless it already was."""
        self.join[venture, p] = min(self.join[venture, p], month)

    def leave_if_member(self, p, venture) -> None:
        """p leaves `venture` (every venture: None) if it is still a member there."""
        if self.is_member(p, venture):
            self.leave_member(p, venture)

    def open_pledges(self, member: int) -> list:
        """A candidate's pledges to ventures not collapsed; if none, the talks are abandoned."""
        targets = self.plan.pledges_by_member.get(member, [])
        open_targets = [s for s in targets if self.collapse[s.venture] is None]
        if not open_targets:
            detail = "its ventures collapsed" if targets else "no pledge to make"
            self.record_event("negotiation_abandoned", member, -1, 0.0, detail)
        return open_targets

    def join_candidate(
        self, p: int, month: int, targets: list, amount, detail: str, min_share: float = 0.0
    ) -> None:
        """Candidate p joins each venture of `targets` with `amount` (None: drawn per pledge);
        `min_share` is its bargained one, the share it is granted by default (§10)."""
        for s in targets:
            key = self.pledge_key(p, s.venture)
            pledge = self.draw(s.amount, key + "/amount") if amount is None else amount
            pledge = self.pledge(s.venture, p, month, pledge, s.schedule, key)
            self.join[s.venture, p] = month
            self.record_event("join", p, s.venture, pledge, detail)
            if self.dilution is not None:
                self.dilution.joined(p, s.venture, month, min_share)
        for d in self.model.departures:
            if d.member == p:
                start_departure(self, d, month + 1)
        self._signal(p)
        self.after_change(month)

    # --- ventures -----------------------------------------------------------------------

    def after_change(self, month: int) -> None:
        """Members or capital changed in `month`: let every rule that watches them react."""
        if self.peak is not None:
            self._note_peaks()
        if self.triggers is not None:
            self.triggers.capital_changed()
        for pol in self.plan.top_ups:
            self.raises.top_up(pol, month)
        if self.rules is not None:
            self.rules.after_change(month)
        for v, spec in enumerate(self.model.ventures):
            if spec.deadline is None or month < spec.deadline or self.collapse[v] is not None:
                continue
            # Check at m+0.5 (after joins and policies of the month) only if capital is
            # short now: later events in the same month cannot lower it further unless
            # they are departures, which come through here again.
            if self.committed_total(v)[0] < self.minimum[v] - 1e-9:
                self._schedule_check(v, month)

    def _schedule_check(self, v: int, month: int) -> None:
        if (v, month) not in self.checks_scheduled and month < self.model.horizon:
            self.checks_scheduled.add((v, month))
            self.at(month + CHECK, self._check, v)

    def _check(self, v: int) -> None:
        if self.collapse[v] is not None:
            return
        minimum = self.minimum[v]
        total, _ = self.committed_total(v)
        if total < minimum - 1e-9:
            month = self.month()
            self.end_venture(v, "collapsed")
            cancelled = sum(
                self.ledger.cancel_from(v, p, month + 1) for p in range(len(self.model.members))
            )
            shown = 0.0 if abs(total) < 1e-9 else total  # not a sum's rounding noise
            self.record_event(
                "collapse", -1, v, cancelled, f"committed {shown:g} < minimum {minimum:g}"
            )
            if self.triggers is not None:
                self.triggers.capital_changed()

    def end_venture(self, v: int, how: str) -> None:
        """v ends now (`how` one of ENDINGS): from here on the engine treats it as ended."""
        self.collapse[v] = self.month()
        self.ended_as[v] = how

    # --- capital (docs/model.md §3, §8.2, §10) ------------------------------------------

    def match_committed(self, v: int) -> dict[int, float]:
        """Matching money committed now, by funder (matching.py)."""
        return matching.committed(self, v)

    def freeze_match(self, v: int, p: int, month: int) -> None:
        """A matching funder that leaves keeps what it has paid and stops matching."""
        matching.freeze(self, v, p, month)

    def committed_total(self, v: int) -> tuple[float, dict[int, float]]:
        """Capital committed to v, matching money included and refunds taken off, with the
        matching money by funder."""
        match = self.match_committed(v)
        total = self.ledger.total[v] + sum(match.values())
        if self.exits is not None:
            total -= self.exits.refunded[v]  # refunded capital has left the venture
        return total, match

    def fell_below(self, v: int, level: float) -> bool:
        """v's committed capital has crossed below `level`: it is below now and has been at
        or above it before (model.md §9.6); a venture that started below has not."""
        total = self.committed_total(v)[0]
        return total < level - 1e-9 and self.peak[v] >= level - 1e-9

    def _note_peaks(self) -> None:
        """After every change of capital (and at the start): the peaks so far."""
        for v in range(len(self.peak)):
            self.peak[v] = max(self.peak[v], self.committed_total(v)[0])

    def active_committed(self, v: int, month: int) -> tuple[float, dict[int, float]]:
        """Committed capital of v's active members, matching money included: the total the
        ownership shares use (§10), with the matching money by funder."""
        match = self.match_committed(v)
        return sum(self.holdings(v, month, match).values()), match

    def holdings(self, v: int, month: int, match: dict[int, float]) -> dict[int, float]:
        """Capital each active member of v holds on the committed basis (§3's holding plus
        its matching money `match`), in member order."""
        committed = self.ledger.committed[v]
        held = {
            q: committed[q] + match.get(q, 0.0)
            for q in range(len(committed))
            if self.join[v, q] <= month < self.leave[v, q]
        }
        if self.exits is not None:  # stakes bought (or sold before leaving) count
            adjust = self.exits.adjust[v]
            for q in held:
                held[q] += adjust[q]
        return held

    # --- records ------------------------------------------------------------------------

    def record_event(
        self, kind: str, member: int, venture: int, amount: float, detail: str
    ) -> None:
        """Record an event of this month for the events table (member or venture -1: none);
        the actions waiting for it follow (§9.7)."""
        self.events.append((self.month(), kind, member, venture, float(amount), detail))
        if self.triggers is not None:
            self.triggers.heard(kind, member, venture)
