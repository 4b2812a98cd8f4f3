"""The displays that show an answer while it is written, against the fake Telegram over real HTTP."""

from __future__ import annotations

import anyio
import pytest

from actors.telegram.courier import Courier
from actors.telegram.draft_budget import DraftBudget
from actors.telegram.formatting import FormattedText
from actors.telegram.streaming import DraftDisplay, EditDisplay, LiveText
from tests.fakes.telegram import FakeTelegram, User
from tests.support.waiting import eventually

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


async def test_a_crowded_draft_budget_never_holds_back_the_first_draft(tg: FakeTelegram, courier: Courier) -> None:
    budget = DraftBudget(per_second=1)
    for _ in range(99):
        budget.first()  # 99 other answers streaming: a later draft would wait 100 s
    live = LiveText(DraftDisplay(courier, ALICE, 7, reply_to=None, thread_id=None), 0.05, budget)
    async with anyio.create_task_group() as painter:
        painter.start_soon(live.paint)
        live.append("Hello")
        [draft] = await eventually(lambda: tg.drafts(ALICE), timeout=5)
        assert draft.text == "Hello"
        await eventually(lambda: budget.streaming == 100, timeout=5, message="the answer shares the budget")
        live.append(", world")
        assert budget.spacing(0.05) == 100.0
        live.stop()
    assert budget.streaming == 99, "an answer that ended leaves the budget to the others"
    assert [d.text for d in await tg.drafts(ALICE)] == ["Hello"], "the later draft waited for its share"


async def test_an_answer_streamed_by_edits_leaves_the_draft_budget(tg: FakeTelegram, courier: Courier) -> None:
    await tg.refuse_drafts(ALICE)
    budget = DraftBudget(per_second=100)
    live = LiveText(DraftDisplay(courier, ALICE, 7, reply_to=None, thread_id=None), 0.05, budget)
    async with anyio.create_task_group() as painter:
        painter.start_soon(live.paint)
        live.append("Hello")
        await eventually(lambda: tg.bot_messages(ALICE), timeout=5)
        await eventually(lambda: budget.streaming == 0, timeout=5)
        live.stop()
    assert budget.streaming == 0
