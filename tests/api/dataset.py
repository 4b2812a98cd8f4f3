"""A small, deterministic history of the bot for the stats API tests, and the ways it is written.

The rows are generated here in Python; the tests compute every expected figure
from them (``tests.api.expected``) and compare with what the API says. They are
written through SQL in every way rows reach the tables in production: a
third with COPY, a third with multi-row ``INSERT ... ON CONFLICT DO NOTHING``
(replayed, and overlapping the next batch), a third row by row as the bot's
writer does. Afterwards one user is forgotten (their messages deleted) and old
texts are removed by retention: statistics must not change.
"""

from __future__ import annotations

import random
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import Any

import asyncpg
from sqlalchemy import delete, text, update
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncEngine

from db.connect import to_asyncpg_dsn
from db.models import Chat, LLMCall, Message, ModelEvent, RoleChange, User

PRIMARY = "openai/gpt-4o-mini"
FALLBACK = "anthropic/claude-3.5-haiku"
ROLES = ("assistant", "coder", "pirate")
FAILURES = ("server_error", "timeout", "rate_limited")
# Clusters of activity: around the US spring DST change, around the US autumn change, and a few old days.
CLUSTERS = (
    (datetime(2026, 3, 6, tzinfo=UTC), timedelta(days=4), 260),
    (datetime(2026, 10, 31, 12, tzinfo=UTC), timedelta(days=2), 140),
    (datetime(2026, 1, 15, tzinfo=UTC), timedelta(days=1), 20),
)
# Questions exactly on, just inside and just outside the edges of [12:00, 13:00) on 2026-03-07.
EDGE_RANGE = (datetime(2026, 3, 7, 12, tzinfo=UTC), datetime(2026, 3, 7, 13, tzinfo=UTC))
EDGE_QUESTIONS = (
    datetime(2026, 3, 7, 12, tzinfo=UTC),
    datetime(2026, 3, 7, 12, 59, 59, 999_999, tzinfo=UTC),
    datetime(2026, 3, 7, 13, tzinfo=UTC),
    datetime(2026, 3, 7, 11, 59, 59, 999_999, tzinfo=UTC),
)
USERS = (
    (1001, "anna_k", "Anna", "Karenina"),
    (1002, "joanna", "Joanna", None),
    (1003, "under_score", "Boris", "Under"),
    (1004, None, "50%off", "Sale"),
    (1005, "back\\slash", "Chen", None),
    (1006, "dmitri", "Dmitri", "Petrov"),
    (1007, None, "Elena", None),
    (1008, "fatima", "Fatima", "Khan"),
    (1009, "george", "George", "Smith"),
    (1010, "hana", "Hana", "Kim"),
    (1011, "ivan", "Ivan", "Ivanov"),
    (1012, "julia", "Julia", "Rossi"),
)
GROUPS = ((-100500, "Book club", (1001, 1003, 1006, 1009)), (-100600, "Team_x%", (1002, 1004, 1010)))
FORGOTTEN_USER = 1011
TEXTS = (
    "how do I sort a list",
    "100% sure?",
    "snake_case or camelCase",
    "a back\\slash here",
    "tell me about pirates",
    "Translate: good morning",
    "what is 2+2",
)


@dataclass
class History:
    users: list[dict[str, Any]] = field(default_factory=list)
    chats: list[dict[str, Any]] = field(default_factory=list)
    messages: list[dict[str, Any]] = field(default_factory=list)
    calls: list[dict[str, Any]] = field(default_factory=list)
    events: list[dict[str, Any]] = field(default_factory=list)
    role_changes: list[dict[str, Any]] = field(default_factory=list)
    retention_before: datetime = datetime(2026, 2, 1, tzinfo=UTC)

    def surviving_messages(self) -> list[dict[str, Any]]:
        """The message rows as the database holds them after /forget and retention."""
        rows = []
        for row in self.messages:
            if row["user_id"] == FORGOTTEN_USER:
                continue
            rows.append({**row, "text": None} if row["created_at"] < self.retention_before else row)
        return rows


