"""ResultSet: the tables of a run (outcomes, trajectories, events, market) and their files.

Tables are long, with fixed schemas, built once per chunk of replications from
the engine's arrays (never row by row).
"""

from __future__ import annotations

import json
import os
import shutil
import uuid
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd

from simulator.analysis.market import market_series
from simulator.engine.model import Model
from simulator.engine.run import Chunk
from simulator.errors import OutputExistsError
from simulator.scenario.schema import Scenario

TRAJECTORY_COLUMNS = [
    "replication", "date", "venture", "partner", "pledged", "paid_in",
    "outstanding", "cancelled", "committed", "share", "member",
]  # fmt: skip
OUTCOME_COLUMNS = [
    "replication", "venture", "pledged_final", "committed_final", "paid_in_final",
    "outstanding_final", "cancelled_final", "members_final", "collapsed", "collapse_date",
    "reference_date", "committed_at_reference", "market_at_reference", "capital_to_market",
]  # fmt: skip
EVENT_COLUMNS = ["replication", "date", "type", "partner", "venture", "amount", "detail"]
_EPS = 1e-9


def month_dates(start: int, count: int) -> pd.DatetimeIndex:
    """First day of each simulated month."""
    return pd.date_range(f"{start // 12:04d}-{start % 12 + 1:02d}-01", periods=count, freq="MS")


@dataclass
class ResultSet:
    """Everything one run or sweep produced: pandas tables plus a manifest."""

    outcomes: pd.DataFrame
    trajectories: pd.DataFrame
    events: pd.DataFrame
    market: pd.DataFrame
    manifest: dict = field(default_factory=dict)

    # --- building -----------------------------------------------------------------

    @classmethod
    def from_chunks(cls, scenario: Scenario, model: Model, chunks: list[Chunk], manifest: dict):
        dates = month_dates(model.start, model.horizon)
        market = market_table(scenario, dates)
        ref = reference_index(scenario, model)
        parts = [_tables(model, c, dates, market, ref) for c in chunks]
        return cls(
            outcomes=pd.concat([p[0] for p in parts], ignore_index=True),
            trajectories=pd.concat([p[1] for p in parts], ignore_index=True),
            events=pd.concat([p[2] for p in parts], ignore_index=True),
            market=market,
            manifest=manifest,
        )

    @property
    def replications(self) -> int:
        return int(self.manifest.get("replications", self.outcomes["replication"].nunique()))

    @property
    def stochastic(self) -> bool:
        return bool(self.manifest.get("stochastic", self.replications > 1))

    # --- analysis and plots (thin wrappers so notebooks need one import) -------------

    def summary(self) -> pd.DataFrame:
        from simulator.analysis.summary import summarize

        return summarize(self)

    def plot_funding(self, venture: str | None = None, ax=None):
        from simulator.plots import plot_funding

        return plot_funding(self, venture=venture, ax=ax)

    # --- files ----------------------------------------------------------------------

    def save(self, directory: str | Path, force: bool = False, plots: bool = True) -> Path:
        """Write every file into a temporary sibling, then move it into place at once."""
        directory = Path(directory)
        check_output_dir(directory, force)
        directory.parent.mkdir(parents=True, exist_ok=True)
        # mkdir (not tempfile.mkdtemp, which makes it 0700) so the umask decides the mode.
        tmp = directory.parent / f".{directory.name}.tmp-{os.getpid()}-{uuid.uuid4().hex[:8]}"
        tmp.mkdir()
        try:
            self.outcomes.to_csv(tmp / "outcomes.csv", index=False)
            self.trajectories.to_parquet(tmp / "trajectories.parquet", index=False)
            self.events.to_csv(tmp / "events.csv", index=False)
            self.market.to_csv(tmp / "market.csv", index=False)
            (tmp / "manifest.json").write_text(json.dumps(self.manifest, indent=2, default=str))
            if plots:
                from simulator.plots import save_run_plots

                save_run_plots(self, tmp)
            if directory.exists():
                shutil.rmtree(directory)
            os.replace(tmp, directory)
        except BaseException:
            shutil.rmtree(tmp, ignore_errors=True)
            raise
        return directory

    @classmethod
    def load(cls, directory: str | Path) -> ResultSet:
        directory = Path(directory)
        outcomes = pd.read_csv(directory / "outcomes.csv", parse_dates=["collapse_date"])
        events = pd.read_csv(directory / "events.csv", parse_dates=["date"], keep_default_na=False)
        events["amount"] = events["amount"].astype(float)
        market = pd.read_csv(directory / "market.csv", parse_dates=["date"])
        return cls(
            outcomes=outcomes,
            trajectories=pd.read_parquet(directory / "trajectories.parquet"),
            events=events,
            market=market,
            manifest=json.loads((directory / "manifest.json").read_text()),
        )


