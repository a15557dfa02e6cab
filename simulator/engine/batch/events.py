"""A chunk's events as arrays (the batch engine's records), one row per event, in the order
they happened within each replication; `columns` gives what the events table shows."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from simulator.engine.batch import codes as k
from simulator.engine.batch.codes import EVENT_INTS, EVENT_REALS
from simulator.engine.dilution import percent
from simulator.engine.outcome import ENDINGS

KINDS = np.array(k.KINDS, dtype=object)
_FIXED = {
    k.NO_DETAIL: "",
    k.VENTURES_ENDED: "its ventures collapsed",
    k.NO_PLEDGE: "no pledge to make",
    k.WALKS_OUT: "walks out at its departure date",
    k.BEFORE_OPENING: "before it opens",
    k.VENTURE_ENDED: "venture ended",
    k.CUT_NOT_MEMBER: "not a member",
    k.BY_BUYOUT: "buy-out",
    k.BUYER_NOT_MEMBER: "buyer is not a member",
    k.BY_THE_BUYER: "by the buyer: outstanding cancelled",
    k.RECEIVER_NOT_MEMBER: "receiver is not a member",
    k.NOBODY_OWNS: "nobody owns anything yet",
    k.NO_CHILD: "goes to no child: outstanding cancelled",
    k.NOT_GIVEN: "not given to a child: outstanding cancelled",
    k.AT_ITS_DATE: "at its date",
    k.ON_ITS_EVENT: "on its event",
}


@dataclass
class EventRecords:
    replication: np.ndarray
    month: np.ndarray
    kind: np.ndarray  # codes: codes.DEPARTURE, ...
    member: np.ndarray  # -1: none
    venture: np.ndarray  # -1: none
    amount: np.ndarray
    detail: np.ndarray  # codes: codes.NO_DETAIL, ...
    a: np.ndarray  # the detail's numbers
    b: np.ndarray
    d: np.ndarray
    c: np.ndarray  # the detail's member (a stake's buyer)
    how: np.ndarray  # how a stake's price was set: codes.HOW_*
    policies: tuple = ()  # the policies' ids, by index (details name them)
    members: tuple = ()  # the members' ids, by index
    ventures: tuple = ()  # the ventures' ids, by index
    dilution: tuple = ()  # each member's rule of shares granted at entry ("" if none)
    splits: tuple = ()  # each dated split's children, as its events name them

    @classmethod
    def of(cls, arrays) -> EventRecords:
        """The recorded rows, replication by replication (a stable sort keeps each
        replication's events in the order they happened)."""
        n = int(arrays.count[0])
        ints, reals = arrays.ints[:n], arrays.reals[:n]
        key = ints[:, 0]  # the replication within the chunk
        if n and key.max() < 2**16:  # numpy sorts 16-bit keys by radix: 14× faster
            key = key.astype(np.uint16)
        order = np.argsort(key, kind="stable")
        ints, reals = ints[order], reals[order]
        columns = {name: ints[:, j] for j, name in enumerate(EVENT_INTS)}
        columns.update({name: reals[:, j] for j, name in enumerate(EVENT_REALS)})
        columns["kind"] = columns["kind"].astype(np.int8)
        columns["detail"] = columns["detail"].astype(np.int8)
        return cls(**columns)

    def __len__(self) -> int:
        return len(self.replication)

    def details(self) -> np.ndarray:
        """Each event's detail as the per-replication engine writes it."""
        out = np.empty(len(self), dtype=object)
        for code, text in _FIXED.items():
            out[self.detail == code] = text
        after = self.detail == k.AFTER_MONTHS
        months = self.a[after].astype(np.int64).astype(str).astype(object)
        out[after] = "after " + months + " months"
        for i in np.flatnonzero(self.detail == k.BELOW_MINIMUM):
            shown = 0.0 if abs(self.a[i]) < 1e-9 else self.a[i]  # as replication._check
            out[i] = f"committed {shown:g} < minimum {self.b[i]:g}"
        why = {k.POLICY: "", k.POLICY_NOT_MEMBER: ": not a member"}
        for code, text in why.items():
            for i in np.flatnonzero(self.detail == code):
                out[i] = self.policies[int(self.a[i])] + text
        for i in np.flatnonzero(self.detail == k.POLICY_VENTURE_ENDED):  # b: how it ended
            out[i] = f"{self.policies[int(self.a[i])]}: venture {ENDINGS[int(self.b[i])]}"
        bought = self.detail == k.STAKES_BOUGHT
        out[bought] = (
            self.a[bought].astype(np.int64).astype(str).astype(object) + " stake(s) bought"
        )
        for code, word in ((k.CUT_BY, "by"), (k.CUT_TO, "to")):
            for i in np.flatnonzero(self.detail == code):
                out[i] = self._cut(i, word)
        for code in (k.DILUTION_GRANTED, k.DILUTION_GIVES):
            for i in np.flatnonzero(self.detail == code):
                out[i] = self._dilution(i)
        for i in np.flatnonzero(self.detail == k.GIVER_NOT_MEMBER):
            out[i] = f"to {self.members[int(self.c[i])]}: not a member"
        for i in np.flatnonzero(self.detail == k.TRANSFERRED):
            out[i] = self._transfer(i)
        for i in np.flatnonzero(self.detail == k.SPLIT_AFTER_END):
            out[i] = f"into {self.splits[int(self.a[i])]}: venture already ended, nothing moved"
        for i in np.flatnonzero(self.detail == k.INTO_CHILDREN):
            out[i] = f"into {self.splits[int(self.a[i])]}"
        for i in np.flatnonzero(self.detail == k.FROM_PARENT):
            out[i] = self._split(i)
        for i in np.flatnonzero(self.detail == k.INTO_ENDED):
            into = self.ventures[int(self.c[i])]
            out[i] = f"into {into}, ended or left by the buyer: outstanding cancelled"
        for i in np.flatnonzero(self.detail == k.INTO_MOVED):
            out[i] = f"into {self.ventures[int(self.c[i])]}: outstanding moved"
        stakes = (k.STAKE_AT, k.BUYER_STAKE_AT, k.STAYS_NO_MEMBER, k.STAYS_NO_BUYER)
        for i in np.flatnonzero(np.isin(self.detail, stakes)):
            out[i] = self._stake(i)
        return out

    def _cut(self, i: int, word: str) -> str:
        """A pledge cut, worded as cuts.cut_pledge words it."""
        text = f"{word} {self.a[i]:.6g}"
        if self.how[i]:  # at most 1e-9 left is a sum's rounding noise: none (cut_pledge)
            left = self.b[i] if self.b[i] > 1e-9 else 0.0
            text += f", only {left:.6g} outstanding (paid-in stays)"
        return text

    def _dilution(self, i: int) -> str:
        """A share granted at entry, worded as dilution.Dilution.joined words it."""
        if self.detail[i] == k.DILUTION_GIVES:
            joiner = int(self.c[i])
            what = (
                f"{self.members[joiner]} joins; share {percent(self.a[i])} → {percent(self.b[i])}"
            )
        else:
            joiner = int(self.member[i])
            price = "" if np.isnan(self.d[i]) else f" at a pre-money value of {self.d[i]:.6g}"
            venture = self.ventures[int(self.venture[i])]
            what = (
                f"granted {percent(self.a[i])} of {venture}{price} (capital {percent(self.b[i])})"
            )
        return f"{self.dilution[joiner]}: {what}"

    def _split(self, i: int) -> str:
        """A member's part of a split, worded as splits.Splits._split words it."""
        how = ""
        if self.how[i]:
            how = f" of {self.b[i]:.6g}"
        if self.how[i] == 2:
            how += f", amounts {self.d[i]:.6g} scaled"
        return f"from {self.ventures[int(self.c[i])]} ({self.a[i]:.6g}{how})"

    def _transfer(self, i: int) -> str:
        """A transfer of ownership, worded as transfers.transfer words it."""
        rule, short = ("register", "capital")[int(self.how[i]) % 2], self.how[i] >= 2
        text = f"to {self.members[int(self.c[i])]}: {percent(self.a[i])} of the venture ({rule})"
        if short:
            what = "all it owns" if rule == "register" else "all it has paid in"
            text += f", {what}: {percent(self.b[i])} asked"
        return text

    def _stake(self, i: int) -> str:
        """A stake's fate, worded as exits.Exits.left words it."""
        held, code = self.a[i], self.detail[i]
        if code == k.STAYS_NO_MEMBER:
            return f"stake {held:.6g} stays: no remaining member"
        if code == k.STAYS_NO_BUYER:
            return f"stake {held:.6g} stays: buyer is not a member"
        how = {
            k.HOW_PAID_IN: "paid-in value",
            k.HOW_AMOUNT: "given amount",
            k.HOW_DEAL: "its part of the buy-out price",
        }.get(int(self.how[i]), f"{self.b[i]:g}× paid-in")
        if code == k.STAKE_AT:
            return f"stake {held:.6g} at {how}"
        return f"buyer {self.members[int(self.c[i])]}: stake {held:.6g} at {how}"

    def kinds(self) -> np.ndarray:
        return KINDS[self.kind]
