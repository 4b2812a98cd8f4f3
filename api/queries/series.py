"""The time series: one point per bucket, in the JSON shape of ``api.schemas.TimeSeries``.

A series has up to ~3,000 points with a list of request counts each, so it is
built as plain dicts and dumped with the C JSON encoder: validating that tree
with pydantic would cost more than every query behind it. The schema stays the
contract; the tests check every field of every point against it.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy.ext.asyncio import AsyncConnection

from api.histogram import percentiles
from api.params import Range
from api.queries.rollups import TILES, MessageTotals, distinct_active, fetch_tiles, message_totals, rows_in_tiles
from api.schemas import Bucket
from api.timeranges import Span, Tile, periods, tiles_for

EMPTY = MessageTotals()


@dataclass(frozen=True)
class BucketCalls:
    """Requests of one bucket: per (model, outcome) sorted, and their totals."""

    counts: list[dict[str, Any]]
    total: int
    failed: int
    tokens: int
    cost: float


NO_CALLS = BucketCalls([], 0, 0, 0, 0.0)


def utc_iso(moment: datetime) -> str:
    """``2026-01-31T21:00:00Z``, as pydantic writes UTC times elsewhere in the API."""
    return moment.isoformat().replace("+00:00", "Z")


async def bucket_calls(db: AsyncConnection, tiles: Sequence[Tile]) -> dict[int, BucketCalls]:
    """Requests per bucket, per (model, outcome) and in total.

    The rows are summed here rather than grouped in the database: for an hour
    series there is about one row per (hour, model, outcome) anyway, and a
    GROUP BY with sorted arrays took the database three times as long.
    """
    columns = "model, outcome, calls, prompt_tokens + completion_tokens AS tokens, cost::float8 AS cost"
    rows = await fetch_tiles(
        db, f"WITH {TILES} SELECT t.i, r.* FROM {rows_in_tiles('stats_calls', 'r', columns)}", tiles
    )
    sums: dict[int, dict[tuple[str, str], list[Any]]] = {}
    for index, model, outcome, calls, tokens, cost in rows:
        figures = sums.setdefault(index, {}).setdefault((model, outcome), [0, 0, 0.0])
        figures[0] += calls
        figures[1] += tokens
        figures[2] += cost
    result = {}
    for index, by_model in sums.items():
        ordered = sorted(by_model.items())
        result[index] = BucketCalls(
            counts=[{"model": model, "outcome": outcome, "calls": n} for (model, outcome), (n, _, _) in ordered],
            total=sum(n for n, _, _ in by_model.values()),
            failed=sum(n for (_, outcome), (n, _, _) in ordered if outcome not in ("ok", "cancelled")),
            tokens=sum(tokens for _, tokens, _ in by_model.values()),
            cost=sum(cost for _, _, cost in by_model.values()),
        )
    return result


async def time_series(db: AsyncConnection, window: Range, bucket: Bucket, zone: ZoneInfo) -> dict[str, Any]:
    """Every bucket of the window in order, empty ones included, as the JSON document of ``TimeSeries``."""
    buckets = periods(Span(window.start, window.end), bucket, zone)
    tiles = tiles_for([period.covered for period in buckets])
    messages = await message_totals(db, tiles)
    calls = await bucket_calls(db, tiles)
    active = await distinct_active(db, tiles)
    points = []
    for index, period in enumerate(buckets):
        totals = messages.get(index, EMPTY)
        requests = calls.get(index, NO_CALLS)
        latency_p50, latency_p95 = percentiles(totals.latency, (50, 95))
        points.append(
            {
                "start": utc_iso(period.start),
                "end": utc_iso(period.end),
                "messages_in": totals.messages_in,
                "messages_out": totals.messages_out,
                "active_users": active.get(index, 0),
                "failovers": totals.failovers,
                "calls_total": requests.total,
                "calls_failed": requests.failed,
                "calls": requests.counts,
                "latency_p50_ms": latency_p50,
                "latency_p95_ms": latency_p95,
                "tokens": requests.tokens,
                "cost_usd": requests.cost,
            }
        )
    return {
        "range": {"from": utc_iso(window.start), "to": utc_iso(window.end)},
        "tz": zone.key,
        "bucket": bucket.value,
        "points": points,
    }