def check_output_dir(directory: Path, force: bool) -> None:
    if directory.exists() and any(directory.iterdir()) and not force:
        raise OutputExistsError(
            f"{directory}: output directory is not empty (use --force to replace it, "
            "or --out for another directory)"
        )


def market_table(scenario: Scenario, dates: pd.DatetimeIndex) -> pd.DataFrame:
    """The market projection per month, plus benchmark points, in the scenario's unit."""
    frames = []
    if scenario.market is not None:
        frames.append(
            pd.DataFrame(
                {
                    "series": "market",
                    "label": scenario.market.label,
                    "date": dates,
                    "value": market_series(scenario.market, scenario.start, len(dates)),
                }
            )
        )
    for bid, b in scenario.benchmarks.items():
        points = sorted(b.points.items())
        frames.append(
            pd.DataFrame(
                {
                    "series": bid,
                    "label": b.label or bid,
                    "date": month_dates(points[0][0], points[-1][0] - points[0][0] + 1)[
                        [m - points[0][0] for m, _ in points]
                    ],
                    "value": [v for _, v in points],
                }
            )
        )
    if not frames:
        return pd.DataFrame({"series": [], "label": [], "date": [], "value": []})
    return pd.concat(frames, ignore_index=True)


def reference_index(scenario: Scenario, model: Model) -> int | None:
    """Month index of the market reference date (default: the last market point in range)."""
    m = scenario.market
    if m is None:
        return None
    ref = m.reference if m.reference is not None else max(m.points)
    return int(min(max(ref - model.start, 0), model.horizon - 1))


def _tables(model: Model, c: Chunk, dates, market: pd.DataFrame, ref: int | None):
    R, V, P, H = c.pledged.shape
    ventures = pd.Categorical.from_codes(np.arange(V), categories=model.venture_ids)
    partners_cat = model.members
    committed = c.pledged - c.cancelled
    outstanding = committed - c.paid_in
    outstanding[np.abs(outstanding) < _EPS] = 0.0

    # trajectories: only (venture, member) pairs that take part in the venture
    mask = np.broadcast_to(model.involved[None, :, :, None], (R, V, P, H))
    r, v, p, t = np.nonzero(mask)
    traj = pd.DataFrame(
        {
            "replication": (r + c.first).astype(np.int64),
            "date": dates[t],
            "venture": pd.Categorical.from_codes(v, categories=model.venture_ids),
            "partner": pd.Categorical.from_codes(p, categories=partners_cat),
            "pledged": c.pledged[mask],
            "paid_in": c.paid_in[mask],
            "outstanding": outstanding[mask],
            "cancelled": c.cancelled[mask],
            "committed": committed[mask],
            "share": c.share[mask],
            "member": c.member[mask],
        }
    )

    last = H - 1
    collapse = c.collapse
    out = pd.DataFrame(
        {
            "replication": np.repeat(np.arange(R) + c.first, V),
            "venture": np.tile(ventures, R),
            "pledged_final": c.pledged[:, :, :, last].sum(axis=2).ravel(),
            "committed_final": committed[:, :, :, last].sum(axis=2).ravel(),
            "paid_in_final": c.paid_in[:, :, :, last].sum(axis=2).ravel(),
            "outstanding_final": outstanding[:, :, :, last].sum(axis=2).ravel(),
            "cancelled_final": c.cancelled[:, :, :, last].sum(axis=2).ravel(),
            "members_final": c.member[:, :, :, last].sum(axis=2).ravel(),
            "collapsed": (collapse >= 0).ravel(),
            "collapse_date": pd.DatetimeIndex(
                [dates[m] if m >= 0 else pd.NaT for m in collapse.ravel()]
            ),
        }
    )
    if ref is not None:
        mk = market[market["series"] == "market"]["value"].to_numpy()
        at_ref = committed[:, :, :, ref].sum(axis=2).ravel()
        out["reference_date"] = dates[ref]
        out["committed_at_reference"] = at_ref
        out["market_at_reference"] = mk[ref]
        out["capital_to_market"] = at_ref / mk[ref]
    else:
        for col in OUTCOME_COLUMNS[-4:]:
            out[col] = np.nan

    names = np.array(["", *partners_cat], dtype=object)
    vnames = np.array(["", *model.venture_ids], dtype=object)
    ev = c.events
    events = pd.DataFrame(
        {
            "replication": np.array([e[0] for e in ev], dtype=np.int64),
            "date": dates[np.array([e[1] for e in ev], dtype=np.int64)],
            "type": [e[2] for e in ev],
            "partner": names[np.array([e[3] for e in ev], dtype=np.int64) + 1],
            "venture": vnames[np.array([e[4] for e in ev], dtype=np.int64) + 1],
            "amount": np.array([e[5] for e in ev], dtype=float),
            "detail": [e[6] for e in ev],
        }
    )
    return out[OUTCOME_COLUMNS], traj[TRAJECTORY_COLUMNS], events[EVENT_COLUMNS]
