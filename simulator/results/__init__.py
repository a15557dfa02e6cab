"""Results: tidy tables with fixed schemas, the ResultSet that holds them, their files and
folders, and the manifest that makes them reproducible."""

from simulator.results.resultset import ResultSet

__all__ = ["ResultSet"]
