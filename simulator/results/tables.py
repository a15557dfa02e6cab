"""Tables with fixed schemas, built from the engine's chunk arrays (never row by row).

Each function takes a whole chunk of replications; replications that failed are
left out (they are listed in the chunk's `failed`).
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from simulator.engine.model import Model
from simulator.engine.outcome import ENDINGS
from simulator.engine.simulate import Chunk
from simulator.results.market import market_table, month_dates, reference_index
from simulator.scenario.market import market_series
from simulator.scenario.schema import Scenario

TRAJECTORY_COLUMNS = [
    "replication",
    "date",
    "venture",
    "partner",
    "pledged",
    "paid_in",
    "outstanding",
    "cancelled",
    "committed",
    "share",
    "member",
]
# Added after TRAJECTORY_COLUMNS when the scenario has an exit rule that moves stakes
# (model.md §6.4); without one they would all be 0 (stake = paid_in), so they are left out.
STAKE_COLUMNS = [
    "bought",
    "sold",
    "refunded",
    "stake",
    "paid_for_stakes",
    "received_for_stake",
]
# Added last when a candidate is granted a negotiated share at entry (model.md §10).
GRANTED_COLUMNS = ["granted"]
OUTCOME_COLUMNS = [
    "replication",
    "venture",
    "pledged_final",
    "committed_final",
    "paid_in_final",
    "outstanding_final",
    "cancelled_final",
    "members_final",
    "collapsed",
    "collapse_date",
    "dissolved",
    "dissolution_date",
    "ended",
    "end_date",
    "reference_date",
    "committed_at_reference",
    "market_at_reference",
    "capital_to_market",
]
# Added after OUTCOME_COLUMNS when a venture has a spending plan (model.md §9.5).
SPENDING_OUTCOME_COLUMNS = ["spent_final", "cash_final", "cash_out", "cash_out_date"]
# Added to the trajectory table with a spending plan: the venture's values, the same on
# every partner row of the venture (one per replication, date and venture: do not sum).
SPENDING_COLUMNS = ["venture_spent", "venture_cash"]
# Added last when the market's growth is a distribution (model.md §13): to the outcomes, the
# growth each replication drew; to the trajectories, its market projection in each month
# (the same on every row of a replication and month: do not sum).
MARKET_OUTCOME_COLUMNS = ["market_growth"]
MARKET_COLUMNS = ["market"]
FAILURE_COLUMNS = ["point", "replication", "seed", "error"]
_EPS = 1e-9
_ENDINGS = pd.Index(ENDINGS, dtype=object)  # object, not str: Arrow `string` values, as venture


class Context:
    """What the tables of one model need besides the chunk: dates, market, reference month.

    `shared` (a dict) lets the contexts of a sweep's design points share their dates and
    market tables when these are equal (building them is most of a point's context); they
    are not modified afterwards.
    """

    def __init__(self, scenario: Scenario, model: Model, shared: dict | None = None):
        shared = {} if shared is None else shared
        self.model = model
        span = (model.start, model.horizon)
        if span not in shared:
            shared[span] = month_dates(*span)
        self.dates = shared[span]
        self.reference = reference_index(scenario, model)
        key = (span, self.reference, _market_inputs(scenario))
        if key not in shared:
            market = market_table(scenario, self.dates)
            values = market[market["series"] == "market"]["value"].to_numpy()
            shared[key] = market, values[self.reference] if self.reference is not None else None
        self.market, self.market_at_reference = shared[key]
        # The projection to draw each replication's from, when its growth is uncertain.
        self.uncertain_market = scenario.market if model.market_growth is not None else None


def _market_inputs(scenario: Scenario) -> str:
    """Everything market_table reads from the scenario, as one comparable value."""
    market = scenario.market.model_dump_json() if scenario.market is not None else ""
    benchmarks = [(k, b.model_dump_json()) for k, b in scenario.benchmarks.items()]
    return repr((scenario.start, market, benchmarks))


def market_paths(ctx: Context, c: Chunk) -> np.ndarray | None:
    """Each replication's market projection (n, months) from the growth it drew; None when
    the projection is certain (the market table's `value` is then every replication's)."""
    if c.market_growth is None:
        return None
    return market_series(ctx.uncertain_market, ctx.model.start, ctx.model.horizon, c.market_growth)


def market_at_reference(ctx: Context, c: Chunk) -> np.ndarray:
    """The market at the reference month, one value per (replication that ran, venture)."""
    V = len(ctx.model.ventures)
    paths = market_paths(ctx, c)
    if paths is None:
        return np.full(int(c.ok.sum()) * V, ctx.market_at_reference)
    return np.repeat(paths[c.ok, ctx.reference], V)


def committed_and_outstanding(c: Chunk) -> tuple[np.ndarray, np.ndarray]:
    committed = c.pledged - c.cancelled
    outstanding = committed - c.paid_in
    outstanding[np.abs(outstanding) < _EPS] = 0.0
    return committed, outstanding


def spent_and_cash(c: Chunk) -> tuple[np.ndarray, np.ndarray]:
    """Cumulative spending and cash per (replication, venture, month), model.md §9.5:
    cash = paid-in (matching money included) + loans less repaid − cash paid for refunds −
    spent; both NaN for a
    venture without a spending plan (it has no cash to speak of)."""
    paid = c.paid_in.sum(axis=2)
    spent = np.full_like(paid, np.nan) if c.spent is None else np.cumsum(c.spent, axis=-1)
    cash = paid - spent
    if c.debt is not None:  # loans lent less repaid (§9.8)
        cash += np.cumsum(c.debt, axis=-1)
    if c.stakes is not None:  # refunds paid = Σ received_for_stake − Σ paid_for_stakes (§3)
        _, _, _, paid_for, received = c.stakes
        cash -= received.sum(axis=2) - paid_for.sum(axis=2)
    cash[np.abs(cash) < _EPS * np.maximum(1.0, paid)] = 0.0  # rounding, as for outstanding
    return spent, cash


def outcome_months(ctx: Context) -> tuple[int, ...]:
    """The months outcome_columns reads the trajectories at: the reference month, the last."""
    last = ctx.model.horizon - 1
    return tuple(sorted({last} if ctx.reference is None else {ctx.reference, last}))


MONEY = ("pledged", "committed", "paid_in", "outstanding", "cancelled")


def money_at(c: Chunk, month: int) -> dict[str, np.ndarray]:
    """Each venture's money (MONEY) and member count at one month, for the replications
    that ran, (replications, ventures): summed over the members (slice first: cheap)."""
    at = c.column(month)
    pledged, paid, cancelled = (_summed(c, a, at) for a in (c.pledged, c.paid_in, c.cancelled))
    committed = pledged - cancelled
    outstanding = committed - paid
    outstanding[np.abs(outstanding) < _EPS] = 0.0
    return {
        "pledged": pledged,
        "committed": committed,
        "paid_in": paid,
        "outstanding": outstanding,
        "cancelled": cancelled,
        "members": _summed(c, c.member, at),
    }


def _summed(c: Chunk, a: np.ndarray, at: int) -> np.ndarray:
    """a's values at column `at` for the replications that ran, (replications, ventures):
    summed over the members."""
    rows = _ran(c)
    if a.shape[2] == 1:  # venture totals (a sweep's): nothing to sum
        return a[rows, :, 0, at].astype(np.result_type(a.dtype.type(0).sum()))
    return a[:, :, :, at][rows].sum(axis=2)


def _ran(c: Chunk) -> slice | np.ndarray:
    """The rows of the replications that ran: a slice when all did (no copy), else a mask."""
    return slice(None) if not c.failed else c.ok


def outcome_columns(ctx: Context, c: Chunk) -> dict[str, np.ndarray]:
    """The outcome table as numpy columns (`venture` as integer codes into the venture ids).

    Sweeps turn it into an Arrow table directly; `outcome_table` into a DataFrame.
    """
    model, dates = ctx.model, ctx.dates
    ok = c.ok
    R, V = int(ok.sum()), len(model.ventures)
    n, last = R * V, model.horizon - 1
    final = {k: v.ravel() for k, v in money_at(c, last).items()}
    ran = _ran(c)
    end, ending = c.end[ran].ravel(), c.ending[ran].ravel()
    columns = {
        "replication": np.repeat(np.flatnonzero(ok) + c.first, V),
        "venture": np.tile(np.arange(V, dtype=np.int32), R),
        **{f"{name}_final": final[name] for name in MONEY},
        "members_final": final["members"],
    }
    for how, date in (("collapsed", "collapse_date"), ("dissolved", "dissolution_date")):
        columns[how] = this = ending == ENDINGS.index(how)
        columns[date] = _dates_or_nat(dates, np.where(this, end, -1))
    # A pandas categorical: a DataFrame column as it is, an Arrow dictionary in sweeps.
    columns["ended"] = pd.Categorical.from_codes(ending, _ENDINGS)
    columns["end_date"] = _dates_or_nat(dates, end)
    if ctx.reference is not None:
        at = c.column(ctx.reference)
        at_ref = (_summed(c, c.pledged, at) - _summed(c, c.cancelled, at)).ravel()
        columns["reference_date"] = np.full(n, dates.values[ctx.reference])
        columns["committed_at_reference"] = at_ref
        columns["market_at_reference"] = market = market_at_reference(ctx, c)
        columns["capital_to_market"] = at_ref / market
    else:
        columns["reference_date"] = np.full(n, np.datetime64("NaT"), dtype="datetime64[ns]")
        for name in OUTCOME_COLUMNS[-3:]:
            columns[name] = np.full(n, np.nan)
    if c.spent is not None:
        spent, cash = (a[ok][:, :, last].ravel() for a in spent_and_cash(c))
        cash_out = c.cash_out[ok].ravel()
        columns["spent_final"] = spent
        columns["cash_final"] = cash
        columns["cash_out"] = cash_out >= 0
        columns["cash_out_date"] = _dates_or_nat(dates, cash_out)
    if c.market_growth is not None:
        columns["market_growth"] = np.repeat(c.market_growth[ok], V)
    return columns


def outcome_table(ctx: Context, c: Chunk) -> pd.DataFrame:
    """One row per (replication, venture): final ledger totals, collapse, market ratio (and
    spending and cash, with a spending plan)."""
    columns = outcome_columns(ctx, c)
    columns["venture"] = pd.Categorical.from_codes(columns["venture"], ctx.model.venture_ids)
    names = OUTCOME_COLUMNS + (SPENDING_OUTCOME_COLUMNS if c.spent is not None else [])
    names += MARKET_OUTCOME_COLUMNS if c.market_growth is not None else []
    return pd.DataFrame(columns, copy=False)[names]


def _dates_or_nat(dates: pd.DatetimeIndex, months: np.ndarray) -> np.ndarray:
    """The date of each month, NaT for a negative one (none)."""
    table = np.append(dates.values, np.datetime64("NaT"))  # its last: what -1 reads
    return table[np.maximum(months, -1)]


def trajectory_table(ctx: Context, c: Chunk) -> pd.DataFrame:
    """One row per (replication, month, venture, partner taking part in the venture)."""
    return pd.DataFrame(trajectory_columns(ctx, c))


def frame_of(parts: list[dict]) -> pd.DataFrame:
    """One table from the columns of several chunks (`trajectory_columns`), built once:
    stacking each chunk's DataFrame instead copies every row twice more."""
    return pd.DataFrame(merge_columns(parts))


def merge_columns(parts: list[dict]) -> dict:
    """Several chunks' columns (`trajectory_columns`) as one chunk's."""
    if len(parts) == 1:
        return parts[0]
    columns = {}
    for name, first in parts[0].items():
        values = [part[name] for part in parts]
        if isinstance(first, pd.Categorical):
            codes = np.concatenate([v.codes for v in values])
            columns[name] = pd.Categorical.from_codes(codes, categories=first.categories)
        else:
            columns[name] = np.concatenate(values)
    return columns


def trajectory_columns(ctx: Context, c: Chunk) -> dict:
    """The trajectory table's columns, in order, as arrays."""
    model = ctx.model
    committed, outstanding = committed_and_outstanding(c)
    R, V, P, H = c.pledged.shape
    mask = model.involved[None, :, :, None] & c.ok[:, None, None, None]
    mask = np.broadcast_to(mask, (R, V, P, H))
    r, v, p, t = np.nonzero(mask)
    columns = {
        "replication": (r + c.first).astype(np.int64),
        "date": ctx.dates.values[t],
        "venture": pd.Categorical.from_codes(v, categories=model.venture_ids),
        "partner": pd.Categorical.from_codes(p, categories=model.members),
        "pledged": c.pledged[mask],
        "paid_in": c.paid_in[mask],
        "outstanding": outstanding[mask],
        "cancelled": c.cancelled[mask],
        "committed": committed[mask],
        "share": c.share[mask],
        "member": c.member[mask],
    }
    names = list(TRAJECTORY_COLUMNS)
    if c.spent is not None:
        spent, cash = spent_and_cash(c)
        columns["venture_spent"] = spent[r, v, t]
        columns["venture_cash"] = cash[r, v, t]
        names += SPENDING_COLUMNS
    if c.stakes is not None:
        bought, sold, refunded, paid_for, received = (flow[mask] for flow in c.stakes)
        stake = columns["paid_in"] + bought - sold - refunded
        stake[np.abs(stake) < _EPS] = 0.0
        columns.update(
            bought=bought,
            sold=sold,
            refunded=refunded,
            stake=stake,
            paid_for_stakes=paid_for,
            received_for_stake=received,
        )
        names += STAKE_COLUMNS
    if c.granted is not None:
        columns["granted"] = c.granted[mask]
        names += GRANTED_COLUMNS
    paths = market_paths(ctx, c)
    if paths is not None:
        columns["market"] = paths[r, t]
        names += MARKET_COLUMNS
    return {name: columns[name] for name in names}


def venture_totals(c: Chunk, variables: list[str]) -> np.ndarray:
    """Venture totals over partners, (replications that ran, ventures, variables, months)."""
    ok = c.ok
    every = ok.all()
    sums = {}

    def total(name: str) -> np.ndarray:
        if name not in sums:
            a = getattr(c, name)
            sums[name] = (a if every else a[ok]).sum(axis=2)  # masking copies: only if needed
        return sums[name]

    def spending(k: int) -> np.ndarray:  # cumulative spent (0) or cash (1), model.md §9.5
        if "spending" not in sums:
            sums["spending"] = [a if every else a[ok] for a in spent_and_cash(c)]
        return sums["spending"][k]

    columns = {
        "pledged": lambda: total("pledged"),
        "paid_in": lambda: total("paid_in"),
        "cancelled": lambda: total("cancelled"),
        "committed": lambda: total("pledged") - total("cancelled"),
        "spent": lambda: spending(0),
        "cash": lambda: spending(1),
    }
    if not variables:  # a sweep that keeps no trajectories
        R, V, _, H = c.pledged.shape
        return np.empty((int(ok.sum()), V, 0, H), dtype=np.float32)
    return np.stack([columns[k]() for k in variables], axis=2).astype(np.float32)


def failure_table(c: Chunk, seed: int, point: int = 0) -> pd.DataFrame:
    """The replications that raised: enough to rerun each one alone."""
    return pd.DataFrame(
        {
            "point": np.full(len(c.failed), point, dtype=np.int64),
            "replication": np.array(list(c.failed), dtype=np.int64),
            "seed": np.full(len(c.failed), seed, dtype=np.int64),
            "error": list(c.failed.values()),
        }
    )[FAILURE_COLUMNS]
