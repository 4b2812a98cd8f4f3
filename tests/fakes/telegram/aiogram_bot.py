"""An aiogram Bot pointed at the fake (kept out of the package import: aiogram takes seconds to import)."""

from __future__ import annotations

from aiogram import Bot
from aiogram.client.session.aiohttp import AiohttpSession
from aiogram.client.telegram import TelegramAPIServer

from actors.telegram.session import JsonSession
from tests.fakes.telegram.models import DEFAULT_TOKEN


class LocalSession(AiohttpSession):
    """aiogram's session, without the 250 ms pause on close that only TLS connections need."""

    async def close(self) -> None:
        if self._session is not None and not self._session.closed:
            await self._session.close()


class LocalJsonSession(JsonSession):
    """The bot's own session (JSON bodies), without the 250 ms pause on close."""

    async def close(self) -> None:
        if self._session is not None and not self._session.closed:
            await self._session.close()


def make_bot(url: str, token: str = DEFAULT_TOKEN, *, timeout: float = 10.0, json: bool = False) -> Bot:
    """A Bot that talks to the fake at ``url``; close it with ``await bot.session.close()``.

    aiogram sends multipart form data; ``json=True`` gives the bot's own session, which sends JSON.
    """
    session_type = LocalJsonSession if json else LocalSession
    return Bot(token, session=session_type(api=TelegramAPIServer.from_base(url), timeout=timeout))
