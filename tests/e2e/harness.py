"""Running the whole bot in-process against the fake Telegram and the fake OpenRouter.

Real aiogram, real httpx, real PostgreSQL: only Telegram's and OpenRouter's
servers are fakes, speaking their HTTP protocols on 127.0.0.1.
"""

from __future__ import annotations

import socket
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import anyio

from actors.app import run_bot
from assistant.settings import Settings
from tests.fakes.openrouter import FakeOpenRouter
from tests.fakes.telegram import FakeTelegram

PRIMARY = "primary/model"
FALLBACK = "fallback/model"
API_KEY = "test-openrouter-key"


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def bot_settings(tg_url: str, tg_token: str, llm_url: str, database_url: str, data_dir: Path, **overrides: Any) -> Settings:
    values: dict[str, Any] = {
        "telegram_bot_token": tg_token,
        "telegram_api_url": tg_url,
        "openrouter_api_key": API_KEY,
        "openrouter_base_url": llm_url,
        "llm_primary_model": PRIMARY,
        "llm_fallback_model": FALLBACK,
        "database_url": database_url,
        "data_dir": data_dir,
        "bot_http_port": free_port(),
        "stream_draft_interval": 0.05,
        "stream_edit_interval": 0.2,
        "llm_connect_timeout": 2,
        "llm_first_token_timeout": 5,
        "llm_total_timeout": 20,
        "shutdown_deadline": 5,
        "persist_batch_ms": 10,
    }
    values.update(overrides)
    return Settings(_env_file=None, **values)  # type: ignore[call-arg]


@dataclass
class Running:
    tg: FakeTelegram
    llm: FakeOpenRouter
    settings: Settings
    stop: anyio.Event
    exit_code: list[int]


@asynccontextmanager
async def running_bot(database_url: str, data_dir: Path, **overrides: Any) -> AsyncIterator[Running]:
    """Start fakes and the bot; on exit stop the bot gracefully (as SIGTERM would)."""
    async with FakeTelegram() as tg, FakeOpenRouter(api_key=API_KEY) as llm:
        settings = bot_settings(tg.url, tg.token, llm.base_url, database_url, data_dir, **overrides)
        stop = anyio.Event()
        exit_code: list[int] = []

        async def bot() -> None:
            exit_code.append(await run_bot(settings, database_url, stop=stop))

        async with anyio.create_task_group() as tasks:
            tasks.start_soon(bot)
            await tg.wait_for_polling(timeout=20)
            yield Running(tg, llm, settings, stop, exit_code)
            stop.set()
