"""Who funds what: members without a pledge and ventures nobody funds (warnings, not errors).

Errors are kept for what cannot run or contradicts itself; these all run, and the engine
handles them correctly, but they are seldom meant, so they are warnings. A member without a
pledge may be there on purpose (to buy a leaver's stake, to be a rival, to fund by policy);
the warning says when nothing refers to it either. A venture with a minimum capital that
nothing funds collapses at its deadline for certain: the warning says so (a what-if that
removes its last funder asks exactly that, and may run).
"""

from __future__ import annotations

from simulator.scenario.checks.context import Issue
from simulator.scenario.checks.membership import capital_ventures, member_ventures
from simulator.scenario.distributions import Distribution
from simulator.scenario.schema import Cap, Scenario, Stop

# Free text: a label that happens to spell an id is not a reference to it.
_TEXT_KEYS = {"label", "title", "description", "name", "unit"}


def funding_warnings(s: Scenario) -> list[Issue]:
    """Members without a pledge; ventures that nobody funds."""
    issues = [(path, _NO_PLEDGE if used else _NO_PART) for path, used in _unpledged(s)]
    for vid in _unfunded(s):
        if _needs_capital(s.ventures[vid].minimum_capital):
            issues.append((("ventures", vid, "minimum_capital"), _CANNOT_FUND))
        else:
            issues.append((("ventures", vid), _NOBODY_FUNDS))
    return issues


_NO_PART = (
    "no pledge, and nothing refers to it: it takes no part in the run "
    "(give pledge or pledges, or remove it with null)"
)
_NO_PLEDGE = "no pledge: it puts no money in (it is still a member; give pledge or pledges)"

_NOBODY_FUNDS = "nobody funds this venture (no pledge, policy, split or buy-out brings capital)"
_CANNOT_FUND = (
    "nobody funds this venture (no pledge, policy, split or buy-out brings capital), so it "
    "collapses at its deadline for certain (pledge to it, or remove minimum_capital)"
)


def _needs_capital(minimum) -> bool:
    if minimum is None:
        return False
    high = minimum.support()[1] if isinstance(minimum, Distribution) else minimum
    return high > 0


def _unpledged(s: Scenario) -> list[tuple[tuple, bool]]:
    """(key path, referenced elsewhere?) of each partner and candidate that neither pledges
    nor funds by a policy (match, top_up, raise)."""
    found = []
    by_policy = {p.funder for p in s.policies.values() if not isinstance(p, (Cap, Stop))}
    for group in ("partners", "candidates"):
        for mid, m in getattr(s, group).items():
            if member_ventures(s, m) or mid in by_policy or capital_ventures(s, mid):
                continue
            found.append(((group, mid), mid in _words(s.source, skip=(group, mid))))
    return found


def _words(node, skip: tuple, path: tuple = ()) -> set[str]:
    """Every text key and value in the resolved scenario outside `skip` and free text: the
    ids it refers to (funders, buyers, rivals, split members, …), whatever the key."""
    if path == skip:
        return set()
    if isinstance(node, dict):
        words = {k for k in node if isinstance(k, str) and path not in _ID_TABLES}
        for k, v in node.items():
            if k not in _TEXT_KEYS:
                words |= _words(v, skip, path + (k,))
        return words
    if isinstance(node, list):
        return set().union(*(_words(v, skip, path + (i,)) for i, v in enumerate(node)))
    return {node} if isinstance(node, str) else set()


# The top-level tables whose keys declare ids (a member's own id is not a reference to it).
_ID_TABLES = {("partners",), ("candidates",)}


def _unfunded(s: Scenario) -> list[str]:
    """Ventures that no pledge, policy, split or buy-out absorption brings capital to."""
    only = next(iter(s.ventures))
    funded = set()
    for m in s.members().values():
        funded |= member_ventures(s, m)
    for p in s.policies.values():
        if not isinstance(p, (Cap, Stop)):
            funded.add(p.venture or only)
    for vid, v in s.ventures.items():
        if v.capital is not None:
            funded.add(vid)
        if v.split is not None:
            funded |= set(v.split.into)
        if v.buyout is not None and not isinstance(v.buyout.then, str):
            funded.add(v.buyout.then.into)
    return [vid for vid in s.ventures if vid not in funded]
