"""Updates reach a real aiogram bot the way Telegram delivers them: long polling, offsets, allowed_updates."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator

import pytest
from aiogram import Bot, Dispatcher, F
from aiogram.exceptions import TelegramConflictError, TelegramForbiddenError
from aiogram.types import CallbackQuery, InlineKeyboardButton, InlineKeyboardMarkup, Message, MessageGenerationStopped

from tests.fakes.telegram import BOT_USERNAME, FakeTelegram, User
from tests.fakes.telegram.aiogram_bot import make_bot

pytestmark = pytest.mark.anyio

ALICE = 1001
GROUP = -1001234567890


@pytest.fixture
async def tg() -> AsyncIterator[FakeTelegram]:
    async with FakeTelegram() as fake:
        yield fake


@pytest.fixture
async def bot(tg: FakeTelegram) -> AsyncIterator[Bot]:
    bot = make_bot(tg.url)
    yield bot
    await bot.session.close()


async def test_an_update_arriving_during_a_long_poll_is_returned_at_once(tg: FakeTelegram, bot: Bot) -> None:
    poll = asyncio.create_task(bot.get_updates(timeout=30))
    await tg.wait_for_polling()
    await tg.send_message(ALICE, "hello")
    # Far less than the poll's 30 s: the poll must answer as soon as the update exists.
    [update] = await asyncio.wait_for(poll, 5)
    assert update.message is not None
    assert update.message.text == "hello"
    assert update.message.chat.type == "private"


async def test_a_long_poll_with_nothing_to_deliver_answers_an_empty_list(bot: Bot) -> None:
    assert await bot.get_updates(timeout=1) == []


async def test_unconfirmed_updates_come_again_and_confirmed_ones_never(tg: FakeTelegram, bot: Bot) -> None:
    first = await tg.send_message(ALICE, "one")
    second = await tg.send_message(ALICE, "two")
    assert [u.update_id for u in await bot.get_updates()] == [first, second]
    assert [u.update_id for u in await bot.get_updates()] == [first, second]
    assert [u.update_id for u in await bot.get_updates(offset=first + 1)] == [second]
    assert await bot.get_updates(offset=second + 1, timeout=0) == []
    assert await bot.get_updates(timeout=0) == []
    assert await tg.pending_updates() == []
    offsets = [call.params.get("offset") for call in await tg.calls("getUpdates")]
    assert offsets == [None, None, first + 1, second + 1, None]


async def test_limit_caps_how_many_updates_one_poll_returns(tg: FakeTelegram, bot: Bot) -> None:
    ids = [await tg.send_message(ALICE, f"m{i}") for i in range(3)]
    assert [u.update_id for u in await bot.get_updates(limit=2)] == ids[:2]


async def test_allowed_updates_are_remembered_between_polls(tg: FakeTelegram, bot: Bot) -> None:
    keyboard = InlineKeyboardMarkup(inline_keyboard=[[InlineKeyboardButton(text="Go", callback_data="go")]])
    sent = await bot.send_message(ALICE, "press", reply_markup=keyboard)
    assert await bot.get_updates(allowed_updates=["callback_query"], timeout=0) == []
    await tg.send_message(ALICE, "filtered out")
    await tg.press_button(ALICE, sent.message_id, "go")
    [update] = await bot.get_updates(timeout=0)  # no allowed_updates: the last setting holds
    assert update.callback_query is not None
    assert update.callback_query.data == "go"
    await bot.get_updates(offset=update.update_id + 1, allowed_updates=[], timeout=0)
    await tg.send_message(ALICE, "back to defaults")
    [message] = await bot.get_updates(timeout=0)
    assert message.message is not None


async def test_a_second_poller_terminates_the_first_with_conflict(tg: FakeTelegram, bot: Bot) -> None:
    first = asyncio.create_task(bot.get_updates(timeout=30))
    await tg.wait_for_polling()
    second = asyncio.create_task(bot.get_updates(timeout=30))
    with pytest.raises(TelegramConflictError, match="terminated by other getUpdates request"):
        await asyncio.wait_for(first, 5)
    await tg.send_message(ALICE, "for the survivor")
    assert len(await asyncio.wait_for(second, 5)) == 1


async def test_a_dispatcher_answers_messages_buttons_and_stops(tg: FakeTelegram, bot: Bot) -> None:
    dispatcher = Dispatcher()
    stopped: asyncio.Queue[MessageGenerationStopped] = asyncio.Queue()

    @dispatcher.message(F.text)
    async def echo(message: Message) -> None:
        keyboard = InlineKeyboardMarkup(inline_keyboard=[[InlineKeyboardButton(text="Again", callback_data="again")]])
        await message.answer(f"You said: {message.text}", reply_markup=keyboard)

    @dispatcher.callback_query(F.data == "again")
    async def again(query: CallbackQuery) -> None:
        await query.answer("Once more")

    @dispatcher.stopped_message_generation()
    async def on_stop(event: MessageGenerationStopped) -> None:
        await stopped.put(event)

    polling = asyncio.create_task(dispatcher.start_polling(bot, handle_signals=False, close_bot_session=False))
    try:
        await tg.send_message(ALICE, "hi")
        [reply] = await tg.wait_for_bot_messages(ALICE)
        assert reply.text == "You said: hi"
        await tg.press_button(ALICE, reply.message_id, "again")
        [answer] = await tg.wait_for_callback_answers()
        assert answer.text == "Once more"
        await bot.send_message_draft(chat_id=ALICE, draft_id=7, text="thinking", can_stop=True)
        await tg.press_stop(ALICE, 7)
        event = await asyncio.wait_for(stopped.get(), 5)
        assert (event.chat.id, event.draft_id) == (ALICE, 7)
        await tg.wait_for_no_pending_updates()
    finally:
        await dispatcher.stop_polling()
        await polling


async def test_a_group_message_can_mention_the_bot(tg: FakeTelegram, bot: Bot) -> None:
    bob = User(id=2002, first_name="Bob", username="bob")
    await tg.send_message(GROUP, "what is 2+2?", user=bob, title="Friends", mention_bot=True)
    [update] = await bot.get_updates()
    message = update.message
    assert message is not None and message.text is not None and message.entities is not None
    assert message.chat.type == "supergroup" and message.chat.title == "Friends"
    assert message.from_user is not None and message.from_user.id == bob.id
    assert message.entities[0].type == "mention"
    assert message.entities[0].extract_from(message.text) == f"@{BOT_USERNAME}"


@pytest.mark.parametrize("kind", ["sticker", "photo", "voice", "document", "video", "location"])
async def test_media_messages_parse_in_aiogram(tg: FakeTelegram, bot: Bot, kind: str) -> None:
    await tg.send_message(ALICE, kind=kind, caption="look" if kind != "sticker" else None)  # type: ignore[arg-type]
    [update] = await bot.get_updates()
    assert update.message is not None
    assert update.message.content_type == kind


async def test_message_ids_grow_per_chat_across_user_and_bot(tg: FakeTelegram, bot: Bot) -> None:
    await tg.send_message(ALICE, "one")
    sent = await bot.send_message(ALICE, "two")
    await tg.send_message(ALICE, "three", reply_to_message_id=sent.message_id)
    history = await tg.messages(ALICE)
    assert [(m.message_id, m.from_bot, m.text) for m in history] == [
        (1, False, "one"),
        (2, True, "two"),
        (3, False, "three"),
    ]
    assert history[2].reply_to_message_id == sent.message_id


async def test_edits_channel_posts_and_raw_updates_reach_the_bot(tg: FakeTelegram, bot: Bot) -> None:
    await tg.send_message(ALICE, "typo")
    await tg.edit_user_message(ALICE, 1, "fixed")
    await tg.send_channel_post(-1009876543210, "news", title="Daily")
    raw_id = await tg.send_raw_update({"message": {"message_id": 99, "date": 0, "chat": {"id": 5, "type": "private"}}})
    original, edited, post, raw = await bot.get_updates()
    assert original.message is not None and original.message.text == "typo"
    assert edited.edited_message is not None and edited.edited_message.text == "fixed"
    assert edited.edited_message.edit_date is not None
    assert post.channel_post is not None and post.channel_post.chat.title == "Daily"
    assert raw.update_id == raw_id and raw.message is not None


async def test_a_user_blocking_the_bot_is_announced_and_then_refused(tg: FakeTelegram, bot: Bot) -> None:
    await tg.send_message(ALICE, "bye")
    await tg.block_bot(ALICE)
    updates = await bot.get_updates()
    member = updates[-1].my_chat_member
    assert member is not None and member.new_chat_member.status == "kicked"
    with pytest.raises(TelegramForbiddenError, match="bot was blocked by the user"):
        await bot.send_message(ALICE, "are you there?")
    await tg.unblock_bot(ALICE)
    assert (await bot.send_message(ALICE, "welcome back")).text == "welcome back"
