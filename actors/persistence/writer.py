"""Writing a batch of records to PostgreSQL: one pipelined statement per table, one transaction.

Every statement is idempotent (``ON CONFLICT DO NOTHING`` on the dedup key, or
an upsert), so writing the same batch twice changes nothing: replaying the
spill file after an outage, or a batch whose commit outcome was unknown, is
safe.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from typing import Any

from sqlalchemy import bindparam, func, update
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine

from actors.persistence.records import (
    ChatSeen,
    ContextReset,
    InboxDone,
    InboxReceived,
    LLMCallRecord,
    MessageRecord,
    ModelEventRecord,
    Record,
    RoleChanged,
    UserSeen,
)
from db.models import Chat, InboxUpdate, LLMCall, Message, ModelEvent, RoleChange, User


async def write_batch(engine: AsyncEngine, records: Sequence[Record]) -> None:
    """Write ``records`` in one transaction (all or nothing)."""
    grouped: dict[type[Any], list[Any]] = defaultdict(list)
    for record in records:
        grouped[type(record)].append(record)
    async with engine.begin() as connection:
        # Order matters only for rows that refer to each other's state: chats before
        # role changes and resets (which update the chat row), inbox rows before done marks.
        await _users(connection, grouped[UserSeen])
        await _chats(connection, grouped[ChatSeen])
        await _insert(connection, Message, [_message_row(r) for r in grouped[MessageRecord]])
        await _insert(connection, LLMCall, [_llm_call_row(r) for r in grouped[LLMCallRecord]])
        await _insert(connection, ModelEvent, [_model_event_row(r) for r in grouped[ModelEventRecord]])
        await _role_changes(connection, grouped[RoleChanged])
        await _context_resets(connection, grouped[ContextReset])
        await _inbox(connection, grouped[InboxReceived])
        await _inbox_done(connection, grouped[InboxDone])


async def _insert(connection: AsyncConnection, model: Any, rows: list[dict[str, Any]]) -> None:
    # An executemany: asyncpg pipelines it (one round trip, one prepared statement),
    # and SQLAlchemy compiles it once and caches it. A multi-row VALUES statement of
    # the same rows costs far more to compile in Python than the database spends on it.
    if rows:
        await connection.execute(insert(model).on_conflict_do_nothing(index_elements=["dedup_key"]), rows)


def _latest_by(records: list[Any], key: str) -> list[Any]:
    # One upsert per key is enough, and the newest one must win: keep only the newest per key.
    newest: dict[Any, Any] = {}
    for record in records:
        current = newest.get(getattr(record, key))
        if current is None or record.at >= current.at:
            newest[getattr(record, key)] = record
    return list(newest.values())


async def _users(connection: AsyncConnection, records: list[UserSeen]) -> None:
    if not records:
        return
    rows = [
        {
            "id": r.user_id,
            "username": r.username,
            "first_name": r.first_name,
            "last_name": r.last_name,
            "language_code": r.language_code,
            "first_seen_at": r.at,
            "last_seen_at": r.at,
        }
        for r in _latest_by(records, "user_id")
    ]
    statement = insert(User)
    statement = statement.on_conflict_do_update(
        index_elements=["id"],
        set_={
            "username": statement.excluded.username,
            "first_name": statement.excluded.first_name,
            "last_name": statement.excluded.last_name,
            "language_code": statement.excluded.language_code,
            "last_seen_at": func.greatest(User.last_seen_at, statement.excluded.last_seen_at),
        },
    )
    await connection.execute(statement, rows)


async def _chats(connection: AsyncConnection, records: list[ChatSeen]) -> None:
    if not records:
        return
    rows = [
        {"id": r.chat_id, "type": r.type, "title": r.title, "created_at": r.at, "last_activity_at": r.at}
        for r in _latest_by(records, "chat_id")
    ]
    statement = insert(Chat)
    statement = statement.on_conflict_do_update(
        index_elements=["id"],
        set_={
            "type": statement.excluded.type,
            "title": func.coalesce(statement.excluded.title, Chat.title),
            "last_activity_at": func.greatest(Chat.last_activity_at, statement.excluded.last_activity_at),
        },
    )
    await connection.execute(statement, rows)


async def _role_changes(connection: AsyncConnection, records: list[RoleChanged]) -> None:
    if not records:
        return
    rows = [
        {"dedup_key": r.dedup_key, "chat_id": r.chat_id, "user_id": r.user_id, "role": r.role, "at": r.at}
        for r in records
    ]
    await _insert(connection, RoleChange, rows)
    await _ensure_chats(connection, records)
    await connection.execute(
        update(Chat).where(Chat.id == bindparam("b_chat")).values(role=bindparam("b_role")),
        [{"b_chat": r.chat_id, "b_role": r.role} for r in _latest_by(records, "chat_id")],
    )


async def _context_resets(connection: AsyncConnection, records: list[ContextReset]) -> None:
    if not records:
        return
    await _ensure_chats(connection, records)
    await connection.execute(
        update(Chat)
        .where(Chat.id == bindparam("b_chat"))
        .values(context_since=func.greatest(Chat.context_since, bindparam("b_at"))),
        [{"b_chat": r.chat_id, "b_at": r.at} for r in _latest_by(records, "chat_id")],
    )


async def _ensure_chats(connection: AsyncConnection, records: Sequence[ContextReset | RoleChanged]) -> None:
    # /reset or /role can come before the chat's first message was ever written: make sure the row exists.
    rows = [{"id": r.chat_id, "type": "private" if r.chat_id > 0 else "group", "created_at": r.at} for r in records]
    await connection.execute(insert(Chat).on_conflict_do_nothing(index_elements=["id"]), rows)


async def _inbox(connection: AsyncConnection, records: list[InboxReceived]) -> None:
    if records:
        rows = [{"update_id": r.update_id, "payload": r.payload, "received_at": r.at} for r in records]
        await connection.execute(insert(InboxUpdate).on_conflict_do_nothing(index_elements=["update_id"]), rows)


async def _inbox_done(connection: AsyncConnection, records: list[InboxDone]) -> None:
    if records:
        await connection.execute(
            update(InboxUpdate)
            .where(InboxUpdate.update_id == bindparam("b_update"), InboxUpdate.done_at.is_(None))
            .values(done_at=bindparam("b_at")),
            [{"b_update": r.update_id, "b_at": r.at} for r in records],
        )


def _message_row(r: MessageRecord) -> dict[str, Any]:
    return {
        "dedup_key": r.dedup_key,
        "chat_id": r.chat_id,
        "user_id": r.user_id,
        "direction": r.direction,
        "text": r.text,
        "author": r.author,
        "created_at": r.at,
        "update_id": r.update_id,
        "telegram_message_id": r.telegram_message_id,
        "reply_to_key": r.reply_to_key,
        "role": r.role,
        "model": r.model,
        "is_fallback": r.is_fallback,
        "latency_ms": r.latency_ms,
        "cost": r.cost,
    }


def _llm_call_row(r: LLMCallRecord) -> dict[str, Any]:
    return {
        "dedup_key": r.dedup_key,
        "chat_id": r.chat_id,
        "user_id": r.user_id,
        "model": r.model,
        "outcome": r.outcome,
        "is_fallback": r.is_fallback,
        "is_hedge": r.is_hedge,
        "started_at": r.at,
        "latency_ms": r.latency_ms,
        "ttft_ms": r.ttft_ms,
        "prompt_tokens": r.prompt_tokens,
        "completion_tokens": r.completion_tokens,
        "cost": r.cost,
        "generation_id": r.generation_id,
        "error": r.error[:500] if r.error else None,
        "role": r.role,
    }


def _model_event_row(r: ModelEventRecord) -> dict[str, Any]:
    return {
        "dedup_key": r.dedup_key,
        "model": r.model,
        "kind": r.event,
        "from_state": r.from_state,
        "to_state": r.to_state,
        "reason": r.reason[:500] if r.reason else None,
        "at": r.at,
    }


def _sqlstate(error: BaseException) -> str | None:
    """The SQLSTATE of a database error, looking through SQLAlchemy's and the driver's wrappers."""
    seen: BaseException | None = error
    for _ in range(4):
        if seen is None:
            return None
        code = getattr(seen, "sqlstate", None) or getattr(seen, "pgcode", None)
        if isinstance(code, str):
            return code
        seen = getattr(seen, "orig", None) or seen.__cause__
    return None


def is_refused_data(error: BaseException) -> bool:
    """True when the database refused the data itself (a bad record), not when it is unreachable.

    SQLSTATE class 22 is a data exception (value too long, invalid text), class
    23 an integrity violation: retrying the same record can never succeed.
    """
    state = _sqlstate(error)
    return state is not None and state[:2] in ("22", "23")


def describe(error: BaseException) -> str:
    """A short description of a database error without its SQL parameters (which hold message texts)."""
    origin = getattr(error, "orig", None)
    detail = str(origin) if origin is not None else str(error)
    return f"{type(error).__name__}: {detail.splitlines()[0][:200] if detail else ''}"
