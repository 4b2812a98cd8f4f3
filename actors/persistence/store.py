"""Reads the bot needs: a chat's state and recent turns, and unfinished updates.

Reads go straight to the database (never through the persistence actor). When
the database is down they raise ``StoreUnavailable``, and callers carry on
from memory.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any, TypeVar

import anyio
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine

from db.models import Chat, InboxUpdate, Message

_T = TypeVar("_T")


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
        self.known_down = known_down
        """True while the writer knows the database is away: reads then fail at once instead of
        each waiting for its timeout on a database that hangs."""

    async def chat_start(self, chat_id: int, *, limit: int) -> tuple[ChatState, list[StoredTurn]]:
        """What a chat actor starts from: its state and its newest ``limit`` turns since its /reset point.

        One connection from the pool for both reads: many chats start at once after a restart
        or after passivation, and each checkout is a round trip (the pool's liveness check).
        """

        async def read(connection: AsyncConnection) -> tuple[ChatState, list[StoredTurn]]:
            state = _state(list((await connection.execute(_state_query(chat_id))).all()))
            turns = (await connection.execute(_turns_query(chat_id, state.context_since, limit))).all()
            return state, _turns(list(turns))

        return await self._with_connection(read)

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
        """``read`` on a pooled connection within the timeout; any failure is StoreUnavailable."""
        if self.known_down():
            raise StoreUnavailable("the database is known to be unavailable (writes go to the spill file)")
        try:
            with anyio.fail_after(self.timeout):
                async with self.engine.connect() as connection:
                    return await read(connection)
        except Exception as exc:
            raise StoreUnavailable(f"{type(exc).__name__}: {exc}") from exc


def _state_query(chat_id: int) -> Any:
    return select(Chat.role, Chat.context_since).where(Chat.id == chat_id).limit(1)


def _state(rows: list[Any]) -> ChatState:
    return ChatState(role=None, context_since=None) if not rows else ChatState(rows[0][0], rows[0][1])


def _turns_query(chat_id: int, since: datetime | None, limit: int) -> Any:
    query = (
        select(
            Message.direction,
            Message.text,
            Message.author,
            Message.dedup_key,
            Message.reply_to_key,
            Message.created_at,
        )
        .where(Message.chat_id == chat_id, Message.text.is_not(None))
        .order_by(Message.created_at.desc(), Message.id.desc())
        .limit(limit)
    )
    if since is not None:
        query = query.where(Message.created_at >= since)
    return query


def _turns(rows: list[Any]) -> list[StoredTurn]:
    """Rows of :func:`_turns_query` (newest first) as turns, oldest first."""
    return [StoredTurn(r[0], r[1], r[2], r[3], r[4], r[5]) for r in reversed(rows)]
