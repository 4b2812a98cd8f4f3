"""The bot's aiogram session: JSON bodies for requests without files, multipart for uploads."""

from __future__ import annotations

from collections.abc import AsyncIterator

import orjson
import pytest
from aiogram import Bot
from aiogram.exceptions import TelegramBadRequest, TelegramNotFound, TelegramRetryAfter
from aiogram.methods import SendDocument, SendMessage, SendMessageDraft
from aiogram.types import BufferedInputFile, MessageEntity, ReplyParameters

from actors.telegram.session import JsonSession
from tests.fakes.telegram import FakeTelegram
from tests.fakes.telegram.aiogram_bot import make_bot

pytestmark = pytest.mark.anyio

ALICE = 1001


@pytest.fixture
async def bot(tg: FakeTelegram) -> AsyncIterator[Bot]:
    bot = make_bot(tg.url, tg.token, json=True)
    yield bot
    await bot.session.close()


def body(bot: Bot, method: object) -> dict[str, object] | None:
    session = bot.session
    assert isinstance(session, JsonSession)
    raw = session.build_json(bot, method)  # type: ignore[arg-type]
    return None if raw is None else orjson.loads(raw)


async def test_a_message_is_one_json_object_with_what_aiogram_would_send(bot: Bot) -> None:
    method = SendMessage(
        chat_id=ALICE,
        text="Привет, **мир**",
        entities=[MessageEntity(type="bold", offset=8, length=3)],
        reply_parameters=ReplyParameters(message_id=5, allow_sending_without_reply=True),
        parse_mode=None,
        disable_notification=False,
    )
    assert body(bot, method) == {
        "chat_id": ALICE,
        "text": "Привет, **мир**",
        "entities": [{"type": "bold", "offset": 8, "length": 3}],
        "reply_parameters": {"message_id": 5, "allow_sending_without_reply": True},
        "disable_notification": False,
    }


async def test_an_empty_draft_text_is_left_out_as_aiogram_leaves_it_out(bot: Bot) -> None:
    assert body(bot, SendMessageDraft(chat_id=ALICE, draft_id=3, text="", can_stop=True)) == {
        "chat_id": ALICE,
        "draft_id": 3,
        "can_stop": True,
    }


async def test_an_upload_goes_as_multipart(tg: FakeTelegram, bot: Bot) -> None:
    document = BufferedInputFile(b"hello", filename="notes.txt")
    assert body(bot, SendDocument(chat_id=ALICE, document=document)) is None
    with pytest.raises(TelegramNotFound):  # the fake keeps no documents, but it reads the request
        await bot(SendDocument(chat_id=ALICE, document=document, caption="the notes"))
    [call] = await tg.calls("sendDocument")
    assert call.params["caption"] == "the notes"
    assert "attach://notes.txt" in call.params.values(), "the file went as a part of a multipart body"


async def test_answers_and_errors_come_back_as_aiogram_reads_them(tg: FakeTelegram, bot: Bot) -> None:
    sent = await bot.send_message(ALICE, "over JSON")
    [message] = await tg.bot_messages(ALICE)
    assert (sent.message_id, message.text) == (message.message_id, "over JSON")
    await tg.fail_next("sendMessage", status=429, retry_after=7)
    with pytest.raises(TelegramRetryAfter) as caught:
        await bot.send_message(ALICE, "again")
    assert caught.value.retry_after == 7
    with pytest.raises(TelegramBadRequest, match="can't parse entities"):
        await bot.send_message(ALICE, "<b>broken", parse_mode="HTML")
