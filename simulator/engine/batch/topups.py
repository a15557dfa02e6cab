"""Top-ups in the batch engine (docs/model.md §8.2; raises.Raises.top_up): right after
every change of committed capital (in month 0 after the partners' pledges, after a
departure, a join, a raise), each `top_up` policy in file order restores its funder's
share of the active members' committed capital to its target s, pledging
x = (s·T − F) / (1 − s) on its schedule, within its cap."""

from __future__ import annotations

from simulator.engine.batch.book import pledge
from simulator.engine.batch.codes import POLICY, TOP_UP
from simulator.engine.batch.jit import inline, kernel, step
from simulator.engine.batch.kernels import is_member, match_committed, record

_EPS = 1e-9


@inline
def after_change(led, mem, mat, ven, ex, tops, ev, r, month):
    """Replication r's capital changed in `month`: every top-up policy acts if it must
    (replication.after_change; the only rule of it the batch engine runs)."""
    for k in range(tops.venture.shape[0]):
        top_up(led, mem, mat, ven, ex, tops, ev, r, k, month)


@step
def top_up(led, mem, mat, ven, ex, tops, ev, r, k, month):
    """Top-up policy k of replication r, if its venture runs, its funder is a member and
    it does not wait for its event."""
    v, f = tops.venture[k], tops.funder[k]
    if ven.end[r, v] >= 0 or not is_member(mem, r, f, v, month) or tops.waiting[r, k]:
        return
    join, leave, committed, adjust = mem.join, mem.leave, led.committed, ex.adjust
    total = 0.0  # T: what the active members hold, matching money and stakes included
    for q in range(join.shape[2]):
        if join[r, v, q] <= month < leave[r, v, q]:
            held = committed[r, v, q] + match_committed(led, mem, mat, r, v, month, q)
            total += held + adjust[r, v, q]
    own = committed[r, v, f] + match_committed(led, mem, mat, r, v, month, f) + adjust[r, v, f]
    share = tops.share[r, k]
    need = min((share * total - own) / (1.0 - share), tops.cap[r, k] - tops.added[r, k])
    if need <= _EPS:
        return
    pledge(led, r, v, f, month, need, tops.schedule[k])
    tops.added[r, k] += need
    record(ev, r, month, TOP_UP, f, v, need, POLICY, tops.index[k], 0.0)


@kernel
def start(led, mem, mat, ven, ex, tops, ev, begin, end):
    """Month 0, after the partners' pledges: the top-ups of replications begin … end-1."""
    for r in range(begin, end):
        after_change(led, mem, mat, ven, ex, tops, ev, r, 0)
