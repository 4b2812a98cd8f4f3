"""Adding new rows of ``messages`` and ``llm_calls`` to the statistics rollups.

``stats_catch_up`` (migration 0004) adds the rows past a watermark to the
rollup tables (``db.rollups``), as far as the oldest transaction of the
database still in progress: a row whose transaction is newer than one still
running waits for the next catch-up (rows can commit out of id order, and this
is how none is skipped). The stats API calls :func:`catch_up` every second and
before each request; the bot calls it before /forget deletes rows, so no row
leaves the database before it was counted.
"""

from __future__ import annotations

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine

CHUNK_ROWS = 50_000
"""Rows rolled up per transaction: large enough to be efficient, small enough to stay quick."""


async def catch_up_chunk(connection: AsyncConnection, rows: int = CHUNK_ROWS) -> int:
    """Roll up about ``rows`` rows of each source table in ``connection``'s transaction; returns how many.

    A chunk takes whole inserting transactions, so it may hold more than ``rows`` rows.
    """
    result = await connection.execute(text("SELECT stats_catch_up(:rows)"), {"rows": rows})
    return int(result.scalar_one())


async def catch_up(engine: AsyncEngine) -> int:
    """Roll up every row written so far, a chunk per transaction; returns how many were added."""
    total = 0
    while True:
        async with engine.begin() as connection:
            added = await catch_up_chunk(connection)
        total += added
        if added < CHUNK_ROWS:
            return total
