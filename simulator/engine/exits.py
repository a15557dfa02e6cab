"""Exit rules (docs/model.md §6.4): what becomes of a leaver's paid-in stake.

A stake that stays needs nothing here (the replication has no `Exits` then). Otherwise,
at the departure, the stake S (paid-in + bought − sold − refunded so far) is refunded by
the venture, pre-empted by the remaining active members pro rata to what they own, or
bought by a named member, at a price X (S, a multiple of S, or an amount).
Capital moves at book value S; the price X is cash between the parties.
"""

from __future__ import annotations

from simulator.engine.ownership import ownership

# Flows recorded per (venture, member, month), in this order (model.md §3).
FLOWS = ("bought", "sold", "refunded", "paid_for_stakes", "received_for_stake")
BOUGHT, SOLD, REFUNDED, PAID_FOR, RECEIVED = range(len(FLOWS))
_EPS = 1e-9


class Exits:
    """Stakes changing hands in one replication, and the capital they move."""

    def __init__(self, rep):
        self.rep = rep
        V, P = len(rep.model.ventures), len(rep.model.members)
        self.adjust = [[0.0] * P for _ in range(V)]  # bought − sold − refunded, running
        self.refunded = [0.0] * V  # capital refunded out of each venture, running
        self.refund_paid = [0.0] * V  # cash each venture paid for refunds (the prices)
        self.records: list = []  # (flow, venture, member, month, amount)
        # A buy-out at a given amount: each seller's part of the deal's price (model.md §9.3)
        self.deal: dict[int, float] = {}

    def stake(self, v: int, p: int, month: int) -> float:
        """Paid-in capital p holds in v at `month` (its payments of `month` not yet made)."""
        paid = self.rep.ledger.paid_by(v, p, month - 1) if month else 0.0
        return paid + self.adjust[v][p]

    def left(self, p: int, v: int, month: int, spec=None, paid_month: bool = False) -> None:
        """Apply p's exit rule (or `spec`, a buy-out's) to its stake in v; p has just stopped
        being a member of v. `paid_month`: its payments of `month` were made (an exclusion
        after a capital call, model.md §9.5), so they are part of its stake."""
        spec = spec or self.rep.model.exits[p]
        if spec is None:
            return
        stake = self.stake(v, p, month + 1 if paid_month else month)
        if stake <= _EPS:
            return
        key = self.rep.member_key("exit", p)
        if p in self.deal:
            price, how = self.deal.pop(p), "its part of the buy-out price"
        elif spec.rule == "multiple":
            k = self.rep.draw(spec.multiple, key + "/multiple")
            price, how = k * stake, f"{k:g}× paid-in"
        elif spec.rule == "amount":
            price, how = self.rep.draw(spec.amount, key + "/amount"), "given amount"
        else:
            price, how = stake, "paid-in value"
        if spec.stake == "refund":
            calls = self.rep.calls
            if calls is not None and calls.spends(v):  # paid out of cash it has (§9.5)
                cash = max(calls.cash(v, month if paid_month else month - 1), 0.0)
                if price > cash + _EPS:
                    price, how = cash, f"{how}, capped at the venture's cash"
            self.refund_paid[v] += price
            self._flow(REFUNDED, v, p, month, stake)
            self._flow(RECEIVED, v, p, month, price)
            self.adjust[v][p] -= stake
            self.refunded[v] += stake
            self.rep.record_event("stake_refunded", p, v, price, f"stake {stake:.6g} at {how}")
            return
        buyers = self._buyers(spec, v, month)
        if not buyers:
            why = "no remaining member" if spec.stake == "preemption" else "buyer is not a member"
            self.rep.record_event("stake_kept", p, v, 0.0, f"stake {stake:.6g} stays: {why}")
            return
        self.transfer(p, v, month, buyers, stake, price, how)

    def transfer(self, p: int, v: int, month: int, buyers, stake: float, price: float, how):
        """p's `stake` in v passes to `buyers` ((member, fraction), ...) for `price`, each
        taking its fraction of both; one `stake_sold` event per buyer."""
        names = self.rep.model.members
        for q, weight in buyers:
            part, paid = stake * weight, price * weight
            self.move(p, q, v, month, part, paid)
            detail = f"buyer {names[q]}: stake {part:.6g} at {how}"
            self.rep.record_event("stake_sold", p, v, paid, detail)

    def move(self, p: int, q: int, v: int, month: int, part: float, paid: float) -> None:
        """Paid-in capital `part` of p's stake in v passes to q (book value), q paying p
        `paid` in cash; no event (the caller records what happened)."""
        self._flow(SOLD, v, p, month, part)
        self._flow(RECEIVED, v, p, month, paid)
        self._flow(BOUGHT, v, q, month, part)
        self._flow(PAID_FOR, v, q, month, paid)
        self.adjust[v][p] -= part
        self.adjust[v][q] += part

    def _buyers(self, spec, v: int, month: int) -> list[tuple[int, float]]:
        """(member, fraction of the stake) for each buyer, fractions summing to 1."""
        rep = self.rep
        if spec.stake in ("buyer", "buyers"):  # named buyers that are members, parts to 1
            named = spec.buyers or ((spec.buyer, 1.0),)
            members = rep.holdings(v, month, {})
            present = [(q, w) for q, w in named if q in members]
            total = sum(w for _, w in present)
            return [(q, w / total) for q, w in present]
        return pro_rata(ownership(rep, v, month))

    def _flow(self, flow: int, v: int, p: int, month: int, amount: float) -> None:
        self.records.append((flow, v, p, month, amount))


