"""A chunk's events as an Arrow table, for a streamed run's events.parquet: names stored
once per row group (dictionary-encoded), built from the engine's arrays without a pandas
table in between (experiments/streamed.py)."""

from __future__ import annotations

import numpy as np
import pyarrow as pa

from simulator.engine.batch.codes import KINDS
from simulator.engine.batch.events import EventRecords
from simulator.results.tables import Context, event_columns

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
    """The events of chunk `c`, as `tables.event_table` gives them, in EVENT_SCHEMA."""
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
    """An events table (`tables.event_table`) in EVENT_SCHEMA."""
    columns = [pa.array(events["replication"].to_numpy(np.int64))]
    columns.append(pa.array(events["date"].to_numpy().astype("datetime64[us]")))
    columns += [_encoded(events[name].to_numpy(object)) for name in ("type", "partner", "venture")]
    columns.append(pa.array(events["amount"].to_numpy(float)))
    columns.append(_encoded(events["detail"].to_numpy(object)))
    return pa.table(columns, schema=EVENT_SCHEMA)
