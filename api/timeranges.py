"""Time arithmetic of the stats API, free of I/O: rounding, buckets in a time zone, tiling.

Rollups are kept per UTC minute, hour and day (``db.rollups``). A range is served
by *tiling* it: whole UTC days from the day rollups, the hours left at its edges
from the hour rollups, the minutes left from the minute rollups. Every boundary
the API accepts is a whole minute, so a tiling is always exact.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from itertools import pairwise
from zoneinfo import ZoneInfo

from api.schemas import Bucket

EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
MINUTE = timedelta(minutes=1)
HOUR = timedelta(hours=1)
DAY = timedelta(days=1)
QUARTER_HOUR = timedelta(minutes=15)
# Rollup grains, coarsest first: (length, the value of `period_minutes` in the rollup tables).
GRAINS: tuple[tuple[timedelta, int], ...] = ((DAY, 1440), (HOUR, 60), (MINUTE, 1))


def floor_to(moment: datetime, unit: timedelta) -> datetime:
    """``moment`` rounded down to a multiple of ``unit`` since the Unix epoch (UTC)."""
    return EPOCH + ((moment - EPOCH) // unit) * unit


def ceil_to(moment: datetime, unit: timedelta) -> datetime:
    floored = floor_to(moment, unit)
    return floored if floored == moment else floored + unit


def floor_minute(moment: datetime) -> datetime:
    return floor_to(moment, MINUTE)


def ceil_minute(moment: datetime) -> datetime:
    return ceil_to(moment, MINUTE)


@dataclass(frozen=True)
class Span:
    """A half-open interval ``[start, end)`` of UTC instants."""

    start: datetime
    end: datetime


@dataclass(frozen=True)
class Period:
    """A bucket of a series: its natural bounds in the zone, and the part inside the range."""

    start: datetime
    end: datetime
    covered: Span


@dataclass(frozen=True)
class Tile:
    """Rows of grain ``period_minutes`` starting in ``[start, end)`` count ``sign`` times for bucket ``index``."""

    index: int
    period_minutes: int
    start: datetime
    end: datetime
    sign: int = 1


def tile_span(span: Span, grains: Sequence[tuple[timedelta, int]] = GRAINS) -> list[tuple[int, Span]]:
    """Cover a minute-aligned span exactly with as few rollup periods as possible.

    Returns ``(period_minutes, sub-span)`` pairs: each sub-span is a whole number of
    periods of that grain, and together they cover ``span`` without overlap.
    """
    if span.start >= span.end:
        return []
    (unit, grain), finer = grains[0], grains[1:]
    if not finer:
        return [(grain, span)]
    if span.end - span.start < unit:
        return tile_span(span, finer)
    inner = Span(ceil_to(span.start, unit), floor_to(span.end, unit))
    if inner.start >= inner.end:
        return tile_span(span, finer)
    return [
        *tile_span(Span(span.start, inner.start), finer),
        (grain, inner),
        *tile_span(Span(inner.end, span.end), finer),
    ]


def signed_tile_span(span: Span, grains: Sequence[tuple[timedelta, int]] = GRAINS) -> list[tuple[int, int, Span]]:
    """Cover a minute-aligned span with added and subtracted rollup periods, reading fewer rows.

    Returns ``(sign, period_minutes, sub-span)``: the span is the sum of the
    sub-spans with their signs. An edge is read as the whole period minus the
    rest when that reads fewer rows: a local day in Moscow, 21:00 to 21:00 UTC,
    is 3 hours + 1 day - 3 hours, 7 rows instead of 24. Only for figures that
    add up (counts, tokens, costs, histograms), never for distinct counts.
    """
    if span.start >= span.end:
        return []
    (unit, grain), finer = grains[0], grains[1:]
    if not finer:
        return [(1, grain, span)]
    if 2 * (span.end - span.start) <= unit:
        return signed_tile_span(span, finer)  # a whole period minus more than the span: never fewer rows
    first, last = floor_to(span.start, unit), ceil_to(span.end, unit)
    if last - first == unit:  # one period holds the whole span
        if span == Span(first, last):
            return [(1, grain, span)]
        plain = signed_tile_span(span, finer)
        rest = _negated(
            signed_tile_span(Span(first, span.start), finer) + signed_tile_span(Span(span.end, last), finer)
        )
        return [(1, grain, Span(first, last)), *rest] if _rows(rest) + 1 < _rows(plain) else plain
    inner_start, inner_end = ceil_to(span.start, unit), floor_to(span.end, unit)
    parts: list[tuple[int, int, Span]] = []
    if span.start > first:
        plain = signed_tile_span(Span(span.start, inner_start), finer)
        rest = _negated(signed_tile_span(Span(first, span.start), finer))
        if _rows(rest) + 1 < _rows(plain):  # the whole first period is one more row
            parts, inner_start = rest, first
        else:
            parts = plain
    if span.end < last:
        plain = signed_tile_span(Span(inner_end, span.end), finer)
        rest = _negated(signed_tile_span(Span(span.end, last), finer))
        if _rows(rest) + 1 < _rows(plain):
            parts, inner_end = parts + rest, last
        else:
            parts = parts + plain
    if inner_start < inner_end:
        parts.append((1, grain, Span(inner_start, inner_end)))
    return parts


def _rows(parts: list[tuple[int, int, Span]]) -> int:
    """How many rollup rows reading ``parts`` takes."""
    return sum((part.end - part.start) // timedelta(minutes=grain) for _, grain, part in parts)


def _negated(parts: list[tuple[int, int, Span]]) -> list[tuple[int, int, Span]]:
    return [(-sign, grain, part) for sign, grain, part in parts]


def tiles_for(spans: Iterable[Span], *, signed: bool = False) -> list[Tile]:
    """Tiles for several spans at once, each tagged with the position of its span.

    ``signed`` allows subtracted tiles (see :func:`signed_tile_span`): fewer rows,
    for sums only.
    """
    if signed:
        return [
            Tile(index, grain, part.start, part.end, sign)
            for index, span in enumerate(spans)
            for sign, grain, part in signed_tile_span(span)
        ]
    return [
        Tile(index, grain, part.start, part.end) for index, span in enumerate(spans) for grain, part in tile_span(span)
    ]


def bucket_bounds(window: Span, bucket: Bucket, zone: ZoneInfo) -> list[datetime]:
    """Every bucket boundary in the zone from the one at or before ``window.start`` to the first at or after its end.

    Boundaries are UTC instants where the local clock shows a whole minute, hour
    or midnight. Across a DST change a local day lasts 23 or 25 hours, and a
    repeated local hour gives two buckets.
    """
    if bucket is Bucket.MINUTE:
        # Every zone's offset is a whole number of minutes since 2000 (the earliest accepted date).
        first = floor_minute(window.start)
        count = (ceil_minute(window.end) - first) // MINUTE
        return [first + i * MINUTE for i in range(count + 1)]
    if bucket is Bucket.HOUR:
        return _hour_bounds(window, zone)
    return _day_bounds(window, zone)


def _hour_bounds(window: Span, zone: ZoneInfo) -> list[datetime]:
    local = window.start.astimezone(zone)
    bound = _local_hour_start(local.replace(minute=0, second=0, microsecond=0), window.start)
    bounds = [bound]
    while bound < window.end:
        bound = _next_local_hour(bound, zone)
        bounds.append(bound)
    return bounds


def _local_hour_start(local_hour: datetime, not_after: datetime) -> datetime:
    moment = local_hour.astimezone(UTC)
    # A local hour start inside a DST gap maps forward; never start after the range does.
    return moment if moment <= not_after else moment - HOUR


def _next_local_hour(bound: datetime, zone: ZoneInfo) -> datetime:
    candidate = bound + HOUR
    if candidate.astimezone(zone).minute == 0:
        return candidate
    # The offset changed by part of an hour (Lord Howe Island): find the next local whole hour.
    moment = bound + QUARTER_HOUR
    while moment.astimezone(zone).minute != 0:
        moment += QUARTER_HOUR
    return moment


def _day_bounds(window: Span, zone: ZoneInfo) -> list[datetime]:
    day = window.start.astimezone(zone).date()
    bounds = [_local_midnight(day, zone)]
    while bounds[-1] < window.end:
        day += timedelta(days=1)
        bounds.append(_local_midnight(day, zone))
    return bounds


def _local_midnight(day: date, zone: ZoneInfo) -> datetime:
    """The first instant of ``day`` in the zone (fold=0: a skipped midnight maps to the end of the gap)."""
    return datetime.combine(day, time(0), tzinfo=zone).astimezone(UTC)


def periods(window: Span, bucket: Bucket, zone: ZoneInfo) -> list[Period]:
    """The buckets of a series over ``window``, each with the part of it the window covers."""
    bounds = bucket_bounds(window, bucket, zone)
    result = []
    for start, end in pairwise(bounds):
        covered = Span(max(start, window.start), min(end, window.end))
        if covered.start < covered.end:
            result.append(Period(start, end, covered))
    return result
