"""What users do, turned into updates for the bot: messages, edits, button presses, stops, blocks."""

from __future__ import annotations

import copy
import re
import time
from typing import Any

from tests.fakes.telegram.bot_api.messages import quoted
from tests.fakes.telegram.entities import Entity, normalize_entities, utf16_length
from tests.fakes.telegram.errors import ButtonNotFound, MessageNotFound, StopButtonNotShown
from tests.fakes.telegram.models import BOT_USERNAME, ChatType, Edit, MessageKind, SentMessage, User
from tests.fakes.telegram.state import BotState, ChatRecord

_AUTO_ENTITIES = re.compile(
    r"(?P<bot_command>(?<!\S)/[a-zA-Z0-9_]{1,32}(?:@[a-zA-Z0-9_]{5,32})?)|(?P<mention>@[a-zA-Z0-9_]{5,32})"
)


def with_bot_mention(text: str, entities: list[Entity] | None = None) -> tuple[str, list[Entity]]:
    """``text`` prefixed by "@assistant_test_bot " with its ``mention`` entity (other entities shifted)."""
    prefix = f"@{BOT_USERNAME} "
    shift = utf16_length(prefix)
    moved = [{**entity, "offset": entity["offset"] + shift} for entity in entities or []]
    return prefix + text, [{"type": "mention", "offset": 0, "length": shift - 1}, *moved]


def detect_entities(text: str) -> list[Entity]:
    """The bot_command and mention entities Telegram clients add to what a user types."""
    found: list[Entity] = []
    for match in _AUTO_ENTITIES.finditer(text):
        kind = match.lastgroup or "mention"
        found.append({"type": kind, "offset": utf16_length(text[: match.start()]), "length": utf16_length(match[0])})
    return found


def _chat_payload(chat_id: int, chat_type: ChatType, user: User, title: str | None) -> dict[str, Any]:
    if chat_type == "private":
        payload: dict[str, Any] = {"id": chat_id, "type": "private", "first_name": user.first_name}
        if user.last_name:
            payload["last_name"] = user.last_name
        if user.username:
            payload["username"] = user.username
        return payload
    return {"id": chat_id, "type": chat_type, "title": title or f"Group {-chat_id}"}


def user_chat(
    state: BotState, chat_id: int, chat_type: ChatType | None, user: User | None, title: str | None
) -> tuple[ChatRecord, User]:
    """The chat a user writes in, and the user (defaults: the chat's own user in private, Alice in groups)."""
    kind: ChatType = chat_type or ("private" if chat_id > 0 else "supergroup")
    if kind == "private":
        if chat_id <= 0:
            raise ValueError("a private chat has the user's (positive) id")
        user = user or User(id=chat_id)
        if user.id != chat_id:
            raise ValueError(f"in a private chat the chat id is the user id ({user.id}), not {chat_id}")
    elif chat_id >= 0:
        raise ValueError(f"{kind} chats have negative ids")
    user = user or User()
    chat = state.ensure_chat(chat_id, lambda: _chat_payload(chat_id, kind, user, title))
    return chat, user


def _file(state: BotState, prefix: str) -> dict[str, Any]:
    serial = state.serial()
    return {
        "file_id": f"{prefix}AAxkBAAI{serial:08d}fake",
        "file_unique_id": f"AgAD{serial:06d}",
        "file_size": 1000 + serial,
    }


