"""What a real aiogram bot sees when it sends, edits, deletes and streams drafts through the fake."""

from __future__ import annotations

from collections.abc import AsyncIterator

import httpx
import pytest
from aiogram import Bot
from aiogram.exceptions import TelegramBadRequest, TelegramNotFound
from aiogram.methods import SendRichMessage
from aiogram.types import (
    BotCommand,
    BotCommandScopeAllGroupChats,
    InlineKeyboardButton,
    InlineKeyboardMarkup,
    InputRichMessage,
    MessageEntity,
)

from tests.fakes.telegram import ButtonNotFound, FakeTelegram, StopButtonNotShown
from tests.fakes.telegram.aiogram_bot import make_bot

pytestmark = pytest.mark.anyio

ALICE = 1001
GROUP = -1001234567890


@pytest.fixture
async def tg() -> AsyncIterator[FakeTelegram]:
    async with FakeTelegram() as fake:
        yield fake


@pytest.fixture(params=["multipart", "json"])
async def bot(tg: FakeTelegram, request: pytest.FixtureRequest) -> AsyncIterator[Bot]:
    """aiogram's own multipart bodies, and the JSON bodies of the bot's session: the fake takes both alike."""
    bot = make_bot(tg.url, json=request.param == "json")
    yield bot
    await bot.session.close()


def keyboard(*data: str) -> InlineKeyboardMarkup:
    return InlineKeyboardMarkup(inline_keyboard=[[InlineKeyboardButton(text=d, callback_data=d) for d in data]])


async def test_a_sent_message_comes_back_from_the_bot_and_is_stored_as_seen(tg: FakeTelegram, bot: Bot) -> None:
    sent = await bot.send_message(ALICE, "<b>Hi</b> <i>there</i>", parse_mode="HTML", reply_markup=keyboard("ok"))
    assert sent.from_user is not None and sent.from_user.is_bot and sent.from_user.id == bot.id
    assert sent.text == "Hi there"
    assert sent.reply_markup is not None
    [stored] = await tg.bot_messages(ALICE)
    assert stored.entity_texts() == [("bold", "Hi"), ("italic", "there")]
    assert stored.callback_data() == ["ok"]


async def test_the_4096_limit_counts_utf16_code_units(bot: Bot) -> None:
    assert await bot.send_message(ALICE, "😀" * 2048)  # 2048 characters, 4096 code units: at the limit
    with pytest.raises(TelegramBadRequest, match="message is too long"):
        await bot.send_message(ALICE, "😀" * 2049)  # only 2049 characters, but 4098 code units


async def test_blank_text_is_refused(bot: Bot) -> None:
    with pytest.raises(TelegramBadRequest, match="message text is empty"):
        await bot.send_message(ALICE, " \n ")


async def test_broken_formatting_is_refused_and_nothing_is_shown(tg: FakeTelegram, bot: Bot) -> None:
    with pytest.raises(TelegramBadRequest, match="can't parse entities"):
        await bot.send_message(ALICE, "Total: 1.5", parse_mode="MarkdownV2")
    with pytest.raises(TelegramBadRequest, match="can't parse entities"):
        await bot.send_message(ALICE, "<b>bold", parse_mode="HTML")
    overlapping = [MessageEntity(type="bold", offset=0, length=4), MessageEntity(type="italic", offset=2, length=4)]
    with pytest.raises(TelegramBadRequest, match="can't parse entities"):
        await bot.send_message(ALICE, "abcdefgh", entities=overlapping)
    assert await tg.messages(ALICE) == []


async def test_editing_with_the_same_content_is_not_modified(tg: FakeTelegram, bot: Bot) -> None:
    sent = await bot.send_message(ALICE, "draft", reply_markup=keyboard("a"))
    await bot.edit_message_text("final", chat_id=ALICE, message_id=sent.message_id, reply_markup=keyboard("a"))
    with pytest.raises(TelegramBadRequest, match="message is not modified"):
        await bot.edit_message_text("final", chat_id=ALICE, message_id=sent.message_id, reply_markup=keyboard("a"))
    [stored] = await tg.bot_messages(ALICE)
    assert [state.text for state in stored.history] == ["draft", "final"]
    assert stored.edit_count == 1


async def test_an_edit_without_reply_markup_removes_the_keyboard(tg: FakeTelegram, bot: Bot) -> None:
    sent = await bot.send_message(ALICE, "choose", reply_markup=keyboard("x"))
    edited = await bot.edit_message_text("chosen", chat_id=ALICE, message_id=sent.message_id)
    assert not isinstance(edited, bool) and edited.reply_markup is None
    with pytest.raises(ButtonNotFound):
        await tg.press_button(ALICE, sent.message_id, "x")


async def test_only_existing_bot_messages_can_be_edited(tg: FakeTelegram, bot: Bot) -> None:
    with pytest.raises(TelegramBadRequest, match="chat not found"):
        await bot.edit_message_text("x", chat_id=ALICE, message_id=42)
    await tg.send_message(ALICE, "mine")
    with pytest.raises(TelegramBadRequest, match="message to edit not found"):
        await bot.edit_message_text("x", chat_id=ALICE, message_id=42)
    with pytest.raises(TelegramBadRequest, match="message can't be edited"):
        await bot.edit_message_text("yours", chat_id=ALICE, message_id=1)


