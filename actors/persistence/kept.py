"""A few database connections kept open between short reads, for reads on a reply's path.

A chat's first message waits for its history. Through SQLAlchemy's pool that
read is four round trips (the checkout's ping, BEGIN, the statement, the
check-in's ROLLBACK), and each is a turn of the event loop that answers every
other chat too; on a kept connection it is one. Statements are sent straight
to asyncpg, which prepares each once per connection.
"""

from __future__ import annotations

from typing import Any

import anyio
import asyncpg
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine

from db.engine import asyncpg_connection, discard_connection


class KeptConnections:
    """At most ``size`` connections taken from ``engine``'s pool, opened when first needed and kept."""

    def __init__(self, engine: AsyncEngine, size: int) -> None:
        if size < 1:
            raise ValueError("size must be >= 1")
        self.engine = engine
        self._room = anyio.Semaphore(size)
        self._idle: list[tuple[AsyncConnection, asyncpg.Connection]] = []
        self._closed = False
        self.opened = 0
        """Connections opened so far (a figure for tests)."""

    async def fetch(self, query: str, *args: Any) -> list[asyncpg.Record]:
        """The rows of ``query``; a failed connection is dropped.

        A kept connection may have died while idle (the database restarted): a
        read that fails on one is tried once more on a fresh connection before
        the error is raised. Cancellation (a caller's timeout) drops the
        connection too, since a statement may still be running on it.
        """
        try:
            self._room.acquire_nowait()  # no yield when there is room: see the module's docstring
        except anyio.WouldBlock:
            await self._room.acquire()
        try:
            while self._idle:
                kept = self._idle.pop()
                try:
                    return await self._fetch_on(kept, query, args)
                except Exception:
                    continue  # dropped; try the next kept one, then a fresh one
            return await self._fetch_on(await self._open(), query, args)
        finally:
            self._room.release()

    async def aclose(self) -> None:
        """Close the idle connections; one still reading is closed when its read ends."""
        self._closed = True
        idle, self._idle = self._idle, []
        for connection, _ in idle:
            await _give_back(connection)

    async def _open(self) -> tuple[AsyncConnection, asyncpg.Connection]:
        connection = await self.engine.connect()
        try:
            raw = await asyncpg_connection(connection)
        except BaseException:
            await discard_connection(connection, None)
            raise
        self.opened += 1
        return connection, raw

    async def _fetch_on(
        self, kept: tuple[AsyncConnection, asyncpg.Connection], query: str, args: tuple[Any, ...]
    ) -> list[asyncpg.Record]:
        try:
            rows: list[asyncpg.Record] = await kept[1].fetch(query, *args)
        except BaseException:
            await discard_connection(*kept)
            raise
        if self._closed:
            await _give_back(kept[0])
        else:
            self._idle.append(kept)
        return rows


async def _give_back(connection: AsyncConnection) -> None:
    """Return a healthy connection to the engine's pool (which closes it when disposed)."""
    with anyio.CancelScope(shield=True), anyio.move_on_after(2):
        await connection.close()