def pro_rata(held: dict[int, float]) -> list[tuple[int, float]]:
    """(member, fraction) in proportion to what each holds (negative counts as 0), fractions
    summing to 1; equal parts when nobody holds anything; empty without members."""
    if not held:
        return []
    held = {q: max(h, 0.0) for q, h in held.items()}
    total = sum(held.values())
    if total <= _EPS:
        return [(q, 1.0 / len(held)) for q in held]
    return [(q, h / total) for q, h in held.items() if h > 0]


def buyout(rep, v: int, spec) -> None:
    """The buyer takes every other active member's stake in v (model.md §9.3): each leaves v
    (its unpaid pledge is cancelled) and sells its stake to the buyer at the buy-out price;
    then v goes on with one owner, or is absorbed."""
    month = rep.month()
    buyer = spec.exit.buyer
    if rep.collapse[v] is not None or not rep.is_member(buyer, v):
        why = "venture ended" if rep.collapse[v] is not None else "buyer is not a member"
        rep.record_event("buyout_skipped", buyer, v, 0.0, why)
        return
    sellers = [
        q
        for q in range(len(rep.model.members))
        if q != buyer and rep.join[v, q] <= month < rep.leave[v, q]
    ]
    before = rep.exits.adjust[v][buyer]
    if spec.exit.rule == "amount":
        rep.exits.deal = _split_price(rep, v, month, sellers, spec.exit.amount)
    for q in sellers:
        rep.leave_member(q, v, "buy-out", exit_spec=spec.exit)
    rep.exits.deal = {}
    bought = rep.exits.adjust[v][buyer] - before
    rep.record_event("buyout", buyer, v, bought, f"{len(sellers)} stake(s) bought")
    if spec.absorbed:
        _absorb(rep, v, buyer, spec.into, month)


def _split_price(rep, v: int, month: int, sellers: list[int], amount) -> dict[int, float]:
    """The buy-out's price for the whole deal (drawn once), each seller's part in proportion
    to its stake S_q (equal parts if nobody holds anything)."""
    price = rep.draw(amount, f"buyout/{rep.model.venture_ids[v]}/amount")
    stakes = {q: rep.exits.stake(v, q, month) for q in sellers}
    return {q: price * w for q, w in pro_rata(stakes)}


def _absorb(rep, v: int, buyer: int, into: int | None, month: int) -> None:
    """v ends, absorbed (model.md §9.3): the buyer's unpaid pledge to v is cancelled (v is
    now its own business), or moved to venture `into`, which the buyer joins. Its stake in
    v, all of v's paid-in capital, stays recorded there."""
    rep.end_venture(v, "absorbed")
    ledger, names = rep.ledger, rep.model.venture_ids
    if into is None:
        amount, detail = ledger.cancel_from(v, buyer, month), "by the buyer: outstanding cancelled"
    elif rep.collapse[into] is not None or rep.leave[into, buyer] <= month:
        amount = ledger.cancel_from(v, buyer, month)
        detail = f"into {names[into]}, ended or left by the buyer: outstanding cancelled"
    else:
        amount = ledger.move_from(v, buyer, month, ((into, 1.0),))
        rep.admit(buyer, into, month)
        detail = f"into {names[into]}: outstanding moved"
    rep.record_event("absorbed", buyer, v, amount, detail)
    rep.after_change(month)
