"""A scenario's assumptions as readable tables: who pledged what, to which venture, when,
with which uncertainty; the ventures' terms; the policies; the market projection. Read from
the resolved scenario a manifest keeps (plain data, as the YAML file would write it)."""

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
        varying = _varying_text(value)
        if varying:
            return varying
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


def _varying_text(value: dict) -> str:
    """A term that varies (scenario/terms.py): "0.01 from 2012-01, 0.03 from 2013-07";
    "0.01 in 2012-01, 0.004 more a year, at most 0.2"; "0.5, 0.4, 0.3 by round"; "0.5 in
    round 1, -0.1 more a round"; "" for anything else."""
    if isinstance(value.get("steps"), dict) and len(value) == 1:
        return ", ".join(f"{describe(v)} from {m}" for m, v in value["steps"].items())
    if isinstance(value.get("by_round"), list) and len(value) == 1:
        return ", ".join(describe(v) for v in value["by_round"]) + " by round"
    if "per_year" in value:
        when = f" in {value['from']}" if value.get("from") else ""
        text = f"{describe(value.get('start'))}{when}, {describe(value['per_year'])} more a year"
    elif "per_round" in value:
        first, step = describe(value.get("first")), describe(value["per_round"])
        text = f"{first} in round 1, {step} more a round"
    else:
        return ""
    return text + (f", at most {describe(value['max'])}" if value.get("max") is not None else "")


def schedule_text(schedule) -> str:
    """When a pledge is paid: "4 tranches, every 12 months, from 2012-06"; "upfront"."""
    if not isinstance(schedule, dict):
        return "upfront" if schedule is None else describe(schedule)
    kind = schedule.get("type")
    if kind == "tranches" and set(schedule) <= {"type", "count", "every", "start"}:
        every = schedule.get("every", 1)
        text = f"{describe(schedule['count'])} tranches, every {describe(every)} month(s)"
        return text + (f", from {schedule['start']}" if schedule.get("start") else "")
    if kind == "upfront" and set(schedule) <= {"type", "at"}:
        return "upfront" + (f", {schedule['at']}" if schedule.get("at") else "")
    if kind == "on_call":
        return "on the venture's capital calls"
    if kind == "calendar" and isinstance(schedule.get("payments"), dict):
        return "calendar: " + ", ".join(
            f"{month} {describe(v)}" for month, v in schedule["payments"].items()
        )
    return describe(schedule)


def departure_text(departure, labels: dict[str, str]) -> str:
    """How a member may leave: "leaves 2011-12"; "monthly hazard 0.005 (0.02 while Orange is
    a member)"."""
    if not isinstance(departure, dict):
        return describe(departure)
    rest = {k: v for k, v in departure.items() if v is not None}
    parts = []
    if "at" in rest:
        parts.append(f"leaves {rest.pop('at')}")
    if "hazard" in rest:
        parts.append(f"monthly hazard {describe(rest.pop('hazard'))}")
        if "rival" in rest and "rival_hazard" in rest:
            rival = labels.get(rest["rival"], rest["rival"])
            parts[-1] += f" ({describe(rest.pop('rival_hazard'))} while {rival} is a member)"
            rest.pop("rival")
    if "start" in rest:
        parts.append(f"from {rest.pop('start')}")
    return "; ".join(parts + ([describe(rest)] if rest else []))


def negotiation_text(negotiation) -> str:
    """A candidate's talks: "from 2012-01, lasting triangular 2–5–12 months, success 0.6"."""
    if not isinstance(negotiation, dict):
        return describe(negotiation)
    rest = {k: v for k, v in negotiation.items() if v is not None}
    parts = []
    if "start" in rest:
        parts.append(f"from {rest.pop('start')}")
    if "duration" in rest:
        parts.append(f"lasting {describe(rest.pop('duration'))} month(s)")
    if "success" in rest:
        parts.append(f"success {describe(rest.pop('success'))}")
    return ", ".join(parts) + ("; " + describe(rest) if rest else "")


def market_text(market, unit: str) -> str:
    """The market projection: "European cloud market: 35,000 M€ in 2014-12; growth 0.25 a
    year; capital compared with it in 2014-12"."""
    if not isinstance(market, dict):
        return describe(market) or "none"
    rest = {k: v for k, v in market.items() if v is not None}
    label = rest.pop("label", "market projection")
    parts = []
    if isinstance(rest.get("points"), dict):
        points = rest.pop("points")
        parts.append(", ".join(f"{describe(v)} {unit} in {month}" for month, v in points.items()))
    if "growth" in rest:
        parts.append(f"growth {describe(rest.pop('growth'))} a year")
    if "reference" in rest:
        parts.append(f"capital compared with it in {rest.pop('reference')}")
    if rest:
        parts.append(describe(rest))
    return f"{label}: " + "; ".join(parts)


def member_labels(scenario: dict) -> dict[str, str]:
    """Each partner's, candidate's and venture's key → its label."""
    return {
        key: (m or {}).get("label") or key
        for group in ("partners", "candidates", "ventures")
        for key, m in scenario.get(group, {}).items()
    }


def member_rows(scenario: dict) -> pd.DataFrame:
    """One row per pledge of each partner and candidate."""
    ventures = list(scenario.get("ventures", {}))
    labels = member_labels(scenario)
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
                        "venture": labels.get(venture, venture),
                        "pledge": describe(p.get("amount")),
                        "schedule": schedule_text(p.get("schedule") or m.get("schedule")),
                        "departure": departure_text(m.get("departure"), labels),
                        "negotiation": negotiation_text(m.get("negotiation")),
                    }
                )
    return pd.DataFrame(rows)


def venture_rows(scenario: dict) -> pd.DataFrame:
    rows = []
    for key, v in scenario.get("ventures", {}).items():
        terms = {k: val for k, val in (v or {}).items() if k != "label"}
        rows.append({"venture": (v or {}).get("label") or key, "terms": describe(terms) or "—"})
    return pd.DataFrame(rows)


def policy_rows(scenario: dict) -> pd.DataFrame:
    """One row per policy: who pays, of which type, on which terms."""
    labels = member_labels(scenario)
    rows = []
    for key, p in (scenario.get("policies") or {}).items():
        terms = {k: v for k, v in p.items() if k not in ("type", "funder", "schedule")}
        rows.append(
            {
                "policy": key,
                "type": p.get("type", ""),
                "funder": labels.get(p.get("funder"), p.get("funder") or ""),
                "terms": describe(terms),
                "schedule": schedule_text(p.get("schedule")) if "schedule" in p else "",
            }
        )
    return pd.DataFrame(rows)


def assumptions(scenario: dict) -> dict[str, pd.DataFrame]:
    """Tables of the scenario: members' pledges, ventures, policies, horizon and market."""
    unit = scenario.get("unit", "")
    general = {
        "scenario": scenario.get("title") or scenario.get("name", ""),
        "horizon": f"{scenario.get('start', '')} to {scenario.get('end', '')}",
        "unit": unit,
        "market": market_text(scenario.get("market"), unit),
    }
    for key in ("contagion", "exit", "benchmarks"):
        if scenario.get(key):
            general[key] = describe(scenario[key])
    return {
        "scenario": pd.DataFrame({"item": list(general), "value": list(general.values())}),
        "members": member_rows(scenario),
        "ventures": venture_rows(scenario),
        "policies": policy_rows(scenario),
    }
