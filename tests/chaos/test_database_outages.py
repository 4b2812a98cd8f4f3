"""Chaos under load: the database stops for a minute, or hangs without refusing.

The bot must keep answering from memory, say "degraded" on /readyz meanwhile,
and lose nothing: once the database is back, every question and answer is
stored once, in the order it happened. OUTAGE_SECONDS (default 60) sets how
long the database is stopped; HANG_SECONDS (default 25) how long it hangs.
"""

from __future__ import annotations

import os
import time
from pathlib import Path

import anyio
import httpx
import pytest
from sqlalchemy.ext.asyncio import AsyncEngine

from db.embedded import EmbeddedPostgres
from tests.chaos.load import ChatLoad
from tests.e2e.harness import BotOverrides, Running, running_bot
from tests.fakes.telegram import FakeTelegram
from tests.support.tcp_proxy import TcpProxy
from tests.support.waiting import eventually, rows, scalar

OUTAGE = float(os.environ.get("OUTAGE_SECONDS", "60"))
HANG = float(os.environ.get("HANG_SECONDS", "25"))

pytestmark = [pytest.mark.anyio, pytest.mark.timeout(int(max(OUTAGE, HANG)) + 300)]


async def test_postgresql_stopped_for_a_minute_under_load(
    own_postgres: tuple[EmbeddedPostgres, str], tmp_path: Path
) -> None:
    server, url = own_postgres
    async with running_bot(url, tmp_path, persist_batch_ms=20, rate_limit_per_minute=1000) as bot:
        readiness = Readiness(bot)
        assert await readiness.status() == "ready"
        # Many chats at a human pace: Telegram lets a bot send about one message a second per chat,
        # so more questions per chat would only grow each chat's backlog.
        load = ChatLoad(bot.tg, chats=12, every=2.0)
        await load.run(5)
        await anyio.to_thread.run_sync(server.stop)
        before = asked_so_far(load)
        async with anyio.create_task_group() as tasks:
            tasks.start_soon(load.run, OUTAGE)
            await eventually(lambda: readiness.is_("degraded"), 30, "/readyz says degraded")
        during = asked_since(load, before)
        # Answered from memory: every question asked during the outage, before the database is back.
        await eventually(lambda: all_answered(bot.tg, during), 60, "the outage's questions answered")
        assert await readiness.status() == "degraded"
        await anyio.to_thread.run_sync(server.start)
        await load.run(5)
        tally = await load.wait_until_answered(60)
        print(f"database down {OUTAGE:.0f} s: {tally}; {sum(map(len, during.values()))} asked while it was down")
        assert not tally.lost and not tally.repeated
        await eventually(lambda: readiness.is_("ready"), 60, "/readyz says ready again")
        await assert_stored_in_order(bot.engine, load, tally.asked)
    assert not (tmp_path / "spill.jsonl").exists(), "the spill file was replayed and removed"


async def test_a_database_that_hangs_instead_of_refusing(
    clean_db: AsyncEngine, database_url: str, tmp_path: Path
) -> None:
    """Packets dropped, not refused: after one write timeout the bot answers as fast as ever, and recovers."""
    proxy = TcpProxy.for_database(database_url)
    await proxy.start()
    try:
        options: BotOverrides = {"persist_batch_ms": 20, "rate_limit_per_minute": 1000}
        async with running_bot(proxy.url_for(database_url), tmp_path, **options) as bot:
            readiness = Readiness(bot)
            load = ChatLoad(bot.tg, chats=6, every=2.0, first_chat=9500)
            await load.run(4)
            await proxy.hang()
            before = asked_so_far(load)
            async with anyio.create_task_group() as tasks:
                tasks.start_soon(load.run, HANG)
                await eventually(lambda: readiness.is_("degraded"), HANG, "/readyz says degraded")
                detected = time.monotonic()
            during = asked_since(load, before)
            await eventually(lambda: all_answered(bot.tg, during), 60, "the hang's questions answered")
            await proxy.restore()
            await load.run(3)
            tally = await load.wait_until_answered(60)
            assert not tally.lost and not tally.repeated
            await eventually(lambda: readiness.is_("ready"), 60, "/readyz says ready again")
            await assert_stored_in_order(clean_db, load, tally.asked)
            # Once the hang is known (and the backlog of its first write timeout drained), answers come
            # as fast as ever: the probes for the database's return give up after a second, they do not
            # hold the writer up for the ten seconds a write may take.
            delays = sorted(await reply_delays(bot.tg, clean_db, after=detected))
            print(
                f"database hanging {HANG:.0f} s: {tally}; once it was known, {len(delays)} answers took "
                f"p50 {delays[len(delays) // 2]:.2f} s, at most {delays[-1]:.2f} s"
            )
            assert len(delays) >= 10 and delays[-1] < 3.0
    finally:
        await proxy.aclose()


