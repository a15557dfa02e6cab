"""How the batch engine's kernels code an event's kind and detail in the chunk's records
(events.py writes them out as the per-replication engine words them)."""

DEPARTURE, START, FAILED, ABANDONED, JOIN, COLLAPSE, RAISE, SKIPPED = 0, 1, 2, 3, 4, 5, 6, 7
REFUNDED, SOLD, KEPT, TOP_UP, CUT, CUT_SKIPPED, DILUTION = 8, 9, 10, 11, 12, 13, 14
BUYOUT, BUYOUT_SKIPPED, ABSORBED, TRANSFER, TRANSFER_SKIPPED, SPLIT = 15, 16, 17, 18, 19, 20
DISSOLUTION = 21
# the events an action may wait for (triggers.py), as `on:` names them
WATCHED = {
    "departure": DEPARTURE,
    "join": JOIN,
    "negotiation_failed": FAILED,
    "collapse": COLLAPSE,
    "dissolution": DISSOLUTION,
}
KINDS = (
    "departure",
    "negotiation_start",
    "negotiation_failed",
    "negotiation_abandoned",
    "join",
    "collapse",
    "raise",
    "policy_skipped",
    "stake_refunded",
    "stake_sold",
    "stake_kept",
    "top_up",
    "cut",
    "cut_skipped",
    "dilution",
    "buyout",
    "buyout_skipped",
    "absorbed",
    "transfer",
    "transfer_skipped",
    "split",
    "dissolution",
)
NO_DETAIL, AFTER_MONTHS, VENTURES_ENDED, NO_PLEDGE, BELOW_MINIMUM, WALKS_OUT = 0, 1, 2, 3, 4, 5
# a policy's id (detail number a: the policy's index), alone or with why it was skipped
# (b: how its venture ended, an index into outcome.ENDINGS)
POLICY, POLICY_VENTURE_ENDED, POLICY_NOT_MEMBER = 6, 7, 8
# a stake's fate (a: the stake or part, b: the price's multiple, c: the buyer, how: HOW_*)
STAKE_AT, BUYER_STAKE_AT, STAYS_NO_MEMBER, STAYS_NO_BUYER = 9, 10, 11, 12
# how its price was set, as the per-replication engine words it (exits.Exits.left)
HOW_PAID_IN, HOW_MULTIPLE, HOW_AMOUNT, HOW_DEAL = 0, 1, 2, 3
BEFORE_OPENING = 13  # a partner leaving before its venture opens (model.md §5)
# a pledge cut (a: the amount asked or the target, b: what was outstanding, how: 1 if it
# could not all be cut), or why none was made
CUT_BY, CUT_TO, VENTURE_ENDED, CUT_NOT_MEMBER = 14, 15, 16, 17
# a share granted at entry: to the joiner (a: its share, b: its part of the capital, d: the
# pre-money value or NaN), given up by another (a, b: its share before and after, c: the
# joiner)
DILUTION_GRANTED, DILUTION_GIVES = 18, 19
# a buy-out: a seller's departure, the stakes bought (a: how many sellers), why none was,
# the buyer's outstanding pledge cancelled when it absorbs the venture
BY_BUYOUT, STAKES_BOUGHT, BUYER_NOT_MEMBER, BY_THE_BUYER = 20, 21, 22, 23
# a transfer of ownership (a, b: the part given and asked, as shares of the venture; c: the
# receiver; how: 0 register, 1 capital, + 2 if less was given than asked), or why none was
RECEIVER_NOT_MEMBER, NOBODY_OWNS, GIVER_NOT_MEMBER, TRANSFERRED = 24, 25, 26, 27
# a split (a: the split's index; a member's part: a its fraction, b what it had
# outstanding, d its amounts' total, c the parent, how 0 given, 1 by amounts, 2 scaled)
SPLIT_AFTER_END, INTO_CHILDREN, FROM_PARENT, NO_CHILD, NOT_GIVEN = 28, 29, 30, 31, 32
# a buy-out absorbed into another venture (c: that venture)
INTO_ENDED, INTO_MOVED = 33, 34
# why a venture was dissolved
AT_ITS_DATE, ON_ITS_EVENT = 35, 36
# an exit rule's stake and price (ExitSpec.stake, ExitSpec.rule)
STAYS, REFUND, PREEMPTION, BUYERS = 0, 1, 2, 3

# Events in two arrays: whole numbers in the columns of EVENT_INTS, amounts and the
# detail's numbers in those of EVENT_REALS.
EVENT_INTS = ("replication", "month", "kind", "member", "venture", "detail", "c", "how")
EVENT_REALS = ("amount", "a", "b", "d")
