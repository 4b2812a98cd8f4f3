"""The persistence actor against a real PostgreSQL: batching, backpressure, flush on stop,
idempotent replays, outages with the spill file, privacy and retention."""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import anyio
import pytest
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine

from actors.persistence.actor import Durable, ForgetUser, PersistenceActor, PersistenceStatus
from actors.persistence.records import (
    ChatSeen,
    ContextReset,
    InboxDone,
    InboxReceived,
    LLMCallRecord,
    MessageRecord,
    Record,
    RoleChanged,
    UserSeen,
)
from actors.persistence.spill import SpillFile
from actors.persistence.store import DialogStore, StoreUnavailable
from db.engine import create_engine
from runtime import ActorRef, ActorSystem
from tests.support.tcp_proxy import TcpProxy

pytestmark = pytest.mark.anyio


def message(i: int, chat: int = 1, user: int = 1, **extra: Any) -> MessageRecord:
    return MessageRecord(
        dedup_key=f"m{chat}:{i}", chat_id=chat, user_id=user, direction="in", text=f"hello {i}", **extra
    )


async def count(engine: AsyncEngine, sql: str) -> int:
    async with engine.connect() as connection:
        return int((await connection.execute(text(sql))).scalar_one())


async def eventually(check: Callable[[], Any], timeout: float = 10.0) -> None:
    """Re-run the async ``check`` until it returns true (fails the test after ``timeout``)."""
    with anyio.fail_after(timeout):
        while not await check():
            await anyio.sleep(0.01)


@pytest.fixture
async def proxy(database_url: str) -> AsyncIterator[TcpProxy]:
    proxy = TcpProxy.for_database(database_url)
    await proxy.start()
    yield proxy
    await proxy.aclose()


@pytest.fixture
async def proxied_engine(proxy: TcpProxy, database_url: str) -> AsyncIterator[AsyncEngine]:
    engine = create_engine(proxy.url_for(database_url), pool_size=2)
    yield engine
    await engine.dispose()


def spawn(
    system: ActorSystem, engine: AsyncEngine, spill: SpillFile, **options: Any
) -> tuple[ActorRef, PersistenceStatus]:  # type: ignore[type-arg]
    status = PersistenceStatus()
    capacity = options.pop("capacity", 1000)
    ref = system.spawn(
        lambda: PersistenceActor(engine, spill, status, **options), kind="persistence", capacity=capacity
    )
    return ref, status


async def test_records_are_written_in_batches_of_the_configured_size(clean_db: AsyncEngine, tmp_path: Path) -> None:
    async with ActorSystem() as system:
        ref, status = spawn(system, clean_db, SpillFile(tmp_path / "spill"), batch_rows=100, batch_ms=10_000)
        for i in range(1000):
            await ref.send(message(i))
        await eventually(lambda: _rows(clean_db, "messages", 1000))
    assert status.batches == 10
    assert status.batch_sizes == [100] * 10


async def test_a_lone_record_is_written_after_the_time_limit(clean_db: AsyncEngine, tmp_path: Path) -> None:
    async with ActorSystem() as system:
        ref, status = spawn(system, clean_db, SpillFile(tmp_path / "spill"), batch_rows=500, batch_ms=30)
        await ref.send(message(1))
        await eventually(lambda: _rows(clean_db, "messages", 1), timeout=5)
        assert status.batches == 1


async def test_stop_flushes_everything_still_buffered(clean_db: AsyncEngine, tmp_path: Path) -> None:
    async with ActorSystem() as system:
        ref, _ = spawn(system, clean_db, SpillFile(tmp_path / "spill"), batch_rows=10_000, batch_ms=60_000)
        for i in range(250):
            await ref.send(message(i))
        assert await count(clean_db, "SELECT count(*) FROM messages") == 0
    assert await count(clean_db, "SELECT count(*) FROM messages") == 250


async def test_a_slow_database_makes_producers_wait_instead_of_growing_memory(
    clean_db: AsyncEngine, tmp_path: Path
) -> None:
    async with ActorSystem() as system:
        ref, _ = spawn(system, clean_db, SpillFile(tmp_path / "spill"), batch_rows=10, batch_ms=5, capacity=20)
        sent = 0

        async def producer() -> None:
            nonlocal sent
            for i in range(200):
                await ref.send(message(i))
                sent += 1

        async with clean_db.connect() as blocker:
            transaction = await blocker.begin()
            await blocker.execute(text("LOCK TABLE messages IN ACCESS EXCLUSIVE MODE"))
            async with anyio.create_task_group() as tg:
                tg.start_soon(producer)
                await anyio.sleep(0.3)
                stuck_at = sent
                assert stuck_at < 200, "with the table locked the producer should be held back"
                await transaction.rollback()
        assert sent == 200
    assert await count(clean_db, "SELECT count(*) FROM messages") == 200


