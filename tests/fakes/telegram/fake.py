"""FakeTelegram: the in-process fake, with the control, fault and inspection API tests use.

Every method here is also reachable over HTTP under /_control/ (see control_http) and
through :class:`FakeTelegramClient`, so a test can be written against
:class:`TelegramControl` and run against either.
"""

from __future__ import annotations

import copy
from collections.abc import Callable
from types import TracebackType
from typing import Any, Self, TypeVar

from aiohttp import web

from tests.fakes.telegram import simulate
from tests.fakes.telegram.control_http import add_control_routes
from tests.fakes.telegram.entities import Entity
from tests.fakes.telegram.faults import PlannedFailure, describe_status
from tests.fakes.telegram.models import (
    ApiCall,
    CallbackAnswer,
    CallTiming,
    ChatType,
    CommandSet,
    DraftEvent,
    MessageKind,
    SentMessage,
    UpdateTiming,
    User,
    WebhookDelivery,
)
from tests.fakes.telegram.server import FakeTelegramServer

T = TypeVar("T")


class FakeTelegram(FakeTelegramServer):
    """A fake Telegram Bot API server in the test's event loop.

    ``async with FakeTelegram() as tg:`` listens on 127.0.0.1 on a free port; point
    aiogram at ``tg.url`` and use ``tg.token``. The control methods act on that token's bot.
    """

    async def __aenter__(self) -> Self:
        await self.start()
        return self

    async def __aexit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        await self.stop()

    def add_control_routes(self, app: web.Application) -> None:
        add_control_routes(app, self)

    # Simulating users

    async def send_message(
        self,
        chat_id: int,
        text: str | None = None,
        *,
        user: User | None = None,
        chat_type: ChatType | None = None,
        title: str | None = None,
        entities: list[Entity] | None = None,
        caption: str | None = None,
        caption_entities: list[Entity] | None = None,
        kind: MessageKind = "text",
        reply_to_message_id: int | None = None,
        mention_bot: bool = False,
    ) -> int:
        """A user sends a message; returns the update_id.

        Positive chat ids are private chats (chat id == user id); negative ones are groups
        (``chat_type`` "group" or, by default, "supergroup"). ``mention_bot`` prefixes
        "@assistant_test_bot " with its mention entity. Without ``entities``, /commands and
        @mentions get the entities Telegram adds.
        """
        chat, sender = simulate.user_chat(self.state, chat_id, chat_type, user, title)
        if mention_bot:
            text, entities = simulate.with_bot_mention(text or "", entities)
        message = simulate.user_message(
            self.state,
            chat,
            sender,
            kind=kind,
            text=text,
            entities=entities,
            caption=caption,
            caption_entities=caption_entities,
            reply_to_message_id=reply_to_message_id,
        )
        return self.state.add_update({"message": copy.deepcopy(message.raw)})

    async def edit_user_message(
        self, chat_id: int, message_id: int, text: str, *, entities: list[Entity] | None = None
    ) -> int:
        """A user edits their text message; returns the update_id of the ``edited_message``."""
        edited = simulate.edit_user_text(self.state, chat_id, message_id, text, entities)
        return self.state.add_update({"edited_message": edited})

    async def send_channel_post(
        self, chat_id: int, text: str, *, title: str = "Channel", entities: list[Entity] | None = None
    ) -> int:
        """A post in a channel where the bot is an admin; returns the update_id."""
        if chat_id >= 0:
            raise ValueError("channels have negative ids")
        payload = {"id": chat_id, "type": "channel", "title": title}
        chat = self.state.ensure_chat(chat_id, lambda: payload)
        message = simulate.user_message(
            self.state,
            chat,
            User(id=136817688, first_name="Channel", username="Channel_Bot", is_bot=True),
            kind="text",
            text=text,
            entities=entities,
            caption=None,
            caption_entities=None,
            reply_to_message_id=None,
        )
        raw = copy.deepcopy(message.raw)
        del raw["from"]
        raw["sender_chat"] = chat.payload
        return self.state.add_update({"channel_post": raw})

    async def send_raw_update(self, update: dict[str, Any], *, ignore_allowed_updates: bool = False) -> int:
        """Queue any update as given (an update_id is added if missing); returns its update_id.

        A type the bot did not ask for in ``allowed_updates`` is dropped, as Telegram
        does, unless ``ignore_allowed_updates`` (Telegram still delivers updates
        created before the bot's ``allowed_updates`` took effect).
        """
        return self.state.add_update(copy.deepcopy(update), filtered=not ignore_allowed_updates)

    async def press_button(self, chat_id: int, message_id: int, data: str, *, user: User | None = None) -> int:
        """A user presses the inline button with ``data`` on a bot message (ButtonNotFound if it is not there)."""
        presser = user or (User(id=chat_id) if chat_id > 0 else User())
        query = simulate.callback_query(self.state, chat_id, message_id, data, presser)
        return self.state.add_update({"callback_query": query})

    async def press_stop(self, chat_id: int, draft_id: int) -> int:
        """The user presses the stop button of the chat's current draft (StopButtonNotShown if there is none)."""
        payload = simulate.stop_generation(self.state, chat_id, draft_id)
        return self.state.add_update({"stopped_message_generation": payload})

    async def delete_message(self, chat_id: int, message_id: int) -> None:
        """Someone (the user, an admin) deletes a message; the bot gets no update, as with Telegram.

        Editing it afterwards answers 400 "Bad Request: message to edit not found".
        """
        chat = self.state.chat(chat_id)
        if chat is None or message_id not in chat.messages:
            raise ValueError(f"no message {message_id} in chat {chat_id}")
        del chat.messages[message_id]
        chat.deleted.append(message_id)
        self.state.changes.notify()

    async def block_bot(self, chat_id: int) -> int:
        """The user blocks the bot: a my_chat_member update, then sends to the chat answer 403."""
        chat, user = simulate.user_chat(self.state, chat_id, None, None, None)
        return self.state.add_update({"my_chat_member": simulate.member_change(self.state, chat, user, blocked=True)})

    async def unblock_bot(self, chat_id: int) -> int:
        chat, user = simulate.user_chat(self.state, chat_id, None, None, None)
        return self.state.add_update({"my_chat_member": simulate.member_change(self.state, chat, user, blocked=False)})

    # Faults

    async def fail_next(
        self,
        method: str,
        times: int = 1,
        *,
        status: int = 500,
        description: str | None = None,
        retry_after: int | None = None,
        raw_body: str | None = None,
        after_effect: bool = False,
    ) -> None:
        """The next ``times`` calls of ``method`` answer ``status`` (429 carries retry_after, default 1).

        ``raw_body`` sends a non-JSON body instead (like nginx's 502 page); ``after_effect``
        performs the call before answering with the error (the answer was lost, not the effect).
        """
        if status == 429 and retry_after is None:
            retry_after = 1
        failure = PlannedFailure(
            status=status,
            description=description or describe_status(status, retry_after),
            retry_after=retry_after,
            raw_body=raw_body,
            after_effect=after_effect,
        )
        self.state.failures.add(method, failure, times)

    async def flood_control(
        self,
        enabled: bool = True,
        *,
        per_chat_per_second: float = 1.0,
        burst: int = 3,
        per_group_per_minute: int = 20,
        global_per_second: int = 30,
    ) -> None:
        """Answer sendMessage/editMessageText over these rates with 429 "Too Many Requests: retry after N"."""
        self.state.flood.configure(
            enabled=enabled,
            per_chat_per_second=per_chat_per_second,
            burst=burst,
            per_group_per_minute=per_group_per_minute,
            global_per_second=global_per_second,
        )

    async def refuse_drafts(self, chat_id: int, refuse: bool = True) -> None:
        """sendMessageDraft to this chat answers 400 "the method is not available for this chat"."""
        chat, _user = simulate.user_chat(self.state, chat_id, None, None, None)
        chat.refuse_drafts = refuse

    async def refuse_entities(self, times: int = 1) -> None:
        """The next ``times`` sends/edits/drafts with entities or parse_mode answer "can't parse entities"."""
        self.state.entity_refusals = times

    async def set_latency(self, seconds: float) -> None:
        """Delay every Bot API answer by ``seconds`` (the call itself takes effect at once)."""
        self.latency = seconds

    async def reset(self) -> None:
        """Forget everything (chats, updates, records, faults, webhooks) and be up again, as if just started.

        For a fake that outlives one test, e.g. one process shared by a module.
        """
        await self.come_up()
        for bot in self._bots.values():
            await bot.webhook.stop()
            bot.state.terminate_poll("reset of the fake")
        self._bots.clear()
        self.state = self.context(self.token).state
        self.latency = 0.0
        self.changes.notify()

    # Inspection

    async def messages(self, chat_id: int) -> list[SentMessage]:
        """The chat's visible history in order, user and bot messages."""
        chat = self.state.chat(chat_id)
        return [] if chat is None else copy.deepcopy(list(chat.messages.values()))

    async def bot_messages(self, chat_id: int) -> list[SentMessage]:
        return [message for message in await self.messages(chat_id) if message.from_bot]

    async def drafts(self, chat_id: int) -> list[DraftEvent]:
        """Every draft the bot streamed to the chat, in order."""
        chat = self.state.chat(chat_id)
        return [] if chat is None else list(chat.drafts)

    async def current_draft(self, chat_id: int) -> DraftEvent | None:
        """The draft the chat shows now (gone once the bot sends a message there)."""
        chat = self.state.chat(chat_id)
        return None if chat is None else chat.current_draft

    async def calls(self, method: str | None = None, *, chat_id: int | None = None) -> list[ApiCall]:
        """Bot API requests in order, optionally of one method (any case) and/or to one chat."""
        return copy.deepcopy(_filter_calls(self.state.calls, method, chat_id))

    async def call_timings(self, since: int = 0) -> list[CallTiming]:
        """Bot API requests from index ``since`` on, without their parameters (cheap for many calls)."""
        calls = self.state.calls
        return [CallTiming.of(index, calls[index]) for index in range(max(since, 0), len(calls))]

    async def update_timings(self) -> list[UpdateTiming]:
        """Every update queued for the bot: when it became available and when getUpdates first carried it."""
        return list(self.state.update_timings.values())

    async def commands(self) -> list[CommandSet]:
        return list(self.state.commands.values())

    async def pending_updates(self) -> list[dict[str, Any]]:
        """Updates not yet confirmed by the bot."""
        return copy.deepcopy(self.state.updates)

    async def callback_answers(self) -> list[CallbackAnswer]:
        return list(self.state.callback_answers)

    async def webhook_deliveries(self) -> list[WebhookDelivery]:
        return list(self.state.webhook_deliveries)

    # Waiting

    async def wait_for(
        self, predicate: Callable[[], bool], *, timeout: float = 10.0, expected: str = "a condition"
    ) -> None:
        """Wait until ``predicate()`` holds, re-checking on every change (in-process only)."""
        await self._wait(lambda: True if predicate() else None, timeout, lambda: f"expected {expected}")

    async def _wait(self, check: Callable[[], T | None], timeout: float, describe: Callable[[], str]) -> T:
        return await self.changes.wait_value(check, timeout=timeout, describe=lambda: f"{describe()} within {timeout}s")

    async def wait_for_bot_messages(self, chat_id: int, count: int = 1, *, timeout: float = 10.0) -> list[SentMessage]:
        """Wait until the chat shows at least ``count`` bot messages; returns them all."""

        def check() -> list[SentMessage] | None:
            chat = self.state.chat(chat_id)
            found = [] if chat is None else [m for m in chat.messages.values() if m.from_bot]
            return copy.deepcopy(found) if len(found) >= count else None

        def describe() -> str:
            chat = self.state.chat(chat_id)
            found = [] if chat is None else [m.text for m in chat.messages.values() if m.from_bot]
            return f"expected {count} bot message(s) in chat {chat_id}, found {len(found)}: {found!r}"

        return await self._wait(check, timeout, describe)

    async def wait_for_edits(
        self, chat_id: int, message_id: int, count: int = 1, *, timeout: float = 10.0
    ) -> SentMessage:
        """Wait until the message has been edited at least ``count`` times; returns it."""

        def check() -> SentMessage | None:
            message = self.state.find_message(chat_id, message_id)
            return copy.deepcopy(message) if message is not None and message.edit_count >= count else None

        def describe() -> str:
            message = self.state.find_message(chat_id, message_id)
            edits = "no such message" if message is None else f"{message.edit_count} edit(s), text {message.text!r}"
            return f"expected {count} edit(s) of message {message_id} in chat {chat_id}, found {edits}"

        return await self._wait(check, timeout, describe)

    async def wait_for_drafts(self, chat_id: int, count: int = 1, *, timeout: float = 10.0) -> list[DraftEvent]:
        """Wait until at least ``count`` drafts were streamed to the chat; returns them all."""

        def check() -> list[DraftEvent] | None:
            chat = self.state.chat(chat_id)
            return list(chat.drafts) if chat is not None and len(chat.drafts) >= count else None

        def describe() -> str:
            chat = self.state.chat(chat_id)
            texts = [] if chat is None else [d.text for d in chat.drafts]
            return f"expected {count} draft(s) in chat {chat_id}, found {len(texts)}: {texts!r}"

        return await self._wait(check, timeout, describe)

    async def wait_for_calls(
        self, method: str, count: int = 1, *, chat_id: int | None = None, timeout: float = 10.0
    ) -> list[ApiCall]:
        """Wait until ``method`` was called at least ``count`` times (to ``chat_id`` if given); returns the calls."""

        def check() -> list[ApiCall] | None:
            found = _filter_calls(self.state.calls, method, chat_id)
            return copy.deepcopy(found) if len(found) >= count else None

        def describe() -> str:
            found = len(_filter_calls(self.state.calls, method, chat_id))
            recent = [call.method for call in self.state.calls[-10:]]
            return f"expected {count} {method} call(s), found {found}; last calls: {recent}"

        return await self._wait(check, timeout, describe)

    async def wait_for_callback_answers(self, count: int = 1, *, timeout: float = 10.0) -> list[CallbackAnswer]:
        def check() -> list[CallbackAnswer] | None:
            answers = self.state.callback_answers
            return list(answers) if len(answers) >= count else None

        return await self._wait(
            check, timeout, lambda: f"expected {count} callback answer(s), found {len(self.state.callback_answers)}"
        )

    async def wait_for_webhook_deliveries(
        self, count: int = 1, *, ok_only: bool = False, timeout: float = 10.0
    ) -> list[WebhookDelivery]:
        """Wait until at least ``count`` webhook attempts (accepted ones if ``ok_only``) were made."""

        def matching() -> list[WebhookDelivery]:
            return [d for d in self.state.webhook_deliveries if d.ok or not ok_only]

        def check() -> list[WebhookDelivery] | None:
            found = matching()
            return found if len(found) >= count else None

        return await self._wait(check, timeout, lambda: f"expected {count} webhook deliveries, found {matching()}")

    async def wait_for_polling(self, *, timeout: float = 10.0) -> None:
        """Wait until the bot has a getUpdates request waiting (it is up and listening)."""
        await self._wait(
            lambda: True if self.state.active_poll is not None else None,
            timeout,
            lambda: f"expected a waiting getUpdates; {len(_filter_calls(self.state.calls, 'getUpdates', None))} so far",
        )

    async def wait_for_no_pending_updates(self, *, timeout: float = 10.0) -> None:
        """Wait until the bot confirmed every update."""
        await self._wait(
            lambda: True if not self.state.updates else None,
            timeout,
            lambda: f"expected every update confirmed; pending ids {[u['update_id'] for u in self.state.updates]}",
        )


def _filter_calls(calls: list[ApiCall], method: str | None, chat_id: int | None) -> list[ApiCall]:
    return [
        call
        for call in calls
        if (method is None or call.method.lower() == method.lower())
        and (chat_id is None or str(call.params.get("chat_id")) == str(chat_id))
    ]
