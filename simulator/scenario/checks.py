"""Checks across keys: references between ids, dates against the horizon, sums of shares."""

from __future__ import annotations

from simulator.scenario.distributions import Distribution
from simulator.scenario.funding_checks import funding_warnings
from simulator.scenario.restructuring_checks import (
    buyout_checks,
    cap_checks,
    contagion_checks,
    dissolution_checks,
    exit_checks,
    negotiation_checks,
    split_checks,
    stop_checks,
)
from simulator.scenario.schema import (
    Calendar,
    Cap,
    Member,
    Scenario,
    Stop,
    TopUp,
    Tranches,
    Upfront,
)
from simulator.scenario.spending_checks import on_call_checks, spending_checks
from simulator.scenario.types import month_label

Issue = tuple  # (key path tuple, message)


def check(s: Scenario) -> list[Issue]:
    """Every cross-key problem in a scenario that passed the schema."""
    issues: list[Issue] = []
    if s.end < s.start:
        got, start = month_label(s.end), month_label(s.start)
        issues.append((("end",), f"end is before start (got {got}; expected ≥ {start})"))
        return issues
    if s.horizon > 1200:
        issues.append((("end",), f"horizon too long (got {s.horizon} months; expected ≤ 1200)"))
    ctx = _Context(s, issues)
    both = sorted(set(s.partners) & set(s.candidates))
    for pid in both:
        issues.append((("candidates", pid), f"id {pid!r} is already a partner (expected a new id)"))
    for vid, venture in s.ventures.items():
        ctx.venture_checks(vid, venture)
    for group in ("partners", "candidates"):
        for pid, member in getattr(s, group).items():
            ctx.member_checks((group, pid), pid, member, group == "candidates")
    for pol_id, policy in s.policies.items():
        ctx.policy_checks(("policies", pol_id), policy)
    cap_checks(ctx)
    for rule_id, rule in s.contagion.items():
        contagion_checks(ctx, ("contagion", rule_id), rule)
    exit_checks(ctx)
    on_call_checks(ctx)
    ctx.share_sums()
    if s.market is not None:
        ctx.market_checks()
    ctx.benchmark_checks()
    return issues


def check_warnings(s: Scenario) -> list[Issue]:
    """What a valid scenario may mean but probably does not (shown, not refused)."""
    return funding_warnings(s)


