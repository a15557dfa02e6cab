"""Dated raises in the batch engine (docs/model.md §8.3; raises.Raises.raise_pledge): at
m + 0.2 of its month a funder still a member of a running venture pledges the policy's
amount on its schedule; otherwise the policy is skipped, and the events say why. Top-ups
follow each raise (topups.py)."""

from __future__ import annotations

from simulator.engine.batch.book import pledge
from simulator.engine.batch.codes import (
    POLICY,
    POLICY_NOT_MEMBER,
    POLICY_VENTURE_ENDED,
    RAISE,
    SKIPPED,
)
from simulator.engine.batch.cuts import cut_pledge
from simulator.engine.batch.jit import step
from simulator.engine.batch.kernels import is_member, record, touch
from simulator.engine.batch.topups import after_change, top_up
from simulator.engine.batch.triggers import CUT_ACT, RAISE_ACT, TOPUP_ACT, next_fired


@step
def raises(led, mem, mat, ventures, ex, tops, rs, ev, month):
    """m + 0.2: the raises dated this month, in file order."""
    for k in range(rs.at.shape[0]):
        if rs.at[k] == month:
            for r in range(mem.block[0], mem.block[1]):
                raise_pledge(led, mem, mat, ventures, ex, tops, rs, ev, r, k, month)


@step
def raise_pledge(led, mem, mat, ventures, ex, tops, rs, ev, r, k, month):
    """Raise k in replication r, or why it is skipped (raises.Raises.raise_pledge)."""
    v, f = rs.venture[k], rs.funder[k]
    if ventures.end[r, v] >= 0:
        how = ventures.ending[r, v]  # the skip says how it ended (b)
        record(ev, r, month, SKIPPED, f, v, 0.0, POLICY_VENTURE_ENDED, k, how)
    elif not is_member(mem, r, f, v, month):
        record(ev, r, month, SKIPPED, f, v, 0.0, POLICY_NOT_MEMBER, k, 0.0)
    else:
        amount = rs.amount[r, k]
        pledge(led, r, v, f, month, amount, rs.schedule[k])
        record(ev, r, month, RAISE, f, v, amount, POLICY, k, 0.0)
        touch(mem, r, month)
        if tops.venture.shape[0]:
            after_change(led, mem, mat, ventures, ex, tops, ev, r, month)


@step
def fired_policies(led, mem, mat, ventures, ex, tops, rs, cs, tg, ev, month):
    """m + 0.2, after the dated cuts and raises: those set off by events, and the top-ups
    whose event has come (they act from now on, at once if they must: Raises._applies), in
    the order their events were heard."""
    for r in range(mem.block[0], mem.block[1]):
        w = next_fired(tg, r, month, CUT_ACT, RAISE_ACT, TOPUP_ACT)
        while w >= 0:
            k, a = tg.index[w], tg.action[w]
            if a == CUT_ACT:
                cut_pledge(led, mem, mat, ventures, ex, tops, cs, ev, r, k, month)
            elif a == RAISE_ACT:
                raise_pledge(led, mem, mat, ventures, ex, tops, rs, ev, r, k, month)
            else:
                tops.waiting[r, k] = False
                top_up(led, mem, mat, ventures, ex, tops, ev, r, k, month)
            w = next_fired(tg, r, month, CUT_ACT, RAISE_ACT, TOPUP_ACT)
