"""What becomes of the rules that name a member left out of a coalition (partner values).

A coalition is the scenario without some members. Each rule that names one of them keeps
the meaning it has for those who stay:
- an event of an absent member never happens: a rule set off by it (a raise, a cut, a
  stop, a buy-out, a transfer, a split, a dissolution, a candidate's talks) never acts and
  is left out (a candidate whose talks wait for it never negotiates: left out too);
- an absent buyer buys nothing: a venture's buy-out by it is left out; a leaver's exit rule
  naming it falls back to the scenario's (`exit:`), whose own absent buyer leaves the stake
  where it is (`stays`); several buyers share the stake among those present;
- an absent member contributes nothing: its share of a venture's capital (`capital.shares`)
  is not paid, the others' amounts unchanged (the shares renormalized, the amount scaled);
  its loan is not lent, its guarantee not given; its default probability, split fractions
  and amounts, and its place in child ventures and transfers go with it.
"""

from __future__ import annotations

MEMBER_EVENTS = ("departure", "joins", "negotiation_failed")


def fires(on, keep: set) -> bool:
    """Whether an `on:`/`trigger:` can fire: it waits for no event of an absent member."""
    if not isinstance(on, dict):
        return True
    return all(on.get(key) in (None, "any", *keep) for key in MEMBER_EVENTS)


def drop_absent(data: dict, keep: set) -> None:
    """Every rule of the resolved scenario `data` as the coalition `keep` has it (in place)."""
    data["candidates"] = {
        k: c
        for k, c in data.get("candidates", {}).items()
        if fires((c.get("negotiation") or {}).get("trigger"), keep)
    }
    # a candidate left out never joins nor fails: its events never happen either
    keep = keep & {*data.get("partners", {}), *data["candidates"]}
    data["policies"] = {
        k: p
        for k, p in data.get("policies", {}).items()
        if p.get("funder") in keep and fires(p.get("on"), keep)
    }
    for group in ("partners", "candidates"):
        for member in data[group].values():
            _member(member, keep)
    if isinstance(data.get("exit"), dict) and not _exit(data["exit"], keep):
        data["exit"] = {"stake": "stays"}
    for venture in data.get("ventures", {}).values():
        _venture(venture, keep)


def _member(member: dict, keep: set) -> None:
    if isinstance(member.get("cuts"), list):
        member["cuts"] = [c for c in member["cuts"] if fires(c.get("on"), keep)]
    departure = member.get("departure")
    exit_rule = departure.get("exit") if isinstance(departure, dict) else None
    if isinstance(exit_rule, dict) and not _exit(exit_rule, keep):
        del departure["exit"]  # the scenario's exit rule


def _exit(exit_rule: dict, keep: set) -> bool:
    """The exit rule without absent buyers; False when it names only absent ones."""
    if exit_rule.get("buyer") not in (None, *keep):
        return False
    buyers = exit_rule.get("buyers")
    if isinstance(buyers, dict):
        present = {k: v for k, v in buyers.items() if k in keep}
        if not present:
            return False
        total = sum(present.values())
        exit_rule["buyers"] = {k: v / total for k, v in present.items()}
    return True


def _venture(venture: dict, keep: set) -> None:
    for key in ("buyout", "dissolution", "split"):
        rule = venture.get(key)
        if isinstance(rule, dict) and not fires(rule.get("on"), keep):
            del venture[key]
    if isinstance(venture.get("buyout"), dict) and venture["buyout"].get("buyer") not in keep:
        del venture["buyout"]
    if isinstance(venture.get("transfers"), list):
        venture["transfers"] = [t for t in venture["transfers"] if _transfer(t, keep)]
    if isinstance(venture.get("loans"), dict):
        venture["loans"] = {k: loan for k, loan in venture["loans"].items() if _loan(loan, keep)}
    if isinstance(venture.get("capital"), dict) and not _capital(venture["capital"], keep):
        del venture["capital"]
    calls = venture.get("capital_calls")
    default = calls.get("default") if isinstance(calls, dict) else None
    if isinstance(default, dict) and isinstance(default.get("probability"), dict):
        default["probability"] = {k: p for k, p in default["probability"].items() if k in keep}
    if isinstance(venture.get("split"), dict) and not _split(venture["split"], keep):
        del venture["split"]


def _transfer(transfer: dict, keep: set) -> bool:
    """A transfer among present members; False when it cannot happen without the absent."""
    if transfer.get("to") not in keep or not fires(transfer.get("on"), keep):
        return False
    sellers = transfer.get("from")
    if isinstance(sellers, list):
        transfer["from"] = [s for s in sellers if s in keep]
        return bool(transfer["from"])
    if isinstance(sellers, dict):
        transfer["from"] = {s: f for s, f in sellers.items() if s in keep}
        return bool(transfer["from"])
    return True


def _loan(loan: dict, keep: set) -> bool:
    if loan.get("lender") not in keep or not fires(loan.get("on"), keep):
        return False
    if loan.get("guarantor") not in (None, *keep):
        loan.pop("guarantor")
        loan.pop("guarantee", None)
    return True


def _capital(capital: dict, keep: set) -> bool:
    """Capital given as shares: the present members' amounts unchanged."""
    shares = capital.get("shares")
    if not isinstance(shares, dict):
        return True
    present = {k: v for k, v in shares.items() if k in keep}
    if not present:
        return False
    total = sum(present.values())
    capital["shares"] = {k: v / total for k, v in present.items()}
    capital["amount"] = capital["amount"] * total
    return True


def _split(split: dict, keep: set) -> bool:
    """The split among present members; a child venture left with none is no part of it
    (False when no child is left: no split)."""
    into = split.get("into") or {}
    for child in into.values():
        if isinstance(child, dict) and isinstance(child.get("members"), list):
            child["members"] = [m for m in child["members"] if m in keep]
    gone = {k for k, child in into.items() if isinstance(child, dict) and not child.get("members")}
    split["into"] = {k: child for k, child in into.items() if k not in gone}
    for key in ("pledges", "amounts"):
        if isinstance(split.get(key), dict):
            split[key] = {
                m: {c: v for c, v in parts.items() if c not in gone}
                if isinstance(parts, dict)
                else parts
                for m, parts in split[key].items()
                if m in keep
            }
    if isinstance(split.get("leaving"), list):
        split["leaving"] = [m for m in split["leaving"] if m in keep]
    return bool(split["into"])
