"""A venture splitting into child ventures, at a date or on an event (docs/model.md §9.2).

At time m + 0.05 of the split month m (after the month's departures and buy-outs, before
joins and policies) each member of the parent moves its outstanding pledge to the children
it goes to: the payments due from month m on are cancelled in the parent and pledged, each
in its own month, to the children in the member's fractions, or as given amounts (scaled
down to what is outstanding; what they leave is cancelled). Paid-in capital stays in the
parent, which ends there. A split `on` an event (a member leaving the parent, its committed capital
crossing below a level, ...) follows it at the next split time (triggers.py, §9.7).
A replication builds a `Splits` only when its scenario has a split.
"""

from __future__ import annotations

from functools import partial

SPLIT = 0.05  # time within a month (model.md §11)
_EPS = 1e-9


class Splits:
    """The splits of one replication."""

    def __init__(self, rep, splits: list):
        self.rep = rep
        for v, spec in splits:
            if spec.at is not None:
                rep.at(spec.at + SPLIT, self._split, v, spec)
            else:
                rep.triggers.watch(spec.on, SPLIT, partial(self._fired, v, spec))

    def _fired(self, v: int, spec, month: int) -> None:
        """The split's event happened: it follows in `month`, if v has not ended by now
        (a trigger firing after v ended splits nothing and records nothing)."""
        if self.rep.collapse[v] is None:
            self.rep.at(month + SPLIT, self._split, v, spec)

    # --- the split -----------------------------------------------------------------------

    def _split(self, v: int, spec) -> None:
        rep = self.rep
        month, ledger, names = rep.month(), rep.ledger, rep.model.venture_ids
        kids = ", ".join(names[c] for c in spec.children)
        if rep.collapse[v] is not None:
            rep.record_event(
                "split", -1, v, 0.0, f"into {kids}: venture already ended, nothing moved"
            )
            return
        rep.end_venture(v, "split")
        moved = 0.0
        for p, parts in enumerate(spec.parts):
            if not rep.is_member(p, v):
                continue
            given = None if spec.amounts is None else spec.amounts[p]
            how = ""
            if given is not None:
                parts, how = self._fractions(v, p, month, given)
            # A child p has already left (sold out in its buy-out) it does not rejoin: that
            # fraction is cancelled in the parent with what goes nowhere.
            parts = [(c, f) for c, f in parts if rep.leave[c, p] > month]
            amount = ledger.move_from(v, p, month, parts)
            moved += amount
            for c, f in parts:
                rep.admit(p, c, month)
                rep.record_event("split", p, c, f * amount, f"from {names[v]} ({f:.6g}{how})")
            rest = amount * (1.0 - sum(f for _, f in parts))
            if rest > _EPS:
                why = "goes to no child" if not parts else "not given to a child"
                rep.record_event("split", p, v, rest, f"{why}: outstanding cancelled")
        rep.record_event("split", -1, v, moved, f"into {kids}")
        rep.after_change(month)

    def _fractions(self, v: int, p: int, month: int, given: tuple) -> tuple[list, str]:
        """Given amounts a_c (drawn now) as fractions of p's outstanding pledge O: a_c / O
        when they add up to A ≤ O (the rest is cancelled), else a_c / A (scaled down to O)."""
        rep = self.rep
        key = f"split/{rep.model.ventures[v].id}/{rep.model.members[p]}"
        ids = rep.model.venture_ids
        drawn = [(c, rep.draw(a, f"{key}/{ids[c]}")) for c, a in given]
        total = sum(a for _, a in drawn)
        outstanding = self.rep.ledger.outstanding_from(v, p, month)
        base = max(total, outstanding)
        if base <= _EPS:
            return [], ""
        how = f" of {outstanding:.6g}"
        if total > outstanding + _EPS:
            how += f", amounts {total:.6g} scaled"
        return [(c, a / base) for c, a in drawn if a > 0], how
