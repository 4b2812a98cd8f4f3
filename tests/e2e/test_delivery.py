"""Order within a chat, isolation between chats, and replies that survive Telegram's bad moments."""

from __future__ import annotations

import itertools
from pathlib import Path

import anyio
import pytest
from sqlalchemy.ext.asyncio import AsyncEngine

from tests.e2e.harness import PRIMARY, BotOverrides, Running, running_bot
from tests.fakes.telegram import User

pytestmark = pytest.mark.anyio

ALICE = User(id=1001, first_name="Alice")
BOB = User(id=1003, first_name="Bob")


async def test_quick_messages_are_answered_in_order_and_model_calls_never_overlap(bot: Running) -> None:
    await bot.llm.first_token_delay(PRIMARY, 0.2)
    for i in range(5):
        await bot.tg.send_message(ALICE.id, f"message {i}", user=ALICE)
    await bot.answered(5, timeout=30)
    replies = await bot.tg.bot_messages(ALICE.id)
    assert [(m.text or "").split(" [")[0] for m in replies] == [f"Echo: message {i}" for i in range(5)]
    calls = await bot.llm.wait_for_calls(PRIMARY, 5, finished=True)
    assert [c.last_user_message for c in calls] == [f"message {i}" for i in range(5)]
    for i, (earlier, later) in enumerate(itertools.pairwise(calls)):
        assert earlier.last_chunk_at is not None and later.received_at is not None
        assert later.received_at >= earlier.last_chunk_at, f"call {i + 1} began before call {i} ended"
        # ...and only after the answer to the previous message was in the chat.
        assert later.received_at >= replies[i].history[0].at, f"call {i + 1} began before reply {i} was sent"
    sent = [m.history[0].at for m in replies]
    assert sent == sorted(sent), "replies arrive in the order of the questions"
    # Each call saw the previous answers.
    assert [len(c.messages) for c in calls] == [2, 4, 6, 8, 10]


async def test_a_slow_answer_in_one_chat_does_not_delay_another(
    clean_db: AsyncEngine, database_url: str, tmp_path: Path
) -> None:
    slow = 10.0
    timeouts: BotOverrides = {
        "llm_first_token_timeout": slow + 10,
        "llm_total_timeout": slow + 20,
        "llm_hedge_after": slow + 10,
    }
    async with running_bot(database_url, tmp_path, **timeouts) as bot:
        await bot.llm.script(PRIMARY, lambda call: "slow" if call.last_user_message == "take your time" else "fast")
        await bot.llm.first_token_delay(PRIMARY, slow, times=1)
        await bot.tg.send_message(ALICE.id, "take your time", user=ALICE)
        await bot.llm.wait_for_calls(PRIMARY, 1)
        await bot.tg.send_message(BOB.id, "quick one", user=BOB)
        [fast] = await bot.tg.wait_for_bot_messages(BOB.id, 1, timeout=slow)
        assert fast.text == "fast"
        alices = (await bot.llm.calls(PRIMARY))[0]
        assert alices.first_token_at is None, "Bob was answered while Alice's model had not written a word yet"
        assert await bot.tg.bot_messages(ALICE.id) == []
        [slow_answer] = await bot.tg.wait_for_bot_messages(ALICE.id, 1, timeout=slow + 10)
        assert slow_answer.text == "slow"
        assert fast.history[0].at < slow_answer.history[0].at
        assert len(await bot.llm.calls(PRIMARY)) == 2, "no retry, no fallback: the slow call simply took its time"


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


async def test_when_drafts_are_refused_the_chat_streams_by_edits_from_then_on(bot: Running) -> None:
    await bot.tg.refuse_drafts(ALICE.id)
    answer = "A long enough answer to be streamed in several steps. " * 4
    await bot.llm.script(PRIMARY, answer)
    await bot.llm.tokens_per_second(PRIMARY, 40)
    await bot.tg.send_message(ALICE.id, "stream it", user=ALICE)
    await bot.answered(1, timeout=20)
    await bot.tg.send_message(ALICE.id, "and again", user=ALICE)
    await bot.answered(2, timeout=20)
    first, second = await bot.tg.bot_messages(ALICE.id)
    assert first.edit_count >= 1 and second.edit_count >= 1, "both streamed by editing a message"
    assert first.text == second.text == answer.strip()
    assert len(await bot.tg.calls("sendMessageDraft")) == 1, "after the refusal the chat did not try drafts again"


async def test_a_draft_refused_for_another_reason_moves_only_that_answer_to_edits(bot: Running) -> None:
    answer = "A long enough answer to be streamed in several steps. " * 4
    await bot.llm.script(PRIMARY, answer)
    await bot.llm.tokens_per_second(PRIMARY, 40)
    await bot.tg.fail_next("sendMessageDraft", 1, status=400, description="Bad Request: text is too long")
    await bot.tg.send_message(ALICE.id, "stream it", user=ALICE)
    await bot.answered(1, timeout=20)
    drafts_before = len(await bot.tg.drafts(ALICE.id))
    await bot.tg.send_message(ALICE.id, "and again", user=ALICE)
    await bot.answered(2, timeout=20)
    first, second = await bot.tg.bot_messages(ALICE.id)
    assert first.edit_count >= 1, "the first answer streamed by edits"
    assert drafts_before == 0
    assert len(await bot.tg.drafts(ALICE.id)) >= 3, "the next answer streamed in drafts again"
    assert second.edit_count == 0
    assert first.text == second.text == answer.strip()


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
