"""aiogram handlers: thin. Each turns an update into a message for an actor and returns.

A handler returns :data:`HANDED_OFF` when an actor took the update over (the
actor marks it done when it has answered); any other result lets the intake
mark the update done at once.
"""

from __future__ import annotations

import contextlib
import logging
import time
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from aiogram import F, Router
from aiogram.types import CallbackQuery, Message, MessageGenerationStopped, Update

from actors import texts
from actors.chat.deps import Generations
from actors.chat.messages import ButtonPressed, Command, Incoming, Person, Where
from actors.i18n import Translator
from actors.limits import Cooldown, Limited, UserRateLimiter
from actors.telegram.notices import Notice
from runtime import ActorStopped, MailboxFull, Registry

log = logging.getLogger("assistant.telegram")

HANDED_OFF = "handed-off"
COMMANDS = ("start", "help", "reset", "role", "forget")
BUSY_NOTICE_EVERY = 10.0


@dataclass
class Gateway:
    """Everything the handlers hand updates to."""

    chats: Registry[int, Any, Any]
    notices: Registry[int, Any, Any]
    generations: Generations
    limiter: UserRateLimiter
    translate: Translator
    bot_id: int
    bot_username: str
    max_chars: int
    allowed_users: frozenset[int] = frozenset()
    busy_notices: Cooldown = field(default_factory=lambda: Cooldown(BUSY_NOTICE_EVERY))

    def allows(self, user_id: int) -> bool:
        return not self.allowed_users or user_id in self.allowed_users

    def notify(
        self, update_id: int, where: Where, text: str, reply_to: int | None = None, *, callback_id: str | None = None
    ) -> None:
        """A short service reply, sent by the chat's notice actor (never blocks, may drop under a flood).

        With ``callback_id`` it answers that button press instead of sending a message.
        """
        try:
            self.notices.tell(where.chat_id, Notice(update_id, where, text, reply_to, callback_id))
        except (MailboxFull, ActorStopped):
            log.info("notice to chat %s dropped", where.chat_id)


def person(user: Any) -> Person:
    return Person(user.id, user.first_name, user.last_name, user.username, user.language_code)


def where_of(message: Message) -> Where:
    return Where(message.chat.id, message.chat.type, message.chat.title, message.message_thread_id)


def build_router(gateway: Gateway) -> Router:
    router = Router(name="assistant")

    @router.message()
    async def on_message(message: Message, event_update: Update, replaying: bool = False) -> str | None:
        return await handle_message(gateway, message, event_update.update_id, replaying=replaying)

    @router.callback_query(F.data)
    async def on_button(query: CallbackQuery, event_update: Update, replaying: bool = False) -> str | None:
        return await handle_button(gateway, query, event_update.update_id, replaying=replaying)

    @router.stopped_message_generation()
    async def on_stop(event: MessageGenerationStopped) -> None:
        if not gateway.generations.stop(event.chat.id, event.draft_id):
            log.info("stop pressed in chat %s for an answer that already ended", event.chat.id)

    return router


async def handle_message(gateway: Gateway, message: Message, update_id: int, *, replaying: bool = False) -> str | None:
    if message.from_user is None or message.from_user.is_bot:
        return None  # channel posts, other bots, service messages
    where = where_of(message)
    text = message.text if message.text is not None else message.caption
    if where.is_group and not addressed_to_bot(message, gateway.bot_id, gateway.bot_username):
        return None
    user = person(message.from_user)
    language = gateway.translate.language_of(user.language_code)
    reply_to = message.message_id if where.is_group else None
    translate = gateway.translate

    if not gateway.allows(user.id):
        gateway.notify(update_id, where, translate(texts.NOT_ALLOWED, language), reply_to)
        return None
    command = command_name(text, gateway.bot_username)
    if command is not None:
        return tell_chat(
            gateway,
            update_id,
            where,
            language,
            reply_to,
            Command(update_id, message.message_id, where, user, command, _now()),
        )
    if text is None:
        if has_content(message):
            gateway.notify(update_id, where, translate(texts.UNSUPPORTED_CONTENT, language), reply_to)
        return None
    text = strip_mention(text, gateway.bot_username) if where.is_group else text
    if not text.strip():
        gateway.notify(update_id, where, translate(texts.EMPTY_MESSAGE, language), reply_to)
        return None
    if len(text) > gateway.max_chars:
        notice = translate(texts.TOO_LONG, language, length=len(text), limit=gateway.max_chars)
        gateway.notify(update_id, where, notice, reply_to)
        return None
    verdict = gateway.limiter.check(user.id, time.time()) if not replaying else None
    if isinstance(verdict, Limited):
        if verdict.first:
            if verdict.window == "day":
                notice = translate(texts.RATE_LIMIT_DAY, language, limit=gateway.limiter.per_day)
            else:
                notice = translate(texts.RATE_LIMIT_MINUTE, language, seconds=max(1, round(verdict.retry_after)))
            gateway.notify(update_id, where, notice, reply_to)
        return None
    incoming = Incoming(update_id, message.message_id, where, user, text, time.monotonic(), _now())
    return await hand_over(gateway, update_id, where, language, reply_to, incoming, replaying)


