"""Scenario layer: YAML files → validated, immutable Scenario objects (no SimPy here)."""
