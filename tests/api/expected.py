"""What the API must answer, computed in plain Python from the generated rows.

Nothing here imports the API: buckets are found by truncating local clock
times (the API walks bucket boundaries instead), percentiles are exact, and
sums are over every generated row (statistics survive deletions).
"""

from __future__ import annotations

import math
from collections import Counter, defaultdict
from collections.abc import Iterable
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import Any
from zoneinfo import ZoneInfo

from tests.api.dataset import History

FAILURE_FREE = ("ok", "cancelled")
# The incidents the dataset's events describe (see dataset.add_events).
INCIDENTS = (
    (datetime(2026, 3, 7, 10, 2, tzinfo=UTC), datetime(2026, 3, 7, 10, 4, tzinfo=UTC)),
    (datetime(2026, 11, 1, 5, tzinfo=UTC), None),
)


def within(moment: datetime, start: datetime, end: datetime) -> bool:
    return start <= moment < end


def exact_percentile(values: Iterable[int], percent: int) -> int | None:
    """Nearest rank: the smallest value with at least ceil(p * n / 100) values at or below it."""
    ordered = sorted(values)
    if not ordered:
        return None
    return ordered[math.ceil(percent * len(ordered) / 100) - 1]


def mean_matches(reported: float | None, values: Iterable[int]) -> bool:
    """The reported mean is the plain mean of ``values`` (sums are exact), or None when there are none."""
    listed = list(values)
    if not listed:
        return reported is None
    return reported is not None and math.isclose(reported, sum(listed) / len(listed), rel_tol=1e-12)


def percentile_close(reported: float | None, exact: int | None) -> bool:
    """The documented resolution: within 2.5 % of the exact value, or half a millisecond."""
    if reported is None or exact is None:
        return reported is None and exact is None
    return abs(reported - exact) <= max(0.5, 0.025 * exact) + 1e-9


def _distinct(rows: Iterable[dict[str, Any]], key: str) -> int:
    return len({row[key] for row in rows if row[key] is not None})


def summary(history: History, start: datetime, end: datetime) -> dict[str, Any]:
    """The summary's figures (percentiles exact, to be compared with :func:`percentile_close`)."""
    questions = [m for m in history.messages if m["direction"] == "in"]
    first_user: dict[int, datetime] = {}
    first_chat: dict[int, datetime] = {}
    for m in sorted(questions, key=lambda row: row["created_at"]):
        first_user.setdefault(m["user_id"], m["created_at"])
        first_chat.setdefault(m["chat_id"], m["created_at"])
    in_range = [m for m in history.messages if within(m["created_at"], start, end)]
    answers = [m for m in in_range if m["direction"] == "out"]
    calls = [c for c in history.calls if within(c["started_at"], start, end)]

    def active(days: int | None) -> int:
        since = start if days is None else end - timedelta(days=days)
        return _distinct((m for m in questions if within(m["created_at"], since, end)), "user_id")

    failed = sum(1 for c in calls if c["outcome"] not in FAILURE_FREE)
    cancelled = sum(1 for c in calls if c["outcome"] == "cancelled")
    fallback = sum(1 for m in answers if m["is_fallback"])
    until = min(end, datetime.now(UTC))  # an incident still open counts until now
    prompt = sum(c["prompt_tokens"] or 0 for c in calls)
    completion = sum(c["completion_tokens"] or 0 for c in calls)
    return {
        "users": {
            "total": sum(1 for at in first_user.values() if at < end),
            "new": sum(1 for at in first_user.values() if within(at, start, end)),
            "active": active(None),
            "active_day": active(1),
            "active_week": active(7),
            "active_month": active(30),
        },
        "chats": {
            "total": sum(1 for at in first_chat.values() if at < end),
            "new": sum(1 for at in first_chat.values() if within(at, start, end)),
            "active": _distinct((m for m in in_range if m["direction"] == "in"), "chat_id"),
        },
        "messages": {"incoming": len(in_range) - len(answers), "outgoing": len(answers)},
        "answers": {
            "answers": len(answers),
            "by_fallback": fallback,
            "fallback_share": fallback / len(answers) if answers else None,
        },
        "latencies": [m["latency_ms"] for m in answers if m["latency_ms"] is not None],
        "calls": {
            "total": len(calls),
            "ok": sum(1 for c in calls if c["outcome"] == "ok"),
            "failed": failed,
            "cancelled": cancelled,
            "failure_rate": failed / (len(calls) - cancelled) if len(calls) > cancelled else None,
        },
        "first_tokens": [c["ttft_ms"] for c in calls if c["outcome"] == "ok" and c["ttft_ms"] is not None],
        "incidents": {
            "both_down": sum(1 for begin, _ in INCIDENTS if within(begin, start, end)),
            "both_down_seconds": sum(
                max(0.0, (min(stop or until, until) - max(begin, start)).total_seconds()) for begin, stop in INCIDENTS
            ),
        },
        "usage": {
            "prompt_tokens": prompt,
            "completion_tokens": completion,
            "total_tokens": prompt + completion,
            "cost_usd": sum((c["cost"] or Decimal(0) for c in calls), start=Decimal(0)),
        },
    }


