"""Partner values (`consim value`): what each member (partner or candidate) brings to an
outcome, as its Shapley value over the coalitions of members, with the normalized Banzhaf
index and the veto players of a yes/no version of the outcome (a coalition succeeds or not).

A coalition S is the scenario with only S's members (`coalition_data`): the others deleted
with the policies they fund; absent members leave contagion rules' `from`/`to` and talks'
`veto_by`/`refuses_with` lists (a rule left naming nobody is dropped; `any` stays); a
departure whose rival is absent loses `rival` and `rival_hazard`. Anything else naming an
absent member (a buyer, a share of capital, an event) makes the coalition invalid, said in
one line (before anything runs for the coalitions without one member). All coalitions run
the same replications with the same seed (common random numbers); v(S) is their mean.

A coalition without a partner is no scenario (a consortium needs one): it is valued without
simulating, as a consortium with no money: 0 for the money outcomes and members_final; for
p_no_collapse, 1.0 when no venture has a minimum capital (nothing can collapse for lack of
money), else 0.0. So is the empty coalition, v(∅).

Up to `exact_up_to` (MAX_EXACT) members the Shapley values are exact, over all 2^k
coalitions: their interval has zero width in a deterministic scenario and, in a stochastic
one, is the t-interval of each replication's own Shapley value (the value is linear in v:
the mean game's is the mean of the replications', paired by common random numbers). Beyond,
`samples` random orders of arrival estimate them, with the t-interval over the orders (the
simulation's noise not counted); Banzhaf and veto, which need every coalition, are then not
computed. Success: p_no_collapse ≥ 0.5 (or `threshold`); a money outcome's mean ≥
`threshold` (no Banzhaf and veto without one).
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from simulator.analysis.coalitions import (
    banzhaf,
    exact_shapley,
    prefixes,
    random_orders,
    replicated_shapley,
    sampled_shapley,
    subsets,
    veto_players,
)
from simulator.analysis.intervals import mean_interval
from simulator.analysis.targets import Metric, check_metric, close
from simulator.engine.simulate import engine_for_job
from simulator.errors import ConsimError
from simulator.experiments.coalition_scenarios import (
    coalition_scenario,
    no_partner_value,
    own_pledge,
)
from simulator.experiments.journal import Journal, search_manifest
from simulator.experiments.progress import progress_bar
from simulator.experiments.run import (
    DEFAULT_STOCHASTIC_REPLICATIONS,
    as_scenario,
    fresh_seed,
    is_stochastic,
)
from simulator.experiments.samples import replications_for
from simulator.experiments.settings_pool import Setting, pool_for, sample_all
from simulator.results.manifest import labels_of
from simulator.scenario.schema import Scenario

MAX_EXACT = 12  # 4,096 coalitions; beyond, sampled orders of arrival
DEFAULT_SAMPLES = 200
P_SUCCESS = 0.5  # p_no_collapse's default threshold of success
MONEY = ("committed_final", "paid_in_final", "pledged_final", "committed_at_reference")
OUTCOMES = {name: Metric(name) for name in (*MONEY, "members_final")}
OUTCOMES["p_no_collapse"] = Metric("collapsed", negated=True)  # 1.0: no venture collapsed
NOBODY = "(none)"  # the empty coalition in coalitions.csv


@dataclass
class PartnerValue:
    """Each member's value (`table`: member, label, value, low, high, then banzhaf and veto
    when computed, and own_pledge), v of the grand and of the empty coalition, every
    coalition valued (`coalitions`: members "a+b", size, value, simulated, wins), and `runs`:
    the replications the result rests on (those reused from a folder included)."""

    table: pd.DataFrame
    grand: float
    empty: float
    coalitions: pd.DataFrame
    manifest: dict
    method: str
    runs: int

    @property
    def veto(self) -> list[str]:
        """The veto players (none when no success was defined)."""
        if "veto" not in self.table:
            return []
        return self.table.loc[self.table["veto"].astype(bool), "member"].tolist()

    def plot(self):
        from simulator.plots.value import plot_partner_value

        return plot_partner_value(self)


def planned_runs(
    members: int, replications: int, samples: int, candidates: int = 0, exact_up_to=MAX_EXACT
) -> tuple[str, int]:
    """The method ("exact" or "sampled") and the replications it simulates: exact, every
    coalition with a partner, 2^k − 2^candidates of them; sampled, at most 1 + samples·(k−1)
    coalitions (orders share the grand coalition; ∅ and partnerless ones are not run)."""
    if members <= exact_up_to:
        return "exact", (2**members - 2**candidates) * replications
    most = min(1 + samples * max(members - 1, 0), 2**members - 2**candidates)
    return "sampled", most * replications


class Coalitions:
    """v(S) of one scenario's coalitions, each evaluated once and cached in a journal
    (key: the sorted member ids); `keep` keeps each replication's value too."""

    def __init__(self, scenario, outcome, seed, n, keep, engine, journal, bar):
        self.scenario, self.metric = scenario, OUTCOMES[outcome]
        self.seed, self.n, self.keep, self.engine = seed, n, keep, engine
        self.journal, self.bar = journal, bar
        self.fallback = no_partner_value(scenario, outcome)

    def records(self, wanted: list[frozenset], pool) -> dict[frozenset, dict]:
        """Every coalition's record: from the journal, else simulated on `pool`."""
        found = {s: self.journal.get(sorted(s)) for s in wanted}
        missing = [s for s, r in found.items() if r is None]
        self.bar.update(len(wanted) - len(missing))
        settings = [Setting(self.scenario, members=tuple(sorted(s))) for s in missing]
        made = sample_all(settings, [self.metric], self.seed, self.n, self.engine, pool)
        for k, samples in made:
            x = np.full(self.n, self.fallback) if samples is None else samples[self.metric]
            record = {"value": float(x.mean()), "simulated": samples is not None}
            if self.keep:
                record["sample"] = x.tolist()
            self.journal.add(sorted(missing[k]), record)
            found[missing[k]] = record
            self.bar.update(1)
        return found


