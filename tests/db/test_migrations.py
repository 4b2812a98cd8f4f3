"""The migrations build the schema the models describe, and go down and up again with data in it."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator

import pytest
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy import text

from db.engine import create_engine
from db.migrate import downgrade, head_revision, upgrade
from db.models import Base
from tests.conftest import PostgresServer, create_test_database, drop_test_database


@pytest.fixture
def scratch_url(postgres: PostgresServer) -> Iterator[str]:
    name = create_test_database(postgres, prefix="migrations")
    yield postgres.url(name)
    drop_test_database(postgres, name)


async def _schema_diff(url: str) -> list[object]:
    engine = create_engine(url, pool_size=1)
    try:
        async with engine.connect() as connection:
            return await connection.run_sync(
                lambda sync: compare_metadata(MigrationContext.configure(sync), Base.metadata)
            )
    finally:
        await engine.dispose()


async def _count_messages(url: str) -> int:
    engine = create_engine(url, pool_size=1)
    try:
        async with engine.connect() as connection:
            return int((await connection.execute(text("SELECT count(*) FROM messages"))).scalar_one())
    finally:
        await engine.dispose()


def test_the_migrated_schema_matches_the_models(scratch_url: str) -> None:
    upgrade(scratch_url)
    assert asyncio.run(_schema_diff(scratch_url)) == []


def test_every_migration_downgrades_and_upgrades_again_on_a_populated_database(scratch_url: str) -> None:
    upgrade(scratch_url)

    async def populate() -> None:
        engine = create_engine(scratch_url, pool_size=1)
        async with engine.begin() as connection:
            await connection.execute(
                text(
                    "INSERT INTO messages (dedup_key, chat_id, user_id, direction, text) "
                    "SELECT 'k' || g, g % 10, g % 10, 'in', 'hello ' || g FROM generate_series(1, 1000) g"
                )
            )
        await engine.dispose()

    asyncio.run(populate())
    head = head_revision()
    downgrade(scratch_url, "-1")
    upgrade(scratch_url)
    assert asyncio.run(_schema_diff(scratch_url)) == []
    assert head
    # The initial revision's data survives later migrations going down and up again.
    if head != "0001":
        assert asyncio.run(_count_messages(scratch_url)) == 1000