async def hand_over(
    gateway: Gateway, update_id: int, where: Where, language: str, reply_to: int | None, message: Any, replaying: bool
) -> str | None:
    """Give ``message`` to the chat's actor; a replayed update waits for room, a live one may be refused."""
    if not replaying:
        return tell_chat(gateway, update_id, where, language, reply_to, message)
    with contextlib.suppress(ActorStopped):  # shutting down: it stays open in the inbox for the next start
        await gateway.chats.send(where.chat_id, message)
    return HANDED_OFF


def tell_chat(
    gateway: Gateway, update_id: int, where: Where, language: str, reply_to: int | None, message: Any
) -> str | None:
    try:
        gateway.chats.tell(where.chat_id, message)
    except MailboxFull:
        if gateway.busy_notices.ready(where.chat_id, time.monotonic()):
            gateway.notify(update_id, where, gateway.translate(texts.BUSY, language), reply_to)
        return None
    except ActorStopped:
        return HANDED_OFF  # shutting down: left open in the inbox, answered after the restart
    return HANDED_OFF


async def handle_button(
    gateway: Gateway, query: CallbackQuery, update_id: int, *, replaying: bool = False
) -> str | None:
    message = query.message
    if message is None or not isinstance(message, Message) or query.data is None:
        return None
    where = where_of(message)
    language = gateway.translate.language_of(query.from_user.language_code)
    if not gateway.allows(query.from_user.id):
        gateway.notify(update_id, where, gateway.translate(texts.NOT_ALLOWED, language), callback_id=query.id)
        return None
    pressed = ButtonPressed(update_id, query.id, message.message_id, where, person(query.from_user), query.data, _now())
    return await hand_over(gateway, update_id, where, language, None, pressed, replaying)


def addressed_to_bot(message: Message, bot_id: int, bot_username: str) -> bool:
    """In a group: the bot was mentioned, replied to, or given a command meant for it."""
    reply = message.reply_to_message
    if reply is not None and reply.from_user is not None and reply.from_user.id == bot_id:
        return True
    text = message.text if message.text is not None else message.caption
    if text is None:
        return False
    entities = message.entities if message.text is not None else message.caption_entities
    for entity in entities or ():
        if entity.type == "mention" and entity.extract_from(text).lower() == f"@{bot_username.lower()}":
            return True
        if entity.type == "text_mention" and entity.user is not None and entity.user.id == bot_id:
            return True
    return command_name(text, bot_username) is not None and f"@{bot_username.lower()}" in text.lower()


def command_name(text: str | None, bot_username: str) -> str | None:
    """``"reset"`` for ``/reset`` or ``/reset@our_bot``; None for anything else."""
    if not text or not text.startswith("/"):
        return None
    word = text.split(maxsplit=1)[0][1:]
    name, _, target = word.partition("@")
    if target and target.lower() != bot_username.lower():
        return None
    return name.lower() if name.lower() in COMMANDS else None


def strip_mention(text: str, bot_username: str) -> str:
    mention = f"@{bot_username}"
    index = text.lower().find(mention.lower())
    if index < 0:
        return text
    return (text[:index] + text[index + len(mention) :]).strip()


def has_content(message: Message) -> bool:
    """True for media a user sent (stickers, photos, voice...), False for service messages."""
    kinds = (
        "sticker",
        "photo",
        "voice",
        "video",
        "video_note",
        "audio",
        "document",
        "animation",
        "location",
        "contact",
        "poll",
        "dice",
        "venue",
        "story",
    )
    return any(getattr(message, kind, None) is not None for kind in kinds)


def _now() -> datetime:
    return datetime.now(UTC)
