"""A failure that reaches the top of the supervision tree stops `assistant bot` with exit status 1."""

from __future__ import annotations

from pathlib import Path

import anyio
import pytest
from sqlalchemy.ext.asyncio import AsyncEngine

from tests.chaos.process import BotProcess, bot_environment
from tests.e2e.harness import API_KEY
from tests.fakes.openrouter import FakeOpenRouter
from tests.fakes.telegram import FakeTelegram

pytestmark = pytest.mark.anyio


async def test_an_actor_failing_beyond_its_restart_limits_stops_the_bot_with_status_1(
    clean_db: AsyncEngine, database_url: str, tmp_path: Path
) -> None:
    # The data folder lies under a regular file: the persistence actor cannot look at its
    # spill file, so every start fails, and after ten restarts it gives up.
    (tmp_path / "not-a-folder").write_text("")
    data_dir = tmp_path / "not-a-folder" / "data"
    async with FakeTelegram() as tg, FakeOpenRouter(api_key=API_KEY) as llm:
        env = bot_environment(tg.url, tg.token, llm.base_url, database_url, data_dir)
        bot = BotProcess(env, tmp_path, tmp_path / "bot.log")
        bot.start()
        try:
            with anyio.fail_after(60):
                while bot.alive():
                    await anyio.sleep(0.1)
        finally:
            if bot.alive():
                bot.kill()
        assert bot.process is not None
        output = bot.output()
        assert bot.process.returncode == 1, output
    critical = [line for line in output.splitlines() if " CRITICAL " in line]
    assert len(critical) == 1, output
    assert "stopping the service: persistence exceeded its restart intensity" in critical[0]
    assert "persistence failed to start" in output  # each failure was logged, with its type
    assert "NotADirectoryError" in output
    assert "exit status 1" in output.splitlines()[-1]
    assert "runtime.errors.EscalationError" not in output, "no traceback of an unhandled error"
