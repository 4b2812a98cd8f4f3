"""The privacy writes: deleting a user's messages (/forget) and blanking old texts (retention).

Plain functions over an engine; the persistence actor decides when they run.
"""

from __future__ import annotations

import anyio
from sqlalchemy import delete, func, select, update
from sqlalchemy.ext.asyncio import AsyncEngine

from db.catch_up import catch_up, catch_up_chunk
from db.models import Message


async def delete_user_messages(engine: AsyncEngine, user_id: int, *, timeout: float) -> int:
    """Delete every stored message of ``user_id`` and return how many; the statistics keep counting them.

    Statistics outlive the texts: every row is counted before any is deleted,
    the bulk in chunks (up to ten timeouts), the last rows in the deleting
    transaction itself (one timeout).
    """
    with anyio.fail_after(timeout * 10):
        await catch_up(engine)
    with anyio.fail_after(timeout):
        async with engine.begin() as connection:
            await catch_up_chunk(connection, rows=2_000_000_000)
            result = await connection.execute(delete(Message).where(Message.user_id == user_id))
    return int(result.rowcount)


async def clear_old_texts(engine: AsyncEngine, days: int, *, limit: int, timeout: float = 60.0) -> int:
    """Blank the text of up to ``limit`` messages older than ``days`` days (the rows stay); returns how many."""
    with anyio.fail_after(timeout):
        async with engine.begin() as connection:
            cutoff = func.now() - func.make_interval(0, 0, 0, days)
            old = select(Message.id).where(Message.created_at < cutoff, Message.text.is_not(None)).limit(limit)
            result = await connection.execute(update(Message).where(Message.id.in_(old)).values(text=None))
    return int(result.rowcount)