async def test_writing_the_same_records_twice_changes_nothing(clean_db: AsyncEngine, tmp_path: Path) -> None:
    at = datetime(2026, 1, 1, tzinfo=UTC)
    batch: list[Record] = [
        UserSeen(7, username="anna", first_name="Anna", at=at),
        ChatSeen(7, "private", at=at),
        message(1, chat=7, user=7),
        LLMCallRecord(dedup_key="c1", chat_id=7, user_id=7, model="m", outcome="ok", at=at),
        RoleChanged(dedup_key="r1", chat_id=7, user_id=7, role="coder", at=at),
    ]
    async with ActorSystem() as system:
        ref, _ = spawn(system, clean_db, SpillFile(tmp_path / "spill"))
        await ref.ask(Durable(batch), timeout=10)
        await ref.ask(Durable(batch), timeout=10)
        await ref.ask(Durable([UserSeen(7, username="anna_new", first_name="Anna", at=at + timedelta(1))]), timeout=10)
    for table in ("messages", "llm_calls", "role_changes", "users", "chats"):
        assert await count(clean_db, f"SELECT count(*) FROM {table}") == 1, table
    async with clean_db.connect() as connection:
        user = (await connection.execute(text("SELECT username, first_seen_at, last_seen_at FROM users"))).one()
        role = (await connection.execute(text("SELECT role FROM chats WHERE id = 7"))).scalar_one()
    assert user[0] == "anna_new"
    assert user[1] == at and user[2] == at + timedelta(1)
    assert role == "coder"


async def test_an_outage_spills_to_the_file_and_everything_arrives_once_it_is_back(
    clean_db: AsyncEngine, proxied_engine: AsyncEngine, proxy: TcpProxy, tmp_path: Path
) -> None:
    spill = SpillFile(tmp_path / "spill.jsonl")
    async with ActorSystem() as system:
        ref, status = spawn(system, proxied_engine, spill, batch_rows=50, batch_ms=10)
        for i in range(100):
            await ref.send(message(i))
        await eventually(lambda: _rows(clean_db, "messages", 100))

        await proxy.cut()
        with anyio.fail_after(10):  # producers are never blocked by the outage
            for i in range(100, 1100):
                await ref.send(message(i))
        await eventually(lambda: _true(status.degraded and spill.exists()))
        await eventually(lambda: _true(status.spilled_rows == 1000))
        assert await count(clean_db, "SELECT count(*) FROM messages") == 100

        await proxy.restore()
        await eventually(lambda: _true(not status.degraded), timeout=20)
        for i in range(1100, 1200):
            await ref.send(message(i))
    assert await count(clean_db, "SELECT count(*) FROM messages") == 1200
    assert await count(clean_db, "SELECT count(DISTINCT dedup_key) FROM messages") == 1200
    assert not spill.exists()


async def test_records_spilled_before_a_crash_are_replayed_by_the_next_run(
    clean_db: AsyncEngine, tmp_path: Path
) -> None:
    await SpillFile(tmp_path / "spill.jsonl").append([message(i) for i in range(30)])
    with (tmp_path / "spill.jsonl").open("ab") as torn:  # the crash hit in the middle of an append
        torn.write(b'{"kind": "message", "dedup_key": "half')
    spill = SpillFile(tmp_path / "spill.jsonl")  # the next run
    async with ActorSystem() as system:
        ref, status = spawn(system, clean_db, spill, batch_ms=10)
        await ref.send(message(30))
        await eventually(lambda: _rows(clean_db, "messages", 31))
        await eventually(lambda: _true(not status.degraded))
    assert not spill.exists()


async def test_the_inbox_is_durable_at_once_and_done_marks_are_kept(clean_db: AsyncEngine, tmp_path: Path) -> None:
    store = DialogStore(clean_db)
    async with ActorSystem() as system:
        ref, _ = spawn(system, clean_db, SpillFile(tmp_path / "spill"), batch_ms=60_000)
        await ref.ask(Durable([InboxReceived(i, {"update_id": i}) for i in (1, 2, 3)]), timeout=10)
        assert [p["update_id"] for p in await store.pending_updates()] == [1, 2, 3]
        await ref.ask(Durable([InboxDone(2)]), timeout=10)
        await ref.ask(Durable([InboxReceived(2, {"update_id": 2})]), timeout=10)  # Telegram sent it again
        assert [p["update_id"] for p in await store.pending_updates()] == [1, 3]


async def test_many_chats_marking_done_at_once_share_a_few_commits(clean_db: AsyncEngine, tmp_path: Path) -> None:
    """A hundred durable writes arriving together: each is answered only once it is stored, in few transactions."""
    store = DialogStore(clean_db)
    async with ActorSystem() as system:
        ref, status = spawn(system, clean_db, SpillFile(tmp_path / "spill"), batch_ms=60_000)
        await ref.ask(Durable([InboxReceived(i, {"update_id": i}) for i in range(100)]), timeout=10)
        before = status.batches
        still_pending: list[int] = []

        async def mark_done(update_id: int) -> None:
            await ref.ask(Durable([message(update_id), InboxDone(update_id)]), timeout=10)
            # Answered: this chat's done mark must already be in the database.
            if update_id in [p["update_id"] for p in await store.pending_updates()]:
                still_pending.append(update_id)

        async with anyio.create_task_group() as chats:
            for update_id in range(100):
                chats.start_soon(mark_done, update_id)
        commits = status.batches - before
    assert (still_pending, await count(clean_db, "SELECT count(*) FROM messages")) == ([], 100)
    assert commits <= 10, f"{commits} transactions for 100 durable writes"


