"""Shared fixtures: a real PostgreSQL database per test session.

With DATABASE_URL set, the session creates its database on that server;
otherwise it starts the embedded PostgreSQL (under `.data/test-postgres`).
Either way the database has a unique name, is migrated with Alembic (so the
migrations are tested too) and is dropped at the end.
"""

from __future__ import annotations

import asyncio
import os
import uuid
from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import asyncpg
import pytest
from sqlalchemy.engine import make_url
from sqlalchemy.ext.asyncio import AsyncEngine

from db.connect import ensure_database, to_asyncpg_dsn
from db.engine import async_url, create_engine
from db.migrate import upgrade
from db.rollups import ROLLUP_TABLES

ROOT = Path(__file__).resolve().parent.parent
TABLES = ["messages", "llm_calls", "model_events", "role_changes", "inbox", "chats", "users", *ROLLUP_TABLES]


@pytest.fixture
def anyio_backend() -> str:
    """asyncpg and aiogram are asyncio-only; runtime tests override this with both backends."""
    return "asyncio"


class PostgresServer:
    """The server the tests use, and how to make URLs for its databases."""

    def __init__(self) -> None:
        self.embedded = None
        env_url = os.environ.get("DATABASE_URL")
        if env_url:
            self.admin_url = async_url(env_url)
        else:
            from db.embedded import EmbeddedPostgres

            self.embedded = EmbeddedPostgres(ROOT / ".data" / "test-postgres")
            self.admin_url = self.embedded.url("postgres")

    def url(self, database: str) -> str:
        return make_url(self.admin_url).set(database=database).render_as_string(hide_password=False)


@pytest.fixture(scope="session")
def postgres() -> PostgresServer:
    return PostgresServer()


def create_test_database(postgres: PostgresServer, prefix: str = "test") -> str:
    name = f"{prefix}_{os.getpid()}_{uuid.uuid4().hex[:8]}"
    asyncio.run(ensure_database(postgres.admin_url, name))
    return name


def drop_test_database(postgres: PostgresServer, name: str) -> None:
    async def drop() -> None:
        connection = await asyncpg.connect(to_asyncpg_dsn(postgres.admin_url))
        try:
            await connection.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        finally:
            await connection.close()

    asyncio.run(drop())


@pytest.fixture(scope="session")
def database_url(postgres: PostgresServer) -> Iterator[str]:
    """A migrated database of this test session's own."""
    name = create_test_database(postgres)
    url = postgres.url(name)
    upgrade(url)
    yield url
    drop_test_database(postgres, name)


@pytest.fixture
async def engine(database_url: str) -> AsyncIterator[AsyncEngine]:
    engine = create_engine(database_url, pool_size=5)
    yield engine
    await engine.dispose()


@pytest.fixture
async def clean_db(engine: AsyncEngine) -> AsyncEngine:
    """The session database with every table emptied, for tests that count rows."""
    async with engine.begin() as connection:
        await connection.exec_driver_sql(f"TRUNCATE {', '.join(TABLES)} RESTART IDENTITY CASCADE")
    return engine
