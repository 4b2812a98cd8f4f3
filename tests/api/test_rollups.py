"""The rollups: exactly the rows really inserted count, once, whatever deletes or updates follow."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Iterator
from datetime import UTC, datetime
from typing import Any

import asyncpg
import httpx
import pytest
from sqlalchemy import text
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncEngine

from api.app import create_app
from db.catch_up import catch_up
from db.connect import to_asyncpg_dsn
from db.engine import create_engine
from db.migrate import upgrade
from db.models import LLMCall, Message
from db.rollups import ROLLUP_TABLES
from tests.api.conftest import TOKEN, api_settings
from tests.api.dataset import History, forget_and_expire, write_rows
from tests.conftest import PostgresServer, create_test_database, drop_test_database

pytestmark = pytest.mark.anyio

AT = datetime(2026, 5, 4, 10, 30, 15, tzinfo=UTC)


def message(key: str, chat_id: int, user_id: int, direction: str = "in", at: datetime = AT) -> dict[str, Any]:
    return {
        "dedup_key": key,
        "chat_id": chat_id,
        "user_id": user_id,
        "direction": direction,
        "text": f"text {key}",
        "created_at": at,
        "latency_ms": 1234 if direction == "out" else None,
        "role": "assistant" if direction == "out" else None,
    }


async def snapshot(engine: AsyncEngine) -> dict[str, list[tuple[Any, ...]]]:
    """Every row of every rollup table, in a stable order, once every row written is rolled up."""
    await catch_up(engine)
    tables = {}
    async with engine.connect() as db:
        for table in ROLLUP_TABLES:
            rows = await db.exec_driver_sql(f"SELECT * FROM {table}")
            tables[table] = sorted((tuple(str(value) for value in row) for row in rows), key=str)
    return tables


async def test_a_replayed_batch_counts_nothing_and_an_overlapping_one_only_its_new_rows(clean_db: AsyncEngine) -> None:
    batch = [message(f"m{i}", chat_id=i % 3 + 1, user_id=i % 3 + 1) for i in range(6)]
    statement = insert(Message).on_conflict_do_nothing(index_elements=["dedup_key"])
    async with clean_db.begin() as db:
        await db.execute(statement.values(batch))
    once = await snapshot(clean_db)
    async with clean_db.begin() as db:
        await db.execute(statement.values(batch))
    assert await snapshot(clean_db) == once
    async with clean_db.begin() as db:
        await db.execute(statement.values([*batch[3:], message("m6", chat_id=1, user_id=1)]))
    await catch_up(clean_db)
    async with clean_db.connect() as db:
        chat_one = (await db.exec_driver_sql("SELECT messages_in FROM stats_chats WHERE chat_id = 1")).scalar_one()
        total = (
            await db.exec_driver_sql("SELECT sum(messages_in) FROM stats_messages WHERE period_minutes = 1")
        ).scalar()
    assert (chat_one, total) == (3, 7)


async def test_deleting_messages_or_their_texts_changes_no_statistic(clean_db: AsyncEngine) -> None:
    rows = [message(f"q{i}", chat_id=5, user_id=5) for i in range(4)] + [message("a0", 5, 5, direction="out")]
    async with clean_db.begin() as db:
        await db.execute(insert(Message).values(rows))
        await db.execute(
            insert(LLMCall).values(dedup_key="c0", chat_id=5, user_id=5, model="m", outcome="ok", started_at=AT, cost=1)
        )
    before = await snapshot(clean_db)
    async with clean_db.begin() as db:
        await db.exec_driver_sql("UPDATE messages SET text = NULL")
        await db.exec_driver_sql("DELETE FROM messages WHERE user_id = 5")
        await db.exec_driver_sql("DELETE FROM llm_calls")
    assert await snapshot(clean_db) == before


async def wait_until_blocked(database_url: str, pid: int) -> None:
    """Return once backend ``pid`` waits for a lock (held by the first catch-up)."""
    observer = await asyncpg.connect(to_asyncpg_dsn(database_url))
    try:
        for _ in range(500):
            waiting = await observer.fetchval(
                "SELECT wait_event_type = 'Lock' FROM pg_stat_activity WHERE pid = $1", pid
            )
            if waiting:
                return
            await asyncio.sleep(0.01)
    finally:
        await observer.close()
    raise AssertionError("the second catch-up never waited for the first one")


async def test_catch_ups_racing_count_every_row_once(clean_db: AsyncEngine, database_url: str) -> None:
    """Two API processes catching up at once: the second waits for the first, then finds nothing left to add."""
    async with clean_db.begin() as db:
        await db.execute(insert(Message).values([message(f"r{i}", chat_id=77, user_id=77) for i in range(5)]))
    first = await asyncpg.connect(to_asyncpg_dsn(database_url))
    second = await asyncpg.connect(to_asyncpg_dsn(database_url))
    try:
        transaction = first.transaction()
        await transaction.start()
        added_first = await first.fetchval("SELECT stats_catch_up(1000)")
        blocked = asyncio.ensure_future(second.fetchval("SELECT stats_catch_up(1000)"))
        await wait_until_blocked(database_url, second.get_server_pid())
        await transaction.commit()
        added_second = await blocked
    finally:
        await first.close()
        await second.close()
    async with clean_db.connect() as db:
        # text(), not exec_driver_sql: SQLAlchemy types the latter's rows as one column wide.
        row = (await db.execute(text("SELECT messages_in, first_seen_at FROM stats_chats WHERE chat_id = 77"))).one()
    assert (added_first, added_second, row[0], row[1]) == (5, 0, 5, AT)


async def test_a_chunk_takes_whole_transactions_and_leaves_the_rest_for_the_next(clean_db: AsyncEngine) -> None:
    """A chunk limit leaves the rest for later; nothing is skipped or counted twice."""
    rows = [message(f"c{i}", chat_id=i % 4 + 1, user_id=i % 4 + 1) for i in range(25)]
    for first in range(0, 20, 4):  # five transactions of four rows
        async with clean_db.begin() as db:
            await db.execute(insert(Message).values(rows[first : first + 4]))
    async with clean_db.begin() as db:
        added = [(await db.exec_driver_sql("SELECT stats_catch_up(8)")).scalar_one() for _ in range(2)]
    async with clean_db.begin() as db:
        await db.execute(insert(Message).values(rows[20:]))
    added.append(await catch_up(clean_db))
    async with clean_db.connect() as db:
        total = (await db.exec_driver_sql("SELECT sum(messages_in) FROM stats_chats")).scalar_one()
    assert (added, total) == ([8, 8, 9], 25)


async def test_rows_committed_out_of_id_order_are_each_counted_once(clean_db: AsyncEngine, database_url: str) -> None:
    """Two writers at once (two bot instances during a deploy): the lower id commits last, and still counts."""
    dsn = to_asyncpg_dsn(database_url)
    early, late = await asyncpg.connect(dsn), await asyncpg.connect(dsn)
    sql = "INSERT INTO messages (dedup_key, chat_id, user_id, direction, created_at) VALUES ($1, 9, 9, 'in', $2)"
    try:
        early_tx, late_tx = early.transaction(), late.transaction()
        await early_tx.start()
        await late_tx.start()
        await early.fetchval("SELECT pg_current_xact_id()")  # the older transaction...
        await late.execute(sql, "low-id", AT)  # ...and the newer one, which takes the lower id
        await early.execute(sql, "high-id", AT)
        await early_tx.commit()
        added = [await catch_up(clean_db)]  # the higher id is in; the lower one is not visible yet
        await late_tx.commit()
        added.append(await catch_up(clean_db))
    finally:
        await early.close()
        await late.close()
    async with clean_db.connect() as db:
        ids = (await db.exec_driver_sql("SELECT dedup_key FROM messages ORDER BY id")).scalars().all()
        counted = (await db.exec_driver_sql("SELECT messages_in FROM stats_chats WHERE chat_id = 9")).scalar_one()
    assert (ids, added, counted) == (["low-id", "high-id"], [1, 1], 2)


async def test_a_row_waits_while_an_older_transaction_of_this_database_runs(
    clean_db: AsyncEngine, database_url: str
) -> None:
    """A row whose transaction is newer than one still running is held back until that one ends."""
    older = await asyncpg.connect(to_asyncpg_dsn(database_url))
    try:
        async with older.transaction():
            await older.fetchval("SELECT pg_current_xact_id()")
            async with clean_db.begin() as db:
                await db.execute(insert(Message).values(message("w0", chat_id=3, user_id=3)))
            held_back = await catch_up(clean_db)
        counted = await catch_up(clean_db)
    finally:
        await older.close()
    assert (held_back, counted) == (0, 1)


async def test_transactions_of_other_databases_do_not_hold_the_rows_back(
    clean_db: AsyncEngine, postgres: PostgresServer
) -> None:
    neighbour = await asyncpg.connect(to_asyncpg_dsn(postgres.admin_url))
    try:
        async with neighbour.transaction():
            await neighbour.fetchval("SELECT pg_current_xact_id()")
            async with clean_db.begin() as db:
                await db.execute(insert(Message).values(message("n0", chat_id=4, user_id=4)))
            counted = await catch_up(clean_db)
    finally:
        await neighbour.close()
    assert counted == 1


async def test_distinct_users_are_exact_beyond_one_bitmap_chunk(clean_db: AsyncEngine, database_url: str) -> None:
    """9,000 users span three 4,096-bit chunks; each writes in two hours, some in both."""
    async with clean_db.begin() as db:
        await db.exec_driver_sql(
            "INSERT INTO messages (dedup_key, chat_id, user_id, direction, created_at) "
            "SELECT 'u' || g || '-' || h, g, g, 'in', timestamptz '2026-05-04 10:00+00' + h * interval '1 hour' "
            "FROM generate_series(1, 9000) AS g, generate_series(0, 1) AS h WHERE g % 3 <> h"
        )
    # Users with g % 3 = 0 write in both hours, the others in one: 9,000 in total, 6,000 per hour.
    app = create_app(api_settings(), database_url)
    headers = {"Authorization": f"Bearer {TOKEN}"}
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://t", headers=headers) as c:
        summary = await c.get("/api/v1/summary", params={"from": "2026-05-04T09:59:00Z", "to": "2026-05-04T12:01:00Z"})
        series = await c.get(
            "/api/v1/timeseries",
            params={"from": "2026-05-04T10:00:00Z", "to": "2026-05-04T12:00:00Z", "bucket": "hour"},
        )
    await app.state.engine.dispose()
    assert (summary.json()["users"]["active"], summary.json()["chats"]["active"]) == (9000, 9000)
    assert [point["active_users"] for point in series.json()["points"]] == [6000, 6000]


@pytest.fixture
def two_databases(postgres: PostgresServer) -> Iterator[tuple[str, ...]]:
    names = [create_test_database(postgres, prefix="backfill") for _ in range(2)]
    yield tuple(postgres.url(name) for name in names)
    for name in names:
        drop_test_database(postgres, name)


@pytest.fixture
async def engines(two_databases: tuple[str, ...]) -> AsyncIterator[tuple[AsyncEngine, ...]]:
    engines = tuple(create_engine(url, pool_size=1) for url in two_databases)
    yield engines
    for engine in engines:
        await engine.dispose()


@pytest.mark.parametrize("written_at", ["0001", "0002", "0003"])
async def test_migrating_a_populated_database_builds_the_rollups_a_new_one_would(
    two_databases: tuple[str, ...], engines: tuple[AsyncEngine, ...], history: History, written_at: str
) -> None:
    """Rows written before the rollups (0001), under 0002's triggers or 0003's watermark count as on a new database."""
    fresh, migrated = two_databases
    await asyncio.to_thread(upgrade, fresh)
    await write_rows(engines[0], fresh, history)
    await asyncio.to_thread(upgrade, migrated, written_at)
    await write_rows(engines[1], migrated, history)
    await asyncio.to_thread(upgrade, migrated)
    for engine in engines:
        await forget_and_expire(engine, history)
    expected, got = await snapshot(engines[0]), await snapshot(engines[1])
    for table in ROLLUP_TABLES:
        if table == "stats_progress":
            continue  # bookkeeping: transaction ids differ between the databases
        if table in ("stats_users", "stats_chats"):
            # Dense numbers are handed out in a different order; everything else must agree.
            expected[table] = sorted(row[:1] + row[2:] for row in expected[table])
            got[table] = sorted(row[:1] + row[2:] for row in got[table])
        assert got[table] == expected[table], table


async def test_a_catch_up_with_nothing_to_do_never_reads_a_whole_table(
    clean_db: AsyncEngine, database_url: str
) -> None:
    """However often it runs (the API calls it before every request), it looks past the watermark only."""
    async with clean_db.begin() as db:
        await db.exec_driver_sql(
            "INSERT INTO messages (dedup_key, chat_id, user_id, direction, created_at) "
            "SELECT 's' || g, g % 50, g % 50, 'in', timestamptz '2026-05-04 10:00+00' + g * interval '1 second' "
            "FROM generate_series(1, 20000) AS g"
        )
    await catch_up(clean_db)
    async with clean_db.begin() as db:
        await db.exec_driver_sql("ANALYZE messages")
    # A new session: its table statistics count this transaction's scans and nothing before.
    session = await asyncpg.connect(to_asyncpg_dsn(database_url))
    try:
        async with session.transaction():
            for _ in range(10):  # PL/pgSQL would switch to a generic plan after the fifth
                await session.fetchval("SELECT stats_catch_up(1000)")
            scans = await session.fetchrow(
                "SELECT seq_scan, idx_scan FROM pg_stat_xact_user_tables WHERE relname = 'messages'"
            )
    finally:
        await session.close()
    assert tuple(scans) == (0, 10)


async def test_forget_never_deletes_a_message_the_statistics_have_not_counted(
    clean_db: AsyncEngine, database_url: str
) -> None:
    """/forget while a row is held back behind an older transaction: it waits, so the row is counted, then gone."""
    from actors.persistence.privacy import delete_user_messages

    older = await asyncpg.connect(to_asyncpg_dsn(database_url))
    try:
        transaction = older.transaction()
        await transaction.start()
        await older.fetchval("SELECT pg_current_xact_id()")
        async with clean_db.begin() as db:
            await db.execute(insert(Message).values([message(f"f{i}", chat_id=6, user_id=6) for i in range(3)]))
        async with asyncio.TaskGroup() as tasks:
            forgetting = tasks.create_task(delete_user_messages(clean_db, 6, timeout=10))
            async with clean_db.connect() as db:
                # The rows cannot be counted while the older transaction runs, so none may be deleted yet.
                for _ in range(3):
                    await asyncio.sleep(0.1)
                    left = (await db.exec_driver_sql("SELECT count(*) FROM messages WHERE user_id = 6")).scalar()
                    assert left == 3
            await transaction.commit()
        deleted = forgetting.result()
    finally:
        await older.close()
    async with clean_db.connect() as db:
        counted = (await db.exec_driver_sql("SELECT messages_in FROM stats_chats WHERE chat_id = 6")).scalar_one()
        left = (await db.exec_driver_sql("SELECT count(*) FROM messages WHERE user_id = 6")).scalar()
    assert (deleted, left, counted) == (3, 0, 3)