async def test_forget_deletes_only_that_users_messages(clean_db: AsyncEngine, tmp_path: Path) -> None:
    async with ActorSystem() as system:
        ref, _ = spawn(system, clean_db, SpillFile(tmp_path / "spill"), batch_ms=60_000)
        for i in range(5):
            await ref.send(message(i, chat=1, user=1))
            await ref.send(message(i, chat=2, user=2))
        assert await ref.ask(ForgetUser(1), timeout=10) == 5
    assert await count(clean_db, "SELECT count(*) FROM messages WHERE user_id = 1") == 0
    assert await count(clean_db, "SELECT count(*) FROM messages WHERE user_id = 2") == 5


async def test_a_record_the_database_refuses_is_dropped_without_losing_its_batch(
    clean_db: AsyncEngine, tmp_path: Path
) -> None:
    async with ActorSystem() as system:
        ref, status = spawn(system, clean_db, SpillFile(tmp_path / "spill"), batch_ms=60_000)
        records = [message(i) for i in range(10)]
        records[4] = message(4, author="x" * 1000)  # longer than the column allows
        await ref.ask(Durable(records), timeout=10)
        assert status.dropped_rows == 1
        assert not status.degraded
    assert await count(clean_db, "SELECT count(*) FROM messages") == 9


async def test_reset_and_history_reads(clean_db: AsyncEngine, tmp_path: Path) -> None:
    async with DialogStore(clean_db) as store:
        await _history_reads(store, clean_db, tmp_path)
        assert store.kept.opened == 1  # the reads shared one kept connection


async def _history_reads(store: DialogStore, clean_db: AsyncEngine, tmp_path: Path) -> None:
    base = datetime(2026, 3, 1, tzinfo=UTC)
    async with ActorSystem() as system:
        ref, _ = spawn(system, clean_db, SpillFile(tmp_path / "spill"))
        await ref.ask(
            Durable([message(i, chat=5, user=5, at=base + timedelta(minutes=i)) for i in range(10)]), timeout=10
        )
        await ref.ask(Durable([ContextReset(5, at=base + timedelta(minutes=6))]), timeout=10)
    state, turns = await store.chat_start(5, limit=3)
    assert state.context_since == base + timedelta(minutes=6)
    assert [t.text for t in turns] == ["hello 7", "hello 8", "hello 9"]
    _, turns = await store.chat_start(5, limit=100)
    assert [t.text for t in turns] == ["hello 6", "hello 7", "hello 8", "hello 9"]
    state, turns = await store.chat_start(12345, limit=100)
    assert state.role is None and state.context_since is None and turns == []


async def test_reads_say_clearly_when_the_database_is_down(proxied_engine: AsyncEngine, proxy: TcpProxy) -> None:
    async with DialogStore(proxied_engine, timeout=2) as store:
        await proxy.cut()
        with pytest.raises(StoreUnavailable):
            await store.chat_start(1, limit=10)


async def test_a_chat_start_survives_a_kept_connection_that_died(
    proxied_engine: AsyncEngine, proxy: TcpProxy, tmp_path: Path
) -> None:
    """The database restarted while the kept connection idled: the next chat still gets its history."""
    async with ActorSystem() as system:
        ref, _ = spawn(system, proxied_engine, SpillFile(tmp_path / "spill"))
        await ref.ask(Durable([message(1, chat=7, user=7)]), timeout=10)
    async with DialogStore(proxied_engine, timeout=5) as store:
        assert [t.text for t in (await store.chat_start(7, limit=10))[1]] == ["hello 1"]
        await proxy.cut()
        await proxy.restore()
        assert [t.text for t in (await store.chat_start(7, limit=10))[1]] == ["hello 1"]
        assert store.kept.opened == 2


async def test_retention_blanks_old_texts_but_keeps_the_rows(clean_db: AsyncEngine, tmp_path: Path) -> None:
    now = datetime.now(UTC)
    async with ActorSystem() as system:
        ref, _ = spawn(system, clean_db, SpillFile(tmp_path / "spill"), retention_days=30)
        await ref.ask(
            Durable([message(1, at=now - timedelta(days=40)), message(2, at=now - timedelta(days=1))]), timeout=10
        )
        await eventually(lambda: _rows(clean_db, "messages WHERE text IS NULL", 1), timeout=15)
    assert await count(clean_db, "SELECT count(*) FROM messages") == 2
    assert await count(clean_db, "SELECT count(*) FROM messages WHERE text = 'hello 2'") == 1


async def _rows(engine: AsyncEngine, table: str, expected: int) -> bool:
    return await count(engine, f"SELECT count(*) FROM {table}") == expected


async def _true(value: bool) -> bool:
    return value
