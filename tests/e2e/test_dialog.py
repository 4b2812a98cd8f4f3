"""A user talks to the bot in a private chat: answers with context, streamed, recorded."""

from __future__ import annotations

import pytest
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine

from tests.e2e.harness import PRIMARY, Running
from tests.fakes.telegram import User

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
