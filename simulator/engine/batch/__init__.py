"""The batch engine: a whole chunk of replications at once (docs/engine.md).

One SimPy environment per chunk schedules the months in which anything happens in any of
its replications; the chunk's state lives in arrays; each mechanism's handler is a numba
kernel looping over the chunk's replications. Draws come from the same counter-based
streams as the per-replication engine (streams.py), so that both engines give the same
numbers replication by replication.
"""
