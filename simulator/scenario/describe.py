"""A scenario's assumptions as readable tables: who pledged what, to which venture, when,
with which uncertainty; the ventures' terms; the market projection. Read from the resolved
scenario a manifest keeps (plain data, as the YAML file would write it)."""

from __future__ import annotations

import pandas as pd

DISTRIBUTIONS = {
    "triangular": ("low", "mode", "high"),
    "uniform": ("low", "high"),
    "pert": ("low", "mode", "high"),
}


def describe(value) -> str:
    """A value as a person reads it: 60, "triangular 20–40–60", "tranches: count 4, every 12"."""
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, float | int):
        return f"{value:,.6g}"
    if isinstance(value, dict):
        if "dist" in value:
            keys = DISTRIBUTIONS.get(value["dist"])
            if keys and all(k in value for k in keys):
                return f"{value['dist']} " + "–".join(describe(value[k]) for k in keys)
            rest = ", ".join(f"{k} {describe(v)}" for k, v in value.items() if k != "dist")
            return f"{value['dist']} ({rest})"
        if "type" in value:
            rest = ", ".join(
                f"{k} {describe(v)}" for k, v in value.items() if k != "type" and v is not None
            )
            return f"{value['type']}" + (f": {rest}" if rest else "")
        shown = {k: v for k, v in value.items() if v is not None}
        return "; ".join(f"{k.replace('_', ' ')}: {describe(v)}" for k, v in shown.items())
    if isinstance(value, list):
        return ", ".join(describe(v) for v in value)
    return "" if value is None else str(value)


def member_rows(scenario: dict) -> pd.DataFrame:
    """One row per pledge of each partner and candidate."""
    ventures = list(scenario.get("ventures", {}))
    rows = []
    for role, group in (("partner", "partners"), ("candidate", "candidates")):
        for key, m in scenario.get(group, {}).items():
            pledges = m.get("pledges") or {
                m.get("venture", ventures[0] if ventures else ""): {
                    "amount": m.get("pledge"),
                    "schedule": m.get("schedule"),
                }
            }
            for venture, p in pledges.items():
                p = p if isinstance(p, dict) and "amount" in p else {"amount": p}
                rows.append(
                    {
                        "member": m.get("label") or key,
                        "role": role + (" (public)" if m.get("public") else ""),
                        "venture": venture,
                        "pledge": describe(p.get("amount")),
                        "schedule": describe(p.get("schedule") or m.get("schedule")),
                        "departure": describe(m.get("departure")),
                        "negotiation": describe(m.get("negotiation")),
                    }
                )
    return pd.DataFrame(rows)


def venture_rows(scenario: dict) -> pd.DataFrame:
    rows = []
    for key, v in scenario.get("ventures", {}).items():
        terms = {k: val for k, val in (v or {}).items() if k != "label"}
        rows.append({"venture": (v or {}).get("label") or key, "terms": describe(terms) or "—"})
    return pd.DataFrame(rows)


def assumptions(scenario: dict) -> dict[str, pd.DataFrame]:
    """Tables of the scenario: members' pledges, ventures, horizon and market."""
    general = {
        "scenario": scenario.get("title") or scenario.get("name", ""),
        "horizon": f"{scenario.get('start', '')} to {scenario.get('end', '')}",
        "unit": scenario.get("unit", ""),
        "market": describe(scenario.get("market")) or "none",
    }
    for key in ("policies", "contagion", "exit"):
        if scenario.get(key):
            general[key] = describe(scenario[key])
    return {
        "scenario": pd.DataFrame({"": list(general), "value": list(general.values())}),
        "members": member_rows(scenario),
        "ventures": venture_rows(scenario),
    }
