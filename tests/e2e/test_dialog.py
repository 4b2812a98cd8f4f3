"""A user talks to the bot in a private chat: answers with context, streamed, recorded."""

from __future__ import annotations

import pytest
from sqlalchemy.ext.asyncio import AsyncEngine

from tests.e2e.harness import PRIMARY, Running
from tests.fakes.telegram import User
from tests.support.waiting import eventually, rows, scalar

pytestmark = pytest.mark.anyio

ALICE = User(id=1001, first_name="Alice", language_code="en")


async def test_the_bot_answers_and_remembers_the_dialog(bot: Running, clean_db: AsyncEngine) -> None:
    await bot.tg.send_message(ALICE.id, "My name is Alice", user=ALICE)
    [first] = await bot.tg.wait_for_bot_messages(ALICE.id, 1)
    assert first.text == "Echo: My name is Alice [messages: 2]"  # system prompt + the question

    await bot.tg.send_message(ALICE.id, "What is my name?", user=ALICE)
    replies = await bot.tg.wait_for_bot_messages(ALICE.id, 2)
    # The model saw the whole dialog: system, question, answer, new question.
    assert replies[1].text == "Echo: What is my name? [messages: 4]"
    [_, second_call] = await bot.llm.calls(PRIMARY)
    assert [m["content"] for m in second_call.messages[1:]] == [
        "My name is Alice",
        "Echo: My name is Alice [messages: 2]",
        "What is my name?",
    ]


async def test_the_answer_streams_into_a_draft_with_a_stop_button_then_arrives_as_a_message(bot: Running) -> None:
    answer = "The quick brown fox jumps over the lazy dog. " * 4
    await bot.llm.script(PRIMARY, answer)
    await bot.llm.tokens_per_second(PRIMARY, 40)
    await bot.tg.send_message(ALICE.id, "Tell me about foxes", user=ALICE)
    [final] = await bot.tg.wait_for_bot_messages(ALICE.id, 1, timeout=20)
    drafts = await bot.tg.drafts(ALICE.id)
    assert len(drafts) >= 3, "the answer should have been shown while it was generated"
    assert all(d.can_stop for d in drafts)
    growing = [d.text for d in drafts if d.text]
    assert growing == sorted(growing, key=len), "each draft shows more of the answer"
    assert all(answer.strip().startswith(text.rstrip(" …")) for text in growing)
    assert final.text == answer.strip()
    assert await bot.tg.current_draft(ALICE.id) is None


async def test_pressing_stop_keeps_what_was_written(bot: Running, clean_db: AsyncEngine) -> None:
    answer = " ".join(f"word{i}" for i in range(300))
    await bot.llm.script(PRIMARY, answer)
    await bot.llm.tokens_per_second(PRIMARY, 30)
    await bot.tg.send_message(ALICE.id, "Count slowly", user=ALICE)
    drafts = await bot.tg.wait_for_drafts(ALICE.id, 3, timeout=20)
    await bot.tg.press_stop(ALICE.id, drafts[-1].draft_id)
    [final] = await bot.tg.wait_for_bot_messages(ALICE.id, 1, timeout=20)
    assert final.text
    assert answer.startswith(final.text)
    assert len(final.text) < len(answer)
    calls = await bot.llm.calls(PRIMARY)
    assert calls[-1].client_disconnected, "stopping must stop the generation (and its billing)"
    outcome = await eventually(lambda: scalar(clean_db, "SELECT outcome FROM llm_calls"))
    assert outcome == "cancelled"


async def test_markdown_arrives_as_formatting_not_as_symbols(bot: Running) -> None:
    await bot.llm.script(PRIMARY, "Here is **bold**, _italic_ and `code`:\n\n```python\nprint('hi')\n```")
    await bot.tg.send_message(ALICE.id, "format please", user=ALICE)
    [message] = await bot.tg.wait_for_bot_messages(ALICE.id, 1)
    assert "**" not in (message.text or "") and "```" not in (message.text or "")
    kinds = dict(message.entity_texts())
    assert kinds["bold"] == "bold"
    assert kinds["italic"] == "italic"
    assert kinds["code"] == "code"
    assert kinds["pre"] == "print('hi')"


async def test_broken_markdown_is_never_lost(bot: Running) -> None:
    await bot.llm.script(PRIMARY, "Unclosed **bold and `code and [a link](http://")
    await bot.tg.send_message(ALICE.id, "break it", user=ALICE)
    [message] = await bot.tg.wait_for_bot_messages(ALICE.id, 1)
    assert message.text is not None and "Unclosed" in message.text


async def test_formatting_telegram_still_refuses_falls_back_to_plain_text(bot: Running) -> None:
    await bot.llm.script(PRIMARY, "Some **bold** words")
    await bot.tg.refuse_entities(times=100)
    await bot.tg.send_message(ALICE.id, "hi", user=ALICE)
    [message] = await bot.tg.wait_for_bot_messages(ALICE.id, 1)
    assert message.text == "Some bold words"
    assert message.entities == []


async def test_long_answers_are_split_in_order_with_valid_formatting(bot: Running, clean_db: AsyncEngine) -> None:
    paragraphs = [f"Paragraph {i}: " + "**important** text " * 40 for i in range(20)]
    code = "```\n" + "\n".join(f"line {i}" for i in range(400)) + "\n```"
    await bot.llm.script(PRIMARY, "\n\n".join(paragraphs) + "\n\n" + code)
    await bot.tg.send_message(ALICE.id, "write a lot", user=ALICE)
    # The answer is recorded once its last part was delivered.
    await eventually(lambda: _count(clean_db, "SELECT count(*) FROM messages WHERE direction = 'out'", 1), 30)
    messages = await bot.tg.bot_messages(ALICE.id)
    assert len(messages) >= 5
    texts = [m.text or "" for m in messages]
    assert all(len(t.encode("utf-16-le")) // 2 <= 4096 for t in texts)
    joined = "".join(texts)
    assert joined.index("Paragraph 0:") < joined.index("Paragraph 19:") < joined.index("line 399")
    assert all(any(kind == "bold" for kind, _ in m.entity_texts()) for m in messages if "important" in (m.text or ""))
    code_parts = [m for m in messages if "line 3" in (m.text or "")]
    assert all(any(kind == "pre" for kind, _ in m.entity_texts()) for m in code_parts)


async def test_both_messages_are_stored(bot: Running, clean_db: AsyncEngine) -> None:
    await bot.tg.send_message(ALICE.id, "store me", user=ALICE)
    await bot.tg.wait_for_bot_messages(ALICE.id, 1)
    await eventually(lambda: _count(clean_db, "SELECT count(*) FROM messages", 2))
    stored = await rows(clean_db, "SELECT direction, text, model FROM messages ORDER BY created_at")
    assert [(r[0], r[1]) for r in stored] == [("in", "store me"), ("out", "Echo: store me [messages: 2]")]
    assert stored[1][2] == PRIMARY
    assert await scalar(clean_db, "SELECT count(*) FROM inbox WHERE done_at IS NULL") == 0


async def _count(engine: AsyncEngine, sql: str, expected: int) -> bool:
    return bool(await scalar(engine, sql) == expected)
