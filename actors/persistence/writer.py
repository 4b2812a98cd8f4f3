"""Writing a batch of records to PostgreSQL: one statement per table, one transaction.

Each table's rows go in as arrays, one per column, expanded by ``unnest``: a
single ``INSERT ... SELECT FROM unnest(...)`` however many rows the batch
holds, prepared once per connection (the statements are fixed strings) and
sent with its arrays in one round trip. The inbox is the one table with two
statements: new updates are inserted, done marks update earlier rows.

Every statement is idempotent (``ON CONFLICT DO NOTHING`` on the dedup key, or
an upsert), so writing the same batch twice changes nothing: replaying the
spill file after an outage, or a batch whose commit outcome was unknown, is
safe.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from typing import Any

import anyio
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine

from actors.persistence.columns import (
    Columns,
    chat_columns,
    done_columns,
    inbox_columns,
    llm_call_columns,
    message_columns,
    model_event_columns,
    role_change_columns,
    user_columns,
)
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

USERS = """
INSERT INTO users AS u (id, username, first_name, last_name, language_code, first_seen_at, last_seen_at)
SELECT * FROM unnest($1::bigint[], $2::text[], $3::text[], $4::text[], $5::text[],
                     $6::timestamptz[], $7::timestamptz[])
ON CONFLICT (id) DO UPDATE SET
    username = excluded.username,
    first_name = excluded.first_name,
    last_name = excluded.last_name,
    language_code = excluded.language_code,
    last_seen_at = greatest(u.last_seen_at, excluded.last_seen_at)
"""

# A row from /role or /reset alone carries no title and a guessed type: it keeps the row's
# type and title. A newer role replaces the old one; a /reset only ever moves forward.
CHATS = """
INSERT INTO chats AS c (id, type, title, created_at, last_activity_at, role, context_since)
SELECT id, type, title, at, at, role, since
FROM unnest($1::bigint[], $2::text[], $3::text[], $4::timestamptz[], $5::text[], $6::timestamptz[])
    AS t(id, type, title, at, role, since)
ON CONFLICT (id) DO UPDATE SET
    type = CASE WHEN excluded.title IS NULL THEN c.type ELSE excluded.type END,
    title = coalesce(excluded.title, c.title),
    last_activity_at = greatest(c.last_activity_at, excluded.last_activity_at),
    role = coalesce(excluded.role, c.role),
    context_since = greatest(c.context_since, excluded.context_since)
"""

MESSAGES = """
INSERT INTO messages (dedup_key, chat_id, user_id, direction, text, author, created_at, update_id,
                      telegram_message_id, reply_to_key, role, model, is_fallback, latency_ms, cost)
SELECT * FROM unnest($1::text[], $2::bigint[], $3::bigint[], $4::text[], $5::text[], $6::text[],
                     $7::timestamptz[], $8::bigint[], $9::bigint[], $10::text[], $11::text[], $12::text[],
                     $13::boolean[], $14::integer[], $15::numeric[])
ON CONFLICT (dedup_key) DO NOTHING
"""

LLM_CALLS = """
INSERT INTO llm_calls (dedup_key, chat_id, user_id, model, outcome, is_fallback, is_hedge, started_at,
                       latency_ms, ttft_ms, prompt_tokens, completion_tokens, cost, generation_id, error, role)
SELECT * FROM unnest($1::text[], $2::bigint[], $3::bigint[], $4::text[], $5::text[], $6::boolean[],
                     $7::boolean[], $8::timestamptz[], $9::integer[], $10::integer[], $11::integer[],
                     $12::integer[], $13::numeric[], $14::text[], $15::text[], $16::text[])
