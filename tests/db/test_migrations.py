"""The migrations build the schema the models describe, go all the way down and up again with every
table filled, and keep the data on the way up."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from datetime import timedelta

import pytest
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import text

from actors.persistence.writer import write_batch
from db.catch_up import catch_up
from db.engine import create_engine
from db.migrate import alembic_config, downgrade, upgrade
from db.models import Base
from db.rollups import ROLLUP_TABLES
from tests.conftest import PostgresServer, create_test_database, drop_test_database
from tests.persistence.records import every_kind

LEFTOVERS = """
SELECT c.relkind::text, c.relname FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
WHERE n.nspname = 'public' AND c.relkind IN ('r', 'v', 'm', 'S', 'p') AND c.relname <> 'alembic_version'
UNION ALL
SELECT 'function', p.proname FROM pg_proc p JOIN pg_namespace n ON n.oid = p.pronamespace
WHERE n.nspname = 'public'
UNION ALL
SELECT 'type', t.typname FROM pg_type t JOIN pg_namespace n ON n.oid = t.typnamespace
WHERE n.nspname = 'public' AND t.typtype IN ('e', 'c', 'd') AND t.typrelid = 0
"""
BOT_TABLES = ["users", "chats", "messages", "llm_calls", "model_events", "role_changes", "inbox"]


@pytest.fixture
def scratch_url(postgres: PostgresServer) -> Iterator[str]:
    name = create_test_database(postgres, prefix="migrations")
    yield postgres.url(name)
    drop_test_database(postgres, name)


def revisions() -> list[str]:
    """Every revision, oldest first."""
    script = ScriptDirectory.from_config(alembic_config("postgresql://unused"))
    return [r.revision for r in reversed(list(script.walk_revisions()))]


def schema_diff(url: str) -> list[object]:
    async def diff() -> list[object]:
        engine = create_engine(url, pool_size=1)
        try:
            async with engine.connect() as connection:
                return await connection.run_sync(
                    lambda sync: compare_metadata(MigrationContext.configure(sync), Base.metadata)
                )
        finally:
            await engine.dispose()

    return asyncio.run(diff())


def fill_every_table(url: str) -> None:
    """Rows of every kind the bot writes, a day and a half of them, and the statistics caught up."""

    async def fill() -> None:
        engine = create_engine(url, pool_size=1)
        try:
            await write_batch(engine, every_kind(200, step=timedelta(minutes=11)))
            await catch_up(engine)
        finally:
            await engine.dispose()

    asyncio.run(fill())


def counts(url: str, tables: list[str]) -> dict[str, int]:
    async def count() -> dict[str, int]:
        engine = create_engine(url, pool_size=1)
        try:
            async with engine.connect() as connection:
                return {t: (await connection.execute(text(f"SELECT count(*) FROM {t}"))).scalar_one() for t in tables}
        finally:
            await engine.dispose()

    return asyncio.run(count())


def leftovers(url: str) -> list[tuple[str, str]]:
    """Tables, views, sequences, functions and types left in the public schema (besides alembic's own)."""

    async def find() -> list[tuple[str, str]]:
        engine = create_engine(url, pool_size=1)
        try:
            async with engine.connect() as connection:
                found = await connection.execute(text(LEFTOVERS))
                return [(kind, name) for kind, name in found]
        finally:
            await engine.dispose()

    return asyncio.run(find())


def test_the_migrated_schema_matches_the_models(scratch_url: str) -> None:
    upgrade(scratch_url)
    assert schema_diff(scratch_url) == []


def test_down_to_base_and_up_to_head_with_every_table_filled(scratch_url: str) -> None:
    upgrade(scratch_url)
    fill_every_table(scratch_url)
    every_table = sorted(Base.metadata.tables)
    filled = counts(scratch_url, every_table)
    assert [t for t, n in filled.items() if n == 0] == [], "the test fills every table"
    downgrade(scratch_url, "base")
    assert leftovers(scratch_url) == []
    upgrade(scratch_url)
    assert schema_diff(scratch_url) == []
    fill_every_table(scratch_url)
    assert counts(scratch_url, every_table) == filled


def test_each_migration_goes_down_and_up_again_keeping_the_data(scratch_url: str) -> None:
    upgrade(scratch_url)
    fill_every_table(scratch_url)
    stored = counts(scratch_url, BOT_TABLES)
    statistics = counts(scratch_url, ROLLUP_TABLES)
    for revision in reversed(revisions()[:-1]):
        downgrade(scratch_url, revision)
        upgrade(scratch_url)
        assert schema_diff(scratch_url) == [], revision
        # What the bot stored survives; the statistics, rebuilt from it, come out the same.
        assert counts(scratch_url, BOT_TABLES) == stored, revision
        asyncio.run(_catch_up(scratch_url))
        assert counts(scratch_url, ROLLUP_TABLES) == statistics, revision


async def _catch_up(url: str) -> int:
    engine = create_engine(url, pool_size=1)
    try:
        return await catch_up(engine)
    finally:
        await engine.dispose()
