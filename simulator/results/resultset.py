"""ResultSet: the tables a run or a sweep produced, their files, and plots of them.

A run holds outcomes, per-partner trajectories and events; a sweep holds its
design, outcomes with the varied parameters as columns, monthly quantiles of
venture totals per design point and a per-point summary. Both hold the market
projection, failed replications and a manifest. Tables are pandas DataFrames.
"""

from __future__ import annotations

import json
import os
import shutil
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd
import pyarrow as pa

from simulator.errors import ConsimError, OutputExistsError
from simulator.results.encoding import dictionary_columns
from simulator.results.folders import staging
from simulator.results.months import as_months
from simulator.results.tables import ENDINGS, FAILURE_COLUMNS

# table name → file name; the suffix says the format
FILES = {
    "outcomes": "outcomes.csv",
    "trajectories": "trajectories.parquet",
    "events": "events.csv",
    "market": "market.csv",
    "failures": "failures.csv",
    "design": "design.csv",
    "points": "points.csv",
    "quantiles": "quantiles.parquet",
    "indices": "sensitivity.csv",
}
SWEEP_FILES = {**FILES, "outcomes": "outcomes.parquet"}
# A streamed run's large tables (experiments/streamed.py): millions of rows, beyond what a
# spreadsheet opens, written and read back at parquet's speed with their types.
STREAMED_FILES = {**FILES, "outcomes": "outcomes.parquet", "events": "events.parquet"}


def files_for(manifest: dict) -> dict[str, str]:
    """Table name → file name in a folder of results of this kind."""
    if manifest.get("kind") == "sweep":
        return SWEEP_FILES
    return STREAMED_FILES if manifest.get("streamed") else FILES


