"""Faults on request reach aiogram as the exceptions real Telegram failures raise."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator

import pytest
from aiogram import Bot
from aiogram.exceptions import (
    ClientDecodeError,
    TelegramBadRequest,
    TelegramNetworkError,
    TelegramRetryAfter,
    TelegramServerError,
)

from tests.fakes.telegram import FakeTelegram
from tests.fakes.telegram.aiogram_bot import make_bot

pytestmark = pytest.mark.anyio

ALICE = 1001
BOB = 1002
GROUP = -1001234567890


@pytest.fixture
async def tg() -> AsyncIterator[FakeTelegram]:
    async with FakeTelegram() as fake:
        yield fake


@pytest.fixture(params=["multipart", "json"])
async def bot(tg: FakeTelegram, request: pytest.FixtureRequest) -> AsyncIterator[Bot]:
    """aiogram's own multipart bodies, and the JSON bodies of the bot's session: the fake takes both alike."""
    bot = make_bot(tg.url, json=request.param == "json")
    yield bot
    await bot.session.close()


async def test_a_429_reaches_aiogram_as_retry_after(tg: FakeTelegram, bot: Bot) -> None:
    await tg.fail_next("sendMessage", status=429, retry_after=7)
    with pytest.raises(TelegramRetryAfter) as caught:
        await bot.send_message(ALICE, "hi")
    assert caught.value.retry_after == 7
    assert "retry after 7" in caught.value.message
    assert (await bot.send_message(ALICE, "hi")).text == "hi"  # only the next call failed
    assert [m.text for m in await tg.messages(ALICE)] == ["hi"]


async def test_server_errors_fail_the_next_calls_then_stop(tg: FakeTelegram, bot: Bot) -> None:
    await tg.fail_next("sendMessage", times=2, status=500)
    for _ in range(2):
        with pytest.raises(TelegramServerError):
            await bot.send_message(ALICE, "hi")
    await bot.send_message(ALICE, "hi")
    assert [call.status for call in await tg.calls("sendMessage")] == [500, 500, 200]


async def test_a_502_html_page_is_not_json(tg: FakeTelegram, bot: Bot) -> None:
    await tg.fail_next("getMe", status=502, raw_body="<html><body><h1>502 Bad Gateway</h1></body></html>")
    with pytest.raises(ClientDecodeError):
        await bot.get_me()


async def test_a_failure_after_the_effect_leaves_the_message_sent(tg: FakeTelegram, bot: Bot) -> None:
    await tg.fail_next("sendMessage", status=500, after_effect=True)
    with pytest.raises(TelegramServerError):
        await bot.send_message(ALICE, "did it arrive?")
    assert [m.text for m in await tg.messages(ALICE)] == ["did it arrive?"]


async def test_flood_control_limits_bursts_per_chat(tg: FakeTelegram, bot: Bot) -> None:
    await tg.flood_control(per_chat_per_second=1.0, burst=3)
    for i in range(3):
        await bot.send_message(ALICE, f"burst {i}")
    with pytest.raises(TelegramRetryAfter) as caught:
        await bot.send_message(ALICE, "one too many")
    assert caught.value.retry_after >= 1
    assert (await bot.send_message(BOB, "another chat has its own budget")).chat.id == BOB
    times = [call.at for call in await tg.calls("sendMessage", chat_id=ALICE)]
    assert len(times) == 4 and times == sorted(times)


async def test_flood_control_limits_groups_per_minute_and_can_be_disabled(tg: FakeTelegram, bot: Bot) -> None:
    await tg.flood_control(per_chat_per_second=100.0, burst=100, per_group_per_minute=2)
    await bot.send_message(GROUP, "one")
    await bot.send_message(GROUP, "two")
    with pytest.raises(TelegramRetryAfter):
        await bot.send_message(GROUP, "three")
    await tg.flood_control(enabled=False)
    assert await bot.send_message(GROUP, "three")


async def test_refused_entities_hit_only_formatted_calls(tg: FakeTelegram, bot: Bot) -> None:
    await tg.refuse_entities(1)
    assert await bot.send_message(ALICE, "plain text is not refused")
    with pytest.raises(TelegramBadRequest, match="can't parse entities"):
        await bot.send_message(ALICE, "<b>formatted</b>", parse_mode="HTML")
    assert await bot.send_message(ALICE, "<b>formatted</b>", parse_mode="HTML")


async def test_a_server_that_goes_down_refuses_connections_and_comes_back_with_its_state(
    tg: FakeTelegram, bot: Bot
) -> None:
    await bot.send_message(ALICE, "before")
    poll = asyncio.create_task(bot.get_updates(timeout=30))
    await tg.wait_for_polling()
    await tg.go_down()
    with pytest.raises(TelegramNetworkError):
        await asyncio.wait_for(poll, 5)  # the open long poll is cut
    with pytest.raises(TelegramNetworkError):
        await bot.send_message(ALICE, "while down")
    await tg.come_up()
    assert (await bot.send_message(ALICE, "after")).message_id == 2
    assert [m.text for m in await tg.messages(ALICE)] == ["before", "after"]


async def test_latency_delays_the_answer_but_not_the_effect(tg: FakeTelegram) -> None:
    impatient = make_bot(tg.url, timeout=0.2)
    try:
        await tg.set_latency(2.0)
        with pytest.raises(TelegramNetworkError, match="timeout"):
            await impatient.send_message(ALICE, "late answer")
        # The bot gave up, yet the user sees the message: retrying blindly would send it twice.
        [shown] = await tg.wait_for_bot_messages(ALICE)
        assert shown.text == "late answer"
    finally:
        await impatient.session.close()
