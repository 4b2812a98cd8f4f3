"""Writing a batch of records to PostgreSQL: one statement, so one transaction.

Each table's rows go in as arrays, one per column, expanded by ``unnest``: a
single ``INSERT ... SELECT FROM unnest(...)`` per table however many rows the
batch holds. The tables' statements are the parts of one ``WITH`` statement
(PostgreSQL runs each data-modifying part exactly once), sent straight to
asyncpg in one round trip: a statement outside ``BEGIN`` is its own
transaction, so a batch costs no ``BEGIN`` and no ``COMMIT`` round trips, and
none of SQLAlchemy's per-statement work. The bot writes a small batch for
nearly every update, on the event loop that prepares replies, so this CPU is
what persistence adds to a reply. A batch's statement depends only on which
tables it touches; asyncpg prepares each once per connection.

Every part is idempotent (``ON CONFLICT DO NOTHING`` on the dedup key, or an
upsert), so writing the same batch twice changes nothing: replaying the spill
file after an outage, or a batch whose commit outcome was unknown, is safe.
"""

from __future__ import annotations

import re
from collections import defaultdict
from collections.abc import Sequence
from functools import cache
from typing import Any

import asyncpg
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine

from actors.persistence.columns import (
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
from db.engine import asyncpg_connection, discard_connection

# Each part's parameters are written "?" and numbered when the parts are joined.
USERS = """
INSERT INTO users AS u (id, username, first_name, last_name, language_code, first_seen_at, last_seen_at)
SELECT * FROM unnest(?::bigint[], ?::text[], ?::text[], ?::text[], ?::text[],
                     ?::timestamptz[], ?::timestamptz[])
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
FROM unnest(?::bigint[], ?::text[], ?::text[], ?::timestamptz[], ?::text[], ?::timestamptz[])
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
SELECT * FROM unnest(?::text[], ?::bigint[], ?::bigint[], ?::text[], ?::text[], ?::text[],
                     ?::timestamptz[], ?::bigint[], ?::bigint[], ?::text[], ?::text[], ?::text[],
                     ?::boolean[], ?::integer[], ?::numeric[])
ON CONFLICT (dedup_key) DO NOTHING
"""

LLM_CALLS = """
INSERT INTO llm_calls (dedup_key, chat_id, user_id, model, outcome, is_fallback, is_hedge, started_at,
                       latency_ms, ttft_ms, prompt_tokens, completion_tokens, cost, generation_id, error, role)
SELECT * FROM unnest(?::text[], ?::bigint[], ?::bigint[], ?::text[], ?::text[], ?::boolean[],
                     ?::boolean[], ?::timestamptz[], ?::integer[], ?::integer[], ?::integer[],
                     ?::integer[], ?::numeric[], ?::text[], ?::text[], ?::text[])
ON CONFLICT (dedup_key) DO NOTHING
"""

MODEL_EVENTS = """
INSERT INTO model_events (dedup_key, model, kind, from_state, to_state, reason, at)
SELECT * FROM unnest(?::text[], ?::text[], ?::text[], ?::text[], ?::text[], ?::text[], ?::timestamptz[])
ON CONFLICT (dedup_key) DO NOTHING
"""

ROLE_CHANGES = """
INSERT INTO role_changes (dedup_key, chat_id, user_id, role, at)
SELECT * FROM unnest(?::text[], ?::bigint[], ?::bigint[], ?::text[], ?::timestamptz[])
ON CONFLICT (dedup_key) DO NOTHING
"""

INBOX = """
INSERT INTO inbox (update_id, payload, received_at, done_at)
SELECT id, payload::jsonb, at, done FROM unnest(?::bigint[], ?::text[], ?::timestamptz[], ?::timestamptz[])
    AS t(id, payload, at, done)
ON CONFLICT (update_id) DO NOTHING
RETURNING update_id
"""

# Every part sees the rows as they were before the statement: an update received in this batch
# gets its done mark in the INSERT (see write_batch); this UPDATE marks the ones recorded before.
INBOX_DONE = """
UPDATE inbox SET done_at = t.at
FROM unnest(?::bigint[], ?::timestamptz[]) AS t(id, at)
WHERE inbox.update_id = t.id AND inbox.done_at IS NULL
"""


async def write_batch(target: AsyncEngine | AsyncConnection, records: Sequence[Record]) -> frozenset[int]:
    """Write ``records`` in one statement (all or nothing), on a connection or one from the engine's pool.

    Returns the update_ids of the inbox records that were new to the database
    (an update already recorded, done or not, is left as it was).
    """
    if isinstance(target, AsyncEngine):
        async with target.connect() as connection:
            return await write_batch(connection, records)
    return await write_records(await asyncpg_connection(target), records)


async def write_records(connection: asyncpg.Connection, records: Sequence[Record]) -> frozenset[int]:
    """Like :func:`write_batch`, on an asyncpg connection outside a transaction (autocommit)."""
    grouped: dict[type[Any], list[Any]] = defaultdict(list)
    for record in records:
        grouped[type(record)].append(record)
    chats = [*grouped[ChatSeen], *grouped[RoleChanged], *grouped[ContextReset]]
    received, done = inbox_columns(grouped[InboxReceived]), done_columns(grouped[InboxDone])
    done_at = dict(zip(*done, strict=True))
    received = (*received, [done_at.get(update_id) for update_id in received[0]])
    parts = (
        user_columns(grouped[UserSeen]),
        chat_columns(chats),
        message_columns(grouped[MessageRecord]),
        llm_call_columns(grouped[LLMCallRecord]),
        model_event_columns(grouped[ModelEventRecord]),
        role_change_columns(grouped[RoleChanged]),
        received,
        done,
    )
    present = tuple(bool(columns[0]) for columns in parts)
    if not any(present):
        return frozenset()
    arguments = [column for columns in parts if columns[0] for column in columns]
    rows = await connection.fetch(batch_statement(present), *arguments)
    return frozenset(row[0] for row in rows)


PARTS = (USERS, CHATS, MESSAGES, LLM_CALLS, MODEL_EVENTS, ROLE_CHANGES, INBOX, INBOX_DONE)
"""The parts of a batch's statement, in the order of the column groups :func:`write_records` makes."""


@cache
def batch_statement(present: tuple[bool, ...]) -> str:
    """The one statement of a batch touching the tables of ``PARTS`` flagged in ``present``.

    Its result is the inbox's new update_ids (no rows when the batch has no inbox records).
    """
    chosen = [sql.strip() for sql, wanted in zip(PARTS, present, strict=True) if wanted]
    numbers = iter(range(1, 1 + sum(sql.count("?") for sql in chosen)))
    parts = [f"part{i} AS ({re.sub(r'[?]', lambda _: f'${next(numbers)}', sql)})" for i, sql in enumerate(chosen)]
    inbox = INBOX.strip()
    new_updates = f"SELECT update_id FROM part{chosen.index(inbox)}" if inbox in chosen else "SELECT 0 WHERE false"
    return "WITH " + ",\n".join(parts) + "\n" + new_updates


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
        self._raw: asyncpg.Connection | None = None

    async def write(self, records: Sequence[Record]) -> frozenset[int]:
        """Like :func:`write_batch`; cancellation (a timeout) drops the connection too."""
        if self._raw is not None:
            try:
                return await write_records(self._raw, records)
            except Exception as exc:
                await self.close()
                if is_refused_data(exc):
                    raise
            except BaseException:
                await self.close()
                raise
        try:
            self._connection = await self.engine.connect()
            self._raw = await asyncpg_connection(self._connection)
            return await write_records(self._raw, records)
        except BaseException:
            await self.close()
            raise

    async def close(self) -> None:
        """Give the connection up (invalidated: its state after a failure is unknown)."""
        connection, raw, self._connection, self._raw = self._connection, self._raw, None, None
        if connection is not None:
            await discard_connection(connection, raw)


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
