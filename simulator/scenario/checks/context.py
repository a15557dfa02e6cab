"""What every cross-key check works with: the scenario, the list of issues found so far,
and the references and dates most checks test."""

from __future__ import annotations

import difflib

from simulator.scenario.schema import Scenario
from simulator.scenario.types import month_label
from simulator.scenario.ventures import SHARES_TOLERANCE

Issue = tuple  # (key path tuple, message)


class CheckContext:
    """A scenario under check and the issues found in it.

    `add` records an issue at a key path; `in_horizon`, `venture_ref`, `member_ref` and
    `default_venture` record the usual ones (a date outside the horizon, an unknown id, a
    missing venture). `member_ids` holds the ids of partners and candidates together.
    """

    def __init__(self, s: Scenario, issues: list[Issue]):
        self.s, self.issues = s, issues
        self.member_ids = set(s.partners) | set(s.candidates)

    def add(self, path, message) -> None:
        self.issues.append((tuple(path), message))

    def in_horizon(self, path, month, what="date") -> None:
        s = self.s
        if not s.start <= month <= s.end:
            self.add(
                path,
                f"{what} outside the horizon (got {month_label(month)}; expected "
                f"{month_label(s.start)} to {month_label(s.end)})",
            )

    def venture_ref(self, path, vid) -> None:
        if vid not in self.s.ventures:
            self.add(path, unknown("venture", vid, self.s.ventures))

    def member_ref(self, path, mid) -> None:
        if mid not in self.member_ids:
            self.add(path, unknown("partner", mid, self.member_ids))

    def parts_add_up(self, path, parts: dict, what: str, note: str = "") -> bool:
        """Parts (shares, proportions) add up to 1 within SHARES_TOLERANCE, else an issue
        "`what` add up to 95 % (expected 100 %, within 0.2 points`note`)"."""
        total = sum(parts.values())
        if abs(total - 1) <= SHARES_TOLERANCE:
            return True
        self.add(
            path,
            f"{what} add up to {100 * total:.4g} % (expected 100 %, within "
            f"{100 * SHARES_TOLERANCE:g} points{note})",
        )
        return False

    def default_venture(self, path, vid):
        """The venture a pledge or policy addresses: given, or the only one there is."""
        if vid is not None:
            self.venture_ref(path + ("venture",), vid)
            return vid
        if len(self.s.ventures) > 1:
            self.add(
                path,
                "'venture' is required when the scenario has several ventures "
                f"(expected one of: {', '.join(self.s.ventures)})",
            )
            return None
        return next(iter(self.s.ventures))


def unknown(kind: str, given: str, known) -> str:
    """The message for an id that is not declared, with the nearest declared one if any."""
    near = difflib.get_close_matches(given, list(known), n=1)
    hint = f"; did you mean {near[0]!r}?" if near else ""
    return f"unknown {kind} {given!r} (expected one of: {', '.join(sorted(known))}){hint}"
