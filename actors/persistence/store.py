"""Reads the bot needs: a chat's state and recent turns, and unfinished updates.

Reads go straight to the database (never through the persistence actor). When
the database is down they raise ``StoreUnavailable``, and callers carry on
from memory.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Self, TypeVar

import anyio
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine

from actors.persistence.kept import KeptConnections
from db.models import InboxUpdate

_T = TypeVar("_T")

CHAT_START_CONNECTIONS = 16
"""Connections kept for chat starts, opened only as concurrent starts need them. Of the bot's pool of 20, the
writer keeps one and three stay for the rest. With four, 250 new chats a second on a busy event loop queued
past the read timeout, and each timed-out read dropped its connection: hundreds were opened and closed."""

KNOWN_DOWN = "the database is known to be unavailable (writes go to the spill file)"


class StoreUnavailable(Exception):
    """The database could not be read just now."""


@dataclass(frozen=True, slots=True)
class ChatState:
    role: str | None
    context_since: datetime | None


@dataclass(frozen=True, slots=True)
class StoredTurn:
    direction: str
    text: str
    author: str | None
    dedup_key: str
    reply_to_key: str | None
    at: datetime


class DialogStore:
    """Read-only queries over the bot's tables."""

    def __init__(
        self, engine: AsyncEngine, *, timeout: float = 5.0, known_down: Callable[[], bool] = lambda: False
    ) -> None:
        self.engine = engine
        self.timeout = timeout
        self.kept = KeptConnections(engine, CHAT_START_CONNECTIONS)
        """Connections for chat starts (see :mod:`actors.persistence.kept`)."""
        self.known_down = known_down
        """True while the writer knows the database is away: reads then fail at once instead of
        each waiting for its timeout on a database that hangs."""

    async def chat_start(self, chat_id: int, *, limit: int) -> tuple[ChatState, list[StoredTurn]]:
        """What a chat actor starts from: its state and its newest ``limit`` turns since its /reset point.

        One statement, sent straight to asyncpg: after a restart or passivation, and in a burst of
        new chats, many chats start at once on the event loop that answers the others.
        """

        rows = await self._guarded(lambda: self.kept.fetch(CHAT_START, chat_id, limit))
        state = ChatState(rows[0][0], rows[0][1])
        turns = [StoredTurn(*row[2:]) for row in reversed(rows) if row[2] is not None]
        return state, turns

    async def aclose(self) -> None:
        """Close the connections kept for chat starts."""
        await self.kept.aclose()

    async def __aenter__(self) -> Self:
        return self

    async def __aexit__(self, *exc_info: object) -> None:
        await self.aclose()

    async def pending_updates(self) -> list[dict[str, Any]]:
        """Payloads of recorded updates not yet done, in update order."""
        rows = await self._all(
            select(InboxUpdate.payload).where(InboxUpdate.done_at.is_(None)).order_by(InboxUpdate.update_id)
        )
        return [row[0] for row in rows]

    async def last_update_id(self) -> int | None:
        """The newest update ever recorded (updates at or below it are never handled anew)."""
        row = await self._first(select(func.max(InboxUpdate.update_id)))
        return None if row is None else row[0]

    async def _first(self, query: Any) -> Any:
        rows = await self._all(query.limit(1))
        return rows[0] if rows else None

    async def _all(self, query: Any) -> list[Any]:
        async def read(connection: AsyncConnection) -> list[Any]:
            return list((await connection.execute(query)).all())

        return await self._with_connection(read)

    async def _with_connection(self, read: Callable[[AsyncConnection], Awaitable[_T]]) -> _T:
        """``read`` on a pooled connection, guarded as :meth:`_guarded` says."""

        async def on_pooled_connection() -> _T:
            async with self.engine.connect() as connection:
                return await read(connection)

        return await self._guarded(on_pooled_connection)

    async def _guarded(self, read: Callable[[], Awaitable[_T]]) -> _T:
        """``read()`` within the timeout; any failure, or a database known to be down, is StoreUnavailable."""
        if self.known_down():
            raise StoreUnavailable(KNOWN_DOWN)
        try:
            with anyio.fail_after(self.timeout):
                return await read()
        except Exception as exc:
            raise StoreUnavailable(f"{type(exc).__name__}: {exc}") from exc


# The chat's state and its newest turns since its /reset point, newest first: a row for each
# turn, each carrying the state (NULL for a chat the database does not know), or one row with
# NULL turn columns when there are no turns.
CHAT_START = """
SELECT c.role, c.context_since, m.direction, m.text, m.author, m.dedup_key, m.reply_to_key, m.created_at
FROM (SELECT 1) AS one
LEFT JOIN chats AS c ON c.id = $1
LEFT JOIN LATERAL (
    SELECT direction, text, author, dedup_key, reply_to_key, created_at, id
    FROM messages
    WHERE chat_id = $1 AND text IS NOT NULL AND (c.context_since IS NULL OR created_at >= c.context_since)
    ORDER BY created_at DESC, id DESC
    LIMIT $2
) AS m ON true
ORDER BY m.created_at DESC, m.id DESC
"""
