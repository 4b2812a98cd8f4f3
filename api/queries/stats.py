"""The summary and the time series: rollups over tiles, turned into response models."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime
from decimal import Decimal

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncConnection

from api.incidents import ENDS, STARTS, Outage, pair_events
from api.params import Range
from api.queries.rollups import (
    CallsAt,
    CallTotals,
    MessageTotals,
    call_totals,
    distinct_active,
    message_totals,
)
from api.schemas import (
    AnswerStats,
    CallStats,
    ChatCounts,
    IncidentStats,
    MessageCounts,
    Summary,
    TimeRange,
    UsageStats,
    UserCounts,
)
from api.timeranges import DAY, Span, tiles_for

NOT_FAILURES = ("ok", "cancelled")


def time_range(window: Range) -> TimeRange:
    return TimeRange(from_=window.start, to=window.end)


def ratio(part: int, whole: int) -> float | None:
    return part / whole if whole else None


def call_stats(requests: CallsAt) -> CallStats:
    """Request counts by kind of outcome, and the time to first token (mean and percentiles)."""
    calls = requests.totals()
    ttft_p50, ttft_p95 = requests.first_tokens.percentiles((50, 95))
    total = sum(call.calls for call in calls)
    ok = sum(call.calls for call in calls if call.outcome == "ok")
    cancelled = sum(call.calls for call in calls if call.outcome == "cancelled")
    failed = total - ok - cancelled
    return CallStats(
        total=total,
        ok=ok,
        failed=failed,
        cancelled=cancelled,
        failure_rate=ratio(failed, total - cancelled),
        ttft_mean_ms=requests.first_token_mean.value,
        ttft_p50_ms=ttft_p50,
        ttft_p95_ms=ttft_p95,
    )


def usage_stats(calls: Sequence[CallTotals]) -> UsageStats:
    prompt = sum(call.prompt_tokens for call in calls)
    completion = sum(call.completion_tokens for call in calls)
    return UsageStats(
        prompt_tokens=prompt,
        completion_tokens=completion,
        total_tokens=prompt + completion,
        cost_usd=float(sum((call.cost for call in calls), start=Decimal(0))),
    )


async def summary(db: AsyncConnection, window: Range) -> Summary:
    """Every headline figure of ``window``; the day/week/month actives are the windows ending at ``to``."""
    end = window.end
    ranges = [Span(window.start, end), Span(end - DAY, end), Span(end - 7 * DAY, end), Span(end - 30 * DAY, end)]
    tiles = tiles_for(ranges[:1])
    sums = tiles_for(ranges[:1], signed=True)
    messages = (await message_totals(db, sums)).get(0, MessageTotals())
    requests = (await call_totals(db, sums)).get(0, CallsAt())
    calls = requests.totals()
    active_users = await distinct_active(db, tiles_for(ranges))
    active_chats = (await distinct_active(db, tiles, chats=True)).get(0, 0)
    users_total, users_new = await first_seen_counts(db, "stats_users", window)
    chats_total, chats_new = await first_seen_counts(db, "stats_chats", window)
    outages = await outages_overlapping(db, window)
    latency_p50, latency_p95 = messages.latency.percentiles((50, 95))
    return Summary(
        range=time_range(window),
        users=UserCounts(
            total=users_total,
            new=users_new,
            active=active_users.get(0, 0),
            active_day=active_users.get(1, 0),
            active_week=active_users.get(2, 0),
            active_month=active_users.get(3, 0),
        ),
        chats=ChatCounts(total=chats_total, new=chats_new, active=active_chats),
        messages=MessageCounts(incoming=messages.messages_in, outgoing=messages.messages_out),
        answers=AnswerStats(
            answers=messages.messages_out,
            by_fallback=messages.failovers,
            fallback_share=ratio(messages.failovers, messages.messages_out),
            latency_mean_ms=messages.latency_mean.value,
            latency_p50_ms=latency_p50,
            latency_p95_ms=latency_p95,
        ),
        calls=call_stats(requests),
        incidents=incident_stats(outages, window),
        usage=usage_stats(calls),
    )


def incident_stats(outages: Sequence[Outage], window: Range) -> IncidentStats:
    until = min(window.end, datetime.now(UTC))
    return IncidentStats(
        both_down=sum(1 for outage in outages if window.start <= outage.start < window.end),
        both_down_seconds=sum(outage.seconds_within(window.start, until) for outage in outages),
    )


async def first_seen_counts(db: AsyncConnection, table: str, window: Range) -> tuple[int, int]:
    """(entities first seen before ``to``, entities first seen in the window) of ``stats_users`` or ``stats_chats``."""
    row = (
        await db.execute(
            text(f"""
                SELECT (SELECT count(*) FROM {table} WHERE first_seen_at < :end),
                       (SELECT count(*) FROM {table} WHERE first_seen_at >= :start AND first_seen_at < :end)
            """),
            {"start": window.start, "end": window.end},
        )
    ).one()
    return int(row[0]), int(row[1])


async def outages_overlapping(db: AsyncConnection, window: Range) -> list[Outage]:
    """Both-down incidents overlapping the window, with their true start and end (which may lie outside)."""
    rows = await db.execute(
        text("""
            WITH since AS (
                SELECT coalesce(max(at), '-infinity') AS at FROM model_events WHERE kind = :ends AND at < :start
            )
            SELECT at, kind FROM (
                SELECT at, kind, id FROM model_events
                WHERE kind IN (:starts, :ends) AND at >= (SELECT at FROM since) AND at < :end
                UNION ALL
                (SELECT at, kind, id FROM model_events WHERE kind = :ends AND at >= :end ORDER BY at, id LIMIT 1)
            ) AS events
            ORDER BY at, id
        """),
        {"start": window.start, "end": window.end, "starts": STARTS, "ends": ENDS},
    )
    outages = pair_events((at, kind) for at, kind in rows)
    return [o for o in outages if o.start < window.end and (o.end is None or o.end > window.start)]
