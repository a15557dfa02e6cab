"""The story of one run: its events in date order, in words, with the money each moved, and
a closing account that adds up to the run's outcome row (`consim explain`)."""

from __future__ import annotations

import pandas as pd

from simulator.errors import ConsimError

# How an event changes a venture's pledged or cancelled money (docs/model.md): a join, a
# raise or a top-up pledges more; a departure, a collapse, a stop, a dissolution cancels
# what was outstanding; a split cancels in the parent (its own line: all it gave up) and
# pledges in each child (one line per member and child, "from <parent>").
PLEDGES = ("join", "raise", "top_up")
CANCELS = ("departure", "collapse", "stop", "dissolution", "cut", "budget_refused")
VERBS = {
    "departure": "leaves",
    "join": "joins",
    "negotiation_start": "opens talks",
    "negotiation_failed": "talks fail",
    "negotiation_abandoned": "talks abandoned",
    "negotiation_round": "a round of talks",
    "raise": "raises its pledge",
    "top_up": "tops up its pledge",
    "stop": "stops paying",
    "collapse": "the venture collapses",
    "dissolution": "the venture is dissolved",
    "split": "split",
    "buyout": "buys out its partners",
    "absorbed": "absorbed",
    "stake_sold": "sells its stake",
    "stake_refunded": "stake refunded",
    "stake_kept": "keeps its stake",
    "dilution": "ownership granted at entry",
    "transfer": "passes ownership",
    "cut": "cuts its pledge",
    "cut_skipped": "cut skipped",
    "transfer_skipped": "transfer skipped",
    "capital_call": "pays a capital call",
    "call_default": "does not pay a capital call",
    "cash_out": "cash runs out",
    "policy_skipped": "policy skipped",
    "policy_capped": "policy capped",
    "buyout_skipped": "buy-out skipped",
    "budget_deferred": "pays later: beyond its yearly envelope",
    "budget_refused": "refuses to pay beyond its yearly envelope",
    "loan": "lends to the venture",
    "loan_repaid": "is repaid",
    "guarantee_called": "pays as guarantor",
    "loan_default": "loses on its loan",
    "loan_skipped": "loan skipped",
}
STORY_COLUMNS = ["date", "venture", "partner", "event", "amount", "pledged", "cancelled", "text"]


def replication_of(results, replication: int | None, worst: str | None, best: str | None):
    """The replication asked for: by number, or the one with the lowest (`worst`) or highest
    (`best`) value of an outcome column, summed over the ventures."""
    o = results.outcomes
    if o.empty or "replication" not in o:
        raise ConsimError("these results hold no runs to explain")
    runs = sorted(o["replication"].unique())
    if replication is not None:
        if replication not in set(runs):
            raise ConsimError(
                f"--replication {replication}: no such run (these results hold replications "
                f"{runs[0]}–{runs[-1]})"
            )
        return replication
    column = worst or best
    _numeric_outcome(o, column, "--worst" if worst else "--best")
    totals = o.groupby("replication")[column].sum()
    return int(totals.idxmin() if worst else totals.idxmax())


def extreme_run(outcomes: pd.DataFrame, worst, best, point: int | None) -> tuple[int, int]:
    """A sweep's (point, replication) with the lowest (`worst`) or highest (`best`) value of
    an outcome, summed over the ventures; among one point's runs when `point` is given."""
    o = outcomes
    if point is not None:
        o = o[o["point"] == point]
        if o.empty:
            raise ConsimError(f"--point {point}: no such design point")
    column = worst or best
    _numeric_outcome(o, column, "--worst" if worst else "--best")
    totals = o.groupby(["point", "replication"])[column].sum()
    where = totals.idxmin() if worst else totals.idxmax()
    return int(where[0]), int(where[1])


def _numeric_outcome(o: pd.DataFrame, column: str, flag: str) -> None:
    if column not in o or not pd.api.types.is_numeric_dtype(o[column]):
        skip = {"replication", "point"}
        numeric = [c for c in o.columns if pd.api.types.is_numeric_dtype(o[c]) and c not in skip]
        raise ConsimError(
            f"{flag}: {column!r} is not a numeric outcome (expected one of {', '.join(numeric)})"
        )


