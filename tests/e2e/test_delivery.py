"""Order within a chat, isolation between chats, and replies that survive Telegram's bad moments."""

from __future__ import annotations

import itertools
from pathlib import Path

import anyio
import pytest
from sqlalchemy.ext.asyncio import AsyncEngine

from tests.e2e.harness import PRIMARY, Running, running_bot
from tests.fakes.telegram import User

pytestmark = pytest.mark.anyio

ALICE = User(id=1001, first_name="Alice")
BOB = User(id=1003, first_name="Bob")


async def test_quick_messages_are_answered_in_order_and_model_calls_never_overlap(bot: Running) -> None:
    await bot.llm.first_token_delay(PRIMARY, 0.2)
    for i in range(5):
        await bot.tg.send_message(ALICE.id, f"message {i}", user=ALICE)
    await bot.answered(5, timeout=30)
    answers = [m.text or "" for m in await bot.tg.bot_messages(ALICE.id)]
    assert [a.split(" [")[0] for a in answers] == [f"Echo: message {i}" for i in range(5)]
    calls = await bot.llm.wait_for_calls(PRIMARY, 5, finished=True)
    for earlier, later in itertools.pairwise(calls):
        assert later.at >= earlier.at
    # Each call saw the previous answers: it started only after the previous one ended.
    assert [len(c.messages) for c in calls] == [2, 4, 6, 8, 10]


async def test_a_slow_answer_in_one_chat_does_not_delay_another(bot: Running) -> None:
    await bot.llm.script(PRIMARY, lambda call: "slow" if call.last_user_message == "take your time" else "fast")
    await bot.llm.first_token_delay(PRIMARY, 3, times=1)
    await bot.tg.send_message(ALICE.id, "take your time", user=ALICE)
    await bot.llm.wait_for_calls(PRIMARY, 1)
    started = anyio.current_time()
    await bot.tg.send_message(BOB.id, "quick one", user=BOB)
    [fast] = await bot.tg.wait_for_bot_messages(BOB.id, 1, timeout=10)
    assert anyio.current_time() - started < 2.5, "Bob must not wait for Alice's slow answer"
    assert fast.text == "fast"
    await bot.answered(2, timeout=15)


async def test_a_telegram_429_delays_the_reply_but_never_drops_it(bot: Running) -> None:
    await bot.tg.fail_next("sendMessage", 2, status=429, retry_after=1)
    await bot.tg.send_message(ALICE.id, "hello", user=ALICE)
    await bot.answered(1, timeout=20)
    [answer] = await bot.tg.bot_messages(ALICE.id)
    assert answer.text == "Echo: hello [messages: 2]"
    refused = [c for c in await bot.tg.calls("sendMessage") if c.status == 429]
    assert len(refused) == 2


async def test_telegram_errors_and_an_outage_delay_replies_without_losing_them(bot: Running) -> None:
    await bot.tg.fail_next("sendMessage", 2, status=502)
    await bot.tg.send_message(ALICE.id, "first", user=ALICE)
    await bot.answered(1, timeout=20)
    await bot.tg.go_down()
    await anyio.sleep(1.5)
    await bot.tg.come_up()
    await bot.tg.send_message(ALICE.id, "second", user=ALICE)
    await bot.answered(2, timeout=40)
    assert [m.text for m in await bot.tg.bot_messages(ALICE.id)] == [
        "Echo: first [messages: 2]",
        "Echo: second [messages: 4]",
    ]


async def test_when_drafts_are_refused_the_answer_streams_by_edits(bot: Running) -> None:
    await bot.tg.refuse_drafts(ALICE.id)
    await bot.llm.script(PRIMARY, "A long enough answer to be streamed in several steps. " * 4)
    await bot.llm.tokens_per_second(PRIMARY, 40)
    await bot.tg.send_message(ALICE.id, "stream it", user=ALICE)
    await bot.answered(1, timeout=20)
    [message] = await bot.tg.bot_messages(ALICE.id)
    assert message.edit_count >= 1
    assert message.text == ("A long enough answer to be streamed in several steps. " * 4).strip()


async def test_outgoing_messages_respect_the_per_chat_pace(
    clean_db: AsyncEngine, database_url: str, tmp_path: Path
) -> None:
    async with running_bot(database_url, tmp_path, telegram_chat_per_second=2.0) as bot:
        await bot.tg.flood_control(per_chat_per_second=2.0, burst=3)
        await bot.llm.script(PRIMARY, "\n\n".join(f"Part {i}. " + "words " * 700 for i in range(6)))
        await bot.tg.send_message(ALICE.id, "write a book", user=ALICE)
        await bot.answered(1, timeout=30)
        sends = await bot.tg.calls("sendMessage", chat_id=ALICE.id)
        assert all(call.status == 200 for call in sends), "the bot stayed within the chat's limit"
        assert len(sends) >= 6
