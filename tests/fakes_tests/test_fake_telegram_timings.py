"""The fake Telegram's compact timings (for benchmarks): when updates appeared and were delivered, and each call."""

from __future__ import annotations

import time

import pytest

from tests.fakes.telegram import FakeTelegram, FakeTelegramClient
from tests.fakes.telegram.aiogram_bot import make_bot

pytestmark = pytest.mark.anyio


async def test_update_and_call_timings_through_both_interfaces() -> None:
    async with FakeTelegram(control_port=0) as tg:
        bot = make_bot(tg.url, tg.token)
        try:
            before = time.monotonic()
            update_id = await tg.send_message(1001, "hello")
            [_pending] = await tg.update_timings()
            assert _pending.delivered_at is None
            [update] = await bot.get_updates(timeout=1)
            await bot.send_message_draft(chat_id=1001, draft_id=7, text="Hel")
            await bot.send_message(1001, "Hello")
            after = time.monotonic()
            async with FakeTelegramClient(tg.url, control_url=tg.control_url) as client:
                assert await client.update_timings() == await tg.update_timings()
                assert await client.call_timings() == await tg.call_timings()
                assert [c.method for c in await client.call_timings(since=1)] == ["sendMessageDraft", "sendMessage"]
        finally:
            await bot.session.close()
        [timing] = await tg.update_timings()
        calls = await tg.call_timings()
    assert update.update_id == update_id == timing.update_id
    assert timing.chat_id == 1001
    assert timing.delivered_at is not None
    assert before <= timing.created_at <= timing.delivered_at <= after
    assert [(c.method, c.chat_id, c.draft_id, c.text_chars, c.status) for c in calls] == [
        ("getUpdates", None, None, None, 200),
        ("sendMessageDraft", 1001, 7, 3, 200),
        ("sendMessage", 1001, None, 5, 200),
    ]
    assert [c.index for c in calls] == [0, 1, 2]
    assert all(timing.created_at <= c.at <= after for c in calls)