async def test_reply_markup_edits_and_deletes(tg: FakeTelegram, bot: Bot) -> None:
    sent = await bot.send_message(ALICE, "menu", reply_markup=keyboard("a"))
    await bot.edit_message_reply_markup(chat_id=ALICE, message_id=sent.message_id, reply_markup=keyboard("a", "b"))
    with pytest.raises(TelegramBadRequest, match="message is not modified"):
        await bot.edit_message_reply_markup(chat_id=ALICE, message_id=sent.message_id, reply_markup=keyboard("a", "b"))
    [stored] = await tg.bot_messages(ALICE)
    assert stored.callback_data() == ["a", "b"]
    assert await bot.delete_message(ALICE, sent.message_id)
    assert await tg.messages(ALICE) == []
    with pytest.raises(TelegramBadRequest, match="message to delete not found"):
        await bot.delete_message(ALICE, sent.message_id)


async def test_drafts_stream_in_private_chats_until_a_message_replaces_them(tg: FakeTelegram, bot: Bot) -> None:
    assert await bot.send_message_draft(chat_id=ALICE, draft_id=1, text="")  # "Thinking…"
    await bot.send_message_draft(chat_id=ALICE, draft_id=1, text="Hel", can_stop=True)
    await bot.send_message_draft(chat_id=ALICE, draft_id=1, text="<b>Hello</b>", parse_mode="HTML")
    drafts = await tg.drafts(ALICE)
    assert [(d.text, d.can_stop) for d in drafts] == [("", False), ("Hel", True), ("Hello", False)]
    assert drafts[2].entities == [{"type": "bold", "offset": 0, "length": 5}]
    assert (await tg.current_draft(ALICE)) == drafts[2]
    await bot.send_message(ALICE, "Hello")
    assert await tg.current_draft(ALICE) is None


async def test_drafts_are_refused_outside_private_chats_and_when_asked(tg: FakeTelegram, bot: Bot) -> None:
    with pytest.raises(TelegramBadRequest, match="available only in private chats"):
        await bot.send_message_draft(chat_id=GROUP, draft_id=1, text="hi")
    with pytest.raises(TelegramBadRequest, match="non-zero"):
        await bot.send_message_draft(chat_id=ALICE, draft_id=0, text="hi")
    await tg.refuse_drafts(ALICE)
    with pytest.raises(TelegramBadRequest, match="not available for this chat"):
        await bot.send_message_draft(chat_id=ALICE, draft_id=1, text="hi")
    assert await tg.drafts(ALICE) == []


async def test_the_stop_button_exists_only_on_a_stoppable_draft(tg: FakeTelegram, bot: Bot) -> None:
    await bot.send_message_draft(chat_id=ALICE, draft_id=3, text="no stop button")
    with pytest.raises(StopButtonNotShown):
        await tg.press_stop(ALICE, 3)


async def test_commands_are_kept_per_scope_and_language(tg: FakeTelegram, bot: Bot) -> None:
    await bot.set_my_commands([BotCommand(command="start", description="Start")])
    groups = BotCommandScopeAllGroupChats()
    await bot.set_my_commands([BotCommand(command="ask", description="Ask")], scope=groups, language_code="de")
    assert [c.command for c in await bot.get_my_commands()] == ["start"]
    assert [c.command for c in await bot.get_my_commands(scope=groups, language_code="de")] == ["ask"]
    assert {(c.scope["type"], c.language_code) for c in await tg.commands()} == {
        ("default", ""),
        ("all_group_chats", "de"),
    }
    with pytest.raises(TelegramBadRequest, match="BOT_COMMAND_INVALID"):
        await bot.set_my_commands([BotCommand(command="Bad Command", description="x")])
    await bot.delete_my_commands()
    assert await bot.get_my_commands() == []


async def test_chat_actions_menu_button_and_get_chat(tg: FakeTelegram, bot: Bot) -> None:
    await tg.send_message(ALICE, "hi")
    assert await bot.send_chat_action(ALICE, "typing")
    with pytest.raises(TelegramBadRequest, match="wrong parameter action"):
        await bot.send_chat_action(ALICE, "dancing")
    assert await bot.set_chat_menu_button()
    chat = await bot.get_chat(ALICE)
    assert (chat.id, chat.type, chat.first_name) == (ALICE, "private", "Alice")
    with pytest.raises(TelegramBadRequest, match="chat not found"):
        await bot.get_chat(424242)
    actions = await tg.calls("sendChatAction", chat_id=ALICE)
    assert [(call.params["action"], call.status) for call in actions] == [("typing", 200), ("dancing", 400)]


async def test_unknown_methods_answer_404_like_telegram(bot: Bot) -> None:
    with pytest.raises(TelegramNotFound, match="Not Found"):
        await bot(SendRichMessage(chat_id=ALICE, rich_message=InputRichMessage(markdown="**rich**")))


async def test_json_and_query_string_requests_get_telegram_shaped_answers(tg: FakeTelegram) -> None:
    async with httpx.AsyncClient(base_url=f"{tg.url}/bot{tg.token}/") as http:
        ok = await http.post("sendMessage", json={"chat_id": ALICE, "text": "via json"})
        assert ok.status_code == 200
        assert ok.json()["ok"] is True and ok.json()["result"]["text"] == "via json"
        by_query = await http.get("sendMessage", params={"chat_id": ALICE, "text": "via query"})
        assert by_query.json()["result"]["message_id"] == 2
        refused = await http.post("sendMessage", json={"chat_id": ALICE, "text": ""})
        assert refused.status_code == 400
        assert refused.json() == {"ok": False, "error_code": 400, "description": "Bad Request: message text is empty"}
        unauthorized = await http.post(f"{tg.url}/botnot-a-token/getMe")
        assert unauthorized.status_code == 401 and unauthorized.json()["error_code"] == 401
