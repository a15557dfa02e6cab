"""A chunk's records once its replications have run, in one pass over its arrays: the
flows' cumulative sums, membership by month and the matching money (ledger.add_match's
equations, replication by replication), written in place."""

from __future__ import annotations

from numba import njit


@njit(cache=True)
def settle(flows, join, leave, member, public, mat):
    """flows (3, n, V, P, H) of pledged_at, due and cancelled_at become pledged, paid_in
    and cancelled; member[r, v, p, t] is join ≤ t < leave; then each matching policy's
    money is added to its funder's rows (model.md §8.1)."""
    n, V, P, H = flows.shape[1], flows.shape[2], flows.shape[3], flows.shape[4]
    for r in range(n):
        for v in range(V):
            for p in range(P):
                for k in range(3):
                    total = 0.0
                    for t in range(H):
                        total += flows[k, r, v, p, t]
                        flows[k, r, v, p, t] = total
                for t in range(H):
                    member[r, v, p, t] = join[r, v, p] <= t < leave[r, v, p]
        for k in range(mat.venture.shape[0]):
            add_match(
                flows,
                r,
                mat.venture[k],
                mat.funder[k],
                public,
                mat.ratio[r, k],
                mat.cap[r, k],
                leave[r, mat.venture[k], mat.funder[k]],
                join[r, mat.venture[k], mat.funder[k]],
            )


@njit(cache=True)
def add_match(flows, r, v, funder, public, ratio, cap, stop, begin):
    """ledger.add_match for replication r: committed = min(cap, ratio × private committed),
    paid likewise; 0 before `begin`; from `stop` paid frozen and committed falls to it."""
    H = flows.shape[4]
    before = 0.0  # committed last month
    rises = falls = last_paid = 0.0
    for t in range(H):
        committed_private = paid_private = 0.0
        for q in range(public.shape[0]):
            if not public[q] and q != funder:
                committed_private += flows[0, r, v, q, t] - flows[2, r, v, q, t]
                paid_private += flows[1, r, v, q, t]
        committed = min(cap, ratio * committed_private)
        paid = min(cap, ratio * paid_private)
        if t < begin:
            committed = paid = 0.0
        if t >= stop:
            paid = last_paid if stop > 0 else 0.0
            committed = paid
        else:
            last_paid = paid
        step = committed - before
        before = committed
        rises += max(step, 0.0)
        falls += max(-step, 0.0)
        flows[0, r, v, funder, t] += rises
        flows[2, r, v, funder, t] += falls
        flows[1, r, v, funder, t] += paid