def media_fields(state: BotState, kind: MessageKind) -> dict[str, Any]:
    """Minimal realistic payloads for non-text messages."""
    if kind == "sticker":
        sticker = {"type": "regular", "width": 512, "height": 512, "is_animated": False, "is_video": False}
        return {"sticker": {**_file(state, "CAAC"), **sticker, "emoji": "🙂"}}
    if kind == "photo":
        return {"photo": [{**_file(state, "AgAC"), "width": side, "height": side * 3 // 4} for side in (90, 320, 1280)]}
    if kind == "voice":
        return {"voice": {**_file(state, "AwAC"), "duration": 3, "mime_type": "audio/ogg"}}
    if kind == "document":
        return {"document": {**_file(state, "BQAC"), "file_name": "notes.pdf", "mime_type": "application/pdf"}}
    if kind == "video":
        video = {"width": 1280, "height": 720, "duration": 5, "mime_type": "video/mp4"}
        return {"video": {**_file(state, "BAAC"), **video}}
    if kind == "location":
        return {"location": {"latitude": 52.520008, "longitude": 13.404954}}
    raise ValueError(f"unknown message kind {kind!r}")


def user_message(
    state: BotState,
    chat: ChatRecord,
    user: User,
    *,
    kind: MessageKind,
    text: str | None,
    entities: list[Entity] | None,
    caption: str | None,
    caption_entities: list[Entity] | None,
    reply_to_message_id: int | None,
) -> SentMessage:
    """Store a message the user sent and return it (the caller queues the update)."""
    message_id, now = chat.take_message_id(), int(time.time())
    raw: dict[str, Any] = {"message_id": message_id, "from": user.to_api(), "chat": chat.payload, "date": now}
    if kind == "text":
        text = text or ""
        entities = detect_entities(text) if entities is None else normalize_entities(text, entities)
        raw["text"] = text
        if entities:
            raw["entities"] = entities
    else:
        raw.update(media_fields(state, kind))
        entities = []
        if caption:
            raw["caption"] = caption
            if caption_entities:
                raw["caption_entities"] = normalize_entities(caption, caption_entities)
    if reply_to_message_id is not None:
        target = chat.messages.get(reply_to_message_id)
        if target is None:
            raise MessageNotFound(f"chat {chat.id} shows no message {reply_to_message_id} to reply to")
        raw["reply_to_message"] = quoted(target)
    message = SentMessage(
        chat_id=chat.id,
        message_id=message_id,
        from_bot=False,
        kind=kind,
        text=raw.get("text"),
        entities=entities,
        reply_markup=None,
        reply_to_message_id=reply_to_message_id,
        date=now,
        user_id=user.id,
        caption=caption,
        history=[Edit(raw.get("text"), entities, None, time.monotonic())],
        raw=raw,
    )
    state.store_message(chat, message)
    return message


def edit_user_text(
    state: BotState, chat_id: int, message_id: int, text: str, entities: list[Entity] | None
) -> dict[str, Any]:
    """Change a user's text message; returns the ``edited_message`` payload."""
    message = state.find_message(chat_id, message_id)
    if message is None or message.from_bot or message.kind != "text":
        raise MessageNotFound(f"chat {chat_id} shows no user text message {message_id}")
    found = detect_entities(text) if entities is None else normalize_entities(text, entities)
    message.text, message.entities = text, found
    message.history.append(Edit(text, found, None, time.monotonic()))
    message.raw["text"] = text
    message.raw.pop("entities", None)
    if found:
        message.raw["entities"] = found
    message.raw["edit_date"] = int(time.time())
    state.changes.notify()
    return copy.deepcopy(message.raw)


def callback_query(state: BotState, chat_id: int, message_id: int, data: str, user: User) -> dict[str, Any]:
    """The callback_query payload for pressing an inline button; the button must be on the message."""
    message = state.find_message(chat_id, message_id)
    if message is None or not message.from_bot:
        raise MessageNotFound(f"chat {chat_id} shows no bot message {message_id}")
    if data not in message.callback_data():
        present = message.callback_data()
        raise ButtonNotFound(f"message {message_id} in chat {chat_id} has no button {data!r}; it has {present}")
    query_id = f"{4_000_000_000_000 + state.serial()}"
    state.callback_queries[query_id] = False
    return {
        "id": query_id,
        "from": user.to_api(),
        "message": copy.deepcopy(message.raw),
        "chat_instance": f"{-abs(hash((state.bot_user.id, chat_id))) % 10**18}",
        "data": data,
    }


def stop_generation(state: BotState, chat_id: int, draft_id: int) -> dict[str, Any]:
    """The stopped_message_generation payload for pressing the stop button of the chat's current draft."""
    chat = state.chat(chat_id)
    draft = None if chat is None else chat.current_draft
    if chat is None or draft is None or draft.draft_id != draft_id or not draft.can_stop:
        raise StopButtonNotShown(f"chat {chat_id} shows no draft {draft_id} with a stop button (current: {draft})")
    if not draft.keep_on_stop:
        chat.current_draft = None
    payload: dict[str, Any] = {"chat": chat.payload, "draft_id": draft_id}
    if draft.message_thread_id is not None:
        payload["message_thread_id"] = draft.message_thread_id
    return payload


def member_change(state: BotState, chat: ChatRecord, user: User, *, blocked: bool) -> dict[str, Any]:
    """The my_chat_member payload for a user blocking (or unblocking) the bot."""
    chat.blocked = blocked
    bot = state.bot_user.to_api()
    kicked = {"status": "kicked", "user": bot, "until_date": 0}
    member = {"status": "member", "user": bot}
    return {
        "chat": chat.payload,
        "from": user.to_api(),
        "date": int(time.time()),
        "old_chat_member": member if blocked else kicked,
        "new_chat_member": kicked if blocked else member,
    }
