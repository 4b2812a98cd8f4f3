"""One control interface, three ways: in-process, over HTTP to an in-process fake, and a separate process."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from urllib.parse import urlsplit

import pytest
from aiogram import Bot
from aiogram.exceptions import TelegramNetworkError, TelegramRetryAfter
from aiogram.types import InlineKeyboardButton, InlineKeyboardMarkup

from tests.fakes.telegram import (
    ButtonNotFound,
    FakeTelegram,
    FakeTelegramClient,
    FakeTelegramProcess,
    FakeTimeout,
    TelegramControl,
    User,
)
from tests.fakes.telegram.aiogram_bot import make_bot

pytestmark = pytest.mark.anyio

ALICE = 1001


@pytest.fixture(scope="module")
def anyio_backend() -> str:
    """Module scope, so one fake process can serve every test here."""
    return "asyncio"


@pytest.fixture(scope="module")
async def fake_process() -> AsyncIterator[FakeTelegramClient]:
    async with FakeTelegramProcess() as client:
        yield client


@pytest.fixture(params=["in_process", "over_http", "subprocess"])
async def tg(request: pytest.FixtureRequest, fake_process: FakeTelegramClient) -> AsyncIterator[TelegramControl]:
    if request.param == "subprocess":
        await fake_process.reset()
        yield fake_process
        return
    async with FakeTelegram(control_port=0) as fake:
        if request.param == "in_process":
            yield fake
        else:
            async with FakeTelegramClient(fake.url, control_url=fake.control_url) as client:
                yield client


@pytest.fixture
async def bot(tg: TelegramControl) -> AsyncIterator[Bot]:
    bot = make_bot(tg.url, tg.token)
    yield bot
    await bot.session.close()


async def test_a_conversation_reads_the_same_through_every_interface(tg: TelegramControl, bot: Bot) -> None:
    carol = User(id=ALICE, first_name="Carol", username=None, language_code="de")
    update_id = await tg.send_message(ALICE, "hello", user=carol)
    [update] = await bot.get_updates()
    assert update.update_id == update_id
    assert update.message is not None and update.message.from_user is not None
    assert update.message.from_user.language_code == "de"

    buttons = InlineKeyboardMarkup(inline_keyboard=[[InlineKeyboardButton(text="More", callback_data="more")]])
    await bot.send_message(ALICE, "<b>Hi</b> Carol", parse_mode="HTML", reply_markup=buttons)
    [reply] = await tg.wait_for_bot_messages(ALICE)
    assert reply.entity_texts() == [("bold", "Hi")]
    assert [m.text for m in await tg.messages(ALICE)] == ["hello", "Hi Carol"]

    await tg.press_button(ALICE, reply.message_id, "more")
    [pressed] = await bot.get_updates(offset=update_id + 1)
    assert pressed.callback_query is not None
    await bot.answer_callback_query(pressed.callback_query.id, text="ok")
    assert [a.text for a in await tg.wait_for_callback_answers()] == ["ok"]
    with pytest.raises(ButtonNotFound):
        await tg.press_button(ALICE, reply.message_id, "missing")

    await bot.edit_message_text("Bye", chat_id=ALICE, message_id=reply.message_id)
    edited = await tg.wait_for_edits(ALICE, reply.message_id)
    assert [state.text for state in edited.history] == ["Hi Carol", "Bye"]
    await bot.send_message_draft(chat_id=ALICE, draft_id=9, text="streaming", can_stop=True)
    [draft] = await tg.wait_for_drafts(ALICE)
    assert (draft.text, draft.can_stop) == ("streaming", True)
    calls = await tg.calls(chat_id=ALICE)
    assert [call.method for call in calls] == ["sendMessage", "editMessageText", "sendMessageDraft"]
    assert calls[0].params["chat_id"] == ALICE and calls[0].status == 200


async def test_waits_time_out_with_what_was_expected_and_found(tg: TelegramControl) -> None:
    with pytest.raises(FakeTimeout, match=r"expected 1 bot message\(s\) in chat 1001, found 0"):
        await tg.wait_for_bot_messages(ALICE, timeout=0.1)


async def test_faults_and_outages_work_through_every_interface(tg: TelegramControl, bot: Bot) -> None:
    await tg.fail_next("sendMessage", status=429, retry_after=3)
    with pytest.raises(TelegramRetryAfter, match="retry after 3"):
        await bot.send_message(ALICE, "x")
    await tg.go_down()
    with pytest.raises(TelegramNetworkError):
        await bot.get_me()
    await tg.come_up()
    assert (await bot.get_me()).username == "assistant_test_bot"


async def test_a_killed_pollers_unconfirmed_update_goes_to_the_next_bot(tg: TelegramControl) -> None:
    crashed = make_bot(tg.url, tg.token)
    poll = asyncio.create_task(crashed.get_updates(timeout=30))
    await tg.wait_for_polling()
    update_id = await tg.send_message(ALICE, "did anyone get this?")
    await poll  # delivered, but never confirmed: the bot dies before its next getUpdates
    await crashed.session.close()
    restarted = make_bot(tg.url, tg.token)
    try:
        [again] = await restarted.get_updates()
        assert again.update_id == update_id
    finally:
        await restarted.session.close()


async def test_reset_forgets_everything(tg: TelegramControl, bot: Bot) -> None:
    await tg.send_message(ALICE, "old")
    await bot.send_message(ALICE, "old reply")
    await tg.go_down()
    await tg.reset()
    assert await tg.messages(ALICE) == []
    assert await tg.pending_updates() == []
    assert await tg.calls() == []
    assert (await bot.send_message(ALICE, "fresh")).message_id == 1  # and it is up again


async def test_the_subprocess_writes_its_port_file_and_exits_cleanly_on_sigterm() -> None:
    fake = FakeTelegramProcess()
    client = await fake.start()
    assert int(fake.port_file.read_text()) == urlsplit(client.url).port
    assert int(fake.control_port_file.read_text()) == urlsplit(client.control_url).port
    assert await client.pending_updates() == []
    assert await fake.stop() == 0