class _Generator:
    def __init__(self, seed: int) -> None:
        self.rng = random.Random(seed)
        self.history = History()
        self.roles: dict[int, str] = {}

    def run(self) -> History:
        for start, length, count in CLUSTERS:
            moments = sorted(start + length * self.rng.random() for _ in range(count))
            for at in moments:
                self.exchange(at.replace(microsecond=self.rng.randrange(1_000_000)))
        for at in EDGE_QUESTIONS:
            self.exchange(at, user_id=1009)
        self.add_entities()
        self.add_events()
        return self.history

    def exchange(self, at: datetime, user_id: int | None = None) -> None:
        rng, history = self.rng, self.history
        k = len(history.messages)
        if user_id is None:
            user_id = rng.choice([user[0] for user in USERS])
        chat_id = user_id
        groups = [group for group in GROUPS if user_id in group[2]]
        if groups and rng.random() < 0.3:
            chat_id = groups[0][0]
        if rng.random() < 0.05:
            role = rng.choice(ROLES)
            self.roles[chat_id] = role
            history.role_changes.append(
                {"dedup_key": f"r{k}", "chat_id": chat_id, "user_id": user_id, "role": role, "at": at}
            )
        role = self.roles.get(chat_id, "assistant")
        question = {
            "dedup_key": f"in{k}",
            "chat_id": chat_id,
            "user_id": user_id,
            "direction": "in",
            "text": f"{rng.choice(TEXTS)} #{k}",
            "author": None if chat_id > 0 else f"user {user_id}",
            "created_at": at,
            "role": None,
            "model": None,
            "is_fallback": False,
            "latency_ms": None,
            "cost": None,
            "reply_to_key": None,
        }
        history.messages.append(question)
        calls = self.calls_for(k, chat_id, user_id, role, at)
        answered = [call for call in calls if call["outcome"] == "ok"]
        if not answered:
            return
        winner = answered[-1]
        latency = rng.choice([0, 1, 7, 19, 20, 21, 40, 41]) if rng.random() < 0.1 else rng.randint(300, 30_000)
        history.messages.append(
            {
                **question,
                "dedup_key": f"out{k}",
                "direction": "out",
                "text": f"answer {k}: {rng.choice(TEXTS)}",
                "author": None,
                "created_at": at + timedelta(milliseconds=latency),
                "role": role,
                "model": winner["model"],
                "is_fallback": winner["is_fallback"],
                "latency_ms": latency if rng.random() > 0.02 else None,
                "cost": sum((call["cost"] or Decimal(0) for call in calls), start=Decimal(0)),
                "reply_to_key": question["dedup_key"],
            }
        )

    def calls_for(self, k: int, chat_id: int, user_id: int, role: str, at: datetime) -> list[dict[str, Any]]:
        rng = self.rng
        draw = rng.random()
        if draw < 0.84:
            plan = [(PRIMARY, "ok", False, False)]
        elif draw < 0.90:
            plan = [(PRIMARY, rng.choice(FAILURES), False, False), (FALLBACK, "ok", True, False)]
        elif draw < 0.94:
            plan = [(PRIMARY, "cancelled", False, False), (FALLBACK, "ok", True, True)]
        else:
            plan = [(PRIMARY, rng.choice(FAILURES), False, False), (FALLBACK, rng.choice(FAILURES), True, False)]
        calls = []
        for j, (model, outcome, fallback, hedge) in enumerate(plan):
            ok = outcome == "ok"
            billed = ok or rng.random() < 0.2
            calls.append(
                {
                    "dedup_key": f"c{k}.{j}",
                    "chat_id": chat_id,
                    "user_id": user_id,
                    "model": model,
                    "outcome": outcome,
                    "is_fallback": fallback,
                    "is_hedge": hedge,
                    "started_at": at + timedelta(milliseconds=rng.randint(0, 90_000)),
                    "latency_ms": rng.randint(100, 20_000),
                    "ttft_ms": (rng.randint(0, 3_000) if rng.random() > 0.05 else None) if ok else None,
                    "prompt_tokens": rng.randint(10, 3_000) if billed else None,
                    "completion_tokens": rng.randint(1, 800) if ok else None,
                    "cost": Decimal(rng.randint(1, 900_000)).scaleb(-8) if billed else None,
                    "role": role,
                }
            )
        self.history.calls.extend(calls)
        return calls

    def add_entities(self) -> None:
        history = self.history
        seen: dict[int, list[datetime]] = {}
        for row in history.messages:
            seen.setdefault(row["chat_id"], []).append(row["created_at"])
        for user_id, username, first_name, last_name in USERS:
            history.users.append(
                {"id": user_id, "username": username, "first_name": first_name, "last_name": last_name}
            )
        titles = {group_id: title for group_id, title, _ in GROUPS}
        for chat_id, moments in seen.items():
            history.chats.append(
                {
                    "id": chat_id,
                    "type": "private" if chat_id > 0 else "supergroup",
                    "title": titles.get(chat_id),
                    "role": self.roles.get(chat_id),
                    "created_at": min(moments),
                    "last_activity_at": max(moments),
                }
            )
        # A chat that exists but never had a message (a /reset in a fresh chat, say).
        history.chats.append(
            {
                "id": 1012 * 1000,
                "type": "private",
                "title": None,
                "role": None,
                "created_at": datetime(2026, 3, 1, tzinfo=UTC),
                "last_activity_at": datetime(2026, 3, 1, tzinfo=UTC),
            }
        )

    def add_events(self) -> None:
        def event(model: str, kind: str, at: datetime, from_state: str | None = None, to: str | None = None) -> None:
            index = len(self.history.events)
            reason = f"{kind} {from_state}->{to}" if kind == "breaker" else kind
            self.history.events.append(
                {
                    "dedup_key": f"e{index}",
                    "model": model,
                    "kind": kind,
                    "from_state": from_state,
                    "to_state": to,
                    "reason": reason,
                    "at": at,
                }
            )

        day = datetime(2026, 3, 7, tzinfo=UTC)
        event(PRIMARY, "breaker", day + timedelta(hours=10), "closed", "open")
        event("*", "both_down", day + timedelta(hours=10, minutes=2))
        event("*", "both_down", day + timedelta(hours=10, minutes=2, seconds=30))
        event("*", "both_down_end", day + timedelta(hours=10, minutes=4))
        event(PRIMARY, "breaker", day + timedelta(hours=10, minutes=5), "open", "half_open")
        event(PRIMARY, "breaker", day + timedelta(hours=10, minutes=6), "half_open", "closed")
        # Rate-limited later: routed around with no state change (the state stays closed).
        event(PRIMARY, "route_away", day + timedelta(hours=11), "closed", "closed")
        event(FALLBACK, "breaker", datetime(2026, 11, 1, 3, tzinfo=UTC), "closed", "open")
        event("*", "both_down_end", datetime(2026, 11, 1, 4, tzinfo=UTC))  # an end without a start: ignored
        event("*", "both_down", datetime(2026, 11, 1, 5, tzinfo=UTC))  # still open


