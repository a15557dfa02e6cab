"""A venture splitting into child ventures at a date (docs/model.md §9.2).

At time m + 0.05 of the split month m (after the month's departures, before joins and
policies) each member of the parent moves its outstanding pledge to the children it
goes to: the payments due from month m on are cancelled in the parent and pledged, each
in its own month, to the children in the member's fractions. Paid-in capital stays in
the parent, which ends there (treated as collapsed by the engine, reported apart). A
replication builds a `Splits` only when its scenario has a split.
"""

from __future__ import annotations

SPLIT = 0.05  # time within a month (model.md §11)


class Splits:
    """The splits of one replication."""

    def __init__(self, rep, splits: list):
        self.rep = rep
        self.done: set = set()  # parents that split (not reported as collapsed)
        for v, spec in splits:
            rep._at(spec.at + SPLIT, self._split, v, spec)

    def _split(self, v: int, spec) -> None:
        rep = self.rep
        month, ledger, names = rep._month(), rep.ledger, rep.model.venture_ids
        kids = ", ".join(names[c] for c in spec.children)
        if rep.collapse[v] is not None:
            rep._event("split", -1, v, 0.0, f"into {kids}: venture already ended, nothing moved")
            return
        rep.collapse[v] = month  # the engine treats it as ended; _finish reports it apart
        self.done.add(v)
        moved = 0.0
        for p, parts in enumerate(spec.parts):
            if not rep.is_member(p, v):
                continue
            amount = ledger.move_from(v, p, month, parts)
            moved += amount
            for c, f in parts:
                rep.join[c, p] = min(rep.join[c, p], month)
                rep._event("split", p, c, f * amount, f"from {names[v]} ({f:.6g})")
            if not parts and amount > 0:
                rep._event("split", p, v, amount, "goes to no child: outstanding cancelled")
        rep._event("split", -1, v, moved, f"into {kids}")
        rep._after_change(month)

    def outcome(self, collapse: list) -> list:
        """A parent that split is not reported as collapsed."""
        return [None if v in self.done else c for v, c in enumerate(collapse)]
