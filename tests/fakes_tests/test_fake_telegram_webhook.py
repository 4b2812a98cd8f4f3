"""With a webhook set, the fake POSTs updates to the bot like Telegram: in order, with the secret, until 200."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from typing import Any

import pytest
from aiogram import Bot
from aiogram.exceptions import TelegramBadRequest, TelegramConflictError
from aiohttp import web

from tests.fakes.telegram import FakeTelegram
from tests.fakes.telegram.aiogram_bot import make_bot
from tests.fakes.telegram.webhook import SECRET_HEADER

pytestmark = pytest.mark.anyio

ALICE = 1001


@dataclass
class WebhookReceiver:
    """The bot's side of a webhook: records each request and answers with the next planned status."""

    statuses: list[int] = field(default_factory=list)
    received: list[tuple[str | None, dict[str, Any]]] = field(default_factory=list)
    url: str = ""

    async def handle(self, request: web.Request) -> web.Response:
        self.received.append((request.headers.get(SECRET_HEADER), await request.json()))
        status = self.statuses.pop(0) if self.statuses else 200
        return web.Response(status=status)


@pytest.fixture
async def receiver() -> AsyncIterator[WebhookReceiver]:
    receiver = WebhookReceiver()
    app = web.Application()
    app.router.add_post("/hook", receiver.handle)
    runner = web.AppRunner(app, access_log=None)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    receiver.url = f"http://127.0.0.1:{runner.addresses[0][1]}/hook"
    yield receiver
    await runner.cleanup()


@pytest.fixture
async def tg() -> AsyncIterator[FakeTelegram]:
    async with FakeTelegram() as fake:
        yield fake


@pytest.fixture
async def bot(tg: FakeTelegram) -> AsyncIterator[Bot]:
    bot = make_bot(tg.url)
    yield bot
    await bot.session.close()


async def test_updates_are_posted_in_order_with_the_secret_and_retried_until_200(
    tg: FakeTelegram, bot: Bot, receiver: WebhookReceiver
) -> None:
    receiver.statuses = [500, 502]
    assert await bot.set_webhook(receiver.url, secret_token="s3cret-token_1")
    first = await tg.send_message(ALICE, "one")
    second = await tg.send_message(ALICE, "two")
    await tg.wait_for_webhook_deliveries(2, ok_only=True)
    assert [(secret, body["update_id"]) for secret, body in receiver.received] == [
        ("s3cret-token_1", first),
        ("s3cret-token_1", first),
        ("s3cret-token_1", first),
        ("s3cret-token_1", second),
    ]
    assert receiver.received[-1][1]["message"]["text"] == "two"
    assert [d.status for d in await tg.webhook_deliveries()] == [500, 502, 200, 200]
    assert await tg.pending_updates() == []
    info = await bot.get_webhook_info()
    assert info.url == receiver.url and info.pending_update_count == 0
    assert info.last_error_message is not None and "502" in info.last_error_message


async def test_get_updates_conflicts_with_a_webhook_until_it_is_deleted(
    tg: FakeTelegram, bot: Bot, receiver: WebhookReceiver
) -> None:
    receiver.statuses = [500] * 1000  # the bot keeps refusing: the update stays pending
    await bot.set_webhook(receiver.url)
    await tg.send_message(ALICE, "waiting")
    await tg.wait_for_webhook_deliveries(1)
    with pytest.raises(TelegramConflictError, match="webhook is active"):
        await bot.get_updates()
    assert receiver.received[0][0] is None  # no secret was set, so no header
    await bot.delete_webhook()
    [update] = await bot.get_updates()
    assert update.message is not None and update.message.text == "waiting"


async def test_setting_a_webhook_ends_a_waiting_long_poll(
    tg: FakeTelegram, bot: Bot, receiver: WebhookReceiver
) -> None:
    poll = asyncio.create_task(bot.get_updates(timeout=30))
    await tg.wait_for_polling()
    await bot.set_webhook(receiver.url, drop_pending_updates=True)
    with pytest.raises(TelegramConflictError, match="setWebhook"):
        await asyncio.wait_for(poll, 5)


async def test_a_secret_with_forbidden_characters_is_refused(bot: Bot, receiver: WebhookReceiver) -> None:
    with pytest.raises(TelegramBadRequest, match="secret token"):
        await bot.set_webhook(receiver.url, secret_token="not allowed!")