def bucket_start(moment: datetime, bucket: str, zone: ZoneInfo) -> datetime:
    """The start of the local minute, hour or day ``moment`` falls in, as UTC (folds kept apart)."""
    local = moment.astimezone(zone)
    if bucket == "minute":
        local = local.replace(second=0, microsecond=0)
    elif bucket == "hour":
        local = local.replace(minute=0, second=0, microsecond=0)
    else:
        local = local.replace(hour=0, minute=0, second=0, microsecond=0)
    return local.astimezone(UTC)


def series(history: History, start: datetime, end: datetime, bucket: str, zone: ZoneInfo) -> dict[datetime, Any]:
    """``{bucket start: figures}`` for the buckets that have any row in the range."""
    points: dict[datetime, dict[str, Any]] = defaultdict(
        lambda: {
            "messages_in": 0,
            "messages_out": 0,
            "users": set(),
            "failovers": 0,
            "calls": Counter(),
            "latencies": [],
            "tokens": 0,
            "cost": Decimal(0),
        }
    )
    for m in history.messages:
        if within(m["created_at"], start, end):
            point = points[bucket_start(m["created_at"], bucket, zone)]
            if m["direction"] == "in":
                point["messages_in"] += 1
                point["users"].add(m["user_id"])
            else:
                point["messages_out"] += 1
                point["failovers"] += m["is_fallback"]
                if m["latency_ms"] is not None:
                    point["latencies"].append(m["latency_ms"])
    for c in history.calls:
        if within(c["started_at"], start, end):
            point = points[bucket_start(c["started_at"], bucket, zone)]
            point["calls"][c["model"], c["outcome"]] += 1
            point["tokens"] += (c["prompt_tokens"] or 0) + (c["completion_tokens"] or 0)
            point["cost"] += c["cost"] or Decimal(0)
    return dict(points)


def chat_totals(history: History) -> dict[int, dict[str, Any]]:
    """Per chat, over every message ever written (deleted ones included) and every request."""
    totals: dict[int, dict[str, Any]] = defaultdict(lambda: {"messages_in": 0, "messages_out": 0, "cost": Decimal(0)})
    for m in history.messages:
        totals[m["chat_id"]]["messages_in" if m["direction"] == "in" else "messages_out"] += 1
    for c in history.calls:
        totals[c["chat_id"]]["cost"] += c["cost"] or Decimal(0)
    return totals


def dialog_order(history: History, sort: str = "activity", order: str = "desc") -> list[int]:
    """Chat ids in the list's order: by latest activity, or by messages or cost ever, ties by id.

    By messages or cost, chats with neither a message nor a request come after the others, by id.
    """
    descending = order == "desc"
    if sort == "activity":
        ordered = sorted(history.chats, key=lambda chat: (chat["last_activity_at"], chat["id"]), reverse=descending)
        return [chat["id"] for chat in ordered]
    totals = chat_totals(history)
    measured = [chat["id"] for chat in history.chats if chat["id"] in totals]
    rest = [chat["id"] for chat in history.chats if chat["id"] not in totals]

    def key(chat_id: int) -> tuple[Any, int]:
        figures = totals[chat_id]
        value = figures["messages_in"] + figures["messages_out"] if sort == "messages" else figures["cost"]
        return value, chat_id

    return sorted(measured, key=key, reverse=descending) + sorted(rest, reverse=descending)