def partner_value(
    scenario: str | Path | Scenario,
    outcome: str = "committed_final",
    replications: int | None = None,
    seed: int | None = None,
    overrides=(),
    samples: int | None = None,
    out: str | Path | None = None,
    resume: bool = False,
    force: bool = False,
    progress: bool = True,
    threshold: float | None = None,
    exact_up_to: int = MAX_EXACT,
    executor: str | None = None,
    workers: int | None = None,
) -> PartnerValue:
    """Each member's Shapley value to `outcome` (module docstring for the method).
    `executor`: "serial", "processes" or "dask" (None: processes from 2,048 coalitions).

    >>> from simulator.experiments.value import partner_value
    >>> pv = partner_value("scenarios/andromede_plan.yaml", "pledged_final", progress=False)
    >>> pv.table["value"].tolist(), pv.grand, pv.method
    ([135.0, 60.0, 30.0, 60.0], 285.0, 'exact')
    """
    base = as_scenario(scenario, overrides)
    threshold = _check(base, outcome, samples, threshold)
    players, n = (
        list(base.members()),
        replications_for(base, replications, DEFAULT_STOCHASTIC_REPLICATIONS),
    )
    seed, samples = fresh_seed(seed), samples or DEFAULT_SAMPLES
    method = "exact" if len(players) <= exact_up_to else "sampled"
    orders = None
    if method == "sampled":
        orders = random_orders(len(players), samples, np.random.default_rng([seed, 1]))
    wanted = subsets(players) if orders is None else prefixes(players, orders)
    for absent in [None, *players]:  # a rule naming one member fails before anything runs
        coalition_scenario(base, [p for p in players if p != absent])
    stochastic = is_stochastic(base)
    spec = [outcome, seed, n, method, samples, threshold, players, overrides]
    manifest = _manifest(base, stochastic, *spec)
    runs = n * sum(1 for s in wanted if s & set(base.partners))
    keep = stochastic and orders is None  # each replication's values, for exact intervals
    with (
        Journal(out, manifest, resume, force) as journal,
        pool_for(len(wanted), executor, workers) as pool,
        progress_bar(len(wanted), "coalitions", progress, unit="coalition") as bar,
    ):
        values = Coalitions(base, outcome, seed, n, keep, engine_for_job(runs), journal, bar)
        records = values.records(list(wanted), pool)
        table = _table(base, players, records, orders, keep, threshold)
        means = {s: r["value"] for s, r in records.items()}
        coalitions = _coalition_table(players, records, threshold)
        grand, empty = means[frozenset(players)], means[frozenset()]
        pv = PartnerValue(table, grand, empty, coalitions, manifest, method, runs)
        _save(journal, pv)
    return pv


def _check(base: Scenario, outcome: str, samples, threshold) -> float | None:
    """The outcome and samples allowed; the threshold of success (module docstring)."""
    if outcome not in OUTCOMES:
        known = ", ".join(OUTCOMES)
        raise ConsimError(f"value: unknown outcome {outcome!r} (expected one of: {known})")
    check_metric(OUTCOMES[outcome], base)
    if samples is not None and samples < 1:
        raise ConsimError(f"value: samples must be at least 1 (got {samples})")
    if outcome == "p_no_collapse":
        threshold = P_SUCCESS if threshold is None else float(threshold)
        if not 0 <= threshold <= 1:
            raise ConsimError(f"value: a probability's threshold lies in 0…1 (got {threshold:g})")
    return None if threshold is None else float(threshold)


def _wins(value: float, threshold: float) -> bool:
    return value >= threshold or close(value, threshold)


