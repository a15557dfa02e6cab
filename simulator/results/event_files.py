"""A chunk's events as tables: a DataFrame, or an Arrow table for a streamed run's
events.parquet (names stored once per row group, dictionary-encoded, built from the
engine's arrays without a pandas table in between: experiments/streamed.py)."""

from __future__ import annotations

import re

import numpy as np
import pandas as pd
import pyarrow as pa

from simulator.engine.batch.codes import KINDS
from simulator.engine.batch.events import EventRecords
from simulator.engine.simulate import Chunk
from simulator.results.tables import Context

MONTH_REF = re.compile(r"\{month:(\d+)\}")
EVENT_COLUMNS = ["replication", "date", "type", "partner", "venture", "amount", "detail"]

_TEXT = pa.dictionary(pa.int32(), pa.string())
EVENT_SCHEMA = pa.schema(
    [
        ("replication", pa.int64()),
        ("date", pa.timestamp("us")),
        ("type", _TEXT),
        ("partner", _TEXT),
        ("venture", _TEXT),
        ("amount", pa.float64()),
        ("detail", _TEXT),
    ]
)


def event_arrow(ctx: Context, c) -> pa.Table:
    """The events of chunk `c`, as `event_table` gives them, in EVENT_SCHEMA."""
    e = event_columns(c, ctx.dates)
    names = pa.array(["", *ctx.model.members], pa.string())
    vnames = pa.array(["", *ctx.model.venture_ids], pa.string())
    if isinstance(c.events, EventRecords):  # the batch engine's kinds are codes already
        kinds = pa.DictionaryArray.from_arrays(c.events.kind.astype(np.int32), pa.array(KINDS))
    else:
        kinds = _encoded(e["type"])
    return pa.table(
        [
            e["replication"],
            pa.array(ctx.dates[e["month"]].to_numpy().astype("datetime64[us]")),
            kinds,
            pa.DictionaryArray.from_arrays((e["member"] + 1).astype(np.int32), names),
            pa.DictionaryArray.from_arrays((e["venture"] + 1).astype(np.int32), vnames),
            e["amount"],
            _encoded(e["detail"]),
        ],
        schema=EVENT_SCHEMA,
    )


def _encoded(texts: np.ndarray) -> pa.DictionaryArray:
    return pa.array(texts, pa.string()).dictionary_encode()


def frame_arrow(events) -> pa.Table:
    """An events table (`event_table`) in EVENT_SCHEMA."""
    columns = [pa.array(events["replication"].to_numpy(np.int64))]
    columns.append(pa.array(events["date"].to_numpy().astype("datetime64[us]")))
    columns += [_encoded(events[name].to_numpy(object)) for name in ("type", "partner", "venture")]
    columns.append(pa.array(events["amount"].to_numpy(float)))
    columns.append(_encoded(events["detail"].to_numpy(object)))
    return pa.table(columns, schema=EVENT_SCHEMA)


def event_table(ctx: Context, c: Chunk) -> pd.DataFrame:
    """One row per event, in the order they happened."""
    e = event_columns(c, ctx.dates)
    names = np.array(["", *ctx.model.members], dtype=object)
    vnames = np.array(["", *ctx.model.venture_ids], dtype=object)
    return pd.DataFrame(
        {
            "replication": e["replication"],
            "date": ctx.dates[e["month"]],
            "type": e["type"],
            "partner": names[e["member"] + 1],
            "venture": vnames[e["venture"] + 1],
            "amount": e["amount"],
            "detail": e["detail"],
        }
    )[EVENT_COLUMNS]


def event_columns(c: Chunk, dates) -> dict[str, np.ndarray]:
    """A chunk's events as arrays: members and ventures by index (-1: none)."""
    if isinstance(c.events, EventRecords):  # the batch engine's arrays
        ev = c.events
        rep, month, kind = ev.replication, ev.month, ev.kinds()
        member, venture, amount, detail = ev.member, ev.venture, ev.amount, ev.details()
    else:
        rows = [e for e in c.events if e[0] not in c.failed]
        rep, month, kind, member, venture, amount, details = (
            (list(x) for x in zip(*rows, strict=True)) if rows else ([], [], [], [], [], [], [])
        )
        detail = event_details(details, dates)
    return {
        "replication": np.asarray(rep, dtype=np.int64),
        "month": np.asarray(month, dtype=np.int64),
        "type": np.asarray(kind, dtype=object),
        "member": np.asarray(member, dtype=np.int64),
        "venture": np.asarray(venture, dtype=np.int64),
        "amount": np.asarray(amount, dtype=float),
        "detail": np.asarray(detail, dtype=object),
    }


def event_details(details: list[str], dates) -> list[str]:
    """Details with the engine's month references (engine.model.month_ref) as YYYY-MM."""
    if not any("{month:" in d for d in details):
        return details

    def label(found: re.Match) -> str:
        return f"{pd.Timestamp(dates[int(found.group(1))]):%Y-%m}"

    return [MONTH_REF.sub(label, d) if "{month:" in d else d for d in details]
