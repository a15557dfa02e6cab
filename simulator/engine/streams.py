"""Random streams keyed by name: each random element of a scenario (a member's departure, a
candidate's negotiation, a pledge, a policy, a venture's terms, ...) draws from its own
stream, so that a what-if adding or removing an element leaves every other element's draws
unchanged, and scenarios run with one seed stay paired replication by replication
(docs/model.md §12).

The stream of element `name` in replication i is a Philox (counter-based) generator whose
128-bit key comes from `SeedSequence(seed, spawn_key=(STREAMS, h(name)))` and whose counter
starts at (0, 0, i, 0): no two (element, replication) pairs share numbers, and replication
i draws the same numbers whichever chunk or process runs it. A chunk builds each element's
generator once and moves its counter at each replication (a state set, cheaper than a new
generator). Plain-hazard departures, drawn for every partner at once, take their one
uniform from SplitMix64 over the same key and the replication index instead: a vector for
all partners in one numpy call.
"""

from __future__ import annotations

import hashlib

import numpy as np

STREAMS = 0x5EED  # spawn-key tag: element streams never meet the root's other children
_MASK = (1 << 64) - 1


def name_hash(name: str) -> int:
    """A stable 64-bit hash of an element's name (Python's hash() changes per process)."""
    return int.from_bytes(hashlib.blake2b(name.encode(), digest_size=8).digest(), "little")


class Streams:
    """The element streams of one chunk of replications of one seed."""

    def __init__(self, seed: int | None):
        root = np.random.SeedSequence(seed)
        self._entropy, self._spawn = root.entropy, tuple(root.spawn_key)
        self._streams: dict[str, list] = {}  # name → [generator, bit generator, key, rep]
        self._words: dict[str, int] = {}  # name → 64-bit word for hashed uniforms
        self.replication = 0

    def start(self, replication: int) -> None:
        """The replication the next draws are for."""
        self.replication = replication

    def _key(self, name: str, words: int) -> np.ndarray:
        seq = np.random.SeedSequence(
            self._entropy, spawn_key=(*self._spawn, STREAMS, name_hash(name))
        )
        return seq.generate_state(words, np.uint64)

    def get(self, name: str) -> np.random.Generator:
        """Element `name`'s generator, at the current replication's draws."""
        entry = self._streams.get(name)
        if entry is None:
            bits = np.random.Philox(key=self._key(name, 2))
            entry = self._streams[name] = [np.random.Generator(bits), bits, bits.state, -1]
        if entry[3] != self.replication:
            state = entry[2]
            state["state"]["counter"] = np.array([0, 0, self.replication, 0], dtype=np.uint64)
            state["buffer_pos"] = 4  # nothing buffered: the next draw starts at the counter
            state["has_uint32"] = 0
            entry[1].state = state
            entry[3] = self.replication
        return entry[0]

    def uniforms(self, names: list[str]) -> np.ndarray:
        """One uniform in [0, 1) per element name for the current replication (SplitMix64
        of the element's word and the replication index)."""
        words = np.array([self._word(n) for n in names], dtype=np.uint64)
        return hashed_uniforms(words, self.replication)

    def _word(self, name: str) -> int:
        word = self._words.get(name)
        if word is None:
            word = self._words[name] = int(self._key("uniform/" + name, 1)[0])
        return word


def hashed_uniforms(words: np.ndarray, replication: int) -> np.ndarray:
    """SplitMix64 of word + (replication + 1) · golden gamma, as doubles in [0, 1)."""
    gamma = np.uint64(0x9E3779B97F4A7C15)
    with np.errstate(over="ignore"):
        z = words + np.uint64((replication + 1) * 0x9E3779B97F4A7C15 & _MASK) + gamma
        z = (z ^ (z >> np.uint64(30))) * np.uint64(0xBF58476D1CE4E5B9)
        z = (z ^ (z >> np.uint64(27))) * np.uint64(0x94D049BB133111EB)
        z = z ^ (z >> np.uint64(31))
    return (z >> np.uint64(11)).astype(np.float64) * (1.0 / (1 << 53))


def streams_at(seed: int | None, replication: int) -> Streams:
    """The streams of replication `replication` of `seed` (to rerun one replication alone)."""
    streams = Streams(seed)
    streams.start(replication)
    return streams
