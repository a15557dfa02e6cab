"""Coalitions as scenarios: the scenario with only some of its members (for partner values).

A coalition S is the scenario with only S's members: the others deleted with the policies
they fund; absent members leave contagion rules' `from`/`to` and talks' `veto_by`/
`refuses_with` lists (a rule left naming nobody is dropped; `any` stays); a departure whose
rival is absent loses `rival` and `rival_hazard`; the rules that name them otherwise
(events, buyers, shares of capital, loans, transfers, splits) as coalition_rules.py says.
A rule that still names an absent member makes the coalition invalid, said in one line.
A coalition without a partner is no scenario: `no_partner_value` values it.
"""

from __future__ import annotations

import copy

from simulator.errors import ConsimError, ScenarioError
from simulator.experiments.coalition_rules import drop_absent
from simulator.scenario.distributions import Distribution
from simulator.scenario.load import validate_document
from simulator.scenario.schema import Scenario
from simulator.scenario.yamlio import Document, Mark


def coalition_data(source: dict, members) -> dict:
    """The resolved scenario `source` (plain data) with only `members` (module docstring)."""
    keep = set(members)
    data = copy.deepcopy(source)
    for group in ("partners", "candidates"):
        data[group] = {k: m for k, m in data.get(group, {}).items() if k in keep}
        for member in data[group].values():
            _without_absent(member, keep)
    drop_absent(data, keep)  # the rules that name them (coalition_rules.py)
    if "contagion" in data:
        rules = data["contagion"].items()
        data["contagion"] = {
            k: r for k, r in rules if _narrow(r, "from", keep) and _narrow(r, "to", keep)
        }
    return data


def _without_absent(member: dict, keep: set) -> None:
    departure = member.get("departure")
    if isinstance(departure, dict) and departure.get("rival") not in (None, *keep):
        departure.pop("rival")
        departure.pop("rival_hazard", None)
    talks = member.get("negotiation")
    if isinstance(talks, dict):
        for key in ("veto_by", "refuses_with"):
            if key in talks and not _narrow(talks, key, keep):
                del talks[key]


def _narrow(rule: dict, key: str, keep: set) -> bool:
    """`rule[key]` (any, an id or a list of ids) without absent members; False when it
    names nobody left."""
    names = rule.get(key, "any")
    if names == "any":
        return True
    if isinstance(names, str):
        return names in keep
    if isinstance(names, list):
        rule[key] = [n for n in names if n in keep]
        return bool(rule[key])
    return True  # not a member set: validation says what is wrong


def coalition_scenario(scenario: Scenario, members) -> Scenario | None:
    """The scenario with only `members`, validated; None when none of them is a partner."""
    if not set(members) & set(scenario.partners):
        return None
    try:
        # validated as the data it is: 0.4 ms, against 3.8 ms with YAML written and read again
        doc = Document(coalition_data(scenario.source, members), {(): Mark("coalition", 0, 0)}, {})
        return validate_document(doc, default_name=scenario.name or "scenario")
    except ConsimError as exc:
        if isinstance(exc, ScenarioError) and exc.problems:
            p = exc.problems[0]
            first = f"{p.path}: {p.message}" if p.path else p.message
        else:
            first = (str(exc).splitlines() or [""])[0]
        absent = [m for m in scenario.members() if m not in set(members)]
        raise ConsimError(
            f"value: the coalition without {', '.join(absent)} is not a valid scenario: {first}"
        ) from None


def no_partner_value(scenario: Scenario, outcome: str) -> float:
    """v(S) of a coalition without a partner: a consortium with no money (module docstring)."""
    if outcome != "p_no_collapse":
        return 0.0
    return 0.0 if any(_requires(v.minimum_capital) for v in scenario.ventures.values()) else 1.0


def _requires(minimum) -> bool:
    """A minimum capital that no money fails (the engine's test: committed < K − 1e-9)."""
    if isinstance(minimum, Distribution):
        return minimum.support()[1] > 1e-9
    return minimum is not None and minimum > 1e-9


def own_pledge(scenario: Scenario, member: str) -> float:
    """What a member pledges as written (expected value of a distribution), all ventures:
    `pledge`, `pledges` and its share of ventures' `capital`; no policies."""
    m = scenario.members()[member]
    total = _mean(m.pledge) + sum(_mean(p.amount) for p in (m.pledges or {}).values())
    for venture in scenario.ventures.values():
        if venture.capital is not None:
            total += venture.capital.amount * venture.capital.shares.get(member, 0.0)
    return float(total)


def _mean(amount) -> float:
    if amount is None:
        return 0.0
    return amount.mean() if isinstance(amount, Distribution) else float(amount)
