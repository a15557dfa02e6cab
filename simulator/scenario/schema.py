"""The scenario language as pydantic models: shapes and ranges of every key.

This module holds the scenario itself, its policies, contagion rules and market; members,
ventures and payment schedules have their own modules. Cross-references (a pledge naming
an unknown venture, a date outside the horizon) are checked afterwards in `checks/`, so
every problem can be reported with its own key path.
"""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import Field, PrivateAttr

from simulator.scenario.members import Candidate, Exit, Member, Partner
from simulator.scenario.observed import Observed
from simulator.scenario.schedules import Schedule, Upfront
from simulator.scenario.triggers import On
from simulator.scenario.types import (
    Amount,
    Growth,
    Id,
    MemberSet,
    Month,
    Probability,
    Ratio,
    Strict,
    Whole,
    month_label,
)
from simulator.scenario.ventures import Venture

# --- policies ---------------------------------------------------------------------


class Match(Strict):
    """The funder adds `ratio` × every unit of private money committed, up to `cap`."""

    type: Literal["match"]
    funder: Id
    venture: Id | None = None
    ratio: Ratio = 1.0
    cap: Amount | None = None


class TopUp(Strict):
    """The funder raises its pledge so that its share of committed capital stays ≥ `share`."""

    type: Literal["top_up"]
    funder: Id
    venture: Id | None = None
    share: Probability
    cap: Amount | None = None
    schedule: Schedule = Upfront()
    on: On | None = None  # applies only once this event has happened (model.md §9.7)


class Raise(Strict):
    """At a date, or on an event, the funder adds `amount` to its pledge (paid on
    `schedule`)."""

    type: Literal["raise"]
    funder: Id
    venture: Id | None = None
    at: Month | None = None
    on: On | None = None
    amount: Amount
    schedule: Schedule = Upfront()


class StopCondition(Strict):
    """What must hold at the stop's date: the others' paid-in below a fraction of their
    pledges, or the venture's committed capital below an amount (give exactly one)."""

    paid_in_below: float | None = Field(None, ge=0, le=1)
    of: Literal["private", "others"] = "private"
    committed_below: float | None = Field(None, ge=0)


class Stop(Strict):
    """At `at`, or on an event (if `when` holds then), the funder stops paying: its
    outstanding pledge ends."""

    type: Literal["stop"]
    funder: Id
    venture: Id | None = None
    at: Month | None = None
    on: On | None = None
    when: StopCondition | None = None


class Cap(Strict):
    """The most a partner pledges in all, all ventures together: its own pledges, then its
    match, top_up and raise policies, which are cut to fit (docs/model.md §8.5)."""

    type: Literal["cap"]
    funder: Id
    total: Amount


Policy = Annotated[Match | TopUp | Raise | Stop | Cap, Field(discriminator="type")]


# --- contagion --------------------------------------------------------------------


class Contagion(Strict):
    """A departure of a `from` member raises the hazard of `to` members for `months`,
    or makes each of them leave at once with `probability`."""

    from_: MemberSet = Field(alias="from")
    to: MemberSet = "any"
    multiplier: Ratio | None = None
    added: Probability | None = None
    months: Whole | None = Field(None, ge=1, le=1200)
    probability: Probability | None = None


# --- the outside world and the scenario -------------------------------------------


class Market(Strict):
    """Market size at dated points (scenario unit), constant growth between them; `growth`
    (annual, outside the points) may be a distribution, drawn once per replication."""

    label: str = "Market projection"
    points: dict[Month, float] = Field(min_length=1)
    growth: Growth | None = None
    reference: Month | None = None


class Benchmark(Strict):
    """Another dated series drawn next to the market (what others invest, say): no part
    in any computation."""

    label: str | None = None
    points: dict[Month, float] = Field(min_length=1)


