"""A chunk's events as arrays (the batch engine's records), one row per event, in the order
they happened within each replication; `columns` gives what the events table shows."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from simulator.engine.batch import codes as k

KINDS = np.array(k.KINDS, dtype=object)
_FIXED = {
    k.NO_DETAIL: "",
    k.VENTURES_ENDED: "its ventures collapsed",
    k.NO_PLEDGE: "no pledge to make",
    k.WALKS_OUT: "walks out at its departure date",
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
    policies: tuple = ()  # the policies' ids, by index (details name them)

    @classmethod
    def of(cls, arrays) -> EventRecords:
        """The recorded rows, replication by replication (a stable sort keeps each
        replication's events in the order they happened)."""
        n = int(arrays.count[0])
        order = np.argsort(arrays.replication[:n], kind="stable")
        return cls(*(np.asarray(x[:n])[order] for x in arrays[1:]))

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
            out[i] = f"committed {self.a[i]:g} < minimum {self.b[i]:g}"
        why = {k.POLICY: "", k.POLICY_VENTURE_ENDED: ": venture collapsed"}
        why[k.POLICY_NOT_MEMBER] = ": not a member"
        for code, text in why.items():
            for i in np.flatnonzero(self.detail == code):
                out[i] = self.policies[int(self.a[i])] + text
        return out

    def kinds(self) -> np.ndarray:
        return KINDS[self.kind]