class Readiness:
    """The bot's /readyz."""

    def __init__(self, bot: Running) -> None:
        self.url = f"http://127.0.0.1:{bot.settings.bot_http_port}/readyz"

    async def status(self) -> str:
        async with httpx.AsyncClient() as client:
            return str((await client.get(self.url)).json()["status"])

    async def is_(self, expected: str) -> bool:
        return await self.status() == expected


def asked_so_far(load: ChatLoad) -> dict[int, int]:
    return {chat: len(questions) for chat, questions in load.questions.items()}


def asked_since(load: ChatLoad, before: dict[int, int]) -> dict[int, list[str]]:
    return {chat: questions[before.get(chat, 0) :] for chat, questions in load.questions.items()}


async def all_answered(tg: FakeTelegram, questions: dict[int, list[str]]) -> bool:
    for chat, asked in questions.items():
        texts = [m.text or "" for m in await tg.bot_messages(chat)]
        if not all(any(t.startswith(f"Echo: {q} [") for t in texts) for q in asked):
            return False
    return True


async def assert_stored_in_order(engine: AsyncEngine, load: ChatLoad, asked: int) -> None:
    """Each question and its answer stored once; in each chat, in the order they happened."""

    async def all_stored() -> bool:
        return bool(await scalar(engine, "SELECT count(*) FROM messages WHERE direction = 'in'") == asked)

    await eventually(all_stored, 60, "every message stored")
    assert await scalar(engine, "SELECT count(*) FROM messages WHERE direction = 'out'") == asked
    assert await scalar(engine, "SELECT count(*) FROM inbox WHERE done_at IS NULL") == 0
    for chat, questions in load.questions.items():
        stored = await rows(engine, "SELECT direction, text FROM messages WHERE chat_id = :chat ORDER BY id", chat=chat)
        # A chat answers one question at a time: question, answer, question, answer, in the order asked.
        assert [d for d, _ in stored] == ["in", "out"] * len(questions), chat
        assert [t for d, t in stored if d == "in"] == questions, chat
        answers = [t for d, t in stored if d == "out"]
        assert all(a.startswith(f"Echo: {q} [") for q, a in zip(questions, answers, strict=True)), chat


async def reply_delays(tg: FakeTelegram, engine: AsyncEngine, *, after: float) -> list[float]:
    """Seconds from question to answer, for the questions asked once every question asked before
    ``after`` was answered (a chat's backlog drains at Telegram's pace of a message a second)."""
    created = {t.update_id: t.created_at for t in await tg.update_timings()}
    replies: list[tuple[float, float]] = []
    for chat, update_id, question in await rows(
        engine, "SELECT chat_id, update_id, text FROM messages WHERE direction = 'in'"
    ):
        answers = [m for m in await tg.bot_messages(chat) if (m.text or "").startswith(f"Echo: {question} [")]
        replies.append((created[update_id], answers[0].history[0].at))
    drained = max(answered for asked, answered in replies if asked < after)
    return [answered - asked for asked, answered in replies if asked > drained]