@dataclass
class ResultSet:
    """Everything one run or sweep produced: pandas tables plus a manifest.

    >>> from simulator import run
    >>> r = run("scenarios/atos_joins.yaml", replications=100, seed=1, progress=False)
    >>> r
    <ResultSet run of 'atos_joins': 100 replication(s), seed 1; in memory>
    >>> r.summary()["committed_final_mean"].iloc[0] > 225
    np.True_
    """

    outcomes: pd.DataFrame
    trajectories: pd.DataFrame | None = None
    events: pd.DataFrame | None = None
    market: pd.DataFrame | None = None
    manifest: dict = field(default_factory=dict)
    failures: pd.DataFrame = field(default_factory=lambda: pd.DataFrame(columns=FAILURE_COLUMNS))
    design: pd.DataFrame | None = None  # sweeps: one row per design point
    points: pd.DataFrame | None = None  # sweeps: outcome summaries per point and venture
    quantiles: pd.DataFrame | None = None  # sweeps: monthly quantiles per point
    indices: pd.DataFrame | None = None  # sweeps: sensitivity indices per input (sensitivity())
    path: Path | None = field(default=None, repr=False)  # the folder it was saved in or read from
    # A streamed run's tables already written to a file (name → path; experiments/streamed.py):
    # saving links (or copies) the file in; the attribute holds the sample kept in memory.
    spooled: dict = field(default_factory=dict, repr=False)
    spool: object = field(default=None, repr=False)  # keeps the spooled files until saved

    def __post_init__(self) -> None:
        for table in (self.outcomes, self.trajectories, self.events, self.market, self.quantiles):
            as_months(table)

    def __repr__(self) -> str:
        m = self.manifest
        if self.kind == "sweep":
            what = (
                f"sweep {m.get('sweep')!r}: {m.get('points'):,} points × "
                f"{m.get('replications'):,} replications, seed {m.get('seed')}"
            )
        else:
            what = f"run of {m.get('scenario')!r}: {self.replications:,} replication(s), seed "
            what += f"{m.get('seed')}"
            if m.get("streamed"):  # experiments/streamed.py
                what += f"; trajectories and events of the first {m['streamed']['kept']:,}"
        where = f"files in {self.path}" if self.path else "in memory"
        return f"<ResultSet {what}; {where}>"

    def _repr_html_(self) -> str:
        """A notebook's view: the summary with intervals, the main figure, the folder."""
        from simulator.plots import display

        if self.kind == "sweep":
            lines, table = display.sweep_lines(self), None
            figure = self.plot_collapse() if "p_collapse" in self.points else None
        else:
            lines, table, figure = display.run_lines(self), display.run_table(self), None
            figure = self.plot_funding()
        return display.card(repr(self)[1:-1], lines, table, figure, self.path)

    @property
    def kind(self) -> str:
        return self.manifest.get("kind", "run")

    @property
    def replications(self) -> int:
        return int(self.manifest.get("replications", self.outcomes["replication"].nunique()))

    @property
    def stochastic(self) -> bool:
        return bool(self.manifest.get("stochastic", self.replications > 1))

    # --- analysis and plots (thin wrappers so notebooks need one import) -------------

    def backtest(self) -> pd.DataFrame:
        """Each point of the scenario's `observed:` beside what the runs simulated in
        that month (analysis.backtest); empty without observations."""
        from simulator.analysis.backtest import backtest

        return backtest(self)

    def summary(self) -> pd.DataFrame:
        from simulator.analysis.summary import summarize

        return summarize(self)

    def sensitivity(self, outcome: str | None = None, venture: str | None = None) -> pd.DataFrame:
        """A sweep's sensitivity indices (analysis.sensitivity): every outcome, or one
        outcome's inputs most influential first (of `venture`, by default the first).

        """
        from simulator.analysis.sensitivity import indices, ranked

        if self.kind != "sweep":
            raise ConsimError("sensitivity indices need a sweep (a run varies no input)")
        if self.indices is None:
            m = self.manifest
            spec = m["resolved_sweep"]["design"]
            self.indices = indices(self.points, self.design, spec, m.get("seed"))
        return self.indices if outcome is None else ranked(self.indices, outcome, venture)

    def discover(
        self,
        where: str | None = None,
        outcome: str | None = None,
        venture: str | None = None,
        boxes: int = 3,
        min_coverage: float | None = None,
    ):
        """PRIM boxes of the inputs under which runs are cases of interest: `outcome` a
        yes/no outcome ("collapsed") or `where` a condition ("committed_final < 250").
        A run's inputs are who left and when, who joined with how much; a sweep's are its
        design's values (analysis.discover); `plots.discover.plot_discovery` draws it."""
        from simulator.analysis.discover import cases_of_interest, discover, inputs_of

        rows, inputs, features = inputs_of(self, venture)
        cases, case = cases_of_interest(rows, where, outcome)
        return discover(inputs, features, cases, case, boxes, min_coverage)

    def plot_sensitivity(self, outcome: str = "committed_final", venture: str | None = None):
        """Bars of each input's indices for one outcome, most influential first."""
        from simulator.plots.sensitivity import plot_sensitivity

        return plot_sensitivity(self, outcome, venture=venture)

    def plot_funding(self, venture: str | None = None, ax=None):
        from simulator.plots.runs import plot_funding

        return plot_funding(self, venture=venture, ax=ax)

    def plot_against_market(self, venture: str | None = None):
        """One venture's capital against the market projection, and capital ÷ the market."""
        from simulator.plots.runs import plot_against_market

        return plot_against_market(self, venture=venture)

    def plot_outcome(self, outcome: str = "committed_final", parameter: str | None = None, ax=None):
        """A sweep's outcome against one varied parameter, median with 5–95 % band."""
        from simulator.plots.sweeps import plot_outcome

        return plot_outcome(self, outcome, parameter, ax=ax)

    def plot_heatmap(self, outcome: str = "committed_final", ax=None):
        """A two-parameter grid sweep's mean outcome as a heatmap."""
        from simulator.plots.sweeps import plot_heatmap

        return plot_heatmap(self, outcome, ax=ax)

    def plot_collapse(self, ax=None):
        """A sweep's probability of collapse across its design points."""
        from simulator.plots.sweeps import plot_collapse

        return plot_collapse(self, ax=ax)

    # --- files ----------------------------------------------------------------------

    def tables(self) -> dict[str, pd.DataFrame]:
        names = files_for(self.manifest)
        return {k: getattr(self, k) for k in names if getattr(self, k) is not None}

    def story(self, replication: int) -> pd.DataFrame:
        """One run's starting pledges and events in date order, each with what it pledged
        or cancelled (analysis.story); `explain(k)` gives the same as text."""
        from simulator.analysis.story import replication_of, story
        from simulator.experiments.replay import holding

        replication = replication_of(self, replication, None, None)
        return story(holding(self, replication), replication)

    def explain(self, replication: int) -> str:
        """One run's story as dated lines, with each venture's account at the end."""
        from simulator.analysis.story import format_story, replication_of
        from simulator.experiments.replay import holding

        replication = replication_of(self, replication, None, None)
        return format_story(holding(self, replication), replication)

    def save(self, directory: str | Path, force: bool = False, plots: bool = True) -> Path:
        """Write every file into a temporary sibling, then move it into place at once;
        `force` replaces earlier results (a folder that is wholly consim's, nothing else)."""
        directory = Path(directory)
        names = files_for(self.manifest)
        with staging(directory, force) as tmp:
            for name, table in self.tables().items():
                if name in self.spooled:
                    link_or_copy(self.spooled[name], tmp / names[name])
                else:
                    write_table(table, tmp / names[name])
            (tmp / "manifest.json").write_text(json.dumps(self.manifest, indent=2, default=str))
            if plots:
                self.save_plots(tmp)
        self.path = directory
        self.spooled = {name: directory / names[name] for name in self.spooled}
        if self.spool is not None:
            self.spool.keep()  # the saved folder holds the files now
            self.spool = None
        return directory

    def save_plots(self, directory: Path) -> list[Path]:
        if self.kind == "sweep":
            from simulator.plots.sweeps import save_sweep_plots

            return save_sweep_plots(self, directory)
        from simulator.plots.runs import save_run_plots

        return save_run_plots(self, directory)

    @classmethod
    def load(cls, directory: str | Path, skip: tuple[str, ...] = ()) -> ResultSet:
        """Read a results directory written by `consim run` or `consim sweep`.

        skip names tables not to read (e.g. a large sweep's "outcomes"; then empty).
        """
        directory = Path(directory)
        manifest_file = directory / "manifest.json"
        if not manifest_file.is_file():
            raise OutputExistsError(
                f"{directory}: not a consim results directory (no manifest.json)"
            )
        manifest = json.loads(manifest_file.read_text())
        names = files_for(manifest)
        streamed = manifest.get("streamed")
        tables = {
            name: read_table(directory / file)
            if not (streamed and name == "events")
            else read_first(directory / file, streamed["kept"])
            for name, file in names.items()
            if (directory / file).is_file() and name not in skip
        }
        tables.setdefault("outcomes", pd.DataFrame())
        outcomes = tables["outcomes"]
        if "ended" in outcomes and not isinstance(outcomes["ended"].dtype, pd.CategoricalDtype):
            # CSV: "" (not ended) comes back as a missing value
            ended = outcomes["ended"].astype(object).fillna("")  # all empty: read as floats
            outcomes["ended"] = pd.Categorical(ended, categories=ENDINGS)
        if "events" in tables:  # venture-level events have no partner, most no detail
            events = tables["events"]
            for column in ("type", "partner", "venture", "detail"):  # text, not categories
                events[column] = events[column].astype(object).fillna("").astype(str)
            events["amount"] = events["amount"].astype(float)
        spooled = {"events": directory / names["events"]} if streamed else {}
        return cls(manifest=manifest, path=directory, spooled=spooled, **tables)


def write_table(table: pd.DataFrame, path: Path, file_name: str | None = None) -> None:
    """Write as parquet or CSV, by the suffix of `file_name` (default: of `path`, which may
    be a temporary name)."""
    if Path(file_name or path.name).suffix == ".parquet":
        schema = pa.Schema.from_pandas(table, preserve_index=False)
        table.to_parquet(path, index=False, use_dictionary=dictionary_columns(schema))
    else:  # months are periods: a spreadsheet's reader sees 2012-03
        table.to_csv(path, index=False)


def link_or_copy(source: Path, target: Path) -> None:
    """A hard link (the spool lies beside the folder: same disk, no copying), else a copy."""
    try:
        os.link(source, target)
    except OSError:
        shutil.copyfile(source, target)


def read_first(path: Path, replications: int) -> pd.DataFrame:
    """The rows of a parquet file whose replication is below `replications` (a streamed
    run's sample; its row groups' statistics let the reader skip the rest)."""
    return pd.read_parquet(path, filters=[("replication", "<", replications)])


def read_table(path: Path) -> pd.DataFrame:
    """A table as written by `write_table` (its months are made periods by the ResultSet)."""
    return pd.read_parquet(path) if path.suffix == ".parquet" else pd.read_csv(path)
