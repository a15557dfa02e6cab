"""Analysis of result tables: market comparison and summaries (reads tables, not the engine)."""
