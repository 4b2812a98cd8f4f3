"""Start-up after a crash during an outage: the spill file is applied (or read) before anything is answered;
which incoming updates are new; a database that hangs instead of refusing."""

from __future__ import annotations

import time
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import anyio
import pytest
from sqlalchemy.ext.asyncio import AsyncEngine

from actors.persistence.actor import Durable, PersistenceActor, PersistenceStatus, RecordUpdates, Settle, WhenSettled
from actors.persistence.records import InboxDone, InboxReceived, MessageRecord
from actors.persistence.spill import SpillFile, SpillInbox
from actors.persistence.store import DialogStore
from db.engine import create_engine
from runtime import ActorRef, ActorSystem
from tests.support.tcp_proxy import TcpProxy
from tests.support.waiting import eventually, scalar

pytestmark = pytest.mark.anyio


def received(update_id: int) -> InboxReceived:
    return InboxReceived(update_id, {"update_id": update_id, "message": {"text": f"question {update_id}"}})


def answer(update_id: int) -> MessageRecord:
    return MessageRecord(f"out:{update_id}", 1, 1, "out", f"answer {update_id}", reply_to_key=f"in:{update_id}")


@pytest.fixture
async def proxy(database_url: str) -> AsyncIterator[TcpProxy]:
    proxy = TcpProxy.for_database(database_url)
    await proxy.start()
    yield proxy
    await proxy.aclose()


@pytest.fixture
async def proxied(proxy: TcpProxy, database_url: str) -> AsyncIterator[AsyncEngine]:
    engine = create_engine(proxy.url_for(database_url), pool_size=2)
    yield engine
    await engine.dispose()


def spawn(system: ActorSystem, engine: AsyncEngine, spill: SpillFile, **options: Any) -> tuple[Any, PersistenceStatus]:
    status = PersistenceStatus()
    ref: ActorRef[Any, Any] = system.spawn(
        lambda: PersistenceActor(engine, spill, status, **options), kind="persistence", capacity=1000
    )
    return ref, status


async def test_settle_replays_the_spill_file_so_the_inbox_is_complete(clean_db: AsyncEngine, tmp_path: Path) -> None:
    # The previous run: update 1 reached the database; then it went away, and 2 and 3 arrived,
    # 1 and 2 were answered, all of it only in the spill file. Then kill -9.
    async with ActorSystem() as system:
        ref, _ = spawn(system, clean_db, SpillFile(tmp_path / "spill"))
        await ref.ask(Durable([received(1)]), timeout=10)
    await SpillFile(tmp_path / "spill").append([received(2), received(3), answer(1), InboxDone(1), InboxDone(2)])

    async with ActorSystem() as system:
        ref, status = spawn(system, clean_db, SpillFile(tmp_path / "spill"))
        assert await ref.ask(Settle(), timeout=30) is None
        # Before anything else happens, the database's inbox tells the whole truth.
        assert [p["update_id"] for p in await DialogStore(clean_db).pending_updates()] == [3]
        assert not status.degraded
        assert await ref.ask(WhenSettled(), timeout=1) is None
    assert not (tmp_path / "spill").exists()
    assert await scalar(clean_db, "SELECT count(*) FROM messages WHERE direction = 'out'") == 1


async def test_with_the_database_down_settle_says_what_the_spill_file_left_unfinished(
    clean_db: AsyncEngine, proxied: AsyncEngine, proxy: TcpProxy, tmp_path: Path
) -> None:
    await SpillFile(tmp_path / "spill").append([received(5), received(6), received(7), InboxDone(6), InboxDone(4)])
    await proxy.cut()
    async with ActorSystem() as system:
        ref, status = spawn(system, proxied, SpillFile(tmp_path / "spill"))
        spilled = await ref.ask(Settle(), timeout=30)
        assert isinstance(spilled, SpillInbox)
        assert [p["update_id"] for p in spilled.pending] == [5, 7]
        assert spilled.last_update_id == 7
        assert status.degraded

        settled = anyio.Event()

        async def wait_for_the_database() -> None:
            await ref.ask(WhenSettled(), timeout=60)
            settled.set()

        async with anyio.create_task_group() as tasks:
            tasks.start_soon(wait_for_the_database)
            await anyio.sleep(0.5)
            assert not settled.is_set(), "WhenSettled waits while the database is away"
            await proxy.restore()
        # Once it is settled, the spill file is in the database: its done marks included.
        assert await scalar(clean_db, "SELECT count(*) FROM inbox WHERE done_at IS NULL") == 2
        assert not status.degraded


