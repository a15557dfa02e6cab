"""The core funder policies of a replication: drawing them, `raise`, `match` money and
`top_up` (docs/model.md §8.1-8.3), as methods the Replication inherits.

Kept apart from replication.py so that each module stays readable; they use the
replication's ledger, membership arrays, events and the optional exit and funder-rule
hooks exactly as its own methods do.
"""

from __future__ import annotations

from simulator.engine.draws import draw
from simulator.engine.model import PolicySpec


class CorePolicies:
    """Policy methods of `Replication` (this class holds no state of its own)."""

    def draw_policies(self) -> None:
        """Draw each policy's uncertain terms once for the replication."""
        for pol in self.model.policies:
            self.policy_values[pol.id] = {
                "ratio": draw(pol.ratio, self.rng),
                "cap": None if pol.cap is None else draw(pol.cap, self.rng),
                "share": draw(pol.share, self.rng),
                "amount": draw(pol.amount, self.rng),
            }
            self.topup_added[pol.id] = 0.0

    def raise_pledge(self, pol: PolicySpec) -> None:
        """A `raise` policy: its funder pledges the policy's amount more, unless it cannot."""
        month = self.month()
        rules, v = self.rules, pol.venture
        why = None
        if self.collapse[v] is not None:
            why = f"venture {self.ended_as[v]}"
        elif not self.is_member(pol.funder, v):
            why = "not a member"
        elif rules is not None and rules.is_stopped(v, pol.funder):
            why = "funder stopped"
        if why is not None:
            self.record_event("policy_skipped", pol.funder, v, 0.0, f"{pol.id}: {why}")
            return
        amount = self.policy_values[pol.id]["amount"]
        if rules is not None:
            amount = rules.take(pol, amount)
        self.pledge(pol.venture, pol.funder, month, amount, pol.schedule)
        self.record_event("raise", pol.funder, pol.venture, amount, pol.id)
        self.after_change(month)

    def match_committed(self, v: int) -> dict[int, float]:
        """Matching money committed now, by funder (frozen once the funder has left)."""
        out: dict[int, float] = {}
        m = self.model
        for pol in m.policies:
            if pol.kind != "match" or pol.venture != v:
                continue
            vals = self.policy_values[pol.id]
            if "frozen" in vals:
                amount = vals["frozen"]
            elif self.join[v, pol.funder] > self.env.now:
                amount = 0.0  # a candidate funder matches only once it has joined
            else:
                private = sum(
                    c
                    for q, c in enumerate(self.ledger.committed[v])
                    if not m.public[q] and q != pol.funder
                )
                amount = vals["ratio"] * private
                if vals["cap"] is not None:
                    amount = min(amount, vals["cap"])
            out[pol.funder] = out.get(pol.funder, 0.0) + amount
        return out

    def freeze_match(self, v: int, p: int, month: int) -> None:
        """A matching funder that leaves keeps what it has paid and stops matching."""
        m = self.model
        for pol in m.policies:
            if pol.kind == "match" and pol.venture == v and pol.funder == p:
                vals = self.policy_values[pol.id]
                if "frozen" in vals:  # it stopped paying before it left (§8.4)
                    continue
                private = [q for q in range(len(m.members)) if not m.public[q] and q != p]
                paid = sum(self.ledger.paid_by(v, q, month - 1) for q in private) if month else 0.0
                amount = vals["ratio"] * paid
                vals["frozen"] = amount if vals["cap"] is None else min(amount, vals["cap"])

    def committed_total(self, v: int) -> tuple[float, dict[int, float]]:
        match = self.match_committed(v)
        total = sum(self.ledger.committed[v]) + sum(match.values())
        if self.exits is not None:
            total -= self.exits.refunded[v]  # refunded capital has left the venture
        return total, match

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

    def top_up(self, pol: PolicySpec, month: int) -> None:
        """A funder tops the venture's capital up to its target share, if it fell below."""
        v, f = pol.venture, pol.funder
        if self.collapse[v] is not None or not self.is_member(f, v):
            return
        vals = self.policy_values[pol.id]
        total, match = self.active_committed(v, month)
        own = self.ledger.committed[v][f] + match.get(f, 0.0)
        if self.exits is not None:
            own += self.exits.adjust[v][f]
        share = vals["share"]
        need = (share * total - own) / (1.0 - share)
        if vals["cap"] is not None:
            need = min(need, vals["cap"] - self.topup_added[pol.id])
        if self.rules is not None and need > 1e-9:
            if self.rules.is_stopped(v, f):
                return
            need = self.rules.take(pol, need)
        if need > 1e-9:
            self.pledge(v, f, month, need, pol.schedule)
            self.topup_added[pol.id] += need
            self.record_event("top_up", f, v, need, pol.id)
