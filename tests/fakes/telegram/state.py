"""The fake's memory for one bot token: chats, messages, the update queue and every record.

No I/O here. Every change calls ``changes.notify()`` so waiters (long polls, tests,
the webhook sender) wake up.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, TypeVar

from tests.fakes.telegram.errors import BotApiError, FakeTimeout
from tests.fakes.telegram.faults import FailurePlan, FloodControl
from tests.fakes.telegram.models import (
    ApiCall,
    CallbackAnswer,
    CommandSet,
    DraftEvent,
    SentMessage,
    UpdateTiming,
    User,
    WebhookDelivery,
)

T = TypeVar("T")

FIRST_UPDATE_ID = 700_000_001
# Update types Telegram leaves out unless allowed_updates names them.
DEFAULT_EXCLUDED_UPDATES = frozenset({"chat_member", "message_reaction", "message_reaction_count"})


class Changes:
    """Wakes every waiter whenever state changes (a broadcast that needs no lock, unlike asyncio.Condition)."""

    def __init__(self) -> None:
        self._event = asyncio.Event()

    def notify(self) -> None:
        self._event.set()
        self._event = asyncio.Event()

    async def wait_value(
        self,
        check: Callable[[], T | None],
        *,
        timeout: float | None,
        describe: Callable[[], str] = lambda: "a condition",
    ) -> T:
        """Return ``check()`` as soon as it is not None; raise FakeTimeout(describe()) after ``timeout`` seconds."""
        loop = asyncio.get_running_loop()
        deadline = None if timeout is None else loop.time() + timeout
        while True:
            value = check()
            if value is not None:
                return value
            event = self._event
            if deadline is None:
                await event.wait()
                continue
            remaining = deadline - loop.time()
            if remaining <= 0:
                raise FakeTimeout(describe())
            # asyncio.timeout, not wait_for: on 3.11 wait_for swallows a cancellation that
            # arrives just as the event is set, and a cut long poll would then linger.
            try:
                async with asyncio.timeout(remaining):
                    await event.wait()
            except TimeoutError:
                continue


@dataclass
class ChatRecord:
    """One chat as the fake knows it."""

    payload: dict[str, Any]
    """The Bot API ``Chat`` object."""
    next_message_id: int = 1
    messages: dict[int, SentMessage] = field(default_factory=dict)
    """Visible messages by id, in the order they were sent."""
    deleted: list[int] = field(default_factory=list)
    drafts: list[DraftEvent] = field(default_factory=list)
    current_draft: DraftEvent | None = None
    blocked: bool = False
    refuse_drafts: bool = False

    @property
    def id(self) -> int:
        return int(self.payload["id"])

    def take_message_id(self) -> int:
        message_id = self.next_message_id
        self.next_message_id += 1
        return message_id


@dataclass
class WebhookConfig:
    url: str
    secret_token: str | None
    max_connections: int = 40
    last_error_date: int | None = None
    last_error_message: str | None = None


@dataclass
class PollTicket:
    """One getUpdates request that is waiting; a newer one (or setWebhook) terminates it with 409."""

    terminated_by: str | None = None


class BotState:
    """Everything the fake remembers for one bot token."""

    def __init__(self, bot_user: User, changes: Changes) -> None:
        self.bot_user = bot_user
        self.changes = changes
        self.chats: dict[int, ChatRecord] = {}
        self.updates: list[dict[str, Any]] = []
        self.next_update_id = FIRST_UPDATE_ID
        self.allowed_updates: frozenset[str] = frozenset()
        self.dropped_update_ids: list[int] = []
        self.webhook: WebhookConfig | None = None
        self.webhook_deliveries: list[WebhookDelivery] = []
        self.deliveries_paused = False
        self.active_poll: PollTicket | None = None
        self.calls: list[ApiCall] = []
        self.callback_queries: dict[str, bool] = {}
        """Callback query id -> answered."""
        self.callback_answers: list[CallbackAnswer] = []
        self.commands: dict[tuple[str, str], CommandSet] = {}
        self.menu_buttons: dict[int | None, dict[str, Any]] = {}
        self.failures = FailurePlan()
        self.flood = FloodControl()
        self.entity_refusals = 0
        self.update_timings: dict[int, UpdateTiming] = {}
        """Per update_id: when it was queued and first delivered by getUpdates (for benchmarks)."""
        self._counter = 0

    def serial(self) -> int:
        """A number unique within this bot, for file ids and callback query ids."""
        self._counter += 1
        return self._counter

    # Chats and messages

    def chat(self, chat_id: int) -> ChatRecord | None:
        return self.chats.get(chat_id)

    def ensure_chat(self, chat_id: int, payload: Callable[[], dict[str, Any]]) -> ChatRecord:
        """The chat with this id, created from ``payload()`` if it is new."""
        chat = self.chats.get(chat_id)
        if chat is None:
            chat = self.chats[chat_id] = ChatRecord(payload())
        return chat

    def find_message(self, chat_id: int, message_id: int) -> SentMessage | None:
        chat = self.chats.get(chat_id)
        return None if chat is None else chat.messages.get(message_id)

    def store_message(self, chat: ChatRecord, message: SentMessage) -> None:
        chat.messages[message.message_id] = message
        if message.from_bot:
            chat.current_draft = None  # a real message replaces the chat's draft
        self.changes.notify()

    # Updates

    def allows(self, update_type: str) -> bool:
        if not self.allowed_updates:
            return update_type not in DEFAULT_EXCLUDED_UPDATES
        return update_type in self.allowed_updates

    def add_update(self, update: dict[str, Any], *, filtered: bool = True) -> int:
        """Queue ``update`` (giving it an update_id if missing); types not allowed are dropped, as Telegram does.

        ``filtered=False`` queues it whatever its type, like an update Telegram
        created before the bot's allowed_updates took effect.
        """
        update_id = update.get("update_id")
        if not isinstance(update_id, int):
            update_id = self.next_update_id
            update = {"update_id": update_id, **update}
        self.next_update_id = max(self.next_update_id, update_id + 1)
        kinds = [key for key in update if key != "update_id"]
        if filtered and kinds and not self.allows(kinds[0]):
            self.dropped_update_ids.append(update_id)
            return update_id
        self.updates.append(update)
        self.updates.sort(key=lambda u: int(u["update_id"]))
        self.update_timings[update_id] = UpdateTiming(update_id, _chat_id_of(update), time.monotonic())
        self.changes.notify()
        return update_id

    def mark_delivered(self, updates: list[dict[str, Any]]) -> None:
        """Note when getUpdates first handed these updates to the bot."""
        now = time.monotonic()
        for update in updates:
            timing = self.update_timings.get(int(update["update_id"]))
            if timing is not None and timing.delivered_at is None:
                self.update_timings[timing.update_id] = UpdateTiming(
                    timing.update_id, timing.chat_id, timing.created_at, now
                )

    def confirm(self, offset: int) -> None:
        """Forget updates below ``offset``; a negative offset keeps only the last ``-offset`` updates."""
        before = len(self.updates)
        if offset < 0:
            self.updates = self.updates[offset:]
        else:
            self.updates = [u for u in self.updates if int(u["update_id"]) >= offset]
        if len(self.updates) != before:
            self.changes.notify()

    def start_poll(self) -> PollTicket:
        """Register a waiting getUpdates; the one it replaces is terminated."""
        self.terminate_poll("other getUpdates request; make sure that only one bot instance is running")
        self.active_poll = PollTicket()
        self.changes.notify()
        return self.active_poll

    def terminate_poll(self, reason: str) -> None:
        if self.active_poll is not None:
            self.active_poll.terminated_by = reason
            self.active_poll = None
            self.changes.notify()

    def end_poll(self, ticket: PollTicket) -> None:
        if self.active_poll is ticket:
            self.active_poll = None
            self.changes.notify()

    # Records

    def record_call(self, method: str, params: dict[str, Any]) -> int:
        """Record a Bot API call; returns its index for :meth:`finish_call`."""
        self.calls.append(ApiCall(method=method, params=params, at=time.monotonic()))
        self.changes.notify()
        return len(self.calls) - 1

    def finish_call(self, index: int, status: int | None, description: str | None = None) -> None:
        call = self.calls[index]
        self.calls[index] = ApiCall(call.method, call.params, call.at, status, description)
        self.changes.notify()

    def check_entity_refusal(self) -> BotApiError | None:
        """The error for a call with formatting while the test has asked to refuse entities."""
        if self.entity_refusals <= 0:
            return None
        self.entity_refusals -= 1
        return BotApiError(400, "Bad Request: can't parse entities: refused by the fake on request of the test")


def _chat_id_of(update: dict[str, Any]) -> int | None:
    for key, value in update.items():
        if key == "update_id" or not isinstance(value, dict):
            continue
        chat = value.get("chat") or (value.get("message") or {}).get("chat")
        if isinstance(chat, dict) and isinstance(chat.get("id"), int):
            return int(chat["id"])
    return None
