"""Chaos under load: the database, the models and Telegram go away for a minute; a chat floods.

Each test ends with an exact count of the questions lost and answered twice,
which must both be zero. OUTAGE_SECONDS (default 60) sets how long each outage
lasts.
"""

from __future__ import annotations

import os
import shutil
import uuid
from collections.abc import AsyncIterator
from pathlib import Path

import anyio
import pytest
from sqlalchemy.ext.asyncio import AsyncEngine

from db.connect import ensure_database
from db.embedded import EmbeddedPostgres
from db.migrate import upgrade
from tests.chaos.load import ChatLoad
from tests.e2e.harness import FALLBACK, PRIMARY, running_bot
from tests.fakes.telegram import User
from tests.support.waiting import eventually, scalar

ROOT = Path(__file__).resolve().parents[2]
OUTAGE = float(os.environ.get("OUTAGE_SECONDS", "60"))

pytestmark = [pytest.mark.anyio, pytest.mark.timeout(int(OUTAGE) + 300)]


@pytest.fixture
async def own_postgres() -> AsyncIterator[tuple[EmbeddedPostgres, str]]:
    """A PostgreSQL of this test's own, to stop and start for real."""
    data_dir = ROOT / ".data" / f"chaos-{uuid.uuid4().hex[:8]}"
    server = await anyio.to_thread.run_sync(lambda: EmbeddedPostgres(data_dir))
    await ensure_database(server.url("postgres"), "chaos")
    url = server.url("chaos")
    await anyio.to_thread.run_sync(upgrade, url)
    try:
        yield server, url
    finally:
        await anyio.to_thread.run_sync(server.stop)
        shutil.rmtree(data_dir, ignore_errors=True)


async def test_postgresql_stopped_for_a_minute_under_load(
    own_postgres: tuple[EmbeddedPostgres, str], tmp_path: Path
) -> None:
    server, url = own_postgres
    from db.engine import create_engine

    async with running_bot(url, tmp_path, persist_batch_ms=20, rate_limit_per_minute=1000) as bot:
        # Below Telegram's pace of about one message a second per chat, or the chat's backlog would grow.
        load = ChatLoad(bot.tg, chats=6, every=2.0)
        async with anyio.create_task_group() as tasks:
            tasks.start_soon(load.run, OUTAGE + 10)
            await anyio.sleep(5)
            await anyio.to_thread.run_sync(server.stop)
            await anyio.sleep(OUTAGE)
            answered_while_down = 0
            for chat in list(load.questions):
                answered_while_down += len(await bot.tg.bot_messages(chat))
            await anyio.to_thread.run_sync(server.start)
        tally = await load.wait_until_answered(60)
        print(f"database down {OUTAGE:.0f} s:", tally, f"({answered_while_down} answers before it was back)")
        for question in tally.lost[:3]:
            chat = int(question.split()[1])
            print("lost:", question, "; the chat shows:", [(m.text or "")[:40] for m in await bot.tg.messages(chat)])
        assert not tally.lost and not tally.repeated
        engine = create_engine(url, pool_size=1)
        try:
            await eventually(lambda: _stored(engine, tally.asked), 60, "every message stored")
            assert await scalar(engine, "SELECT count(*) FROM messages WHERE direction = 'out'") == tally.asked
            assert await scalar(engine, "SELECT count(*) FROM inbox WHERE done_at IS NULL") == 0
        finally:
            await engine.dispose()
        assert not (tmp_path / "spill.jsonl").exists(), "the spill file was replayed and removed"
        assert answered_while_down > 0, "the bot kept answering without its database"


