"""Negotiations: the simple form (docs/model.md §7.1), one outcome after a drawn duration,
and negotiations in rounds (§7.2-7.4): a cadence, a deadline, bargained terms, vetoes and
rivals, several candidates at once.

Rounds are held at m + 0.15, after the simple-form outcomes of the month (m + 0.1) and
before policies (m + 0.2). All rounds of a month are held by one callback, in candidate
file order, so that the candidate listed first bargains first for the gap.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from simulator.engine.model import month_ref

JOIN, ROUND = 0.1, 0.15
_EPS = 1e-9


def negotiate(rep, n):
    """A negotiation of the simple form: it opens, lasts a drawn number of months, then the
    candidate joins with the drawn success probability (its ventures still open)."""
    env, key = rep.env, rep.member_key("negotiation", n.member)
    yield env.timeout(n.start + JOIN)
    rep.record_event("negotiation_start", n.member, -1, 0.0, "")
    duration = max(0, math.floor(rep.draw(n.duration, key + "/duration") + 0.5))  # halves round up
    success = rep.draw(n.success, key + "/success")
    yield env.timeout(duration)
    month = rep.month()
    open_targets = rep.open_pledges(n.member)
    if not open_targets:
        return
    if rep.uniform(key) >= success:
        rep.record_event("negotiation_failed", n.member, -1, 0.0, f"after {duration} months")
        return
    rep.join_candidate(n.member, month, open_targets, None, f"after {duration} months")


@dataclass
class Talks:
    """The state of one negotiation in rounds, from the moment it opens."""

    held: int = 0  # rounds held so far
    max_pledge: float = 0.0
    ask: float | None = None
    min_share: float = 0.0
    failure: float = 0.0


def bargain(ask: float, max_pledge: float, min_share: float, power: float, others: float):
    """The generalized Nash bargaining solution over the pledge x (model.md §7.3).

    The consortium accepts x ≥ ask; the candidate accepts x ≤ max_pledge and x giving it
    at least `min_share` of the committed capital, x / (others + x) ≥ min_share. Returns
    (x, low, high): x = low + power · (high − low), or None when low > high.
    """
    low = max(ask, min_share * others / (1.0 - min_share))
    if low > max_pledge + _EPS:
        return None, low, max_pledge
    return low + power * max(max_pledge - low, 0.0), low, max_pledge


class Negotiations:
    """The negotiations in rounds of one replication."""

    def __init__(self, rep, specs: list):
        self.rep, self.specs = rep, specs
        self.talks: list[Talks | None] = [None] * len(specs)
        self.pending = set()  # specs waiting for their trigger
        self.table: dict[int, list[int]] = {}  # month → specs holding a round then
        for i, n in enumerate(specs):
            if n.start is not None:
                self._book(n.start, i)
            else:
                self.pending.add(i)
        self.by_capital = [i for i in self.pending if specs[i].rounds.trigger_capital is not None]

    # --- opening --------------------------------------------------------------------------

    def _book(self, month: int, i: int) -> None:
        if month >= self.rep.model.horizon:
            return
        if month not in self.table:
            self.table[month] = []
            self.rep.at(month + ROUND, self._hold, month)
        self.table[month].append(i)

    def _trigger(self, i: int) -> None:
        """Open at this month's rounds if they are still to come, else next month's."""
        self.pending.discard(i)
        now = self.rep.env.now
        month = int(now) if now <= int(now) + ROUND else int(now) + 1
        deadline = self.specs[i].rounds.deadline
        if deadline is not None and month > deadline:
            detail = "deadline passed before the trigger"
            self.rep.record_event("negotiation_failed", self.specs[i].member, -1, 0.0, detail)
            return
        self._book(month, i)

    def departed(self, p: int) -> None:
        """Member p left: open the negotiations waiting for that departure."""
        for i in sorted(self.pending):
            who = self.specs[i].rounds.trigger_member
            if who is not None and (who == -1 or who == p) and self.specs[i].member != p:
                self._trigger(i)

    def capital_changed(self) -> None:
        """Committed capital changed: open the negotiations waiting for it to fall."""
        for i in list(self.by_capital):
            r = self.specs[i].rounds
            if self.rep.fell_below(r.trigger_venture, r.trigger_capital):
                self.by_capital.remove(i)
                self._trigger(i)

    # --- rounds ---------------------------------------------------------------------------

    def _hold(self, month: int) -> None:
        for i in sorted(self.table.pop(month), key=lambda i: self.specs[i].rounds.order):
            self._round(i, month)

    def _open(self, i: int) -> Talks:
        rep, n = self.rep, self.specs[i]
        key = rep.member_key("negotiation", n.member)
        rep.record_event("negotiation_start", n.member, -1, 0.0, "")
        b = n.rounds.bargain
        talks = Talks(failure=rep.draw(n.rounds.failure, key + "/round_failure"))
        if b is not None:
            talks.max_pledge = rep.draw(b.max_pledge, key + "/max_pledge")
            talks.ask = None if b.ask is None else rep.draw(b.ask, key + "/ask")
            talks.min_share = rep.draw(b.min_share, key + "/min_share")
        self.talks[i] = talks
        return talks

    def _round(self, i: int, month: int) -> None:
        rep, n = self.rep, self.specs[i]
        r = n.rounds
        talks = self.talks[i] or self._open(i)
        talks.held += 1
        k = talks.held
        open_targets = rep.open_pledges(n.member)
        if not open_targets:
            return
        if r.until_filled and all(self.gap(v) <= _EPS for v in r.until_filled):
            rep.record_event("negotiation_abandoned", n.member, -1, 0.0, f"gap filled (round {k})")
            return
        reason = self._blocked(r)
        if reason is None:
            if (
                talks.failure > 0
                and rep.uniform(rep.member_key("negotiation", n.member)) < talks.failure
            ):
                rep.record_event(
                    "negotiation_failed", n.member, -1, 0.0, f"outside failure (round {k})"
                )
                return
            amount, reason = self._bargain(r.bargain, talks, month)
            if reason is None:
                detail = f"round {k}"
                rep.join_candidate(n.member, month, open_targets, amount, detail, talks.min_share)
                return
        nxt = month + r.every
        if r.rounds is not None and k >= r.rounds:
            rep.record_event(
                "negotiation_failed",
                n.member,
                -1,
                0.0,
                f"{reason} (after {k} round{'s' * (k > 1)})",
            )
        elif r.deadline is not None and nxt > r.deadline:
            end = month_ref(r.deadline)  # the events table writes it as a date
            # No round can be held before the deadline: the talks fail *at* it (dated then,
            # not at this last round, which may be months before with `every` > 1).
            rep.at(
                max(rep.env.now, r.deadline + 0.99),
                rep.record_event,
                "negotiation_failed",
                n.member,
                -1,
                0.0,
                f"{reason} (deadline {end})",
            )
        else:
            rep.record_event("negotiation_round", n.member, -1, 0.0, f"round {k}: {reason}")
            self._book(nxt, i)

    def _blocked(self, r) -> str | None:
        """Why no round can be held now (a veto or a rival present), or None."""
        rep = self.rep
        for q in r.veto_by:
            if rep.is_member(q):
                return f"vetoed by {rep.model.members[q]}"
        for q in r.refuses_with:
            if rep.is_member(q):
                return f"rival present: {rep.model.members[q]}"
        return None

    def _bargain(self, b, talks: Talks, month: int):
        """(pledge, None) on agreement, (None, why not) without; (None, None) if not bargained."""
        if b is None:
            return None, None
        ask = talks.ask if talks.ask is not None else self.gap(b.venture)
        others = self.rep.active_committed(b.venture, month)[0]
        x, low, high = bargain(ask, talks.max_pledge, talks.min_share, b.power, others)
        if x is None:
            return None, f"no overlap (needs ≥ {low:.4g}, offers ≤ {high:.4g})"
        return x, None

    def gap(self, v: int) -> float:
        """Committed capital the venture still needs to reach its minimum (§9), ≥ 0."""
        minimum = self.rep.minimum[v]
        if minimum is None:
            return 0.0
        return max(minimum - self.rep.committed_total(v)[0], 0.0)