async def test_record_updates_says_which_updates_the_inbox_already_had(
    clean_db: AsyncEngine, proxied: AsyncEngine, proxy: TcpProxy, tmp_path: Path
) -> None:
    async with ActorSystem() as system:
        ref, _ = spawn(system, proxied, SpillFile(tmp_path / "spill"), batch_ms=60_000)
        assert await ref.ask(RecordUpdates([received(1), received(2)]), timeout=10) == frozenset()
        assert await ref.ask(RecordUpdates([received(2), received(3)]), timeout=10) == {2}
        await ref.ask(Durable([InboxDone(1)]), timeout=10)
        assert await ref.ask(RecordUpdates([received(1)]), timeout=10) == {1}  # done, and still known

        async def deliver(update_id: int) -> frozenset[int] | None:
            result: frozenset[int] | None = await ref.ask(RecordUpdates([received(update_id)]), timeout=10)
            return result

        # The same update twice at once (two connections): one of them brings it first.
        results: list[frozenset[int] | None] = []

        async def deliver_into(update_id: int) -> None:
            results.append(await deliver(update_id))

        async with anyio.create_task_group() as tasks:
            tasks.start_soon(deliver_into, 9)
            tasks.start_soon(deliver_into, 9)
        assert sorted(len(r or ()) for r in results) == [0, 1]

        await proxy.cut()
        assert await deliver(4) is None, "while the database is down nobody can say"


async def test_a_hanging_database_holds_writers_up_once_then_only_for_short_probes(
    clean_db: AsyncEngine, proxied: AsyncEngine, proxy: TcpProxy, tmp_path: Path
) -> None:
    spill = SpillFile(tmp_path / "spill")
    async with ActorSystem() as system:
        ref, status = spawn(system, proxied, spill, write_timeout=2.0)
        await ref.ask(Durable([received(0)]), timeout=10)
        await proxy.hang()
        waits: list[float] = []
        for update_id in range(1, 41):
            started = time.monotonic()
            await ref.ask(Durable([received(update_id)]), timeout=30)
            waits.append(time.monotonic() - started)
            await anyio.sleep(0.1)
        assert status.degraded and spill.exists()
        # The first write waits for its timeout; after that, writes go to the spill file and
        # recovery probes give up quickly: nobody waits anywhere near a write timeout again.
        assert waits[0] >= 2.0
        assert max(waits[1:]) < 1.5, [round(w, 2) for w in waits]
        await proxy.restore()
        await eventually(lambda: not status.degraded, 30, "replayed once the database answers")
    assert await scalar(clean_db, "SELECT count(*) FROM inbox") == 41


async def test_a_connection_lost_between_batches_is_replaced_without_an_outage(
    clean_db: AsyncEngine, proxied: AsyncEngine, proxy: TcpProxy, tmp_path: Path
) -> None:
    spill = SpillFile(tmp_path / "spill")
    async with ActorSystem() as system:
        ref, status = spawn(system, proxied, spill)
        await ref.ask(Durable([received(1)]), timeout=10)
        # The database restarts (or a firewall drops idle connections) between two batches.
        await proxy.cut()
        await proxy.restore()
        await ref.ask(Durable([received(2)]), timeout=10)
        assert not status.degraded and not spill.exists(), "one lost connection is not an outage"
    assert await scalar(clean_db, "SELECT count(*) FROM inbox") == 2
