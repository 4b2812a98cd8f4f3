"""The privacy writes: deleting a user's messages (/forget) and blanking old texts (retention).

Plain functions over an engine; the persistence actor decides when they run.
"""

from __future__ import annotations

import anyio
from sqlalchemy import func, select, text, update
from sqlalchemy.ext.asyncio import AsyncEngine

from db.catch_up import catch_up, catch_up_chunk
from db.models import Message

COUNTED_MESSAGES_OF_USER = text(
    """
    DELETE FROM messages
    WHERE user_id = :user_id
      AND (insert_xid IS NULL
           OR insert_xid <= (SELECT through_xid FROM stats_progress WHERE source = 'messages'))
    """
)
UNCOUNTED_RETRY = 0.2


async def delete_user_messages(engine: AsyncEngine, user_id: int, *, timeout: float) -> int:
    """Delete every stored message of ``user_id`` and return how many; the statistics keep counting them.

    Statistics outlive the texts: every row is counted before any is deleted,
    the bulk in chunks (up to ten timeouts), the last rows in the deleting
    transaction itself (one timeout). A row whose inserting transaction was
    still running behind an older one cannot be counted yet: it is deleted on a
    later round, once the statistics have it.
    """
    deleted = 0
    with anyio.fail_after(timeout * 10):
        await catch_up(engine)
        while True:
            async with engine.begin() as connection:
                await catch_up_chunk(connection, rows=2_000_000_000)
                result = await connection.execute(COUNTED_MESSAGES_OF_USER, {"user_id": user_id})
                deleted += int(result.rowcount)
                left = await connection.scalar(select(func.count()).where(Message.user_id == user_id))
            if not left:
                return deleted
            await anyio.sleep(UNCOUNTED_RETRY)


async def clear_old_texts(engine: AsyncEngine, days: int, *, limit: int, timeout: float = 60.0) -> int:
    """Blank the text of up to ``limit`` messages older than ``days`` days (the rows stay); returns how many."""
    with anyio.fail_after(timeout):
        async with engine.begin() as connection:
            cutoff = func.now() - func.make_interval(0, 0, 0, days)
            old = select(Message.id).where(Message.created_at < cutoff, Message.text.is_not(None)).limit(limit)
            result = await connection.execute(update(Message).where(Message.id.in_(old)).values(text=None))
    return int(result.rowcount)
