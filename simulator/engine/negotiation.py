"""Negotiations: the simple form (docs/model.md §7.1), one outcome after a drawn duration,
and negotiations in rounds (§7.2-7.4): a cadence, a deadline, bargained terms, vetoes and
rivals, several candidates at once.

Rounds are held at m + 0.15, after the simple-form outcomes of the month (m + 0.1) and
before policies (m + 0.2). All rounds of a month are held by one callback, in candidate
file order, so that the candidate listed first bargains first for the gap. The terms may
vary by round (terms.py). A candidate with a departure date that has not joined by then
walks out of its talks at that date (m + 0.0, with the month's departures).
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from functools import partial

from simulator.engine.model import month_ref
from simulator.engine.terms import draw_round_term, in_round

JOIN, ROUND = 0.1, 0.15
_EPS = 1e-9


def negotiate(rep, n):
    """A negotiation of the simple form: it opens, lasts a drawn number of months, then the
    candidate joins with the drawn success probability (its ventures still open)."""
    env, key = rep.env, rep.member_key("negotiation", n.member)
    if n.walk_out is not None and n.walk_out <= n.start:  # gone before the talks open
        yield env.timeout(n.walk_out)
        walked_out(rep, n.member)
        return
    yield env.timeout(n.start + JOIN)
    rep.record_event("negotiation_start", n.member, -1, 0.0, "")
    duration = max(0, math.floor(rep.draw(n.duration, key + "/duration") + 0.5))  # halves round up
    success = rep.draw(n.success, key + "/success")
    if n.walk_out is not None and n.walk_out <= n.start + duration:  # gone before the outcome
        yield env.timeout(n.walk_out - env.now)
        walked_out(rep, n.member)
        return
    yield env.timeout(duration)
    month = rep.month()
    open_targets = rep.open_pledges(n.member)
    if not open_targets:
        return
    if rep.uniform(key) >= success:
        rep.record_event("negotiation_failed", n.member, -1, 0.0, f"after {duration} months")
        return
    rep.join_candidate(n.member, month, open_targets, None, f"after {duration} months")


def walked_out(rep, member: int) -> None:
    """A candidate leaves talks it has not concluded, at its departure date (model.md §7.7)."""
    rep.record_event("negotiation_abandoned", member, -1, 0.0, "walks out at its departure date")


@dataclass
class Talks:
    """The state of one negotiation in rounds, from the moment it opens: its terms as drawn
    (numbers, or by round: terms.in_round reads round k's)."""

    held: int = 0  # rounds held so far
    max_pledge: object = 0.0
    ask: object = None
    min_share: object = 0.0
    failure: object = 0.0


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
        self.live = set()  # talks waiting for their opening or their next round
        self.walked = set()  # talks the candidate walked out of
        for i, n in enumerate(specs):
            if n.start is not None:
                self._book(n.start, i)
            else:
                self.pending.add(i)
                self.live.add(i)
                rep.triggers.watch(n.rounds.trigger, ROUND, partial(self._trigger, i))
            if n.walk_out is not None:
                rep.at(n.walk_out, self._walk_out, i)

    # --- opening --------------------------------------------------------------------------

    def _book(self, month: int, i: int) -> None:
        self.live.add(i)
        if month >= self.rep.model.horizon:
            return
        if month not in self.table:
            self.table[month] = []
            self.rep.at(month + ROUND, self._hold, month)
        self.table[month].append(i)

    def _trigger(self, i: int, month: int) -> None:
        """The trigger fired: open at `month`'s rounds (§7.2, §9.7)."""
        if i in self.walked:
            return
        self.pending.discard(i)
        self.live.discard(i)
        deadline = self.specs[i].rounds.deadline
        if deadline is not None and month > deadline:
            detail = "deadline passed before the trigger"
            self.rep.record_event("negotiation_failed", self.specs[i].member, -1, 0.0, detail)
            return
        self._book(month, i)

    # --- rounds ---------------------------------------------------------------------------

    def _hold(self, month: int) -> None:
        for i in sorted(self.table.pop(month), key=lambda i: self.specs[i].rounds.order):
            if i not in self.walked:
                self.live.discard(i)  # until the round books the next one
                self._round(i, month)

    def _walk_out(self, i: int) -> None:
        """The candidate's departure date: it leaves talks still open or waiting to open."""
        if i not in self.live:
            return
        self.live.discard(i)
        self.pending.discard(i)
        self.walked.add(i)
        walked_out(self.rep, self.specs[i].member)

    def _open(self, i: int) -> Talks:
        rep, n = self.rep, self.specs[i]
        key = rep.member_key("negotiation", n.member)
        rep.record_event("negotiation_start", n.member, -1, 0.0, "")
        b = n.rounds.bargain
        talks = Talks(failure=draw_round_term(rep, n.rounds.failure, key + "/round_failure"))
        if b is not None:
            talks.max_pledge = draw_round_term(rep, b.max_pledge, key + "/max_pledge")
            talks.ask = None if b.ask is None else draw_round_term(rep, b.ask, key + "/ask")
            talks.min_share = draw_round_term(rep, b.min_share, key + "/min_share")
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
            failure = in_round(talks.failure, k)
            if failure > 0 and rep.uniform(rep.member_key("negotiation", n.member)) < failure:
                rep.record_event(
                    "negotiation_failed", n.member, -1, 0.0, f"outside failure (round {k})"
                )
                return
            amount, reason = self._bargain(r.bargain, talks, month, k)
            if reason is None:
                share = in_round(talks.min_share, k)
                rep.join_candidate(n.member, month, open_targets, amount, f"round {k}", share)
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

    def _bargain(self, b, talks: Talks, month: int, k: int):
        """(pledge, None) on agreement in round k, (None, why not) without; (None, None) if
        not bargained."""
        if b is None:
            return None, None
        ask = in_round(talks.ask, k) if talks.ask is not None else self.gap(b.venture)
        others = self.rep.active_committed(b.venture, month)[0]
        terms = in_round(talks.max_pledge, k), in_round(talks.min_share, k)
        x, low, high = bargain(ask, *terms, b.power, others)
        if x is None:
            return None, f"no overlap (needs ≥ {low:.4g}, offers ≤ {high:.4g})"
        return x, None

    def gap(self, v: int) -> float:
        """Committed capital the venture still needs to reach its minimum (§9), ≥ 0."""
        minimum = self.rep.minimum[v]
        if minimum is None:
            return 0.0
        return max(minimum - self.rep.committed_total(v)[0], 0.0)
