"""db.grouping: the groups numpy finds are the ones a plain Python dictionary finds."""

from __future__ import annotations

import numpy as np
import pytest

from db import grouping


@pytest.mark.parametrize(
    "spread",
    [
        pytest.param(1_000, id="keys that pack into one integer"),
        pytest.param(2**40, id="keys too wide to pack: sorted together instead"),
    ],
)
def test_groups_and_their_figures_match_a_dictionary(spread: int) -> None:
    rng = np.random.default_rng(3)
    first = rng.integers(-spread, spread, 5_000) // 997  # repeats, negatives included
    second = rng.integers(0, 3, 5_000)
    third = rng.integers(-spread, spread, 5_000) // 991
    values = rng.integers(0, 10**9, 5_000)
    (a, b, c), row, count = grouping.groups(first, second, third)

    expected: dict[tuple[int, int, int], list[int]] = {}
    for key, value in zip(
        zip(first.tolist(), second.tolist(), third.tolist(), strict=True), values.tolist(), strict=True
    ):
        expected.setdefault(key, []).append(value)
    keys = sorted(expected)
    assert list(zip(a.tolist(), b.tolist(), c.tolist(), strict=True)) == keys
    assert count == len(keys)
    assert grouping.count(row, count).tolist() == [len(expected[key]) for key in keys]
    assert grouping.add(row, count, values).tolist() == [sum(expected[key]) for key in keys]
    odd = values % 2 == 1
    least = grouping.first(row, count, values, odd).tolist()
    assert least == [min((v for v in expected[key] if v % 2), default=grouping.NEVER) for key in keys]


def test_histograms_and_distinct_values_per_group() -> None:
    row = np.array([0, 0, 0, 1, 1, 2])
    bins = np.array([5, 3, 5, 7, 7, 1])
    counted = np.array([True, True, True, True, True, False])
    values, counts = grouping.histograms(row, 3, bins, counted)
    assert values.tolist() == [(3 << 40) | 1, (5 << 40) | 2, (7 << 40) | 2]
    assert counts.tolist() == [2, 1, 0]
    distinct, per_group = grouping.distinct(row, 3, bins, counted)
    assert (distinct.tolist(), per_group.tolist()) == ([3, 5, 7], [2, 1, 0])
