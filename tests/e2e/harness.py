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
from typing import Any, TypedDict, Unpack

import anyio
from sqlalchemy.ext.asyncio import AsyncEngine

from actors.app import run_bot
from assistant.settings import Settings, UpdatesMode
from db.engine import create_engine
from tests.fakes.openrouter import FakeOpenRouter
from tests.fakes.telegram import FakeTelegram
from tests.support.settings import settings_for_test
from tests.support.waiting import eventually, scalar

PRIMARY = "primary/model"
FALLBACK = "fallback/model"
API_KEY = "test-openrouter-key"


class BotOverrides(TypedDict, total=False):
    """Settings a test may give the bot, as the test writes them (``Settings`` validates and converts them).

    Spelled out so that a misspelt name, which ``Settings`` would silently ignore, fails type checking;
    add a field here when a test needs another setting.
    """

    # Telegram
    updates_mode: UpdatesMode
    webhook_url: str
    webhook_secret: str
    webhook_host: str
    webhook_port: int
    allowed_user_ids: frozenset[int]
    rate_limit_per_minute: int
    rate_limit_per_day: int
    max_message_chars: int
    telegram_global_per_second: float
    telegram_chat_per_second: float
    telegram_group_per_minute: float
    stream_draft_interval: float
    stream_edit_interval: float
    # Models
    llm_fallback_base_url: str
    llm_fallback_api_key: str
    llm_first_token_timeout: float
    llm_total_timeout: float
    llm_hedge_after: float
    llm_context_tokens: int
    # Circuit breaker
    breaker_open_seconds: float
    breaker_open_max_seconds: float
    rate_limited_default_seconds: float
    deferred_answer_window: float
    fallback_note: bool
    # Roles, storage, runtime
    roles_file: Path
    persist_batch_ms: float
    chat_mailbox_size: int


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def bot_settings(
    tg_url: str, tg_token: str, llm_url: str, database_url: str, data_dir: Path, **overrides: Unpack[BotOverrides]
) -> Settings:
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
    return settings_for_test(**values)


@dataclass
class Running:
    tg: FakeTelegram
    llm: FakeOpenRouter
    settings: Settings
    stop: anyio.Event
    exit_code: list[int]
    engine: AsyncEngine

    async def answered(self, count: int, *, chat_id: int | None = None, timeout: float = 20.0) -> None:
        """Wait until ``count`` answers are recorded: the bot records one after its last part was delivered."""
        sql = "SELECT count(*) FROM messages WHERE direction = 'out'"
        if chat_id is not None:
            sql += f" AND chat_id = {int(chat_id)}"

        async def enough() -> bool:
            return bool(await scalar(self.engine, sql) >= count)

        await eventually(enough, timeout, f"{count} recorded answers")


@asynccontextmanager
async def fake_services() -> AsyncIterator[tuple[FakeTelegram, FakeOpenRouter]]:
    """A fake Telegram and a fake OpenRouter, to share between runs of the bot (restart tests)."""
    async with FakeTelegram() as tg, FakeOpenRouter(api_key=API_KEY) as llm:
        yield tg, llm


@asynccontextmanager
async def running_bot(
    database_url: str,
    data_dir: Path,
    *,
    services: tuple[FakeTelegram, FakeOpenRouter] | None = None,
    wait_for: str = "getUpdates",
    **overrides: Unpack[BotOverrides],
) -> AsyncIterator[Running]:
    """Start the bot (and fakes, unless ``services`` are given); on exit stop it as SIGTERM would."""
    if services is None:
        async with (
            fake_services() as fresh,
            running_bot(database_url, data_dir, services=fresh, wait_for=wait_for, **overrides) as bot,
        ):
            yield bot
        return
    tg, llm = services
    settings = bot_settings(tg.url, tg.token, llm.base_url, database_url, data_dir, **overrides)
    stop = anyio.Event()
    exit_code: list[int] = []

    async def serve() -> None:
        exit_code.append(await run_bot(settings, database_url, stop=stop))

    engine = create_engine(database_url, pool_size=2)
    try:
        async with anyio.create_task_group() as tasks:
            # The bot is up once it asks for updates (or registers its webhook).
            before = len(await tg.calls(wait_for))
            tasks.start_soon(serve)
            await tg.wait_for_calls(wait_for, before + 1, timeout=20)
            yield Running(tg, llm, settings, stop, exit_code, engine)
            stop.set()
    finally:
        await engine.dispose()