def dialogs_active(history: History, start: datetime, end: datetime) -> set[int]:
    """Chats where a user wrote in ``[start, end)`` (deleted messages included: statistics survive)."""
    return {m["chat_id"] for m in history.messages if m["direction"] == "in" and within(m["created_at"], start, end)}


def dialogs_matching(history: History, query: str) -> set[int]:
    """Chats whose title, or the name of a user in them, contains ``query``; or with that chat or user id."""
    needle = query.lower()
    matching_users = set()
    for user in history.users:
        names = [user["username"], user["first_name"], user["last_name"]]
        names.append(" ".join(part for part in (user["first_name"], user["last_name"]) if part))
        if any(name is not None and needle in name.lower() for name in names):
            matching_users.add(user["id"])
    members = {(m["chat_id"], m["user_id"]) for m in history.messages}
    found = set()
    for chat in history.chats:
        chat_id = chat["id"]
        if chat["title"] and needle in chat["title"].lower():
            found.add(chat_id)
        if chat_id in matching_users or any((chat_id, user) in members for user in matching_users):
            found.add(chat_id)
        if query.lstrip("-").isdigit() and (chat_id == int(query) or (chat_id, int(query)) in members):
            found.add(chat_id)
    return found


def dialogs_with_text(history: History, needle: str) -> set[int]:
    return {
        m["chat_id"]
        for m in history.surviving_messages()
        if m["text"] is not None and needle.lower() in m["text"].lower()
    }


def user_usage(history: History, start: datetime, end: datetime) -> dict[int, dict[str, Any]]:
    usage: dict[int, dict[str, Any]] = defaultdict(
        lambda: {"messages_in": 0, "messages_out": 0, "calls": 0, "tokens": 0, "cost": Decimal(0)}
    )
    for m in history.messages:
        if within(m["created_at"], start, end):
            usage[m["user_id"]]["messages_in" if m["direction"] == "in" else "messages_out"] += 1
    for c in history.calls:
        if within(c["started_at"], start, end):
            figures = usage[c["user_id"]]
            figures["calls"] += 1
            figures["tokens"] += (c["prompt_tokens"] or 0) + (c["completion_tokens"] or 0)
            figures["cost"] += c["cost"] or Decimal(0)
    return usage


def model_outcomes(history: History, start: datetime, end: datetime) -> dict[str, Counter[str]]:
    outcomes: dict[str, Counter[str]] = defaultdict(Counter)
    for c in history.calls:
        if within(c["started_at"], start, end):
            outcomes[c["model"]][c["outcome"]] += 1
    return outcomes


def role_usage(history: History, start: datetime, end: datetime) -> dict[str | None, dict[str, Any]]:
    usage: dict[str | None, dict[str, Any]] = defaultdict(
        lambda: {
            "answers": 0,
            "calls": 0,
            "prompt_tokens": 0,
            "completion_tokens": 0,
            "cost": Decimal(0),
            "switches": 0,
            "chats_now": 0,
        }
    )
    for m in history.messages:
        if m["direction"] == "out" and within(m["created_at"], start, end):
            usage[m["role"]]["answers"] += 1
    for c in history.calls:
        if within(c["started_at"], start, end):
            figures = usage[c["role"]]
            figures["calls"] += 1
            figures["prompt_tokens"] += c["prompt_tokens"] or 0
            figures["completion_tokens"] += c["completion_tokens"] or 0
            figures["cost"] += c["cost"] or Decimal(0)
    for change in history.role_changes:
        if within(change["at"], start, end):
            usage[change["role"]]["switches"] += 1
    for chat in history.chats:
        usage[chat["role"]]["chats_now"] += 1
    return usage
