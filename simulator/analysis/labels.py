"""Readable names for an input's key path: "Atos: talks succeed (probability)" for
`candidates.atos.negotiation.success`, with the element's display name from the scenario
and the unit the key's last word implies."""

from __future__ import annotations

GROUPS = {"partners": "partners", "candidates": "partners", "ventures": "ventures"}
MONEY = {
    "pledge",
    "amount",
    "minimum_capital",
    "cap",
    "max_pledge",
    "ask",
    "per_year",
    "per_month",
    "below",
    "target",
}
STATISTICS = {"low", "mode", "high", "mean", "sd", "median"}
WORDS = {
    ("negotiation", "success"): ("talks succeed", "probability"),
    ("negotiation", "start"): ("talks start", "month"),
    ("negotiation", "duration"): ("talks last", "months"),
    ("departure", "hazard"): ("departure hazard", "per month"),
    ("departure", "rival_hazard"): ("departure hazard with the rival in", "per month"),
    ("departure", "at"): ("leaves in", "month"),
    ("departure", "start"): ("departure risk from", "month"),
}


def input_label(key: str, labels: dict | None = None, unit: str = "") -> str:
    """`partners.state.pledge` → "French State: pledge (M€)" (`labels`: the manifest's
    {"partners": {id: name}, "ventures": {id: name}}); an unknown path reads word by word."""
    parts = key.split(".")
    if len(parts) < 3 or parts[0] not in GROUPS:
        return key.replace("_", " ")
    names = (labels or {}).get(GROUPS[parts[0]], {})
    who, rest = names.get(parts[1], parts[1]), parts[2:]
    statistic = rest[-1] if len(rest) > 1 and rest[-1] in STATISTICS else None
    if statistic:
        rest = rest[:-1]
    words, measure = WORDS.get(tuple(rest[-2:]), (None, None))
    if words is None:
        words = " ".join(r.replace("_", " ") for r in rest)
        measure = unit if rest[-1] in MONEY else None
    if statistic:
        words = f"{words}, {statistic}"
    return f"{who}: {words}" + (f" ({measure})" if measure else "")
