"""Everything the bot sends to Telegram goes through the courier.

It paces messages within the Bot API's limits (overall, per chat, per group;
see :mod:`actors.telegram.pacing`) and keeps trying: a 429 holds the chat for
its ``retry_after``, a network error or a 5xx backs off and tries again, until
the message is delivered or the caller is cancelled. Nothing is dropped.
Formatting Telegram still refuses falls back to plain text; a reply to a
vanished message is sent without the reply.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Awaitable, Callable
from typing import Any

import anyio
from aiogram import Bot
from aiogram.exceptions import (
    ClientDecodeError,
    TelegramAPIError,
    TelegramBadRequest,
    TelegramForbiddenError,
    TelegramNetworkError,
    TelegramNotFound,
    TelegramRetryAfter,
    TelegramServerError,
)
from aiogram.methods import AnswerCallbackQuery, EditMessageText, SendMessage, SendMessageDraft, TelegramMethod
from aiogram.types import InlineKeyboardMarkup, ReplyParameters

from actors.telegram.formatting import FormattedText, to_aiogram_entities
from actors.telegram.pacing import Limits, Pacer

__all__ = ["Courier", "DraftRefused", "DraftsUnavailable", "Limits", "MessageGone", "Undeliverable"]

log = logging.getLogger("assistant.telegram")

BACKOFF_INITIAL = 0.5
BACKOFF_MAX = 10.0


class Undeliverable(Exception):
    """Telegram will never accept this (the user blocked the bot, the chat is gone...)."""


class MessageGone(Undeliverable):
    """The message to edit no longer exists (someone deleted it)."""


class DraftRefused(Exception):
    """Telegram refused this draft: show this answer another way."""


class DraftsUnavailable(DraftRefused):
    """Telegram refuses message drafts in this chat (or at all): stream by editing a message instead."""


DRAFTS_UNAVAILABLE = ("not available for this chat", "available only in private chats", "peer_invalid")
"""Descriptions of 400s that mean drafts will never work in this chat; any other 400 is about one draft."""


class Courier:
    """Sends, edits and drafts messages, within the limits and with retries."""

    def __init__(
        self,
        bot: Bot,
        limits: Limits | None = None,
        *,
        clock: Callable[[], float] = time.monotonic,
        sleep: Callable[[float], Awaitable[None]] = anyio.sleep,
    ) -> None:
        self.bot = bot
        self.limits = limits or Limits()
        self.pacer = Pacer(self.limits)
        self._clock = clock
        self._sleep = sleep
        self.sent = 0
        self.retries = 0

    # -- the public operations ------------------------------------------------------

    async def send(
        self,
        chat_id: int,
        text: FormattedText,
        *,
        reply_to: int | None = None,
        markup: InlineKeyboardMarkup | None = None,
        thread_id: int | None = None,
    ) -> int:
        """Deliver one message (at most 4096 characters); returns its message id."""
        method = SendMessage(
            chat_id=chat_id,
            text=text.text,
            entities=to_aiogram_entities(text.entities) or None,
            reply_parameters=ReplyParameters(message_id=reply_to, allow_sending_without_reply=True)
            if reply_to
            else None,
            reply_markup=markup,
            message_thread_id=thread_id,
            parse_mode=None,
        )
        message = await self._deliver(chat_id, method)
        self.sent += 1
        return int(message.message_id)

    async def edit(
        self, chat_id: int, message_id: int, text: FormattedText, *, markup: InlineKeyboardMarkup | None = None
    ) -> None:
        """Replace a message's text (an unchanged text is not an error)."""
        method = EditMessageText(
            chat_id=chat_id,
            message_id=message_id,
            text=text.text,
            entities=to_aiogram_entities(text.entities) or None,
            reply_markup=markup,
            parse_mode=None,
        )
        await self._deliver(chat_id, method)

    async def draft(self, chat_id: int, draft_id: int, text: FormattedText, *, thread_id: int | None = None) -> None:
        """Show a streaming draft with a stop button (private chats).

        Drafts are not paced by the per-chat limit (they are meant for
        streaming; the caller throttles them) and are not retried after a 429:
        a newer draft will follow. Raises :class:`DraftsUnavailable` when
        Telegram refuses drafts in this chat, :class:`DraftRefused` when it
        refuses only this draft.
        """
        method = SendMessageDraft(
            chat_id=chat_id,
            draft_id=draft_id,
            text=text.text,
            entities=to_aiogram_entities(text.entities) or None,
            can_stop=True,
            message_thread_id=thread_id,
            parse_mode=None,
        )
        try:
            await self._call_once(method, plain_fallback=True)
        except TelegramRetryAfter as exc:
            log.info("draft in chat %s skipped: flood control, retry in %s s", chat_id, exc.retry_after)
            now = self._clock()
            self.pacer.hold(chat_id, now, now + exc.retry_after)
        except TelegramNotFound as exc:  # a Bot API server without drafts
            raise DraftsUnavailable(exc.message) from exc
        except TelegramBadRequest as exc:
            if any(reason in exc.message.lower() for reason in DRAFTS_UNAVAILABLE):
                raise DraftsUnavailable(exc.message) from exc
            raise DraftRefused(exc.message) from exc

    async def answer_button(self, callback_id: str, text: str | None) -> None:
        """Answer a button press (ends its spinner; ``text`` shows as a pop-up). Tried once:
        an answer is useless after the few seconds Telegram waits for it."""
        try:
            await self.bot(AnswerCallbackQuery(callback_query_id=callback_id, text=text))
        except (TelegramAPIError, ClientDecodeError, OSError) as exc:
            log.info("button answer failed: %s", type(exc).__name__)

    # -- delivery ---------------------------------------------------------------------

    async def _deliver(self, chat_id: int, method: TelegramMethod[Any]) -> Any:
        backoff = BACKOFF_INITIAL
        while True:
            await self._pace(chat_id)
            try:
                return await self._call_once(method, plain_fallback=True)
            except TelegramRetryAfter as exc:
                # The chat waits (this message and any other on its way there); other chats go on.
                self.retries += 1
                log.warning("Telegram flood control in chat %s: waiting %s s", chat_id, exc.retry_after)
                now = self._clock()
                self.pacer.hold(chat_id, now, now + exc.retry_after)
            except (TelegramNetworkError, TelegramServerError, ClientDecodeError, OSError) as exc:
                self.retries += 1
                log.warning("Telegram unreachable (%s); retrying in %.1f s", type(exc).__name__, backoff)
                await self._sleep(backoff)
                backoff = min(backoff * 2, BACKOFF_MAX)

    async def _call_once(self, method: TelegramMethod[Any], *, plain_fallback: bool) -> Any:
        try:
            return await self.bot(method)
        except TelegramForbiddenError as exc:
            raise Undeliverable(exc.message) from exc
        except TelegramBadRequest as exc:
            description = exc.message.lower()
            if "message is not modified" in description:
                return None
            refused_formatting = "can't parse entities" in description or "wrong message entity" in description
            if plain_fallback and refused_formatting and getattr(method, "entities", None):
                log.warning("Telegram refused the formatting in chat %s; sending plain text", _chat(method))
                return await self._call_once(method.model_copy(update={"entities": None}), plain_fallback=False)
            if "replied message not found" in description or "message to be replied not found" in description:
                return await self._call_once(
                    method.model_copy(update={"reply_parameters": None}), plain_fallback=plain_fallback
                )
            if isinstance(method, SendMessageDraft):
                raise
            if "message to edit not found" in description:
                raise MessageGone(exc.message) from exc
            if "chat not found" in description:
                raise Undeliverable(exc.message) from exc
            raise

    async def _pace(self, chat_id: int) -> None:
        wait = self.pacer.reserve(chat_id, self._clock())
        if wait > 0:
            await self._sleep(wait)


def _chat(method: TelegramMethod[Any]) -> object:
    return getattr(method, "chat_id", "?")
