"""Values of cooperative games: given v(S) for coalitions S (frozensets of player ids), each
player's Shapley value, exact over every subset or sampled from random orders of arrival,
and for a yes/no game (a coalition wins or not) the normalized Banzhaf index and the veto
players. Pure arithmetic: no simulation here.

Written here with numpy and math.comb: no library on this machine does it well.

Coalitions are handled inside as bit masks over the players' order (bit i: the i-th player
is in), so that the 2^n values of an exact computation are one array. The Shapley value is
linear in v: φ = C·v with C the n × 2^n matrix of `shapley_coefficients`, which also gives
the value of a sample of games at once (one column per replication of a simulation).
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping, Sequence

import numpy as np

from simulator.analysis.intervals import Estimate, mean_interval

Game = Callable[[frozenset], float] | Mapping[frozenset, float]
TOO_MANY = 20  # exact computations hold 2^n values: refused beyond a million coalitions


def coalition(players: Sequence[str], mask: int) -> frozenset:
    """The players whose bits are set in `mask`."""
    return frozenset(p for i, p in enumerate(players) if mask >> i & 1)


def mask_of(players: Sequence[str], members) -> int:
    """The bit mask of a coalition (members not among `players` are an error)."""
    index = {p: i for i, p in enumerate(players)}
    return sum(1 << index[m] for m in members)


def subsets(players: Sequence[str]) -> list[frozenset]:
    """Every coalition, the empty one first, by size then in the players' order."""
    masks = sorted(range(1 << len(players)), key=lambda m: (m.bit_count(), _order(m)))
    return [coalition(players, m) for m in masks]


def _order(mask: int) -> list[int]:
    return [i for i in range(mask.bit_length()) if mask >> i & 1]


def sizes(n: int) -> np.ndarray:
    """The number of players in each of the 2^n masks."""
    masks = np.arange(1 << n)
    return sum((masks >> i) & 1 for i in range(n)) if n else np.zeros(1, dtype=int)


def game_table(players: Sequence[str], v: Game) -> np.ndarray:
    """v at every mask, 0 … 2^n − 1 (a row of values per mask if v gives arrays)."""
    n = len(players)
    if n > TOO_MANY:
        raise ValueError(f"{n} players: 2^{n} coalitions are too many to list")
    get = v.__getitem__ if isinstance(v, Mapping) else v
    return np.array([get(coalition(players, m)) for m in range(1 << n)], dtype=float)


def shapley_coefficients(n: int) -> np.ndarray:
    """C (n × 2^n) such that the Shapley values are C @ v: player i gains
    w(s) = s!(n−s−1)!/n! = 1 / (n·C(n−1, s)) of v(S ∪ {i}) − v(S) for each S of size s
    without it (the share of orders of arrival in which exactly S came before i)."""
    masks, size = np.arange(1 << n), sizes(n)
    weight = np.array([1.0 / (n * math.comb(n - 1, s)) for s in range(n)])
    c = np.zeros((n, 1 << n))
    for i in range(n):
        without = masks[(masks >> i) & 1 == 0]
        w = weight[size[without]]
        c[i, without | (1 << i)] = w
        c[i, without] = -w
    return c


def exact_shapley(players: Sequence[str], v: Game) -> dict[str, float]:
    """Each player's Shapley value, from v at all 2^n coalitions. They add up to
    v(all) − v(∅) (efficiency); symmetric players get equal values, dummies 0."""
    phi = shapley_coefficients(len(players)) @ game_table(players, v)
    return dict(zip(players, phi.tolist(), strict=True))


def replicated_shapley(players: Sequence[str], v: Game) -> dict[str, np.ndarray]:
    """Shapley values of many games at once: v(S) an array (one value per replication of a
    simulation, say), each player's values an array alike; their mean is the Shapley value
    of the mean game, as the value is linear in v."""
    phi = shapley_coefficients(len(players)) @ game_table(players, v)
    return dict(zip(players, phi, strict=True))


def random_orders(n: int, samples: int, rng: np.random.Generator) -> np.ndarray:
    """`samples` orders of arrival of n players (rows: permutations of 0 … n−1)."""
    return np.array([rng.permutation(n) for _ in range(samples)], dtype=int).reshape(samples, n)


def prefixes(players: Sequence[str], orders: np.ndarray) -> list[frozenset]:
    """The coalitions that sampled orders visit (∅, the first to arrive, the first two, …),
    each once, the empty one first then by size: what a sampled Shapley value needs."""
    seen = {0}
    for order in orders:
        mask = 0
        for i in order:
            mask |= 1 << int(i)
            seen.add(mask)
    ranked = sorted(seen, key=lambda m: (m.bit_count(), _order(m)))
    return [coalition(players, m) for m in ranked]


def marginals(players: Sequence[str], v: Game, orders: np.ndarray) -> np.ndarray:
    """Each player's marginal contribution v(before ∪ {i}) − v(before) in each order
    (samples × n); each row adds up to v(all) − v(∅)."""
    get = v.__getitem__ if isinstance(v, Mapping) else v
    cache: dict[int, float] = {}

    def value(mask: int) -> float:
        if mask not in cache:
            cache[mask] = float(get(coalition(players, mask)))
        return cache[mask]

    out = np.zeros(orders.shape, dtype=float)
    for row, order in enumerate(orders):
        mask, before = 0, value(0)
        for i in order:
            mask |= 1 << int(i)
            after = value(mask)
            out[row, int(i)] = after - before
            before = after
    return out


def sampled_shapley(players: Sequence[str], v: Game, orders: np.ndarray) -> dict[str, Estimate]:
    """Shapley values estimated from sampled orders of arrival: each player's mean marginal
    contribution with its 95 % t-interval over the m orders (± t·sd/√m; NaN ends for one
    order, zero width when every order gives the same contribution). The means add up to
    v(all) − v(∅) exactly, as every order's contributions do."""
    contributions = marginals(players, v, orders)
    return {p: mean_interval(contributions[:, i]) for i, p in enumerate(players)}


def banzhaf(players: Sequence[str], wins: Game) -> dict[str, float]:
    """The normalized Banzhaf index: player i's swings (winning coalitions that lose without
    i) over all players' swings. NaN for every player when nobody swings anything (no
    coalition wins, or every one does)."""
    table = game_table(players, wins) > 0.5
    masks = np.arange(len(table))
    swings = np.array(
        [
            int((table & ~table[masks ^ (1 << i)] & ((masks >> i) & 1 == 1)).sum())
            for i in range(len(players))
        ]
    )
    total = swings.sum()
    shares = swings / total if total else np.full(len(players), np.nan)
    return dict(zip(players, shares.tolist(), strict=True))


def veto_players(players: Sequence[str], wins: Game) -> list[str]:
    """The players in every winning coalition, without whom nothing wins; none when the
    grand coalition itself does not win."""
    table = game_table(players, wins) > 0.5
    if not table[-1]:
        return []
    winning = np.flatnonzero(table)
    return [p for i, p in enumerate(players) if bool(((winning >> i) & 1).all())]
