"""A chunk's draws made up front, one vector per element and term (streams.py): the numbers
the per-replication engine draws one at a time, at the same (element, replication, k)."""

from __future__ import annotations

import numpy as np

from simulator.engine.batch.jit import kernel
from simulator.engine.batch.kernels import uniform
from simulator.engine.streams import Streams
from simulator.scenario.distributions import Distribution


@kernel
def uniforms_of(word, first, k, out):
    """out[i]: the k-th uniform of the element keyed `word` in replication first + i
    (streams.uniform_vector, compiled: 0.5 against 5.8 ns a number)."""
    for i in range(out.shape[0]):
        out[i] = uniform(word, first + i, k)
    return out


class ChunkDraws:
    """Draws for replications `first … first+n-1` of one seed."""

    def __init__(self, seed: int | None, first: int, n: int):
        self.streams = Streams(seed)
        self.first, self.n = first, n
        self.replications = np.arange(first, first + n, dtype=np.uint64)

    def word(self, name: str) -> np.uint64:
        """Element `name`'s key word, for draws a kernel makes along the way."""
        return np.uint64(self.streams.word(name))

    def uniforms(self, name: str, k: int = 0) -> np.ndarray:
        """The k-th uniform of element `name` in every replication."""
        word = np.uint64(self.streams.word(name))
        return uniforms_of(word, np.int64(self.first), np.int64(k), np.empty(self.n))

    def number(self, value, name: str, k: int = 0) -> np.ndarray:
        """A number as given in every replication, or its distribution's k-th draw from
        element `name` (the per-replication engine's k-th `draw(value, name)`)."""
        term = self.term(value, name, k)
        return term if isinstance(term, np.ndarray) else np.full(self.n, term)

    def term(self, value, name: str, k: int = 0) -> float | np.ndarray:
        """`number`, a number as given left as one (NaN for none): a column of the chunk's
        state is then filled once (state._columns), not built and copied."""
        if isinstance(value, Distribution):
            return value.quantiles(self.uniforms(name, k))
        return np.nan if value is None else float(value)
