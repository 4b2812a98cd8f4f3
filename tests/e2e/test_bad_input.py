"""Nothing a user sends can break the bot: each odd input gets a clear answer in their language."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy.ext.asyncio import AsyncEngine

from tests.e2e.harness import PRIMARY, Running, running_bot
from tests.fakes.telegram import User

pytestmark = pytest.mark.anyio

ALICE = User(id=1001, first_name="Alice", language_code="en")
IVAN = User(id=1002, first_name="Иван", language_code="ru")


async def test_stickers_voice_and_photos_without_caption_get_a_clear_answer(bot: Running) -> None:
    for kind in ("sticker", "voice", "photo"):
        await bot.tg.send_message(ALICE.id, kind=kind, user=ALICE)
    replies = await bot.tg.wait_for_bot_messages(ALICE.id, 3)
    assert all((r.text or "").startswith("I can only read text for now.") for r in replies)
    await bot.tg.send_message(IVAN.id, kind="sticker", user=IVAN)
    [russian] = await bot.tg.wait_for_bot_messages(IVAN.id, 1)
    assert (russian.text or "").startswith("Пока я понимаю только текст.")
    assert await bot.llm.calls() == []
    # ...and the bot keeps working.
    await bot.tg.send_message(ALICE.id, "still there?", user=ALICE)
    await bot.answered(1)


async def test_a_caption_counts_as_text(bot: Running) -> None:
    await bot.tg.send_message(ALICE.id, kind="photo", caption="What is on this photo?", user=ALICE)
    await bot.answered(1)
    [answer] = await bot.tg.bot_messages(ALICE.id)
    assert answer.text == "Echo: What is on this photo? [messages: 2]"


async def test_a_document_with_a_caption_is_answered_and_without_one_gets_a_clear_answer(bot: Running) -> None:
    await bot.tg.send_message(ALICE.id, kind="document", user=ALICE)
    [unsupported] = await bot.tg.wait_for_bot_messages(ALICE.id, 1)
    assert (unsupported.text or "").startswith("I can only read text for now.")
    await bot.tg.send_message(ALICE.id, kind="document", caption="Summarize this file, please", user=ALICE)
    await bot.answered(1)
    answer = (await bot.tg.bot_messages(ALICE.id))[-1]
    assert answer.text == "Echo: Summarize this file, please [messages: 2]"
    assert [c.last_user_message for c in await bot.llm.calls()] == ["Summarize this file, please"]


async def test_blank_and_over_long_messages_are_refused_with_an_explanation(
    clean_db: AsyncEngine, database_url: str, tmp_path: Path
) -> None:
    async with running_bot(database_url, tmp_path, max_message_chars=100) as bot:
        await bot.tg.send_message(ALICE.id, "   \n\t ", user=ALICE)
        await bot.tg.send_message(ALICE.id, "x" * 101, user=ALICE)
        blank, too_long = await bot.tg.wait_for_bot_messages(ALICE.id, 2)
        assert blank.text == "Your message is empty. Please write me a question."
        assert too_long.text == "Your message is too long (101 characters). Please keep it under 100 characters."
        await bot.tg.send_message(ALICE.id, "x" * 100, user=ALICE)
        await bot.answered(1)
        assert len(await bot.llm.calls(PRIMARY)) == 1


async def test_a_message_while_the_mailbox_is_full_gets_one_moment_please(
    clean_db: AsyncEngine, database_url: str, tmp_path: Path
) -> None:
    async with running_bot(database_url, tmp_path, chat_mailbox_size=1) as bot:
        await bot.llm.first_token_delay(PRIMARY, 1.5, times=1)
        await bot.tg.send_message(ALICE.id, "question 0", user=ALICE)
        await bot.llm.wait_for_calls(PRIMARY, 1)  # the chat is busy answering it
        await bot.tg.send_message(ALICE.id, "question 1", user=ALICE)  # waits in the mailbox
        await bot.tg.send_message(ALICE.id, "question 2", user=ALICE)  # the mailbox is full
        await bot.answered(2, timeout=20)
        texts = [m.text for m in await bot.tg.bot_messages(ALICE.id)]
        assert "One moment, I'm still answering your previous messages." in texts
        assert "Echo: question 0 [messages: 2]" in texts
        assert any(t and t.startswith("Echo: question 1") for t in texts)


async def test_only_allowed_users_are_served(clean_db: AsyncEngine, database_url: str, tmp_path: Path) -> None:
    async with running_bot(database_url, tmp_path, allowed_user_ids=frozenset({ALICE.id})) as bot:
        await bot.tg.send_message(IVAN.id, "пустите меня", user=IVAN)
        [refusal] = await bot.tg.wait_for_bot_messages(IVAN.id, 1)
        assert refusal.text == "Извините, это закрытый бот."
        await bot.tg.send_message(ALICE.id, "hi", user=ALICE)
        await bot.answered(1)
        assert [c.last_user_message for c in await bot.llm.calls()] == ["hi"]


async def test_a_flood_is_rate_limited_with_one_clear_answer(
    clean_db: AsyncEngine, database_url: str, tmp_path: Path
) -> None:
    async with running_bot(database_url, tmp_path, rate_limit_per_minute=3, chat_mailbox_size=50) as bot:
        for i in range(20):
            await bot.tg.send_message(ALICE.id, f"spam {i}", user=ALICE)
        await bot.answered(3, timeout=20)
        await bot.tg.wait_for_no_pending_updates()
        texts = [m.text or "" for m in await bot.tg.bot_messages(ALICE.id)]
        limited = [t for t in texts if t.startswith("You're writing faster than I can answer.")]
        assert len(limited) == 1, texts
        assert len(await bot.llm.calls()) == 3


async def test_odd_updates_do_not_crash_the_bot(bot: Running) -> None:
    await bot.tg.send_channel_post(-1009, "a channel post")
    await bot.tg.send_raw_update({"some_future_update": {"x": 1}})
    await bot.tg.send_raw_update({"message": {"message_id": 5, "date": 0, "chat": {"id": 77, "type": "private"}}})
    await bot.tg.send_message(ALICE.id, "original", user=ALICE)
    await bot.answered(1)
    original = (await bot.tg.messages(ALICE.id))[0]
    await bot.tg.edit_user_message(ALICE.id, original.message_id, "edited")
    await bot.tg.send_message(ALICE.id, "after the odd ones", user=ALICE)
    await bot.answered(2)
    await bot.tg.wait_for_no_pending_updates()