class Scenario(Strict):
    """A validated scenario: the consortium, its members and what may happen to them."""

    name: str | None = None
    title: str | None = None
    description: str | None = None
    unit: str = "M€"
    start: Month
    end: Month
    ventures: dict[Id, Venture] = Field(min_length=1)
    partners: dict[Id, Partner] = Field(min_length=1)
    candidates: dict[Id, Candidate] = Field(default_factory=dict)
    policies: dict[Id, Policy] = Field(default_factory=dict)
    contagion: dict[Id, Contagion] = Field(default_factory=dict)
    exit: Exit = Exit()  # the exit rule of departures that give none
    market: Market | None = None
    benchmarks: dict[Id, Benchmark] = Field(default_factory=dict)
    observed: dict[Id, Observed] = Field(default_factory=dict)
    # `extends` is resolved before validation; kept here so the schema documents it.
    extends: str | None = None

    _source: dict = PrivateAttr(default_factory=dict)
    _files: list = PrivateAttr(default_factory=list)
    _warnings: list = PrivateAttr(default_factory=list)
    _changes: list = PrivateAttr(default_factory=list)

    @property
    def horizon(self) -> int:
        """Number of simulated months, start and end included."""
        return self.end - self.start + 1

    @property
    def source(self) -> dict:
        """The resolved scenario as plain data (after `extends` and overrides)."""
        return self._source

    @property
    def files(self) -> list[str]:
        return list(self._files)

    @property
    def warnings(self) -> list:
        """Problems (severity "warning") of a valid scenario: shown, never refused."""
        return list(self._warnings)

    def record_origin(self, source: dict, files: list[str]) -> None:
        """Keep the resolved data the scenario was validated from and the files it came from
        (for the manifest and the input hash)."""
        self._source, self._files = source, list(files)

    @property
    def changes(self) -> list[str]:
        """The changes made in code (`with_changes`), as `path=value` texts."""
        return list(self._changes)

    def record_changes(self, changes: list[str]) -> None:
        self._changes = list(changes)

    def with_changes(self, changes: dict | None = None, add: dict | None = None) -> Scenario:
        """A variant with key paths changed, validated again with a file's checks and
        messages (a bad path or value is a ScenarioError naming the key path); `add`
        makes new keys, as --add. The scenario itself is left as it was; the variant
        records its changes, and its manifest its own input hash.

        >>> from simulator import load_scenario
        >>> plan = load_scenario("scenarios/andromede_plan.yaml")
        >>> plan.with_changes({"partners.state.pledge": 195}).partners["state"].pledge
        195.0
        """
        from simulator.scenario.load import with_changes

        return with_changes(self, changes or {}, add)

    def model_copy(self, *, update=None, deep: bool = False):
        """A copy; changing fields goes through `with_changes`, which validates the variant
        and keeps its provenance (a copy with `update` would keep the original's)."""
        if update:
            from simulator.errors import ConsimError

            raise ConsimError(
                "a changed scenario goes through scenario.with_changes({'key.path': value}), "
                "which validates it and records the change"
            )
        return super().model_copy(deep=deep)

    def _content(self) -> str:
        import json

        return json.dumps(self._source, sort_keys=True, default=str)

    def __eq__(self, other) -> bool:
        """Equal when the resolved scenarios are (wherever the files came from)."""
        return isinstance(other, Scenario) and self._content() == other._content()

    def __hash__(self) -> int:
        return hash(self._content())

    def __repr__(self) -> str:
        parts = [f"{len(self.partners)} partner(s)"]
        if self.candidates:
            parts.append(f"{len(self.candidates)} candidate(s)")
        parts.append(f"{len(self.ventures)} venture(s)")
        if self._changes:
            parts.append("changed: " + ", ".join(self._changes))
        span = f"{month_label(self.start)} to {month_label(self.end)}"
        return f"<Scenario {self.name!r}: {span}, {', '.join(parts)}>"

    def _repr_html_(self) -> str:
        """A notebook's view: who pledged what, when, with which uncertainty; the ventures."""
        import html

        from simulator.scenario.describe import assumptions

        tables = assumptions(self._source)
        parts = [f"<strong>{html.escape(repr(self)[1:-1])}</strong>"]
        for name in ("members", "ventures"):
            parts.append(tables[name].to_html(index=False))
        return "\n".join(parts)

    def record_warnings(self, warnings: list) -> None:
        """Keep the warnings its checks found (see `warnings`)."""
        self._warnings = list(warnings)

    def members(self) -> dict[str, Member]:
        """Partners then candidates, in file order."""
        return {**self.partners, **self.candidates}
