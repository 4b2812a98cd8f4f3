"""Latency histograms: the bins the rollups count in, and percentiles read from them.

Resolution (the promise every percentile of the API keeps): bins are integer
millisecond ranges ``[lower, next_lower)`` where ``next_lower`` is
``max(lower + 1, lower * 21 // 20)``: one millisecond wide below 20 ms, then at
most 5 % of their lower edge. A percentile is reported as the middle of its bin,
so it is within 2.5 % (and within half a millisecond below 20 ms) of the exact
value. Latencies from 24 hours on share the last bin. The database computes the
same bins (``stats_latency_bin`` in migration 0002); a test keeps the two equal.

Percentiles use the nearest-rank definition: the p-th percentile of n values is
the smallest value with at least ``ceil(p * n / 100)`` values at or below it.
"""

from __future__ import annotations

from bisect import bisect_left
from collections.abc import Mapping, Sequence
from functools import cache
from itertools import accumulate

LARGEST_EDGE_MS = 86_400_000
COUNT_BITS = 40
"""Rollups store a histogram as ``bigint[]``, each element ``bin << 40 | count`` (see ``db.rollups``)."""


@cache
def lower_edges() -> tuple[int, ...]:
    """Lower edge of every bin in milliseconds: 0, 1, 2, ..., 40, 42, 44, ... (345 bins up to 24 hours)."""
    edges = [0]
    while edges[-1] < LARGEST_EDGE_MS:
        edges.append(max(edges[-1] + 1, edges[-1] * 21 // 20))
    return tuple(edges)


def bin_of(value_ms: int) -> int:
    """The bin a latency falls in (negative values count as 0)."""
    edges = lower_edges()
    low, high = 0, len(edges) - 1
    while low < high:
        middle = (low + high + 1) // 2
        if edges[middle] <= value_ms:
            low = middle
        else:
            high = middle - 1
    return low


def representative(bin_index: int) -> float:
    """The value reported for a bin: the middle of the integers it holds."""
    edges = lower_edges()
    if bin_index >= len(edges) - 1:
        return float(edges[-1])
    return (edges[bin_index] + edges[bin_index + 1] - 1) / 2


COUNT_MASK = (1 << COUNT_BITS) - 1


def pack(counts: Mapping[int, int]) -> list[int]:
    """``{bin: count}`` as packed ``bin << 40 | count`` elements (what the rollups store)."""
    return [(bin_index << COUNT_BITS) | count for bin_index, count in sorted(counts.items()) if count > 0]


def percentiles(packed: Sequence[int], percents: Sequence[int], *, in_order: bool = False) -> list[float | None]:
    """Nearest-rank percentiles of a histogram given as packed elements, None each when it is empty.

    The elements may come from several rollup rows, in any order, a bin repeated:
    sorted, they are in bin order (the bin is in the high bits), and a cumulative
    sum finds each rank. ``in_order`` says they already are (one rollup row's
    histogram is stored sorted). Everything runs in C-level loops, which matters
    for a series of thousands of buckets.
    """
    ordered = packed if in_order else sorted(packed)
    cumulative = list(accumulate(map(COUNT_MASK.__and__, ordered)))
    total = cumulative[-1] if cumulative else 0
    if total <= 0:
        return [None for _ in percents]
    result: list[float | None] = []
    for percent in percents:
        rank = (percent * total + 99) // 100
        result.append(representative(ordered[bisect_left(cumulative, rank)] >> COUNT_BITS))
    return result
