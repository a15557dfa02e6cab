"""Random streams keyed by name: each random element of a scenario (a member's departure, a
candidate's negotiation, a pledge, a policy, a venture's terms, ...) draws from its own
stream, so that a what-if adding or removing an element leaves every other element's draws
unchanged, and scenarios run with one seed stay paired replication by replication
(docs/model.md §12).

Counter-based: the k-th uniform of element `name` in replication i is a pure function of
(seed, name, i, k) — the SplitMix64 finalizer of w + (i + 1)·γ + k·δ, w a 64-bit word
from `SeedSequence(seed, spawn_key=(STREAMS, h(name)))`, γ and δ two odd constants — so
replication i draws the same numbers whichever chunk, process or engine runs it: the
per-replication engine asks for one number at a time (`Stream.random`), the batch engine
for whole vectors (`uniform_vector`, and the same arithmetic in its kernels). A number
drawn from a distribution is its quantile at one such uniform.
"""

from __future__ import annotations

import functools
import hashlib

import numpy as np

STREAMS = 0x5EED  # spawn-key tag: element streams never meet the root's other children
_MASK = (1 << 64) - 1
GAMMA = 0x9E3779B97F4A7C15  # replication step (SplitMix64's golden gamma)
DELTA = 0xD1B54A32D192ED03  # draw step within a replication (another odd constant)
_M1, _M2 = 0xBF58476D1CE4E5B9, 0x94D049BB133111EB
_TO_UNIT = 1.0 / (1 << 53)


def name_hash(name: str) -> int:
    """A stable 64-bit hash of an element's name (Python's hash() changes per process)."""
    return int.from_bytes(hashlib.blake2b(name.encode(), digest_size=8).digest(), "little")


def element_word(seed: int | None, name: str) -> int:
    """The 64-bit word that keys element `name`'s stream under `seed`."""
    root = np.random.SeedSequence(seed)
    return _word(root.entropy, tuple(root.spawn_key), name)


@functools.lru_cache(maxsize=2**14)  # a sweep's chunks ask for the same words again
def _word(entropy, spawn: tuple, name: str) -> int:
    seq = np.random.SeedSequence(entropy, spawn_key=(*spawn, STREAMS, name_hash(name)))
    return int(seq.generate_state(1, np.uint64)[0])


def uniform_at(word: int, replication: int, k: int) -> float:
    """The k-th uniform in (0, 1) of the element keyed `word` in `replication`."""
    z = (word + (replication + 1) * GAMMA + k * DELTA) & _MASK
    z = ((z ^ (z >> 30)) * _M1) & _MASK
    z = ((z ^ (z >> 27)) * _M2) & _MASK
    z ^= z >> 31
    return ((z >> 11) + 0.5) * _TO_UNIT


def uniform_vector(word: int, replications: np.ndarray, k: int = 0) -> np.ndarray:
    """`uniform_at` for many replications (or, with `word` an array, many elements) at once."""
    with np.errstate(over="ignore"):
        z = np.asarray(word, dtype=np.uint64) + np.uint64(k * DELTA & _MASK)
        z = z + (np.asarray(replications, dtype=np.uint64) + np.uint64(1)) * np.uint64(GAMMA)
        z = (z ^ (z >> np.uint64(30))) * np.uint64(_M1)
        z = (z ^ (z >> np.uint64(27))) * np.uint64(_M2)
        z = z ^ (z >> np.uint64(31))
    return ((z >> np.uint64(11)).astype(np.float64) + 0.5) * _TO_UNIT


class Stream:
    """One element's draws in the current replication: `random()` gives uniform k = 0, 1, ..."""

    __slots__ = ("word", "replication", "k")

    def __init__(self, word: int):
        self.word, self.replication, self.k = word, -1, 0

    def random(self) -> float:
        u = uniform_at(self.word, self.replication, self.k)
        self.k += 1
        return u


class Streams:
    """The element streams of one chunk of replications of one seed."""

    def __init__(self, seed: int | None):
        root = np.random.SeedSequence(seed)
        self._entropy, self._spawn = root.entropy, tuple(root.spawn_key)
        self._streams: dict[str, Stream] = {}
        self.replication = 0

    def start(self, replication: int) -> None:
        """The replication the next draws are for."""
        self.replication = replication

    def word(self, name: str) -> int:
        """Element `name`'s key word."""
        return self._stream(name).word

    def _stream(self, name: str) -> Stream:
        stream = self._streams.get(name)
        if stream is None:
            stream = self._streams[name] = Stream(_word(self._entropy, self._spawn, name))
        return stream

    def get(self, name: str) -> Stream:
        """Element `name`'s stream, at the current replication's first unused draw."""
        stream = self._stream(name)
        if stream.replication != self.replication:
            stream.replication, stream.k = self.replication, 0
        return stream

    def uniforms(self, names: list[str]) -> np.ndarray:
        """The next uniform of each element for the current replication, in one vector (the
        first draw of an element not yet drawn from: plain hazards, drawn together)."""
        streams = [self.get(n) for n in names]
        words = np.array([s.word for s in streams], dtype=np.uint64)
        ks = {s.k for s in streams}
        if ks == {0}:
            u = uniform_vector(words, self.replication)
        else:
            u = np.array([uniform_at(s.word, self.replication, s.k) for s in streams])
        for s in streams:
            s.k += 1
        return u


def streams_at(seed: int | None, replication: int) -> Streams:
    """The streams of replication `replication` of `seed` (to rerun one replication alone)."""
    streams = Streams(seed)
    streams.start(replication)
    return streams
