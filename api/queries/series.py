"""The time series: one point per bucket, in the JSON shape of ``api.schemas.TimeSeries``.

A series has up to ~3,000 points with a list of request counts each, so it is
built as plain dicts and dumped with orjson: validating that tree with pydantic
would cost more than every query behind it. The schema stays the contract; the
tests check every field of every point against it.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any
from zoneinfo import ZoneInfo

import orjson
from sqlalchemy.ext.asyncio import AsyncConnection

from api.params import Range
from api.queries.rollups import TILES, MessageTotals, distinct_active, fetch_tiles, message_totals, rows_in_tiles
from api.schemas import Bucket
from api.timeranges import Span, Tile, periods, tiles_for

EMPTY = MessageTotals()


@dataclass
class BucketCalls:
    """Requests of one bucket: per (model, outcome) sorted, and their totals."""

    counts: list[dict[str, Any]]
    total: int
    failed: int
    tokens: int
    cost: float


NO_CALLS = BucketCalls([], 0, 0, 0, 0.0)  # never modified: buckets without requests share it


def to_json(document: dict[str, Any]) -> bytes:
    """The document as JSON, UTC times written ``2026-01-31T21:00:00Z`` as pydantic writes them elsewhere."""
    return orjson.dumps(document, option=orjson.OPT_UTC_Z)


async def bucket_calls(db: AsyncConnection, tiles: Sequence[Tile]) -> dict[int, BucketCalls]:
    """Requests per bucket, per (model, outcome) and in total.

    The rows are summed here rather than grouped in the database: for an hour
    series there is about one row per (hour, model, outcome) anyway, and a
    GROUP BY with sorted arrays took the database three times as long.
    """
    columns = "model, outcome, calls, prompt_tokens + completion_tokens AS tokens, cost"
    rows = await fetch_tiles(
        db, f"WITH {TILES} SELECT t.i, t.sign, r.* FROM {rows_in_tiles('stats_calls', 'r', columns)}", tiles
    )
    sums: dict[tuple[int, str, str], list[Any]] = {}
    for index, sign, model, outcome, calls, tokens, cost in rows:
        figures = sums.get((index, model, outcome))
        if figures is None:
            sums[index, model, outcome] = [sign * calls, sign * tokens, sign * cost]
        else:
            figures[0] += sign * calls
            figures[1] += sign * tokens
            figures[2] += sign * cost
    result: dict[int, BucketCalls] = {}
    for (index, model, outcome), (calls, tokens, cost) in sorted(sums.items()):
        if not calls:
            continue  # every such request fell in a subtracted period
        bucket = result.get(index)
        if bucket is None:
            bucket = result[index] = BucketCalls([], 0, 0, 0, 0.0)
        bucket.counts.append({"model": model, "outcome": outcome, "calls": calls})
        bucket.total += calls
        bucket.failed += calls if outcome not in ("ok", "cancelled") else 0
        bucket.tokens += tokens
        bucket.cost += float(cost)
    return result


async def time_series(db: AsyncConnection, window: Range, bucket: Bucket, zone: ZoneInfo) -> dict[str, Any]:
    """Every bucket of the window in order, empty ones included, as the JSON document of ``TimeSeries``."""
    buckets = periods(Span(window.start, window.end), bucket, zone)
    spans = [period.covered for period in buckets]
    sums = tiles_for(spans, signed=True)
    messages = await message_totals(db, sums)
    calls = await bucket_calls(db, sums)
    if bucket is Bucket.MINUTE:  # each bucket is one stored minute, whose row counts its writers
        active = {index: totals.writers for index, totals in messages.items()}
    else:
        # Signed tiles that subtract nothing are a plain tiling too: no need to tile twice.
        plain = sums if all(tile.sign > 0 for tile in sums) else tiles_for(spans)
        active = await distinct_active(db, plain)
    points = []
    for index, period in enumerate(buckets):
        totals = messages.get(index, EMPTY)
        requests = calls.get(index, NO_CALLS)
        latency_p50, latency_p95 = totals.latency.percentiles((50, 95))
        points.append(
            {
                "start": period.start,
                "end": period.end,
                "messages_in": totals.messages_in,
                "messages_out": totals.messages_out,
                "active_users": active.get(index, 0),
                "failovers": totals.failovers,
                "calls_total": requests.total,
                "calls_failed": requests.failed,
                "calls": requests.counts,
                "latency_mean_ms": totals.latency_mean.value,
                "latency_p50_ms": latency_p50,
                "latency_p95_ms": latency_p95,
                "tokens": requests.tokens,
                "cost_usd": requests.cost,
            }
        )
    return {
        "range": {"from": window.start, "to": window.end},
        "tz": zone.key,
        "bucket": bucket.value,
        "points": points,
    }
