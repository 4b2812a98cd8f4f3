"""Getting updates in without losing any: record first, confirm after, dispatch once.

Long polling is our own loop over ``getUpdates`` (not aiogram's). The inbox
records of a batch are queued for the persistence actor ahead of everything
the batch causes, the updates are dispatched at once, and the batch is durable
(in the database, or the spill file while it is down) before the next
``getUpdates`` call confirms it to Telegram. So the inbox write overlaps the
answers instead of delaying them, and a crash before it is durable leaves the
updates unconfirmed: Telegram delivers them again. ``getUpdates`` delivers in
order, so updates at or below the newest recorded one are never new.

In webhook mode Telegram may deliver updates out of order, over parallel
connections, and repeats any it got no 200 for. Each update is recorded before
the 200, and the inbox's primary key decides whether it is new (``ON
CONFLICT``); while the database is down, the memory of recent updates stands
in for it.

At start-up the spill file is applied first, then every recorded update never
done is dispatched again. If the database is down then, the spill file says
which of its updates are unfinished; those only the database knows are
answered once it is back (:meth:`Intake.catch_up`).
"""

from __future__ import annotations

import logging
import time
from collections import deque
from collections.abc import Callable, Sequence
from typing import Any

import anyio
from aiogram import Bot, Dispatcher
from aiogram.exceptions import TelegramAPIError, TelegramConflictError, TelegramRetryAfter
from aiogram.types import Update

from actors.persistence.actor import Durable, RecordUpdates, Settle, WhenSettled
from actors.persistence.records import InboxDone, InboxReceived
from actors.persistence.spill import SpillInbox
from actors.persistence.store import DialogStore, StoreUnavailable
from actors.telegram.handlers import HANDED_OFF
from actors.telegram.reading import GetRawUpdates, UnreadableUpdate, read_update
from runtime import ActorCrashed, ActorRef, ActorStopped, AskTimeout

log = logging.getLogger("assistant.telegram")

ALLOWED_UPDATES = ["message", "callback_query", "stopped_message_generation", "edited_message", "my_chat_member"]
BACKOFF_MAX = 10.0
"""Longest wait between failed getUpdates calls: Telegram back means answers within seconds."""
RECORD_TIMEOUT = 60.0
SETTLE_TIMEOUT = 900.0
"""Replaying a long outage's spill file at start-up may take a while; it must finish before we answer."""
RECENT_UPDATES = 50_000
CATCH_UP_RETRY = 1.0


def update_payload(update: Update) -> dict[str, Any]:
    """The update as Telegram sent it (JSON, field names as in the Bot API)."""
    return update.model_dump(mode="json", exclude_none=True, by_alias=True)


def _payload(update: Update | UnreadableUpdate) -> dict[str, Any]:
    return update.payload if isinstance(update, UnreadableUpdate) else update_payload(update)


