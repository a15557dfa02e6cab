"""How the batch engine's kernels code an event's kind and detail in the chunk's records
(events.py writes them out as the per-replication engine words them)."""

DEPARTURE, START, FAILED, ABANDONED, JOIN, COLLAPSE, RAISE, SKIPPED = 0, 1, 2, 3, 4, 5, 6, 7
KINDS = (
    "departure",
    "negotiation_start",
    "negotiation_failed",
    "negotiation_abandoned",
    "join",
    "collapse",
    "raise",
    "policy_skipped",
)
NO_DETAIL, AFTER_MONTHS, VENTURES_ENDED, NO_PLEDGE, BELOW_MINIMUM, WALKS_OUT = 0, 1, 2, 3, 4, 5
# a policy's id (detail number a: the policy's index), alone or with why it was skipped
POLICY, POLICY_VENTURE_ENDED, POLICY_NOT_MEMBER = 6, 7, 8
