"""Keeping the rollups current in the background (see :mod:`db.catch_up`).

The API catches up every second here, and once more before each request
(``api.routes``), so a response counts everything committed before it, while
the bot's writes never wait for the statistics.
"""

from __future__ import annotations

import logging

import anyio
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.ext.asyncio import AsyncEngine

from db.catch_up import catch_up

log = logging.getLogger("assistant.api")


async def keep_caught_up(engine: AsyncEngine, interval: float = 1.0) -> None:
    """Forever: catch up, then rest ``interval`` seconds (longer while the database is away)."""
    delay = interval
    while True:
        try:
            added = await catch_up(engine)
        except (OSError, SQLAlchemyError) as error:
            if getattr(getattr(error, "orig", None), "sqlstate", None) == "42501":
                log.warning("rollups cannot catch up: the database role may not write the stats_* tables")
            else:
                log.warning("rollups cannot catch up now (%s)", type(error).__name__)
            delay = min(delay * 2, 30.0)
        else:
            delay = interval
            if added:
                log.debug("rolled up %d rows", added)
        await anyio.sleep(delay)
