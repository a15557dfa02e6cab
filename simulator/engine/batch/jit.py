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

import numpy as np
from numba import njit

kernel = njit(cache=True, _nrt=False)
inline = njit(cache=True, _nrt=False, inline="always")  # for the kernels' small steps

# u64(t): an index numba knows is not negative. With a signed one, each a[t] first checks
# whether t < 0, to wrap it around as Python does, and a loop over months does not compile
# to vector instructions: 26.6 against 9.5 ns for a month-by-month row of 72.
u64 = np.uint64