def _table(base, players, records, orders, keep, threshold) -> pd.DataFrame:
    """One row per member: its value with its interval, Banzhaf and veto, own pledge."""
    means = {s: r["value"] for s, r in records.items()}
    if orders is not None:
        found = sampled_shapley(players, means, orders)
        rows = [(e.value, e.low, e.high) for e in found.values()]
    else:
        values = exact_shapley(players, means)
        if keep:  # each replication's own Shapley values, paired
            each = replicated_shapley(players, {s: r["sample"] for s, r in records.items()})
            found = [mean_interval(each[p]) for p in players]
            rows = [(values[p], e.low, e.high) for p, e in zip(players, found, strict=True)]
        else:  # one replication of a deterministic scenario: exact
            rows = [(values[p], values[p], values[p]) for p in players]
    labels = labels_of(base)["partners"]
    table = pd.DataFrame(
        [(p, labels[p], *row) for p, row in zip(players, rows, strict=True)],
        columns=["member", "label", "value", "low", "high"],
    )
    if threshold is not None and orders is None:
        wins = {s: float(_wins(v, threshold)) for s, v in means.items()}
        table["banzhaf"] = list(banzhaf(players, wins).values())
        veto = set(veto_players(players, wins))
        table["veto"] = [p in veto for p in players]
    table["own_pledge"] = [own_pledge(base, p) for p in players]
    # Sums of differences leave 1e-18 where a member brings nothing: shown as 0.
    scale = 1e-12 * max(1.0, max(abs(v) for v in means.values()))
    figures = table[["value", "low", "high"]]
    table[["value", "low", "high"]] = figures.mask(figures.abs() < scale, 0.0)
    return table


def _coalition_table(players, records, threshold) -> pd.DataFrame:
    rows = [
        ("+".join(p for p in players if p in s) or NOBODY, len(s), r["value"], r["simulated"])
        for s, r in records.items()
    ]
    table = pd.DataFrame(rows, columns=["members", "size", "value", "simulated"])
    if threshold is not None:
        table["wins"] = [_wins(v, threshold) for v in table["value"]]
    return table


def _manifest(base, stochastic, outcome, seed, n, method, samples, threshold, players, overrides):
    spec = {
        "outcome": outcome,
        "seed": seed,
        "replications": n,
        "method": method,
        "samples": samples if method == "sampled" else None,
        "threshold": threshold,
        "members": players,
        "overrides": list(overrides),
    }
    return search_manifest("value", base, spec, stochastic) | {"partners": list(base.partners)}


def _save(journal: Journal, pv: PartnerValue) -> None:
    journal.write("values.csv", lambda p: pv.table.to_csv(p, index=False))
    journal.write("coalitions.csv", lambda p: pv.coalitions.to_csv(p, index=False))
    if journal.folder is not None:
        figure = pv.plot()
        journal.write("value.png", lambda p: figure.savefig(p, dpi=110, format="png"))
    shown = {
        "grand": pv.grand,
        "empty": pv.empty,
        "runs": pv.runs,
        "coalitions": len(pv.coalitions),
        "reused": journal.reused,
        "veto": pv.veto,
    }
    pv.manifest["result"] = shown
    journal.write_manifest("complete", result=shown)


def value_lines(pv: PartnerValue) -> list[str]:
    """The values as a person reads them: one line a member, then the whole."""
    m, unit = pv.manifest, pv.manifest.get("unit", "")
    money = m["outcome"] not in ("p_no_collapse", "members_final")
    shown = (lambda v: f"{v:,.2f} {unit}") if money else (lambda v: f"{v + 0.0:.4f}")
    lines = [
        f"{m['scenario']}: each member's Shapley value to {m['outcome']} ({pv.method}, "
        f"{pv.runs:,} runs, seed {m['seed']})"
    ]
    width = max(len(str(label)) for label in pv.table["label"])
    for r in pv.table.to_dict("records"):
        ci = (
            ""
            if r["low"] == r["high"] or np.isnan(r["low"])
            else (f" (95 % CI {shown(r['low'])} to {shown(r['high'])})")
        )
        more = (
            f", Banzhaf {r['banzhaf']:.3f}" if "banzhaf" in r and not np.isnan(r["banzhaf"]) else ""
        )
        more += ", veto player" if r.get("veto") else ""
        lines.append(f"  {r['label']:<{width}}  {shown(r['value'])}{ci}{more}")
    lines.append(
        f"  sum {shown(pv.table['value'].sum())} = all together {shown(pv.grand)} − nobody "
        f"{shown(pv.empty)}"
    )
    return lines


def load_value(folder: str | Path) -> PartnerValue:
    """The partner values a `consim value` folder holds (for reports and notebooks)."""
    folder = Path(folder)
    m = json.loads((folder / "manifest.json").read_text(encoding="utf-8"))
    if m.get("kind") != "value" or m.get("status") != "complete":
        raise ConsimError(f"{folder}: not a finished `consim value` folder")
    table = pd.read_csv(folder / "values.csv")
    coalitions = pd.read_csv(folder / "coalitions.csv", keep_default_na=False)
    r = m["result"]
    return PartnerValue(table, r["grand"], r["empty"], coalitions, m, m["method"], r["runs"])