def make_history(seed: int = 7) -> History:
    """The test history: the same rows for the same seed."""
    return _Generator(seed).run()


MESSAGE_KEYS = (
    "dedup_key",
    "chat_id",
    "user_id",
    "direction",
    "text",
    "author",
    "created_at",
    "role",
    "model",
    "is_fallback",
    "latency_ms",
    "cost",
    "reply_to_key",
)
CALL_KEYS = (
    "dedup_key",
    "chat_id",
    "user_id",
    "model",
    "outcome",
    "is_fallback",
    "is_hedge",
    "started_at",
    "latency_ms",
    "ttft_ms",
    "prompt_tokens",
    "completion_tokens",
    "cost",
    "role",
)


async def write_history(engine: AsyncEngine, database_url: str, history: History) -> None:
    """Write ``history`` the three ways the rollups must handle, then forget a user and apply retention."""
    await write_rows(engine, database_url, history)
    await forget_and_expire(engine, history)


async def write_rows(engine: AsyncEngine, database_url: str, history: History) -> None:
    """Write every row of ``history``: a third by COPY, a third in replayed multi-row inserts, a third row by row."""
    third_m, third_c = len(history.messages) // 3, len(history.calls) // 3
    connection = await asyncpg.connect(to_asyncpg_dsn(database_url))
    try:
        await connection.copy_records_to_table(
            "messages",
            records=[tuple(r[k] for k in MESSAGE_KEYS) for r in history.messages[:third_m]],
            columns=MESSAGE_KEYS,
        )
        await connection.copy_records_to_table(
            "llm_calls", records=[tuple(r[k] for k in CALL_KEYS) for r in history.calls[:third_c]], columns=CALL_KEYS
        )
    finally:
        await connection.close()
    middle_m, middle_c = history.messages[third_m : 2 * third_m], history.calls[third_c : 2 * third_c]
    rest_m, rest_c = history.messages[2 * third_m :], history.calls[2 * third_c :]
    async with engine.begin() as db:
        for _ in range(2):  # the second time is a replay: it must insert (and count) nothing
            await db.execute(insert(Message).values(middle_m).on_conflict_do_nothing(index_elements=["dedup_key"]))
            await db.execute(insert(LLMCall).values(middle_c).on_conflict_do_nothing(index_elements=["dedup_key"]))
        # A batch that overlaps the previous one: only its new rows count.
        overlap_m, overlap_c = middle_m[-5:] + rest_m[:5], middle_c[-5:] + rest_c[:5]
        await db.execute(insert(Message).values(overlap_m).on_conflict_do_nothing(index_elements=["dedup_key"]))
        await db.execute(insert(LLMCall).values(overlap_c).on_conflict_do_nothing(index_elements=["dedup_key"]))
    async with engine.begin() as db:
        # Row by row (asyncpg's executemany runs the statement once per row).
        await db.execute(insert(Message).on_conflict_do_nothing(index_elements=["dedup_key"]), rest_m[5:])
        await db.execute(insert(LLMCall).on_conflict_do_nothing(index_elements=["dedup_key"]), rest_c[5:])
    async with engine.begin() as db:
        await db.execute(insert(User).values(history.users))
        await db.execute(insert(Chat).values(history.chats))
        await db.execute(insert(ModelEvent).values(history.events))
        await db.execute(insert(RoleChange).values(history.role_changes))


async def forget_and_expire(engine: AsyncEngine, history: History) -> None:
    """/forget one user (their messages are deleted) and remove the texts older than the retention limit."""
    async with engine.begin() as db:
        # As the bot's /forget does: what is not yet in the rollups is added before the rows go.
        await db.execute(text("SELECT stats_catch_up(2000000000)"))
        await db.execute(delete(Message).where(Message.user_id == FORGOTTEN_USER))
        await db.execute(update(Message).where(Message.created_at < history.retention_before).values(text=None))
