"""SIGTERM: the bot stops taking updates, finishes the answers in progress, flushes, and exits 0."""

from __future__ import annotations

from pathlib import Path

import anyio
import pytest
from sqlalchemy.ext.asyncio import AsyncEngine

from tests.chaos.process import BotProcess, bot_environment
from tests.e2e.harness import API_KEY, PRIMARY
from tests.fakes.openrouter import FakeOpenRouter
from tests.fakes.telegram import FakeTelegram, User
from tests.support.waiting import rows, scalar

pytestmark = pytest.mark.anyio


async def test_sigterm_finishes_answers_in_progress_and_flushes_every_write(
    clean_db: AsyncEngine, database_url: str, tmp_path: Path
) -> None:
    async with FakeTelegram() as tg, FakeOpenRouter(api_key=API_KEY) as llm:
        await llm.first_token_delay(PRIMARY, 1.5)
        # A long batch time: without a flush on shutdown these writes would be lost.
        env = bot_environment(tg.url, tg.token, llm.base_url, database_url, tmp_path / "data", persist_batch_ms=60_000)
        bot = BotProcess(env, tmp_path, tmp_path / "bot.log")
        bot.start()
        try:
            await tg.wait_for_polling(timeout=60)
            chats = [7001 + n for n in range(5)]
            for chat in chats:
                await tg.send_message(chat, f"question from {chat}", user=User(id=chat, first_name="U"))
            await llm.wait_for_calls(PRIMARY, len(chats), timeout=20)  # every answer is in progress
            started = anyio.current_time()
            assert await bot.stop(timeout=30) == 0
            assert anyio.current_time() - started < 10, "within the shutdown deadline"
        finally:
            if bot.alive():
                bot.kill()
        for chat in chats:
            assert [m.text for m in await tg.bot_messages(chat)] == [f"Echo: question from {chat} [messages: 2]"]
        assert "stopping: no new updates" in bot.output()
    stored = await rows(clean_db, "SELECT direction, count(*) FROM messages GROUP BY direction ORDER BY 1")
    assert dict((r[0], r[1]) for r in stored) == {"in": 5, "out": 5}
    assert await scalar(clean_db, "SELECT count(*) FROM llm_calls") == 5
    assert await scalar(clean_db, "SELECT count(*) FROM inbox WHERE done_at IS NULL") == 0