ON CONFLICT (dedup_key) DO NOTHING
"""

MODEL_EVENTS = """
INSERT INTO model_events (dedup_key, model, kind, from_state, to_state, reason, at)
SELECT * FROM unnest($1::text[], $2::text[], $3::text[], $4::text[], $5::text[], $6::text[], $7::timestamptz[])
ON CONFLICT (dedup_key) DO NOTHING
"""

ROLE_CHANGES = """
INSERT INTO role_changes (dedup_key, chat_id, user_id, role, at)
SELECT * FROM unnest($1::text[], $2::bigint[], $3::bigint[], $4::text[], $5::timestamptz[])
ON CONFLICT (dedup_key) DO NOTHING
"""

INBOX = """
INSERT INTO inbox (update_id, payload, received_at)
SELECT id, payload::jsonb, at FROM unnest($1::bigint[], $2::text[], $3::timestamptz[]) AS t(id, payload, at)
ON CONFLICT (update_id) DO NOTHING
RETURNING update_id
"""

INBOX_DONE = """
UPDATE inbox SET done_at = t.at
FROM unnest($1::bigint[], $2::timestamptz[]) AS t(id, at)
WHERE inbox.update_id = t.id AND inbox.done_at IS NULL
"""


async def write_batch(target: AsyncEngine | AsyncConnection, records: Sequence[Record]) -> frozenset[int]:
    """Write ``records`` in one transaction (all or nothing), on a connection or one from the engine's pool.

    Returns the update_ids of the inbox records that were new to the database
    (an update already recorded, done or not, is left as it was).
    """
    if isinstance(target, AsyncEngine):
        async with target.connect() as connection:
            return await write_batch(connection, records)
    grouped: dict[type[Any], list[Any]] = defaultdict(list)
    for record in records:
        grouped[type(record)].append(record)
    chats = [*grouped[ChatSeen], *grouped[RoleChanged], *grouped[ContextReset]]
    async with target.begin():
        # Inbox rows before done marks: an update can arrive and be done within one batch.
        await _run(target, USERS, user_columns(grouped[UserSeen]))
        await _run(target, CHATS, chat_columns(chats))
        await _run(target, MESSAGES, message_columns(grouped[MessageRecord]))
        await _run(target, LLM_CALLS, llm_call_columns(grouped[LLMCallRecord]))
        await _run(target, MODEL_EVENTS, model_event_columns(grouped[ModelEventRecord]))
        await _run(target, ROLE_CHANGES, role_change_columns(grouped[RoleChanged]))
        new = await _run(target, INBOX, inbox_columns(grouped[InboxReceived]), returning=True)
        await _run(target, INBOX_DONE, done_columns(grouped[InboxDone]))
    return frozenset(new)


class BatchWriter:
    """Writes batches over one connection kept open between them.

    A pool checkout pings the server first (three round trips with asyncpg)
    and costs more than a small batch itself; the bot writes a small batch for
    nearly every update. A batch that fails drops the connection. If the kept
    connection had died meanwhile (the database restarted, an idle timeout),
    the batch is tried once more on a fresh one before the failure counts.
    """

    def __init__(self, engine: AsyncEngine) -> None:
        self.engine = engine
        self._connection: AsyncConnection | None = None

    async def write(self, records: Sequence[Record]) -> frozenset[int]:
        """Like :func:`write_batch`; cancellation (a timeout) drops the connection too."""
        if self._connection is not None:
            try:
                return await write_batch(self._connection, records)
            except Exception as exc:
                await self.close()
                if is_refused_data(exc):
                    raise
            except BaseException:
                await self.close()
                raise
        try:
            self._connection = await self.engine.connect()
            return await write_batch(self._connection, records)
        except BaseException:
            await self.close()
            raise

    async def close(self) -> None:
        """Give the connection up (invalidated: its state after a failure is unknown)."""
        connection, self._connection = self._connection, None
        if connection is not None:
            with anyio.CancelScope(shield=True), anyio.move_on_after(2):
                await connection.invalidate()
                await connection.close()


async def _run(connection: AsyncConnection, sql: str, columns: Columns, *, returning: bool = False) -> list[int]:
    if not columns[0]:
        return []
    result = await connection.exec_driver_sql(sql, columns)
    return [row[0] for row in result] if returning else []


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
