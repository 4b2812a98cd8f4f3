"""The displays that show an answer while it is written, against the fake Telegram over real HTTP."""

from __future__ import annotations

import pytest

from actors.telegram.courier import Courier
from actors.telegram.formatting import FormattedText
from actors.telegram.streaming import DraftDisplay, EditDisplay
from tests.fakes.telegram import FakeTelegram, User

pytestmark = pytest.mark.anyio

GROUP = -100999
ALICE = 1001


async def test_a_preview_deleted_before_the_final_edit_comes_back_as_a_new_message(
    tg: FakeTelegram, courier: Courier
) -> None:
    await tg.send_message(GROUP, "question", user=User(id=5), chat_type="group")
    [question] = await tg.messages(GROUP)
    display = EditDisplay(courier, GROUP, reply_to=question.message_id, thread_id=None)
    await display.show("The answer so far")
    [preview] = await tg.bot_messages(GROUP)
    await tg.delete_message(GROUP, preview.message_id)
    ids = await display.finish([FormattedText("The whole answer, part one", ()), FormattedText("part two", ())])
    first, second = await tg.bot_messages(GROUP)
    assert ids == [first.message_id, second.message_id]
    assert (first.text, second.text) == ("The whole answer, part one", "part two")
    assert first.reply_to_message_id == question.message_id, "still an answer to the question"


async def test_a_preview_that_fails_is_skipped_and_the_answer_still_arrives(tg: FakeTelegram, courier: Courier) -> None:
    display = EditDisplay(courier, GROUP, reply_to=None, thread_id=None)
    await display.show("first words")
    await tg.fail_next("editMessageText", 1, status=400, description="Bad Request: something odd")
    await display.show("first words and more")
    ids = await display.finish([FormattedText("the answer", ())])
    [message] = await tg.bot_messages(GROUP)
    assert ids == [message.message_id] and message.text == "the answer"


async def test_a_draft_refused_once_switches_only_this_answer_to_edits(tg: FakeTelegram, courier: Courier) -> None:
    await tg.fail_next("sendMessageDraft", 1, status=400, description="Bad Request: text is too long")
    display = DraftDisplay(courier, ALICE, 7, reply_to=None, thread_id=None)
    await display.show("partial")
    assert not display.drafts_refused, "drafts still work in this chat"
    await display.finish([FormattedText("done", ())])
    [message] = await tg.bot_messages(ALICE)
    assert (message.text, message.edit_count) == ("done", 1), "shown by a message, edited into the answer"


async def test_drafts_unavailable_in_a_chat_are_remembered(tg: FakeTelegram, courier: Courier) -> None:
    await tg.refuse_drafts(ALICE)
    display = DraftDisplay(courier, ALICE, 7, reply_to=None, thread_id=None)
    await display.show("partial")
    assert display.drafts_refused