async def test_models_flapping_then_both_down_for_a_minute(
    clean_db: AsyncEngine, database_url: str, tmp_path: Path
) -> None:
    options = {
        "breaker_open_seconds": 2.0,
        "breaker_open_max_seconds": 8.0,
        "deferred_answer_window": OUTAGE * 3,
        "rate_limit_per_minute": 1000,
    }
    async with running_bot(database_url, tmp_path, **options) as bot:
        # A question every few seconds per user: people told "both models are down" do not ask 40 more a minute,
        # and each chat keeps at most 50 questions for later.
        load = ChatLoad(bot.tg, chats=5, every=3.0)

        async def chaos() -> None:
            for _ in range(4):  # the primary fails for seconds at a time
                await bot.llm.fail(PRIMARY, 503)
                await anyio.sleep(3)
                await bot.llm.clear(PRIMARY)
                await anyio.sleep(3)
            await bot.llm.fail(None, 503)  # both down
            await anyio.sleep(OUTAGE)
            await bot.llm.clear()

        async with anyio.create_task_group() as tasks:
            tasks.start_soon(load.run, 24 + OUTAGE)
            tasks.start_soon(chaos)
        tally = await load.wait_until_answered(60)
        print(f"flapping primary, then both models down {OUTAGE:.0f} s:", tally)
        for question in tally.lost[:3]:
            chat = int(question.split()[1])
            print("lost:", question, "; the chat shows:", [(m.text or "")[:40] for m in await bot.tg.messages(chat)])
        assert not tally.lost and not tally.repeated
        told = 0
        for chat in load.questions:
            shown = await bot.tg.bot_messages(chat)
            told += sum((m.text or "").startswith("Both of my language models") for m in shown)
        assert told > 0, "users were told while both models were down"
        assert len(await bot.llm.calls(FALLBACK)) > 0


async def test_telegram_throttling_then_unreachable_for_a_minute(
    clean_db: AsyncEngine, database_url: str, tmp_path: Path
) -> None:
    async with running_bot(database_url, tmp_path, rate_limit_per_minute=1000) as bot:
        # A human pace: everything asked during the outage must fit the chat's mailbox when Telegram is back.
        load = ChatLoad(bot.tg, chats=5, every=4.0)

        async def chaos() -> None:
            await anyio.sleep(3)
            await bot.tg.fail_next("sendMessage", 15, status=429, retry_after=2)
            await anyio.sleep(5)
            await bot.tg.fail_next("sendMessage", 10, status=502)
            await bot.tg.fail_next("getUpdates", 5, status=500)
            await anyio.sleep(5)
            await bot.tg.go_down()
            await anyio.sleep(OUTAGE)
            await bot.tg.come_up()

        async with anyio.create_task_group() as tasks:
            tasks.start_soon(load.run, 13 + OUTAGE + 5)
            tasks.start_soon(chaos)
        tally = await load.wait_until_answered(90)
        print(f"Telegram throttling, errors, then unreachable {OUTAGE:.0f} s:", tally)
        assert not tally.lost and not tally.repeated


async def test_a_flooding_chat_is_rate_limited_and_others_are_not_slowed(
    clean_db: AsyncEngine, database_url: str, tmp_path: Path
) -> None:
    async with running_bot(database_url, tmp_path, rate_limit_per_minute=10) as bot:
        flooder = User(id=8001, first_name="Flood")
        calm = ChatLoad(bot.tg, chats=3, every=0.7, first_chat=8100)
        latencies: list[float] = []

        async def flood() -> None:
            for n in range(300):
                await bot.tg.send_message(flooder.id, f"spam {n}", user=flooder)

        async def measure_calm() -> None:
            person = User(id=8200, first_name="Calm")
            for n in range(5):
                started = anyio.current_time()
                await bot.tg.send_message(person.id, f"calm {n}", user=person)
                await bot.tg.wait_for_bot_messages(person.id, n + 1, timeout=30)
                latencies.append(anyio.current_time() - started)

        async with anyio.create_task_group() as tasks:
            tasks.start_soon(flood)
            tasks.start_soon(calm.run, 5.0)
            tasks.start_soon(measure_calm)
        tally = await calm.wait_until_answered(30)
        print(f"flood of 300 messages: other chats {tally}; their answer times {[round(x, 2) for x in latencies]} s")
        assert not tally.lost and not tally.repeated
        assert max(latencies) < 5, "other chats answer promptly during the flood"
        await bot.tg.wait_for_no_pending_updates(timeout=30)
        flood_texts = [m.text or "" for m in await bot.tg.bot_messages(flooder.id)]
        slow_down = [t for t in flood_texts if t.startswith("You're writing faster than I can answer.")]
        answered = [t for t in flood_texts if t.startswith("Echo: spam")]
        print(f"the flooder got {len(answered)} answers and {len(slow_down)} 'slow down' replies")
        assert len(slow_down) == 1, "one clear explanation, not one per message"
        assert len(answered) <= 10


async def _stored(engine: AsyncEngine, asked: int) -> bool:
    return bool(await scalar(engine, "SELECT count(*) FROM messages WHERE direction = 'in'") == asked)
