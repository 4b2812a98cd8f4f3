"""Reads the bot needs: a chat's state and recent turns, and unfinished updates.

Reads go straight to the database (never through the persistence actor). When
the database is down they raise ``StoreUnavailable``, and callers carry on
from memory.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import anyio
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncEngine

from db.models import Chat, InboxUpdate, Message


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

    async def chat_state(self, chat_id: int) -> ChatState:
        """The chat's role and /reset point (both None for a chat never seen)."""
        row = await self._first(select(Chat.role, Chat.context_since).where(Chat.id == chat_id))
        return ChatState(role=None, context_since=None) if row is None else ChatState(row[0], row[1])

    async def recent_turns(self, chat_id: int, *, since: datetime | None, limit: int) -> list[StoredTurn]:
        """The newest ``limit`` messages with text after ``since``, oldest first."""
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
        rows = await self._all(query)
        return [StoredTurn(r[0], r[1], r[2], r[3], r[4], r[5]) for r in reversed(rows)]

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
        if self.known_down():
            raise StoreUnavailable("the database is known to be unavailable (writes go to the spill file)")
        try:
            with anyio.fail_after(self.timeout):
                async with self.engine.connect() as connection:
                    return list((await connection.execute(query)).all())
        except Exception as exc:
            raise StoreUnavailable(f"{type(exc).__name__}: {exc}") from exc
