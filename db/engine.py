"""Async engines and sessions for PostgreSQL (asyncpg)."""

from __future__ import annotations

import anyio
import asyncpg
from sqlalchemy.engine import make_url
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine, async_sessionmaker, create_async_engine


def async_url(url: str) -> str:
    """Normalise any PostgreSQL URL to the asyncpg driver (``postgresql://`` works too)."""
    parsed = make_url(url)
    if parsed.drivername in ("postgresql", "postgres", "postgresql+psycopg", "postgresql+psycopg2"):
        parsed = parsed.set(drivername="postgresql+asyncpg")
    return parsed.render_as_string(hide_password=False)


def create_engine(url: str, *, pool_size: int = 10, overflow: bool = True, echo: bool = False) -> AsyncEngine:
    """An async engine with pre-ping, so a restarted database is reconnected transparently.

    ``overflow``: under a burst, open up to ``pool_size`` more connections, each closed when it
    is given back; without it, a burst waits for one of the pool's connections.
    """
    return create_async_engine(
        async_url(url),
        pool_size=pool_size,
        max_overflow=pool_size if overflow else 0,
        pool_pre_ping=True,
        pool_recycle=1800,
        echo=echo,
    )


async def asyncpg_connection(connection: AsyncConnection) -> asyncpg.Connection:
    """The asyncpg connection under a pooled one: for statements sent without SQLAlchemy's per-statement work."""
    raw = (await connection.get_raw_connection()).driver_connection
    assert isinstance(raw, asyncpg.Connection)
    return raw


async def discard_connection(connection: AsyncConnection, raw: asyncpg.Connection | None) -> None:
    """Give up a pooled connection whose state is unknown (after a failure or a cancelled statement).

    The asyncpg connection is terminated at once: a graceful close would first wait
    for the server to confirm the cancellation of a statement cut off by a timeout,
    and a hanging server never does.
    """
    if raw is not None:
        raw.terminate()
    with anyio.CancelScope(shield=True), anyio.move_on_after(2):
        await connection.invalidate()
        await connection.close()


def session_factory(engine: AsyncEngine) -> async_sessionmaker:  # type: ignore[type-arg]
    return async_sessionmaker(engine, expire_on_commit=False)
