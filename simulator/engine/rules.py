"""Funder policies beyond the core, and dissolution (docs/model.md §8.4, §8.5, §9.1).

A `stop` cancels a funder's outstanding pledge to a venture at a date, or at a date if
a condition holds then; a `cap` limits what a funder pledges through its policies,
all ventures together; a venture's `dissolution` winds it up at a date, once its
committed capital is below an amount, or in the month its cash runs out (§9.5). A
replication builds a `FunderRules` only when its scenario has one of them, so the others
pay nothing for them.
"""

from __future__ import annotations

from functools import partial

from simulator.engine.triggers import book

STOP, STOP_TEST, DISSOLVE = 0.2, 0.45, 0.55  # times within a month (model.md §11)
_EPS = 1e-9


class FunderRules:
    """Stops, total caps and dissolutions of one replication."""

    def __init__(self, rep):
        self.rep = rep
        self.stopped: dict = {}  # (venture, funder) → first month cancelled
        self.room: dict = {}  # funder → what its cap still allows
        self.cap_of: dict = {}  # funder → (cap policy id, total)
        self.tests_scheduled: set = set()
        self.cash_outs: set = set()  # (venture, month) in which its cash ran out (§9.5)
        self.on_event: set = set()  # (venture, month) its dissolution's event gives (§9.7)

    def start(self) -> None:
        """Reserve matching caps, book stops and dated dissolutions (before raises: §11)."""
        rep = self.rep
        for pol in rep.model.policies:
            if pol.kind == "cap":
                total = rep.policy_values[pol.id]["amount"]
                own = sum(row[pol.funder] for row in rep.ledger.committed)  # its pledges, month 0
                self.room[pol.funder] = total - own
                self.cap_of[pol.funder] = (pol.id, total)
        for pol in rep.model.policies:
            if pol.kind == "match" and pol.funder in self.room:
                self._reserve_match(pol)
        for pol in rep.model.policies:
            if pol.kind == "stop" and pol.when is None:
                book(rep, pol.at, pol.on, STOP, self._stop_now, pol)
            elif pol.kind == "stop":
                book(rep, pol.at, pol.on, STOP_TEST, self._test_stop, pol)
        for v, spec in enumerate(rep.model.ventures):
            if spec.dissolve_at is not None:
                self._schedule_dissolution(v, spec.dissolve_at)
            if spec.dissolve_on is not None:
                rep.triggers.watch(spec.dissolve_on, DISSOLVE, partial(self._triggered, v))

    # --- total caps (§8.5) ---------------------------------------------------------------

    def _reserve_match(self, pol) -> None:
        """A match under a total cap is limited, at month 0 and in file order, to what the
        cap has left: its own cap is reserved from the total (all of it when it has none)."""
        vals = self.rep.policy_values[pol.id]
        own = float("inf") if vals["cap"] is None else vals["cap"]
        room = self.room[pol.funder]
        allowed = max(0.0, min(own, room))
        self.room[pol.funder] -= allowed
        vals["cap"] = allowed
        if allowed < own - _EPS:
            cut = own - allowed if own != float("inf") else 0.0
            self._capped(pol, cut, f"match limited to {allowed:g}")

    def take(self, pol, amount: float) -> float:
        """What a top_up or raise of `amount` may pledge under its funder's total cap."""
        room = self.room.get(pol.funder)
        if room is None:
            return amount
        allowed = max(0.0, min(amount, room))
        if amount - allowed > _EPS:
            self._capped(pol, amount - allowed, f"{allowed:g} of {amount:g} pledged")
        self.room[pol.funder] -= allowed
        return allowed

    def _capped(self, pol, cut: float, what: str) -> None:
        cap_id, total = self.cap_of[pol.funder]
        detail = f"{pol.id}: {what} (cap {cap_id} {total:g})"
        self.rep.record_event("policy_capped", pol.funder, pol.venture, cut, detail)

    # --- stops (§8.4) --------------------------------------------------------------------

    def is_stopped(self, v: int, f: int) -> bool:
        return (v, f) in self.stopped

    def _test_stop(self, pol) -> None:
        rep, v, f, w = self.rep, pol.venture, pol.funder, pol.when
        month = rep.month()
        if w.kind == "paid_in_below":
            m = rep.model
            others = [q for q in range(len(m.members)) if q != f and (w.others or not m.public[q])]
            paid = sum(rep.ledger.paid_by(v, q, month) for q in others)
            pledged = float(rep.ledger.pledged_at[v, others, : month + 1].sum())
            holds = paid < w.value * pledged - _EPS
            seen = f"paid in {paid:g} of {pledged:g} pledged"
        else:
            total = rep.committed_total(v)[0]
            holds = rep.fell_below(v, w.value)
            seen = f"committed {total:g}"
        if holds:
            self._stop(pol, month + 1, seen)
        else:
            self._skip(pol, f"condition not met ({seen})")

    def _stop_now(self, pol) -> None:
        self._stop(pol, self.rep.month())

    def _stop(self, pol, first: int, seen: str = "") -> None:
        """From month `first` on the funder pays nothing more to the venture."""
        rep, v, f = self.rep, pol.venture, pol.funder
        if rep.collapse[v] is not None:
            self._skip(pol, f"venture {rep.ended_as[v]}")
            return
        if not rep.is_member(f, v):
            self._skip(pol, "not a member")
            return
        if (v, f) in self.stopped:
            self._skip(pol, "already stopped")
            return
        amount = rep.ledger.cancel_from(v, f, first)
        self.stopped[(v, f)] = first
        rep.freeze_match(v, f, first)
        rep.record_event("stop", f, v, amount, f"{pol.id}: {seen}" if seen else pol.id)
        rep.after_change(rep.month())

    def _skip(self, pol, why: str) -> None:
        self.rep.record_event("policy_skipped", pol.funder, pol.venture, 0.0, f"{pol.id}: {why}")

    def outcome(self, match: list) -> list:
        """A stopped funder's matching freezes from its stop (§8.4), as from a departure."""
        pols = [pol for pol in self.rep.model.policies if pol.kind == "match"]
        match = [
            (ratio, cap, min(leave, self.stopped.get((pol.venture, pol.funder), leave)), join)
            for pol, (ratio, cap, leave, join) in zip(pols, match, strict=True)
        ]
        return match

    # --- dissolution (§9.1) --------------------------------------------------------------

    def after_change(self, month: int) -> None:
        """Book a dissolution test this month for ventures now below their threshold."""
        rep = self.rep
        for v, spec in enumerate(rep.model.ventures):
            below = spec.dissolve_below
            if below is None or rep.collapse[v] is not None:
                continue
            if rep.fell_below(v, below):
                self._schedule_dissolution(v, month)

    def cash_ran_out(self, v: int, month: int) -> None:
        """A venture dissolved when its cash runs out is tested this month (§9.5)."""
        self.cash_outs.add((v, month))
        self._schedule_dissolution(v, month)

    def _triggered(self, v: int, month: int) -> None:
        """v's dissolution event happened: v is dissolved in `month` (§9.7)."""
        self.on_event.add((v, month))
        self._schedule_dissolution(v, month)

    def _schedule_dissolution(self, v: int, month: int) -> None:
        if (v, month) not in self.tests_scheduled and month < self.rep.model.horizon:
            self.tests_scheduled.add((v, month))
            self.rep.at(month + DISSOLVE, self._dissolve, v)

    def _dissolve(self, v: int) -> None:
        rep = self.rep
        if rep.collapse[v] is not None:
            return
        month, spec = rep.month(), rep.model.ventures[v]
        total = rep.committed_total(v)[0]
        if spec.dissolve_at is not None and month >= spec.dissolve_at:
            why = "at its date"
        elif spec.dissolve_below is not None and total < spec.dissolve_below - _EPS:
            why = f"committed {total:g} < {spec.dissolve_below:g}"
        elif (v, month) in self.cash_outs:
            why = "cash ran out"
        elif (v, month) in self.on_event:
            why = "on its event"
        else:
            return
        rep.end_venture(v, "dissolved")
        cancelled = sum(
            rep.ledger.cancel_from(v, p, month + 1) for p in range(len(rep.model.members))
        )
        rep.record_event("dissolution", -1, v, cancelled, why)
        if rep.triggers is not None:
            rep.triggers.capital_changed()
