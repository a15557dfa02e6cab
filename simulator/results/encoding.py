"""How consim's parquet files encode their columns.

Parquet's dictionary encoding pays on columns of few distinct values (a venture, a
partner, a date, a flag, a design point) and costs on the others: on a sweep's 200,000
outcome rows, encoding every column took 0.13 s and 10.1 MB, these only 0.065 s and
9.8 MB (the merge of a sweep's outcomes runs in the parent process, beside the workers).
"""

from __future__ import annotations

import pyarrow as pa

NUMBERED = ("replication",)  # whole numbers, nearly all distinct


def dictionary_columns(schema: pa.Schema) -> list[str]:
    """The columns to dictionary-encode: every one but numbers and replication numbers."""
    return [f.name for f in schema if f.name not in NUMBERED and not pa.types.is_floating(f.type)]
