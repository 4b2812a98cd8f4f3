"""Where the database is: DATABASE_URL, or the embedded PostgreSQL on a fresh machine."""

from __future__ import annotations

import asyncio
import logging

import asyncpg

from assistant.settings import Settings
from db.embedded import EmbeddedPostgres

log = logging.getLogger("assistant.db")

APP_DATABASE = "assistant"


def resolve_database_url(settings: Settings, *, keep_running: bool = True) -> str:
    """The URL to use: ``DATABASE_URL`` if set, else an embedded server (started if needed).

    The embedded server keeps running after this process exits by default, so a
    restarted bot finds its data at once; ``assistant up`` stops it on exit.
    """
    if settings.database_url is not None and settings.database_url.get_secret_value():
        return settings.database_url.get_secret_value()
    server = EmbeddedPostgres(settings.embedded_postgres_dir, keep_running=keep_running)
    asyncio.run(ensure_database(server.url("postgres"), APP_DATABASE))
    return server.url(APP_DATABASE)


async def ensure_database(admin_url: str, name: str) -> None:
    """Create database ``name`` unless it exists (``admin_url`` points at another database)."""
    connection = await asyncpg.connect(to_asyncpg_dsn(admin_url))
    try:
        exists = await connection.fetchval("SELECT 1 FROM pg_database WHERE datname = $1", name)
        if not exists:
            await connection.execute(f'CREATE DATABASE "{name}"')
            log.info("created database %s", name)
    finally:
        await connection.close()


def to_asyncpg_dsn(url: str) -> str:
    """A SQLAlchemy URL (``postgresql+asyncpg://``) as a plain DSN that asyncpg accepts."""
    return url.replace("postgresql+asyncpg://", "postgresql://", 1)
