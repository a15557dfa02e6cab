"""Matching money at a moment of a replication (docs/model.md §8.1): what each funder's
`match` commits now, what it has paid, and freezing it when the funder leaves. The chunk
adds the monthly matching flows after the replication (ledger.add_match)."""

from __future__ import annotations


def committed(rep, v: int) -> dict[int, float]:
    """Matching money committed now, by funder (frozen once the funder has left)."""
    out: dict[int, float] = {}
    m = rep.model
    for pol in m.policies:
        if pol.kind != "match" or pol.venture != v:
            continue
        vals = rep.policy_values[pol.id]
        if "frozen" in vals:
            amount = vals["frozen"]
        elif rep.join[v, pol.funder] > rep.env.now:
            amount = 0.0  # a candidate funder matches only once it has joined
        else:
            private = sum(
                c
                for q, c in enumerate(rep.ledger.committed[v])
                if not m.public[q] and q != pol.funder
            )
            amount = vals["ratio"] * private
            if vals["cap"] is not None:
                amount = min(amount, vals["cap"])
        out[pol.funder] = out.get(pol.funder, 0.0) + amount
    return out


def freeze(rep, v: int, p: int, month: int) -> None:
    """A matching funder that leaves keeps what it has paid and stops matching."""
    m = rep.model
    for pol in m.policies:
        if pol.kind == "match" and pol.venture == v and pol.funder == p:
            vals = rep.policy_values[pol.id]
            if "frozen" in vals:  # it stopped paying before it left (§8.4)
                continue
            vals["frozen"] = _paid_by(rep, pol, month)


def paid(rep, v: int, month: int) -> dict[int, float]:
    """Matching money paid into v by the end of month − 1, by funder (model.md §8.1)."""
    m, out = rep.model, {}
    for pol in m.policies:
        if pol.kind != "match" or pol.venture != v or rep.join[v, pol.funder] > rep.env.now:
            continue
        vals = rep.policy_values[pol.id]
        amount = vals["frozen"] if "frozen" in vals else _paid_by(rep, pol, month)
        out[pol.funder] = out.get(pol.funder, 0.0) + amount
    return out


def _paid_by(rep, pol, month: int) -> float:
    """What `match` policy `pol` has paid by the end of month − 1: its ratio of the private
    members' paid-in, within its cap."""
    m, v, vals = rep.model, pol.venture, rep.policy_values[pol.id]
    private = [q for q in range(len(m.members)) if not m.public[q] and q != pol.funder]
    paid = sum(rep.ledger.paid_by(v, q, month - 1) for q in private) if month else 0.0
    amount = vals["ratio"] * paid
    return amount if vals["cap"] is None else min(amount, vals["cap"])
