"""Group-by over numpy columns, for :mod:`db.seed_rollups` (pure; no I/O).

A grouping is the distinct combinations of some key columns in ascending
order, and for every row the number of its group (``row``); the figures of a
group are then counts and sums of its rows by that number.
"""

from __future__ import annotations

import numpy as np
import numpy.typing as npt

from api.histogram import COUNT_BITS

Ints = npt.NDArray[np.int64]
Mask = npt.NDArray[np.bool_]

NEVER = np.iinfo(np.int64).max
"""What :func:`first` gives a group none of whose rows counted."""


def groups(*keys: Ints) -> tuple[list[Ints], Ints, int]:
    """The distinct combinations of ``keys`` in ascending order (the first key first), each row's group, how many."""
    packed = _packed(keys)
    order = np.argsort(packed) if packed is not None else np.lexsort(keys[::-1])
    ordered = [key[order] for key in keys]
    starts = np.zeros(len(order), dtype=np.bool_)
    starts[:1] = True
    if packed is not None:
        sorted_packed = packed[order]
        starts[1:] = sorted_packed[1:] != sorted_packed[:-1]
    else:
        for key in ordered:
            starts[1:] |= key[1:] != key[:-1]
    row = np.empty(len(order), dtype=np.int64)
    row[order] = np.cumsum(starts) - 1
    return [key[starts] for key in ordered], row, int(starts.sum())


def _packed(keys: tuple[Ints, ...]) -> Ints | None:
    """The keys as one integer per row that sorts as they do together, if 62 bits hold them all."""
    if not len(keys[0]):
        return None
    packed = np.zeros(len(keys[0]), dtype=np.int64)
    bits = 0
    for key in keys:
        low, high = int(key.min()), int(key.max())
        width = max(1, (high - low).bit_length())
        bits += width
        if bits > 62:
            return None
        packed = (packed << width) | (key - low)
    return packed


def count(row: Ints, total: int, where: Mask | None = None) -> Ints:
    """How many rows (of those ``where`` says) each of ``total`` groups has."""
    counted: Ints = np.bincount(row if where is None else row[where], minlength=total).astype(np.int64)
    return counted


def add(row: Ints, total: int, values: Ints) -> Ints:
    """The sum of ``values`` per group."""
    # bincount adds in float64: exact for the integers here (well below 2**53).
    summed: Ints = np.rint(np.bincount(row, weights=values, minlength=total)).astype(np.int64)
    return summed


def first(row: Ints, total: int, values: Ints, where: Mask) -> Ints:
    """The least of ``values`` per group, over the rows ``where`` says (:data:`NEVER` if none)."""
    least = np.full(total, NEVER, dtype=np.int64)
    np.minimum.at(least, row[where], values[where])
    return least


def histograms(row: Ints, total: int, bins: Ints, where: Mask) -> tuple[Ints, Ints]:
    """Per group, ``(bin << 40) | count`` of each bin its rows fall in, ascending: flat values, counts per group."""
    (group, bin_), pair, pairs = groups(row[where], bins[where])
    values: Ints = (bin_ << COUNT_BITS) | np.bincount(pair, minlength=pairs)
    return values, np.bincount(group, minlength=total).astype(np.int64)


def distinct(row: Ints, total: int, values: Ints, where: Mask) -> tuple[Ints, Ints]:
    """Per group, its distinct ``values``, ascending: flat values, counts per group."""
    (group, value), _, _ = groups(row[where], values[where])
    return value, np.bincount(group, minlength=total).astype(np.int64)