class _Context:
    def __init__(self, s: Scenario, issues: list):
        self.s, self.issues = s, issues
        self.member_ids = set(s.partners) | set(s.candidates)

    def add(self, path, message):
        self.issues.append((tuple(path), message))

    def in_horizon(self, path, month, what="date"):
        s = self.s
        if not s.start <= month <= s.end:
            self.add(
                path,
                f"{what} outside the horizon (got {month_label(month)}; expected "
                f"{month_label(s.start)} to {month_label(s.end)})",
            )

    def venture_ref(self, path, vid):
        if vid not in self.s.ventures:
            self.add(path, _unknown("venture", vid, self.s.ventures))

    def member_ref(self, path, mid):
        if mid not in self.member_ids:
            self.add(path, _unknown("partner", mid, self.member_ids))

    def default_venture(self, path, vid):
        """The venture a pledge or policy addresses: given, or the only one there is."""
        if vid is not None:
            self.venture_ref(path + ("venture",), vid)
            return vid
        if len(self.s.ventures) > 1:
            self.add(
                path,
                "'venture' is required when the scenario has several ventures "
                f"(expected one of: {', '.join(self.s.ventures)})",
            )
            return None
        return next(iter(self.s.ventures))

    def venture_checks(self, vid, v):
        path = ("ventures", vid)
        if (v.minimum_capital is None) != (v.deadline is None):
            self.add(path, "minimum_capital and deadline go together (got only one of them)")
        if v.deadline is not None:
            self.in_horizon(path + ("deadline",), v.deadline, "deadline")
        if v.dissolution is not None:
            dissolution_checks(self, path + ("dissolution",), v.dissolution)
        if v.split is not None:
            split_checks(self, vid, v.split)
        if v.buyout is not None:
            buyout_checks(self, vid, v.buyout)
        spending_checks(self, vid, v)

    def member_checks(self, path, mid, m: Member, is_candidate):
        if m.pledges is not None and (m.pledge is not None or m.schedule is not None):
            self.add(path + ("pledges",), "give either pledge (+ schedule) or pledges, not both")
        bargained = is_candidate and m.negotiation.bargained
        if bargained and (m.pledge is not None or m.pledges is not None):
            key = "pledge" if m.pledge is not None else "pledges"
            self.add(
                path + (key,),
                "the amount is bargained: remove it (negotiation.max_pledge is the most the "
                "candidate puts in; give venture and schedule without a pledge)",
            )
        elif (
            m.pledge is None and (m.schedule is not None or m.venture is not None) and not bargained
        ):
            self.add(path + ("pledge",), "schedule/venture given without a pledge amount")
        if bargained and m.pledge is None:
            self.default_venture(path, m.venture)
            if m.schedule is not None:
                self.schedule_checks(path + ("schedule",), m.schedule, 0.0, is_candidate)
        if m.pledge is not None:
            self.default_venture(path, m.venture)
            if m.schedule is not None:
                self.schedule_checks(path + ("schedule",), m.schedule, m.pledge, is_candidate)
        for vid, pledge in (m.pledges or {}).items():
            self.venture_ref(path + ("pledges", vid), vid)
            self.schedule_checks(
                path + ("pledges", vid, "schedule"), pledge.schedule, pledge.amount, is_candidate
            )
        if is_candidate:
            negotiation_checks(self, path, mid, m)
        if m.departure is not None:
            self.departure_checks(path + ("departure",), mid, m.departure, is_candidate)

    def schedule_checks(self, path, sched, amount, is_candidate):
        first = getattr(sched, "at", None) if isinstance(sched, Upfront) else None
        if isinstance(sched, Tranches):
            first = sched.start
        if first is not None and is_candidate:
            self.add(path, "a candidate's schedule starts when it joins (remove the date)")
            return
        if isinstance(sched, Calendar):
            if is_candidate:
                self.add(path, "a candidate joins at an uncertain date: use upfront or tranches")
                return
            for month in sched.payments:
                self.in_horizon(path + ("payments", month_label(month)), month, "payment date")
            fixed = [v for v in sched.payments.values() if not isinstance(v, Distribution)]
            if not isinstance(amount, Distribution) and len(fixed) == len(sched.payments):
                total = sum(fixed)
                if abs(total - amount) > 1e-9 * max(1.0, abs(amount)):
                    self.add(
                        path + ("payments",),
                        f"payments add up to {total:g} but the pledge is {amount:g} "
                        "(expected equal amounts)",
                    )
            return
        if first is not None:
            self.in_horizon(path + (("at",) if isinstance(sched, Upfront) else ("start",)), first)
        if isinstance(sched, Tranches) and sched.start is not None:
            last = sched.start + (sched.count - 1) * sched.every
            if last > self.s.end:
                self.add(
                    path,
                    f"tranches run to {month_label(last)}, past the end of the horizon "
                    f"(expected the last payment by {month_label(self.s.end)})",
                )

    def departure_checks(self, path, mid, d, is_candidate):
        if (d.at is None) == (d.hazard is None):
            self.add(path, "give exactly one of 'at' (a date) or 'hazard' (a monthly probability)")
        if d.at is not None:
            if is_candidate:
                self.add(path + ("at",), "a candidate may leave only with a hazard")
            else:
                self.in_horizon(path + ("at",), d.at, "departure date")
        if d.start is not None:
            self.in_horizon(path + ("start",), d.start)
        if d.at is not None and d.rival is not None:
            self.add(path + ("rival",), "a rival raises a hazard; a dated departure has none")
        if (d.rival is None) != (d.rival_hazard is None):
            self.add(path, "rival and rival_hazard go together (got only one of them)")
        if d.rival is not None:
            self.member_ref(path + ("rival",), d.rival)
            if d.rival == mid:
                self.add(path + ("rival",), f"a member cannot be its own rival (got {mid!r})")
        if d.venture is not None:
            self.venture_ref(path + ("venture",), d.venture)

    def policy_checks(self, path, p):
        self.member_ref(path + ("funder",), p.funder)
        if isinstance(p, Cap):
            return
        self.default_venture(path, p.venture)
        if isinstance(p, Stop):
            stop_checks(self, path, p)
        if hasattr(p, "at"):
            self.in_horizon(path + ("at",), p.at)
        if isinstance(p, TopUp):
            high = p.share.support()[1] if isinstance(p.share, Distribution) else p.share
            if high >= 1:
                self.add(
                    path + ("share",),
                    f"share must be below 100 % (got up to {high:g}; expected < 1)",
                )
        if hasattr(p, "schedule") and p.schedule is not None:
            sched = p.schedule
            if isinstance(sched, Calendar):
                self.add(
                    path + ("schedule",),
                    "a policy's payments start when it acts: use upfront or tranches",
                )
            elif (
                getattr(sched, "start", None) is not None or getattr(sched, "at", None) is not None
            ):
                self.add(
                    path + ("schedule",),
                    "a policy's schedule starts when it acts (remove the date)",
                )

    def share_sums(self):
        by_venture: dict = {}
        for pol_id, p in self.s.policies.items():
            if isinstance(p, TopUp) and not isinstance(p.share, Distribution):
                vid = p.venture or next(iter(self.s.ventures))
                by_venture.setdefault(vid, []).append((pol_id, p.share))
        for vid, items in by_venture.items():
            total = sum(share for _, share in items)
            if total >= 1:
                names = ", ".join(f"{i}={s:g}" for i, s in items)
                self.add(
                    ("policies", items[-1][0], "share"),
                    f"top_up shares for venture {vid!r} add up to {round(total * 100, 1):g} % "
                    f"(got {names}; expected below 100 % together)",
                )

    def market_checks(self):
        m = self.s.market
        for month, value in m.points.items():
            if value <= 0:
                self.add(
                    ("market", "points", month_label(month)),
                    f"market size must be > 0 (got {value:g})",
                )
        if m.reference is not None:
            self.in_horizon(("market", "reference"), m.reference, "reference date")
        if len(m.points) == 1 and m.growth is None:
            self.add(("market",), "a single market point needs 'growth' (annual rate) to extend it")

    def benchmark_checks(self):
        for bid, b in self.s.benchmarks.items():
            for month, value in b.points.items():
                if value < 0:
                    self.add(
                        ("benchmarks", bid, "points", month_label(month)),
                        f"must be ≥ 0 (got {value:g})",
                    )


def _unknown(kind: str, given: str, known) -> str:
    import difflib

    near = difflib.get_close_matches(given, list(known), n=1)
    hint = f"; did you mean {near[0]!r}?" if near else ""
    return f"unknown {kind} {given!r} (expected one of: {', '.join(sorted(known))}){hint}"
