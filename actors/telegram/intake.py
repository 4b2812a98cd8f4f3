"""Getting updates in without losing any: record first, confirm after, dispatch once.

Long polling is our own loop over ``getUpdates`` (not aiogram's): each batch is
written durably to the inbox (the database, or the spill file while it is
down) before the next ``getUpdates`` call confirms it to Telegram. At start-up
every recorded update that was never marked done is dispatched again, and
updates at or below the newest recorded one are not dispatched twice when
Telegram delivers them again.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from typing import Any

import anyio
from aiogram import Bot, Dispatcher
from aiogram.exceptions import TelegramAPIError, TelegramConflictError, TelegramRetryAfter
from aiogram.types import Update

from actors.persistence.actor import Durable
from actors.persistence.records import InboxDone, InboxReceived
from actors.persistence.store import DialogStore, StoreUnavailable
from actors.telegram.handlers import HANDED_OFF
from runtime import ActorRef

log = logging.getLogger("assistant.telegram")

ALLOWED_UPDATES = ["message", "callback_query", "stopped_message_generation", "edited_message", "my_chat_member"]
BACKOFF_MAX = 10.0
"""Longest wait between failed getUpdates calls: Telegram back means answers within seconds."""


def update_payload(update: Update) -> dict[str, Any]:
    """The update as Telegram sent it (JSON, field names as in the Bot API)."""
    return update.model_dump(mode="json", exclude_none=True, by_alias=True)


class Intake:
    """Receives updates (long polling or webhook), records them, and feeds aiogram's dispatcher."""

    def __init__(
        self,
        bot: Bot,
        dispatcher: Dispatcher,
        persistence: ActorRef[Any, Any],
        store: DialogStore | None,
        *,
        poll_timeout: int = 25,
        on_update: Callable[[str], None] = lambda kind: None,
    ) -> None:
        self.bot = bot
        self.dispatcher = dispatcher
        self.persistence = persistence
        self.store = store
        self.poll_timeout = poll_timeout
        self.on_update = on_update
        self.watermark = -1
        self.healthy_until = 0.0
        """Monotonic time until which updates are known to be arriving (readiness)."""
        self.polling = False

    async def replay_pending(self) -> int:
        """Dispatch every recorded update that was never done; returns how many."""
        if self.store is None:
            return 0
        try:
            last = await self.store.last_update_id()
            pending = await self.store.pending_updates()
        except StoreUnavailable as exc:
            log.warning("cannot read the inbox at start-up (%s); unfinished updates wait for the next start", exc)
            return 0
        self.watermark = max(self.watermark, last if last is not None else -1)
        if pending:
            log.info("answering %d updates left unfinished by the previous run", len(pending))
        for payload in pending:
            await self.dispatch(Update.model_validate(payload, context={"bot": self.bot}), replaying=True)
        return len(pending)

    async def poll_forever(self) -> None:
        """Long-poll Telegram until cancelled; network trouble is retried with backoff."""
        await self.bot.delete_webhook(drop_pending_updates=False)
        offset: int | None = self.watermark + 1 if self.watermark >= 0 else None
        backoff = 1.0
        self.polling = True
        while True:
            if backoff == 1.0:
                # The previous call worked: this one may wait the whole long-poll timeout.
                self.healthy_until = time.monotonic() + self.poll_timeout + 20
            try:
                updates = await self.bot.get_updates(
                    offset=offset,
                    timeout=self.poll_timeout,
                    allowed_updates=ALLOWED_UPDATES,
                    request_timeout=self.poll_timeout + 15,
                )
            except TelegramRetryAfter as exc:
                await anyio.sleep(exc.retry_after)
                continue
            except TelegramConflictError:
                log.error("another process is polling this bot token (409 Conflict); retrying")
                await anyio.sleep(backoff)
                backoff = min(backoff * 2, BACKOFF_MAX)
                continue
            except (TelegramAPIError, OSError) as exc:
                log.warning("getUpdates failed (%s); retrying in %.0f s", type(exc).__name__, backoff)
                await anyio.sleep(backoff)
                backoff = min(backoff * 2, BACKOFF_MAX)
                continue
            backoff = 1.0
            if updates:
                await self.accept(updates)
                offset = updates[-1].update_id + 1

    async def accept(self, updates: list[Update]) -> None:
        """Record new updates durably, then dispatch them in order."""
        fresh = [u for u in updates if u.update_id > self.watermark]
        if not fresh:
            return
        records = [InboxReceived(u.update_id, update_payload(u)) for u in fresh]
        await self.persistence.ask(Durable(records), timeout=60)
        self.watermark = fresh[-1].update_id
        for update in fresh:
            await self.dispatch(update)

    async def dispatch(self, update: Update, *, replaying: bool = False) -> None:
        """Run the handlers; mark the update done unless an actor took it over.

        ``replaying``: the update was accepted before a restart; the handlers
        wait for mailbox room instead of answering "one moment".
        """
        self.on_update(update.event_type)
        try:
            result = await self.dispatcher.feed_update(self.bot, update, replaying=replaying)
        except Exception:
            log.exception("handling update %s failed; it is marked done so it cannot fail forever", update.update_id)
            result = None
        if result != HANDED_OFF:
            await self.persistence.send(InboxDone(update.update_id))
