"""Pure pieces: histogram bins (and their SQL twin), tiling, bucket boundaries, incidents, escaping, cursors."""

from __future__ import annotations

import itertools
import random
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import asyncpg
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from sqlalchemy.ext.asyncio import AsyncEngine

from api.histogram import bin_of, lower_edges, pack, percentiles, representative
from api.incidents import Outage, pair_events
from api.params import decode_cursor, encode_cursor, like_pattern
from api.schemas import Bucket
from api.timeranges import EPOCH, GRAINS, Span, periods, signed_tile_span, tile_span
from db.connect import to_asyncpg_dsn

MINUTE = timedelta(minutes=1)


def test_bins_are_one_millisecond_or_at_most_five_percent_wide() -> None:
    edges = lower_edges()
    assert edges[:3] == (0, 1, 2) and edges[-1] >= 86_400_000
    for low, high in itertools.pairwise(edges):
        assert high - low == 1 or (high - 1) <= low * 1.05


@pytest.mark.parametrize("value", [0, 1, 19, 20, 21, 40, 41, 42, 999, 1000, 86_400_000, 2**31 - 1])
def test_a_reported_percentile_is_within_the_documented_resolution(value: int) -> None:
    reported = representative(bin_of(value))
    if value < 86_400_000:
        assert abs(reported - value) <= max(0.5, 0.025 * value)


def test_nearest_rank_percentiles_of_histograms_merged_from_several_rows() -> None:
    one, two = pack({bin_of(v): 1 for v in range(1, 6)}), pack({bin_of(v): 1 for v in range(6, 11)})
    assert percentiles(two + one, (50, 95, 100)) == [5, 10, 10]  # 1..10 ms, one each, rows in any order
    assert percentiles(one + pack({bin_of(3): 7}), (50,)) == [3]  # a bin repeated across rows adds up
    assert percentiles([], (50, 95)) == [None, None]


@pytest.mark.anyio
async def test_the_database_bins_latencies_exactly_like_python(engine: AsyncEngine, database_url: str) -> None:
    edges = lower_edges()
    values = sorted({-5, -1, 0, 2**31 - 1, *edges, *(e - 1 for e in edges), *(e + 1 for e in edges)})
    rng = random.Random(3)
    values += [rng.randint(0, 10_000_000) for _ in range(2000)]
    values = [v for v in values if -(2**31) <= v < 2**31]
    connection = await asyncpg.connect(to_asyncpg_dsn(database_url))
    try:
        rows = await connection.fetch("SELECT v, stats_latency_bin(v) AS b FROM unnest($1::integer[]) AS v", values)
    finally:
        await connection.close()
    assert {row["v"]: row["b"] for row in rows} == {v: bin_of(v) for v in values}


minutes = st.integers(min_value=0, max_value=60 * 24 * 800).map(lambda m: datetime(2025, 1, 1, tzinfo=UTC) + m * MINUTE)


@settings(max_examples=300, deadline=None)
@given(minutes, st.integers(min_value=1, max_value=60 * 24 * 100))
def test_tiles_cover_a_span_exactly_with_aligned_periods(start: datetime, length: int) -> None:
    span = Span(start, start + length * MINUTE)
    tiles = tile_span(span)
    assert tiles[0][1].start == span.start and tiles[-1][1].end == span.end
    for (_, left), (_, right) in itertools.pairwise(tiles):
        assert left.end == right.start
    units = {grain: unit for unit, grain in GRAINS}
    for grain, part in tiles:
        assert (part.start - EPOCH) % units[grain] == timedelta(0) and (part.end - part.start) % units[
            grain
        ] == timedelta(0)
    assert len(tiles) <= 2 * 59 + 2 * 23 + 1


@settings(max_examples=300, deadline=None)
@given(minutes, st.integers(min_value=1, max_value=60 * 24 * 100))
def test_signed_tiles_add_up_to_the_span_and_read_fewer_rows(start: datetime, length: int) -> None:
    span = Span(start, start + length * MINUTE)
    tiles = signed_tile_span(span)
    coverage: dict[datetime, int] = {}
    units = {g: u for u, g in GRAINS}
    for sign, grain, part in tiles:
        assert (part.start - EPOCH) % units[grain] == timedelta(0) and (part.end - part.start) % units[
            grain
        ] == timedelta(0)
        coverage[part.start] = coverage.get(part.start, 0) + sign
        coverage[part.end] = coverage.get(part.end, 0) - sign
    # Sweep the boundaries: how many times each stretch of time between two of them is counted.
    level, counted = 0, []
    for moment in sorted(coverage):
        level += coverage[moment]
        counted.append((moment, level))
    stretches = [(a, b, n) for (a, n), (b, _) in itertools.pairwise(counted) if n != 0]
    assert all(n == 1 for _, _, n in stretches)
    assert (stretches[0][0], stretches[-1][1]) == (span.start, span.end)
    assert all(left[1] == right[0] for left, right in itertools.pairwise(stretches))

    def rows(grain: int, part: Span) -> int:
        return (part.end - part.start) // units[grain]

    assert sum(rows(g, p) for _, g, p in tiles) <= sum(rows(g, p) for g, p in tile_span(span))


@settings(max_examples=100, deadline=None)
@given(
    minutes,
    st.integers(min_value=1, max_value=60 * 24 * 20),
    st.sampled_from(
        ["UTC", "Europe/Moscow", "America/New_York", "Asia/Kolkata", "Australia/Lord_Howe", "Pacific/Chatham"]
    ),
    st.sampled_from([Bucket.HOUR, Bucket.DAY]),
)
def test_buckets_start_on_local_hours_or_midnights_and_tile_the_range(
    start: datetime, length: int, tz: str, bucket: Bucket
) -> None:
    zone = ZoneInfo(tz)
    window = Span(start, start + length * MINUTE)
    buckets = periods(window, bucket, zone)
    assert buckets[0].covered.start == window.start and buckets[-1].covered.end == window.end
    for left, right in itertools.pairwise(buckets):
        assert left.end == right.start and left.covered.end == right.covered.start
    for period in buckets:
        local = period.start.astimezone(zone)
        assert (local.minute, local.second) == (0, 0)
        if bucket is Bucket.DAY:
            assert local.hour == 0
            assert timedelta(hours=22) <= period.end - period.start <= timedelta(hours=26)


def test_incidents_pair_starts_with_the_next_end() -> None:
    t = [datetime(2026, 1, 1, tzinfo=UTC) + i * MINUTE for i in range(8)]
    events = [
        (t[0], "both_down_end"),
        (t[1], "both_down"),
        (t[2], "both_down"),
        (t[3], "both_down_end"),
        (t[5], "both_down"),
    ]
    assert pair_events(events) == [Outage(t[1], t[3]), Outage(t[5], None)]
    assert Outage(t[5], None).seconds_within(t[0], t[7]) == 120


@pytest.mark.parametrize(
    ("text", "pattern"),
    [("50%", "%50\\%%"), ("a_b", "%a\\_b%"), ("back\\slash", "%back\\\\slash%"), ("plain", "%plain%")],
)
def test_search_strings_become_literal_patterns(text: str, pattern: str) -> None:
    assert like_pattern(text) == pattern


def test_cursors_round_trip() -> None:
    assert decode_cursor(encode_cursor("2026-01-01T00:00:00+00:00", -100), 2) == ["2026-01-01T00:00:00+00:00", "-100"]
