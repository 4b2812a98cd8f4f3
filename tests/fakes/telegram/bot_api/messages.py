"""sendMessage, editMessageText, editMessageReplyMarkup, deleteMessage and sendMessageDraft."""

from __future__ import annotations

import copy
import time
from typing import Any

from tests.fakes.telegram.bot_api.common import (
    BotContext,
    admit_send,
    chat_for_sending,
    formatted_text,
    known_chat,
    reply_markup,
)
from tests.fakes.telegram.errors import bad_request
from tests.fakes.telegram.formatting import FormattedText
from tests.fakes.telegram.models import DraftEvent, Edit, SentMessage
from tests.fakes.telegram.params import Params
from tests.fakes.telegram.state import BotState, ChatRecord

NOT_MODIFIED = (
    "message is not modified: specified new message content and reply markup are exactly the same "
    "as a current content and reply markup of the message"
)


def quoted(message: SentMessage) -> dict[str, Any]:
    """A message as it appears inside another's ``reply_to_message`` (Telegram does not nest further)."""
    raw = copy.deepcopy(message.raw)
    raw.pop("reply_to_message", None)
    return raw


def _reply_target(chat: ChatRecord, params: Params) -> SentMessage | None:
    reply = params.json("reply_parameters")
    if isinstance(reply, dict):
        message_id, lenient = reply.get("message_id"), bool(reply.get("allow_sending_without_reply"))
    else:
        message_id, lenient = params.integer("reply_to_message_id"), params.flag("allow_sending_without_reply")
    if message_id is None:
        return None
    target = chat.messages.get(int(message_id))
    if target is None and not lenient:
        raise bad_request("message to be replied not found")
    return target


def _inline(markup: dict[str, Any] | None) -> dict[str, Any] | None:
    return markup if markup is not None and "inline_keyboard" in markup else None


def _store_bot_message(
    state: BotState,
    chat: ChatRecord,
    formatted: FormattedText,
    markup: dict[str, Any] | None,
    reply_to: SentMessage | None,
    thread_id: int | None,
) -> SentMessage:
    message_id, now = chat.take_message_id(), int(time.time())
    raw: dict[str, Any] = {
        "message_id": message_id,
        "from": state.bot_user.to_api(),
        "chat": chat.payload,
        "date": now,
        "text": formatted.text,
    }
    if formatted.entities:
        raw["entities"] = formatted.entities
    if _inline(markup) is not None:
        raw["reply_markup"] = markup
    if reply_to is not None:
        raw["reply_to_message"] = quoted(reply_to)
    if thread_id is not None:
        raw["message_thread_id"] = thread_id
    message = SentMessage(
        chat_id=chat.id,
        message_id=message_id,
        from_bot=True,
        kind="text",
        text=formatted.text,
        entities=formatted.entities,
        reply_markup=markup,
        reply_to_message_id=None if reply_to is None else reply_to.message_id,
        date=now,
        user_id=state.bot_user.id,
        message_thread_id=thread_id,
        history=[Edit(formatted.text, formatted.entities, markup, time.monotonic())],
        raw=raw,
    )
    state.store_message(chat, message)
    return message


async def send_message(ctx: BotContext, params: Params) -> Any:
    state = ctx.state
    chat = chat_for_sending(state, params.chat_id())
    formatted = formatted_text(state, params, allow_empty=False)
    markup = reply_markup(params)
    reply_to = _reply_target(chat, params)
    admit_send(state, chat.id)
    message = _store_bot_message(state, chat, formatted, markup, reply_to, params.integer("message_thread_id"))
    return message.raw


def _editable(state: BotState, params: Params) -> tuple[ChatRecord, SentMessage]:
    if "inline_message_id" in params:
        raise bad_request("inline messages are not supported by the fake")
    chat = known_chat(state, params.chat_id())
    message = chat.messages.get(params.required_integer("message_id"))
    if message is None:
        raise bad_request("message to edit not found")
    if not message.from_bot:
        raise bad_request("message can't be edited")
    return chat, message


def _apply_edit(state: BotState, message: SentMessage, text: FormattedText, markup: dict[str, Any] | None) -> Any:
    message.text, message.entities, message.reply_markup = text.text, text.entities, markup
    message.history.append(Edit(text.text, text.entities, markup, time.monotonic()))
    raw = message.raw
    raw["text"] = text.text
    raw.pop("entities", None)
    raw.pop("reply_markup", None)
    if text.entities:
        raw["entities"] = text.entities
    if markup is not None:
        raw["reply_markup"] = markup
    raw["edit_date"] = int(time.time())
    state.changes.notify()
    return raw


async def edit_message_text(ctx: BotContext, params: Params) -> Any:
    state = ctx.state
    chat, message = _editable(state, params)
    if message.kind != "text":
        raise bad_request("there is no text in the message to edit")
    formatted = formatted_text(state, params, allow_empty=False)
    # Like Telegram, an edit without reply_markup removes the inline keyboard.
    markup = reply_markup(params, inline_only=True)
    if (formatted.text, formatted.entities, markup) == (message.text, message.entities, _inline(message.reply_markup)):
        raise bad_request(NOT_MODIFIED)
    admit_send(state, chat.id)
    return _apply_edit(state, message, formatted, markup)


async def edit_message_reply_markup(ctx: BotContext, params: Params) -> Any:
    state = ctx.state
    _chat, message = _editable(state, params)
    markup = reply_markup(params, inline_only=True)
    if markup == _inline(message.reply_markup):
        raise bad_request(NOT_MODIFIED)
    return _apply_edit(state, message, FormattedText(message.text or "", message.entities), markup)


async def delete_message(ctx: BotContext, params: Params) -> Any:
    state = ctx.state
    chat = state.chat(params.chat_id())
    message_id = params.required_integer("message_id")
    if chat is None or message_id not in chat.messages:
        raise bad_request("message to delete not found")
    del chat.messages[message_id]
    chat.deleted.append(message_id)
    state.changes.notify()
    return True


async def send_message_draft(ctx: BotContext, params: Params) -> Any:
    state = ctx.state
    chat_id = params.chat_id()
    if chat_id <= 0:
        raise bad_request("the method is available only in private chats")
    chat = chat_for_sending(state, chat_id)
    if chat.refuse_drafts:
        raise bad_request("the method is not available for this chat")
    draft_id = params.required_integer("draft_id")
    if draft_id == 0:
        raise bad_request("draft_id must be non-zero")
    formatted = formatted_text(state, params, allow_empty=True)
    event = DraftEvent(
        chat_id=chat_id,
        draft_id=draft_id,
        text=formatted.text,
        entities=formatted.entities,
        can_stop=params.flag("can_stop"),
        keep_on_stop=params.flag("keep_on_stop"),
        message_thread_id=params.integer("message_thread_id"),
        at=time.monotonic(),
    )
    chat.drafts.append(event)
    chat.current_draft = event
    state.changes.notify()
    return True
