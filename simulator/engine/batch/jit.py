"""How the batch engine's kernels are compiled: by numba, cached on disk, and without
numba's reference counting of arrays (its `_nrt` option off).

A kernel takes its state as named tuples of arrays (state.py), and each array taken out of
a tuple was counted in and out with two atomic operations: on bench.yaml that was 40 % of
the clock's time (10.3 → 6.1 µs a replication with counting off, in interleaved runs). The
kernels never allocate an array (what they need as scratch space comes in with the state:
DepartureArrays.queue and .order, ExitArrays.weights, settle's `privately`), so nothing
needs counting: every array belongs to the Python caller for the whole call.
"""

from __future__ import annotations

from numba import njit

kernel = njit(cache=True, _nrt=False)
inline = njit(cache=True, _nrt=False, inline="always")  # for the kernels' small steps