def story(results, replication: int) -> pd.DataFrame:
    """The run's starting pledges and events as rows (STORY_COLUMNS): `pledged` and
    `cancelled` say how each changed the venture's pledged and cancelled money."""
    labels = results.manifest.get("labels", {})
    members = labels.get("partners", {})
    t = results.trajectories
    t = t[t["replication"] == replication]
    first = t[t["date"] == t["date"].min()]
    rows = [
        (
            row.date,
            str(row.venture),
            str(row.partner),
            "pledge",
            row.pledged,
            row.pledged,
            0.0,
            f"{members.get(str(row.partner), row.partner)} pledges",
        )
        for row in first.itertuples()
        if row.pledged > 0
    ]
    e = results.events
    for ev in e[e["replication"] == replication].itertuples():
        pledged, cancelled = _effect(ev)
        text = _text(ev, members.get(ev.partner, ev.partner))
        rows.append((ev.date, ev.venture, ev.partner, ev.type, ev.amount, pledged, cancelled, text))
    table = pd.DataFrame(rows, columns=STORY_COLUMNS)
    # A split's own line first in its month, then where each member's pledge went.
    first = ~((table["event"] == "split") & (table["partner"] == ""))
    table = table.assign(_after=first).sort_values(["date", "_after"], kind="stable")
    table["date"] = table["date"].astype("period[M]")
    return table.drop(columns="_after").reset_index(drop=True)


def _text(ev, who: str) -> str:
    """The event in words: who does what, and the detail the engine recorded."""
    if ev.type == "split" and who:
        if str(ev.detail).startswith("from "):
            return f"{who}'s unpaid pledge moves here ({ev.detail})"
        return f"{who}: {ev.detail}"
    if ev.type == "split":
        return f"The venture splits ({ev.detail}): all it gives up"
    verb = VERBS.get(ev.type, ev.type.replace("_", " "))
    text = f"{who} {verb}" if who else verb[0].upper() + verb[1:]
    return f"{text} ({ev.detail})" if ev.detail else text


def _effect(ev) -> tuple[float, float]:
    """(pledged, cancelled) change of the event's venture."""
    if ev.type in PLEDGES:
        return ev.amount, 0.0
    if ev.type in CANCELS:
        return 0.0, ev.amount
    if ev.type == "split":
        if ev.partner == "":
            return 0.0, ev.amount  # all the parent gave up, moved or cancelled
        if str(ev.detail).startswith("from "):
            return ev.amount, 0.0  # pledged in the child
    return 0.0, 0.0


def format_story(results, replication: int) -> str:
    """The story as dated lines (the venture named when there are several), then each
    venture's account: pledged at the start plus what events pledged, minus what they
    cancelled, against the run's outcome row."""
    unit = results.manifest.get("unit", "")
    s = story(results, replication)
    o = results.outcomes
    o = o[o["replication"] == replication]
    o = o.set_index(o["venture"].astype(str))
    several = len(o) > 1
    lines = [f"{results.manifest.get('scenario')}, run {replication}:"]
    for r in s.itertuples():
        where = f" [{r.venture}]" if several and r.venture else ""
        lines.append(f"  {r.date}  {r.text}{where}{_money(r, unit)}")
    for venture, rows in s[s["venture"] != ""].groupby("venture", sort=False):
        if venture in o.index:
            lines.append(_account(venture, rows, o.loc[venture], unit))
    return "\n".join(lines)


def _money(r, unit: str) -> str:
    if r.event == "pledge":
        return f": {r.pledged:,.1f} {unit}"
    if r.pledged:
        return f": +{r.pledged:,.1f} {unit} pledged"
    if r.cancelled:
        return (
            f": {r.cancelled:,.1f} {unit} cancelled or moved"
            if r.event == "split"
            else (f": {r.cancelled:,.1f} {unit} cancelled")
        )
    return f": {r.amount:,.1f} {unit}" if r.amount else ""


def _account(venture: str, rows: pd.DataFrame, outcome: pd.Series, unit: str) -> str:
    pledged, cancelled = rows["pledged"].sum(), rows["cancelled"].sum()
    return (
        f"  {venture} at the end: pledged {pledged:,.1f} − cancelled {cancelled:,.1f} = "
        f"committed {pledged - cancelled:,.1f} {unit}, of which paid in "
        f"{outcome['paid_in_final']:,.1f} (the outcome row: pledged "
        f"{outcome['pledged_final']:,.1f}, cancelled {outcome['cancelled_final']:,.1f}, "
        f"committed {outcome['committed_final']:,.1f})"
    )
