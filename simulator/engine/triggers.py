"""Actions set off by events (docs/model.md §9.7): a cut, a raise, a stop, a buy-out, a
transfer, a split, a dissolution or a negotiation that waits for a departure, a candidate
joining or failing, a venture collapsing or dissolved, or committed capital crossing below
a level, then follows `after` months later.

Every event is recorded through `Replication.record_event`, which tells `Triggers`; a
threshold is tested after every change of capital. A trigger fires once. The action then
happens at its own time of the month: in the event's month if that time is still to come
(plus `after` months), else in the month after (model.md §11).
"""

from __future__ import annotations

from dataclasses import dataclass

ANY = -1
_EPS = 1e-9


@dataclass(frozen=True)
class OnSpec:
    """A compiled trigger: `kind` an event kind of the events table (departure, join,
    negotiation_failed, collapse, dissolution) or committed_below; `who` the member or
    venture index it watches (ANY: every one)."""

    kind: str
    who: int
    after: int = 0
    venture: int = ANY  # a departure: from this venture only (ANY: any venture)
    level: float | None = None  # committed_below: the level crossed

    def hears(self, kind: str, member: int, venture: int) -> bool:
        """The recorded event (kind, member, venture) is the one watched."""
        if kind != self.kind:
            return False
        if kind in ("collapse", "dissolution"):
            return self.who in (ANY, venture)
        return self.who in (ANY, member) and self.venture in (ANY, venture)


class Triggers:
    """The actions of one replication waiting for their event."""

    def __init__(self, rep):
        self.rep = rep
        self.waiting: list = []  # (OnSpec, time of month, act), in the order booked

    def watch(self, on: OnSpec, time: float, act) -> None:
        """Call act(month) when `on` fires: the month the action happens in, at `time`
        within it (act books itself then)."""
        self.waiting.append((on, time, act))

    def heard(self, kind: str, member: int, venture: int) -> None:
        """An event was recorded: fire the triggers waiting for it."""
        if self.waiting:
            self._fire([w for w in self.waiting if w[0].hears(kind, member, venture)])

    def capital_changed(self) -> None:
        """Committed capital changed: fire the thresholds now crossed (§9.6)."""
        rep = self.rep
        crossed = [
            w
            for w in self.waiting
            if w[0].kind == "committed_below" and rep.fell_below(w[0].who, w[0].level)
        ]
        self._fire(crossed)

    def _fire(self, fired: list) -> None:
        rep = self.rep
        for w in fired:
            self.waiting.remove(w)
        for on, time, act in fired:
            now = rep.env.now
            month = int(now) + (now > int(now) + time + _EPS) + on.after
            if month < rep.model.horizon:
                act(month)


def on_spec(on, index: dict, vindex: dict, venture: int | None = None, within: int = ANY):
    """The compiled form of a scenario's `on:` (None stays None). `index`/`vindex`: member
    and venture indices by id; `venture`: the action's, which `committed_below` watches
    unless the trigger names one; `within`: a departure from this venture only."""
    if on is None:
        return None
    kind = on.events[0]
    value = getattr(on, kind)
    if kind == "committed_below":
        watched = vindex[on.venture] if on.venture is not None else venture
        return OnSpec(kind, watched, on.after, level=value)
    ids = vindex if kind in ("collapse", "dissolution") else index
    who = ANY if value == "any" else ids[value]
    kind = "join" if kind == "joins" else kind
    return OnSpec(kind, who, on.after, venture=within if kind == "departure" else ANY)


def book(rep, at: int | None, on: OnSpec | None, time: float, action, *args) -> None:
    """Call action(*args) at `at` + `time`, or, on an event, at `time` of the month the
    trigger gives."""
    if at is not None:
        rep.at(at + time, action, *args)
    else:
        rep.triggers.watch(on, time, lambda month: rep.at(month + time, action, *args))
