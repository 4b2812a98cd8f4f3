"""Keeping the rollups current: new rows of ``messages`` and ``llm_calls`` added in bulk.

The bot only inserts; ``stats_catch_up`` (migration 0003) adds every row past
a watermark to the rollup tables. The API runs it in the background every
second and once more before each request, so a response counts everything
committed before it, while the bot's writes never wait for the statistics.
"""

from __future__ import annotations

import logging

import anyio
from sqlalchemy import text
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.ext.asyncio import AsyncEngine

log = logging.getLogger("assistant.api")

CHUNK_ROWS = 50_000
"""Rows rolled up per transaction: large enough to be efficient, small enough to stay well under the timeout."""


async def catch_up(engine: AsyncEngine) -> int:
    """Roll up every row written so far; returns how many were added."""
    total = 0
    while True:
        async with engine.begin() as connection:
            added = int(
                (await connection.execute(text("SELECT stats_catch_up(:rows)"), {"rows": CHUNK_ROWS})).scalar_one()
            )
        total += added
        if added < CHUNK_ROWS:
            return total


async def keep_caught_up(engine: AsyncEngine, interval: float = 1.0) -> None:
    """Forever: catch up, then rest ``interval`` seconds (longer while the database is away)."""
    delay = interval
    while True:
        try:
            added = await catch_up(engine)
        except (OSError, SQLAlchemyError) as error:
            log.warning("rollups cannot catch up now (%s)", type(error).__name__)
            delay = min(delay * 2, 30.0)
        else:
            delay = interval
            if added:
                log.debug("rolled up %d rows", added)
        await anyio.sleep(delay)
