"""One style for every figure: a partner keeps its colour in every panel and figure of a run,
and no partner takes the colours kept for the market and the venture's totals."""

from __future__ import annotations

from collections.abc import Iterable

MARKET = "tab:purple"  # the market projection
COMMITTED = "tab:orange"  # the venture's committed total against the market
# Matplotlib's tab10 without the colours kept above (and grey, kept for bands), then the
# light shades of the same hues: 14 partners before a colour comes round again.
PARTNERS = (
    *("tab:blue", "tab:green", "tab:red", "tab:brown", "tab:pink", "tab:olive", "tab:cyan"),
    *("#aec7e8", "#98df8a", "#ff9896", "#c49c94", "#f7b6d2", "#dbdb8d", "#9edae5"),
)


def partner_colours(partners: Iterable[str]) -> dict[str, str]:
    """Each partner's colour, by its place in the scenario (members, then candidates): the
    same whatever the panel, the venture or the partner's size in it."""
    return {p: PARTNERS[i % len(PARTNERS)] for i, p in enumerate(dict.fromkeys(partners))}


# Benchmark series (what others invest, say), drawn on the market's axis: dark shades of the
# market's hue, told apart by their markers, so that none is read as a partner or the totals.
BENCHMARKS = ("#3f1f66", "#6a3d9a", "#2d1248", "#8c6bb1")
BENCHMARK_MARKERS = ("s", "D", "^", "v", "P", "X")

# Scenarios side by side (a comparison): tab10 without the market's purple and the grey of
# bands; a scenario keeps its colour in every panel of the comparison.
SCENARIOS = (
    "tab:blue",
    "tab:orange",
    "tab:green",
    "tab:red",
    "tab:brown",
    "tab:pink",
    "tab:olive",
    "tab:cyan",
)

# Observed history (`observed:`), drawn as points on the capital axes.
OBSERVED = ["#d62728", "#9467bd", "#8c564b", "#e377c2"]
