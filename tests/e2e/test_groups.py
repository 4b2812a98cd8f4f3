"""Group chats: the bot answers when addressed, edits one message while streaming, knows who said what."""

from __future__ import annotations

import itertools
from pathlib import Path

import pytest
from sqlalchemy.ext.asyncio import AsyncEngine

from tests.e2e.harness import PRIMARY, Running, running_bot
from tests.fakes.telegram import User

pytestmark = pytest.mark.anyio

GROUP = -100500
ANNA = User(id=2001, first_name="Anna")
BORIS = User(id=2002, first_name="Boris")


async def test_the_bot_answers_only_when_mentioned_or_replied_to(bot: Running) -> None:
    await bot.tg.send_message(GROUP, "just chatting", user=ANNA, chat_type="supergroup", title="Friends")
    await bot.tg.send_message(GROUP, "what is 2+2?", user=ANNA, chat_type="supergroup", mention_bot=True)
    await bot.answered(1)
    [answer] = await bot.tg.bot_messages(GROUP)
    assert "what is 2+2?" in (answer.text or "")
    assert "just chatting" not in (answer.text or "")
    question = (await bot.tg.messages(GROUP))[1]
    assert answer.reply_to_message_id == question.message_id

    await bot.tg.send_message(
        GROUP, "and 3+3?", user=BORIS, chat_type="supergroup", reply_to_message_id=answer.message_id
    )
    await bot.answered(2)
    replies = await bot.tg.bot_messages(GROUP)
    assert "and 3+3?" in (replies[1].text or "")
    assert len(await bot.llm.calls(PRIMARY)) == 2


async def test_the_model_is_told_who_said_what(bot: Running) -> None:
    await bot.tg.send_message(GROUP, "I like tea", user=ANNA, chat_type="group", mention_bot=True)
    await bot.tg.wait_for_bot_messages(GROUP, 1)
    await bot.tg.send_message(GROUP, "I prefer coffee", user=BORIS, chat_type="group", mention_bot=True)
    await bot.tg.wait_for_bot_messages(GROUP, 2)
    call = (await bot.llm.calls(PRIMARY))[-1]
    contents = [m["content"] for m in call.messages]
    assert "group chat" in contents[0]
    assert contents[1].startswith("Anna: ") and "I like tea" in contents[1]
    assert contents[-1].startswith("Boris: ") and "I prefer coffee" in contents[-1]


async def test_streaming_in_groups_edits_one_message_progressively_about_once_a_second(
    clean_db: AsyncEngine, database_url: str, tmp_path: Path
) -> None:
    interval = 1.0  # the production setting (the other tests stream faster)
    answer = "Slowly streamed words for the whole group to read. " * 8
    async with running_bot(database_url, tmp_path, stream_edit_interval=interval) as bot:
        await bot.llm.script(PRIMARY, answer)
        await bot.llm.tokens_per_second(PRIMARY, 30)
        await bot.tg.send_message(GROUP, "tell us", user=ANNA, chat_type="group", mention_bot=True)
        await bot.answered(1, timeout=30)
        assert await bot.tg.drafts(GROUP) == [], "drafts do not exist in groups"
        [message] = await bot.tg.bot_messages(GROUP)
        versions = message.history  # the first send, then every edit
        assert len(versions) >= 4, f"the answer should grow in several edits, got {len(versions)} version(s)"
        shown: list[str] = []
        for version in versions:
            assert version.text is not None, "every version of the answer has text"
            shown.append(version.text.removesuffix(" …"))
        assert all(answer.startswith(text) for text in shown), shown
        assert [len(t) for t in shown] == sorted({len(t) for t in shown}), "each edit shows more"
        gaps = [b.at - a.at for a, b in itertools.pairwise(versions)]
        assert all(gap >= interval * 0.95 for gap in gaps), f"edits closer than {interval} s: {gaps}"
        assert message.text == answer.strip()


async def test_a_deleted_preview_does_not_lose_the_answer(bot: Running) -> None:
    answer = "An answer that is still being written when its preview is deleted. " * 4
    await bot.llm.script(PRIMARY, answer)
    await bot.llm.tokens_per_second(PRIMARY, 40)
    await bot.tg.send_message(GROUP, "tell us", user=ANNA, chat_type="group", mention_bot=True)
    [preview] = await bot.tg.wait_for_bot_messages(GROUP, 1)
    await bot.tg.delete_message(GROUP, preview.message_id)  # an admin cleans up mid-stream
    await bot.answered(1, timeout=20)
    [final] = await bot.tg.bot_messages(GROUP)
    assert final.message_id != preview.message_id
    assert final.text == answer.strip()
    question = (await bot.tg.messages(GROUP))[0]
    assert final.reply_to_message_id == question.message_id