class RecentUpdates:
    """The newest ``limit`` update_ids this process recorded or replayed (older ones are forgotten)."""

    def __init__(self, limit: int = RECENT_UPDATES) -> None:
        self.limit = limit
        self._order: deque[int] = deque()
        self._ids: set[int] = set()

    def __contains__(self, update_id: object) -> bool:
        return update_id in self._ids

    def __len__(self) -> int:
        return len(self._ids)

    def add(self, update_id: int) -> None:
        if update_id in self._ids:
            return
        self._ids.add(update_id)
        self._order.append(update_id)
        if len(self._order) > self.limit:
            self._ids.discard(self._order.popleft())


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
        """Polling: the newest update recorded; getUpdates never brings a new one at or below it."""
        self.recent = RecentUpdates()
        self.inflight: dict[int, anyio.Event] = {}
        self.before_catch_up: set[int] | None = None
        """While the database's inbox is still to be read (it was down at start-up): every update dispatched."""
        self.healthy_until = 0.0
        """Monotonic time until which updates are known to be arriving (readiness)."""
        self.polling = False

    # -- start-up -----------------------------------------------------------------

    async def replay_pending(self) -> int:
        """Apply the spill file, then dispatch every recorded update never done; returns how many.

        With the database down, only the spill file's unfinished updates are
        dispatched now; :meth:`catch_up` does the database's later.
        """
        if self.store is None:
            return 0
        spilled: SpillInbox | None = await self.persistence.ask(Settle(), timeout=SETTLE_TIMEOUT)
        pending: list[dict[str, Any]] = []
        if spilled is None:
            try:
                last = await self.store.last_update_id()
                pending = await self.store.pending_updates()
            except StoreUnavailable as exc:
                log.warning("cannot read the inbox at start-up (%s); unfinished updates follow when it is back", exc)
                self.before_catch_up = set()
                return 0
            self.watermark = max(self.watermark, last if last is not None else -1)
        else:
            log.warning(
                "database unavailable at start-up: answering the spill file's %d unfinished updates now, "
                "the database's once it is back",
                len(spilled.pending),
            )
            self.before_catch_up = set()
            pending = spilled.pending
            if spilled.last_update_id is not None:
                self.watermark = max(self.watermark, spilled.last_update_id)
        if pending:
            log.info("answering %d updates left unfinished by the previous run", len(pending))
        await self._replay(pending)
        return len(pending)

    async def catch_up(self) -> None:
        """If the database was down at start-up: once it is back, answer its unfinished updates.

        Only the updates this process has not dispatched yet: the spill file's
        were answered at start-up, and Telegram may have delivered others again.
        """
        if self.before_catch_up is None or self.store is None:
            return
        while True:
            try:
                await self.persistence.ask(WhenSettled(), timeout=3600)
                pending = await self.store.pending_updates()
                break
            except (StoreUnavailable, AskTimeout, ActorStopped, ActorCrashed) as exc:
                log.info("unfinished updates of the database wait for it (%s)", type(exc).__name__)
                await anyio.sleep(CATCH_UP_RETRY)
        handled, self.before_catch_up = self.before_catch_up, None
        left = [payload for payload in pending if payload.get("update_id") not in handled]
        log.info("database is back: answering %d updates it held unfinished from the previous run", len(left))
        await self._replay(left)

    async def _replay(self, payloads: list[dict[str, Any]]) -> None:
        for payload in payloads:
            update = read_update(payload, self.bot)
            if update is None:
                continue
            self.recent.add(update.update_id)
            await self.dispatch(update, replaying=True)

    # -- long polling -----------------------------------------------------------------

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
                method = GetRawUpdates(offset=offset, timeout=self.poll_timeout, allowed_updates=ALLOWED_UPDATES)
                raw = await self.bot(method, request_timeout=self.poll_timeout + 15)
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
            read = [item for item in (read_update(payload, self.bot) for payload in raw) if item is not None]
            if read:
                await self.accept(read)
                offset = max(item.update_id for item in read) + 1

    async def accept(self, updates: Sequence[Update | UnreadableUpdate]) -> None:
        """Polling: record new updates and dispatch them; return once the records are durable.

        The records are queued before anything the updates cause (a done mark
        must never overtake its update), but not awaited before dispatching: the
        caller confirms the offset only after this returns. An update aiogram
        cannot read is recorded as it came and marked done at once.
        """
        fresh = [u for u in updates if u.update_id > self.watermark and u.update_id not in self.recent]
        if not fresh:
            return
        for update in fresh:
            await self.persistence.send(InboxReceived(update.update_id, _payload(update)))
        self.watermark = max(update.update_id for update in fresh)
        for update in fresh:
            self.recent.add(update.update_id)
            await self.dispatch(update)
        while True:
            try:
                await self.persistence.ask(Durable(()), timeout=RECORD_TIMEOUT)
                return
            except AskTimeout:
                log.error("the inbox records are not durable after %.0f s; still waiting", RECORD_TIMEOUT)

    # -- webhook ------------------------------------------------------------------

    async def accept_pushed(self, update: Update | UnreadableUpdate) -> None:
        """Webhook: return once ``update`` is durably recorded; dispatch it unless it came before.

        Raises (and the webhook answers an error, so Telegram retries) if it
        could not be recorded.
        """
        update_id = update.update_id
        while (busy := self.inflight.get(update_id)) is not None:
            await busy.wait()  # the same update on a parallel connection: wait for its outcome
        if update_id in self.recent:
            log.info("update %s delivered again; it was recorded before", update_id)
            return
        done = self.inflight[update_id] = anyio.Event()
        try:
            record = InboxReceived(update_id, _payload(update))
            known: frozenset[int] | None = await self.persistence.ask(RecordUpdates((record,)), timeout=RECORD_TIMEOUT)
            self.recent.add(update_id)
        finally:
            del self.inflight[update_id]
            done.set()
        if known is not None and update_id in known:
            log.info("update %s delivered again; the inbox has it already", update_id)
            return
        await self.dispatch(update)

    # -- handling -------------------------------------------------------------------

    async def dispatch(self, update: Update | UnreadableUpdate, *, replaying: bool = False) -> None:
        """Run the handlers; mark the update done unless an actor took it over.

        ``replaying``: the update was accepted before a restart; the handlers
        wait for mailbox room instead of answering "one moment". An update
        aiogram cannot read is logged and marked done at once.
        """
        if isinstance(update, UnreadableUpdate):
            await self._skip_unreadable(update)
            return
        if self.before_catch_up is not None:
            self.before_catch_up.add(update.update_id)
        self.on_update(update.event_type)
        try:
            result = await self.dispatcher.feed_update(self.bot, update, replaying=replaying)
        except Exception:
            log.exception("handling update %s failed; it is marked done so it cannot fail forever", update.update_id)
            result = None
        if result != HANDED_OFF:
            await self.persistence.send(InboxDone(update.update_id))

    async def _skip_unreadable(self, update: UnreadableUpdate) -> None:
        log.warning("update %s cannot be read (%s); recorded as it came and skipped", update.update_id, update.reason)
        self.on_update("unreadable")
        await self.persistence.send(InboxDone(update.update_id))
