"""``assistant seed``: deterministic, consistent with the data contract, and counted by the rollups."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta

import asyncpg
import httpx
import pytest

from api.app import create_app
from db.connect import to_asyncpg_dsn
from db.migrate import upgrade
from db.seed import AlreadySeeded, SeedPlan, seed
from db.seed_rollups import ROLLUP_TABLES
from db.synthetic import CHUNK, HistoryGenerator
from tests.api.conftest import TOKEN, api_settings
from tests.conftest import PostgresServer, create_test_database, drop_test_database

pytestmark = pytest.mark.anyio

PLAN = SeedPlan(messages=4_000, days=7, users=60, seed=5, end=datetime(2026, 6, 1, tzinfo=UTC))


def test_the_same_seed_gives_the_same_rows_however_they_are_batched() -> None:
    def rows(plan: SeedPlan, exchanges_per_batch: int) -> list[object]:
        generator = HistoryGenerator(plan)
        encoded = [
            (
                b"".join(table.encode_rows() for table in batch.message_tables()),
                b"".join(table.encode_rows() for table in batch.call_tables()),
            )
            for batch in generator.batches(exchanges_per_batch)
        ]
        joined = (b"".join(messages for messages, _ in encoded), b"".join(calls for _, calls in encoded))
        return [joined, generator.user_rows(), generator.chat_rows(), generator.event_rows(), generator.role_changes]

    # More exchanges than one chunk, so that batches of one chunk and of all of them differ.
    plan = SeedPlan(messages=3 * CHUNK, days=7, users=60, seed=5, end=PLAN.end)
    assert rows(plan, 1) == rows(plan, 10 * CHUNK)
    assert rows(plan, 1) != rows(SeedPlan(messages=3 * CHUNK, days=7, users=60, seed=6, end=PLAN.end), 1)


@pytest.fixture
def seeded(postgres: PostgresServer) -> Iterator[str]:
    name = create_test_database(postgres, prefix="seed")
    url = postgres.url(name)
    upgrade(url)
    report = asyncio.run(seed(to_asyncpg_dsn(url), PLAN, batch_messages=1_500))
    assert report.rows["messages"] == PLAN.messages
    # The seed wrote the rollups itself (an empty database): what the comparison with stats_catch_up checks.
    assert report.rollup_rows > 0
    yield url
    drop_test_database(postgres, name)


async def count_rows(dsn: str) -> dict[str, int]:
    db = await asyncpg.connect(dsn)
    try:
        return {table: await db.fetchval(f"SELECT count(*) FROM {table}") for table in REPORTED_TABLES}
    finally:
        await db.close()


REPORTED_TABLES = ("messages", "llm_calls", "users", "chats", "model_events", "role_changes")
# Each rollup figure, summed per grain, against the same figure counted from the raw rows.
ROLLUP_CHECKS = {
    "messages": (
        "SELECT period_minutes, sum(messages_in), sum(messages_out), sum(failovers), sum(latency_sum), "
        "sum(latency_count) FROM stats_messages GROUP BY 1",
        "SELECT count(*) FILTER (WHERE direction = 'in'), count(*) FILTER (WHERE direction = 'out'), "
        "count(*) FILTER (WHERE direction = 'out' AND is_fallback), "
        "coalesce(sum(latency_ms) FILTER (WHERE direction = 'out'), 0), "
        "count(latency_ms) FILTER (WHERE direction = 'out') FROM messages",
    ),
    "calls": (
        "SELECT period_minutes, sum(calls), sum(prompt_tokens), sum(completion_tokens), sum(cost), sum(ttft_sum) "
        "FROM stats_calls GROUP BY 1",
        "SELECT count(*), coalesce(sum(prompt_tokens), 0), coalesce(sum(completion_tokens), 0), "
        "coalesce(sum(cost), 0), coalesce(sum(ttft_ms) FILTER (WHERE outcome = 'ok'), 0) FROM llm_calls",
    ),
    "activity": (
        "SELECT period_minutes, sum(messages_in), sum(messages_out), sum(calls), sum(cost) "
        "FROM stats_activity GROUP BY 1",
        "SELECT (SELECT count(*) FILTER (WHERE direction = 'in') FROM messages), "
        "(SELECT count(*) FILTER (WHERE direction = 'out') FROM messages), "
        "(SELECT count(*) FROM llm_calls), (SELECT coalesce(sum(cost), 0) FROM llm_calls)",
    ),
    "roles": (
        "SELECT period_minutes, sum(answers), sum(calls), sum(cost) FROM stats_roles GROUP BY 1",
        "SELECT (SELECT count(*) FILTER (WHERE direction = 'out') FROM messages), "
        "(SELECT count(*) FROM llm_calls), (SELECT coalesce(sum(cost), 0) FROM llm_calls)",
    ),
}


async def test_every_row_asked_for_is_there_and_rolled_up_at_every_grain(seeded: str) -> None:
    counts = await count_rows(to_asyncpg_dsn(seeded))
    assert counts["messages"] == PLAN.messages
    assert min(counts.values()) > 0
    db = await asyncpg.connect(to_asyncpg_dsn(seeded))
    try:
        for name, (rollup, raw) in ROLLUP_CHECKS.items():
            truth = tuple(await db.fetchrow(raw))
            by_grain = {row[0]: tuple(row[1:]) for row in await db.fetch(rollup)}
            assert by_grain == {grain: truth for grain in (1, 60, 1440)}, name
        per_chat = await db.fetchval(
            """SELECT count(*) FROM stats_chats AS s FULL JOIN (
                   SELECT chat_id, count(*) FILTER (WHERE direction = 'in') AS n_in,
                          count(*) FILTER (WHERE direction = 'out') AS n_out FROM messages GROUP BY 1
               ) AS m USING (chat_id)
               WHERE (s.messages_in, s.messages_out) IS DISTINCT FROM (m.n_in, m.n_out)"""
        )
        users = await db.fetchval("SELECT count(*) FROM stats_users")
        truth_users = await db.fetchval("SELECT count(DISTINCT user_id) FROM messages")
    finally:
        await db.close()
    assert (per_chat, users) == (0, truth_users)


@pytest.fixture
def scratch(postgres: PostgresServer) -> Iterator[str]:
    name = create_test_database(postgres, prefix="seed2")
    url = postgres.url(name)
    upgrade(url)
    yield to_asyncpg_dsn(url)
    drop_test_database(postgres, name)


async def test_the_indexes_come_back_and_a_second_seed_goes_in_beside_the_first(scratch: str) -> None:
    """The first seed (an empty database) rebuilds the indexes it dropped; a second one keeps them."""
    db = await asyncpg.connect(scratch)
    listed = "SELECT indexdef FROM pg_indexes WHERE tablename IN ('messages', 'llm_calls')"
    try:
        schema = {row[0] for row in await db.fetch(listed)}
        await seed(scratch, SeedPlan(messages=600, days=2, users=10, seed=8, end=PLAN.end), batch_messages=200)
        first = {row[0] for row in await db.fetch(listed)}
        await seed(scratch, SeedPlan(messages=400, days=2, users=10, seed=9, end=PLAN.end), batch_messages=200)
        second = {row[0] for row in await db.fetch(listed)}
        counted = await db.fetchval("SELECT sum(messages_in + messages_out) FROM stats_chats")
    finally:
        await db.close()
    assert (first, second, counted) == (schema, schema, 1000)


async def test_an_empty_database_whose_rollups_hold_figures_is_caught_up_after_the_load(scratch: str) -> None:
    """Rows deleted after they were counted (/forget) leave figures behind: no bulk rollup then, but stats_catch_up."""
    end = PLAN.end
    await seed(scratch, SeedPlan(messages=600, days=2, users=10, seed=8, end=end), batch_messages=200)
    db = await asyncpg.connect(scratch)
    try:
        await db.execute("DELETE FROM messages; DELETE FROM llm_calls")
        await seed(scratch, SeedPlan(messages=400, days=2, users=10, seed=9, end=end), batch_messages=200)
        counted = await db.fetchval("SELECT sum(messages_in + messages_out) FROM stats_chats")
        pending = await db.fetchval("SELECT stats_catch_up(1000)")
    finally:
        await db.close()
    assert (counted, pending) == (1000, 0)


async def test_seeded_rows_keep_the_data_contract(seeded: str) -> None:
    db = await asyncpg.connect(to_asyncpg_dsn(seeded))
    try:
        orphans = await db.fetchval(
            "SELECT count(*) FROM messages AS a LEFT JOIN messages AS q ON q.dedup_key = a.reply_to_key "
            "WHERE a.direction = 'out' AND (q.id IS NULL OR q.chat_id <> a.chat_id OR q.created_at > a.created_at)"
        )
        fallback_answers = await db.fetch("SELECT DISTINCT model, is_fallback FROM messages WHERE direction = 'out'")
        missing_users = await db.fetchval(
            "SELECT count(DISTINCT user_id) FROM messages WHERE user_id NOT IN (SELECT id FROM users)"
        )
        stale_chats = await db.fetchval(
            "SELECT count(*) FROM chats AS c "
            "WHERE last_activity_at <> (SELECT max(created_at) FROM messages WHERE chat_id = c.id)"
        )
        wrong_roles = await db.fetchval(
            "SELECT count(*) FROM chats AS c WHERE role IS DISTINCT FROM "
            "(SELECT role FROM role_changes WHERE chat_id = c.id ORDER BY at DESC, id DESC LIMIT 1)"
        )
        events = await db.fetch("SELECT model, kind, from_state, to_state FROM model_events ORDER BY at, id")
        cost_mismatch = await db.fetchval(
            "SELECT count(*) FROM messages AS a WHERE direction = 'out' AND cost <> ("
            "SELECT coalesce(sum(cost), 0) FROM llm_calls WHERE dedup_key LIKE replace(a.dedup_key, '-out', '-c%'))"
        )
    finally:
        await db.close()
    assert (orphans, missing_users, stale_chats, wrong_roles, cost_mismatch) == (0, 0, 0, 0, 0)
    assert {(row["model"], row["is_fallback"]) for row in fallback_answers} == {
        (PLAN.primary_model, False),
        (PLAN.fallback_model, True),
    }
    state: dict[str, str] = {}
    incident_open = False
    for model, kind, from_state, to_state in events:
        if kind == "breaker":
            assert state.get(model, "closed") == from_state, (model, from_state, to_state)
            state[model] = to_state
        else:
            assert (kind == "both_down") != incident_open
            incident_open = kind == "both_down"
    assert any(kind == "breaker" for _, kind, _, _ in events)


async def test_the_rollups_count_every_seeded_row(seeded: str) -> None:
    db = await asyncpg.connect(to_asyncpg_dsn(seeded))
    try:
        truth = await db.fetchrow(
            "SELECT count(*) FILTER (WHERE direction = 'in') AS incoming, "
            "count(*) FILTER (WHERE direction = 'out') AS outgoing, "
            "count(*) FILTER (WHERE direction = 'out' AND is_fallback) AS failovers, "
            "count(DISTINCT user_id) FILTER (WHERE direction = 'in') AS users FROM messages"
        )
        calls = await db.fetchrow("SELECT count(*) AS n, sum(cost)::float8 AS cost FROM llm_calls")
    finally:
        await db.close()
    app = create_app(api_settings(), seeded)
    headers = {"Authorization": f"Bearer {TOKEN}"}
    window = {"from": (PLAN.start - timedelta(days=1)).isoformat(), "to": (PLAN.end + timedelta(days=1)).isoformat()}
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://t", headers=headers) as c:
        body = (await c.get("/api/v1/summary", params=window)).json()
    await app.state.engine.dispose()
    assert body["messages"] == {"incoming": truth["incoming"], "outgoing": truth["outgoing"]}
    assert (body["answers"]["by_fallback"], body["users"]["active"]) == (truth["failovers"], truth["users"])
    assert body["calls"]["total"] == calls["n"]
    assert body["usage"]["cost_usd"] == pytest.approx(calls["cost"], rel=1e-9)


async def test_the_bulk_rollup_of_an_empty_database_equals_the_incremental_one(seeded: str) -> None:
    """The seed of an empty database fills the rollups itself (db.seed_rollups); stats_catch_up must agree."""
    db = await asyncpg.connect(to_asyncpg_dsn(seeded))
    try:
        async with db.transaction():
            bulk = {table: await db.fetch(f"SELECT x::text FROM {table} AS x ORDER BY 1") for table in ROLLUP_TABLES}
            await db.execute(f"TRUNCATE {', '.join(ROLLUP_TABLES)} RESTART IDENTITY")
            await db.execute("UPDATE stats_progress SET through_xid = '0'")
        while await db.fetchval("SELECT stats_catch_up(1000)"):
            pass
        incremental = {table: await db.fetch(f"SELECT x::text FROM {table} AS x ORDER BY 1") for table in ROLLUP_TABLES}
    finally:
        await db.close()
    assert all(bulk.values())
    assert bulk == incremental


async def test_seeding_twice_with_the_same_seed_is_refused(seeded: str) -> None:
    with pytest.raises(AlreadySeeded, match="--seed 5"):
        await seed(to_asyncpg_dsn(seeded), PLAN)
