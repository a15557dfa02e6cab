"""How the batch engine's kernels code an event's kind and detail in the chunk's records
(events.py writes them out as the per-replication engine words them)."""

DEPARTURE, START, FAILED, ABANDONED, JOIN, COLLAPSE = 0, 1, 2, 3, 4, 5
KINDS = (
    "departure",
    "negotiation_start",
    "negotiation_failed",
    "negotiation_abandoned",
    "join",
    "collapse",
)
NO_DETAIL, AFTER_MONTHS, VENTURES_ENDED, NO_PLEDGE, BELOW_MINIMUM, WALKS_OUT = 0, 1, 2, 3, 4, 5
