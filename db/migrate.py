"""Apply and inspect Alembic migrations from code (``assistant migrate``, tests, ``up``)."""

from __future__ import annotations

import asyncio
from pathlib import Path

import asyncpg
from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy.ext.asyncio import AsyncConnection

from db.connect import to_asyncpg_dsn
from db.engine import async_url

MIGRATIONS = Path(__file__).resolve().parent / "migrations"


def alembic_config(url: str) -> Config:
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    config.set_main_option("sqlalchemy.url", url.replace("%", "%%"))
    return config


def database_reachable(url: str, timeout: float = 5.0) -> bool:
    """True if a connection to ``url`` opens within ``timeout`` seconds (blocking).

    False for network trouble (refused, unreachable, no answer, a server
    starting or stopping); a refused login or a missing database raises, since
    waiting would not mend a wrong configuration.
    """

    async def probe() -> None:
        connection = await asyncpg.connect(to_asyncpg_dsn(async_url(url)), timeout=timeout)
        await connection.close()

    try:
        asyncio.run(probe())
    except (OSError, TimeoutError, asyncpg.CannotConnectNowError):
        return False
    return True


def upgrade(url: str, revision: str = "head") -> None:
    """Migrate the database at ``url`` up to ``revision`` (blocking; call from a thread in async code)."""
    command.upgrade(alembic_config(url), revision)


def downgrade(url: str, revision: str) -> None:
    command.downgrade(alembic_config(url), revision)


def head_revision() -> str:
    head = ScriptDirectory.from_config(alembic_config("postgresql://unused")).get_current_head()
    assert head is not None
    return head


async def current_revision(connection: AsyncConnection) -> str | None:
    """The revision the connected database is at (None if never migrated)."""

    def read(sync_connection: object) -> str | None:
        return MigrationContext.configure(sync_connection).get_current_revision()  # type: ignore[arg-type]

    return await connection.run_sync(read)
