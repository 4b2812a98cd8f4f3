"""The courier on a virtual clock, talking to the fake Telegram over real HTTP (JSON bodies, as the bot sends)."""

from __future__ import annotations

from collections.abc import AsyncIterator

import anyio.lowlevel
import pytest

from actors.telegram.courier import Courier
from tests.fakes.telegram import FakeTelegram
from tests.fakes.telegram.aiogram_bot import make_bot


class VirtualClock:
    """``time.monotonic`` and ``anyio.sleep`` for one sender: sleeping moves the clock on at once."""

    def __init__(self) -> None:
        self.now = 0.0
        self.slept: list[float] = []

    def __call__(self) -> float:
        return self.now

    async def sleep(self, seconds: float) -> None:
        self.slept.append(seconds)
        self.now += seconds
        await anyio.lowlevel.checkpoint()


@pytest.fixture
async def tg() -> AsyncIterator[FakeTelegram]:
    async with FakeTelegram() as fake:
        yield fake


@pytest.fixture
async def clock() -> VirtualClock:
    return VirtualClock()


@pytest.fixture
async def courier(tg: FakeTelegram, clock: VirtualClock) -> AsyncIterator[Courier]:
    bot = make_bot(tg.url, tg.token, json=True)  # the bot's own session
    try:
        yield Courier(bot, clock=clock, sleep=clock.sleep)
    finally:
        await bot.session.close()
