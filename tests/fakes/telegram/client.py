"""FakeTelegramClient: the control API of a fake running in another process, over HTTP (httpx)."""

from __future__ import annotations

from collections.abc import Callable
from types import TracebackType
from typing import Any, Self, TypeVar

import httpx

from tests.fakes.telegram.entities import Entity
from tests.fakes.telegram.errors import CONTROL_ERRORS, ControlRequestError
from tests.fakes.telegram.models import (
    DEFAULT_TOKEN,
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

T = TypeVar("T")
# Extra seconds a long-poll wait may take over its own timeout before the HTTP request gives up.
_WAIT_SLACK = 5.0


class FakeTelegramClient:
    """Same methods as :class:`FakeTelegram`, talking to ``/_control/`` of a fake at ``url``.

    ``control_url`` is the fake's separate control port, which answers even while the
    Bot API is down; without it go_down() would cut the client off from come_up().
    """

    def __init__(self, url: str, *, control_url: str | None = None, token: str = DEFAULT_TOKEN) -> None:
        self._url = url.rstrip("/")
        self.control_url = (control_url or url).rstrip("/")
        self._token = token
        self._http = httpx.AsyncClient(base_url=f"{self.control_url}/_control/", timeout=30.0)

    @property
    def url(self) -> str:
        return self._url

    @property
    def token(self) -> str:
        return self._token

    async def __aenter__(self) -> Self:
        return self

    async def __aexit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        await self.aclose()

    async def aclose(self) -> None:
        await self._http.aclose()

    async def _call(self, name: str, wait: float | None = None, /, **arguments: Any) -> Any:
        """POST one control request (a long poll of up to ``wait`` seconds); raise what the fake raised."""
        body = {key: value for key, value in arguments.items() if value is not None}
        timeout = 30.0 if wait is None else wait + _WAIT_SLACK
        response = await self._http.post(name, json=body, timeout=timeout)
        data = response.json()
        if response.status_code != 200 or "error" in data:
            error_class = CONTROL_ERRORS.get(data.get("error", ""), ControlRequestError)
            raise error_class(data.get("message", response.text))
        return data["result"]

    @staticmethod
    def _list(data: list[dict[str, Any]], parse: Callable[[dict[str, Any]], T]) -> list[T]:
        return [parse(item) for item in data]

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
        return int(
            await self._call(
                "send_message",
                chat_id=chat_id,
                text=text,
                user=None if user is None else user.to_dict(),
                chat_type=chat_type,
                title=title,
                entities=entities,
                caption=caption,
                caption_entities=caption_entities,
                kind=kind,
                reply_to_message_id=reply_to_message_id,
                mention_bot=mention_bot,
            )
        )

    async def edit_user_message(
        self, chat_id: int, message_id: int, text: str, *, entities: list[Entity] | None = None
    ) -> int:
        return int(
            await self._call("edit_user_message", chat_id=chat_id, message_id=message_id, text=text, entities=entities)
        )

    async def send_channel_post(
        self, chat_id: int, text: str, *, title: str = "Channel", entities: list[Entity] | None = None
    ) -> int:
        return int(await self._call("send_channel_post", chat_id=chat_id, text=text, title=title, entities=entities))

    async def send_raw_update(self, update: dict[str, Any], *, ignore_allowed_updates: bool = False) -> int:
        return int(
            await self._call("send_raw_update", update=update, ignore_allowed_updates=ignore_allowed_updates or None)
        )

    async def press_button(self, chat_id: int, message_id: int, data: str, *, user: User | None = None) -> int:
        user_data = None if user is None else user.to_dict()
        return int(await self._call("press_button", chat_id=chat_id, message_id=message_id, data=data, user=user_data))

    async def press_stop(self, chat_id: int, draft_id: int) -> int:
        return int(await self._call("press_stop", chat_id=chat_id, draft_id=draft_id))

    async def delete_message(self, chat_id: int, message_id: int) -> None:
        await self._call("delete_message", chat_id=chat_id, message_id=message_id)

    async def block_bot(self, chat_id: int) -> int:
        return int(await self._call("block_bot", chat_id=chat_id))

    async def unblock_bot(self, chat_id: int) -> int:
        return int(await self._call("unblock_bot", chat_id=chat_id))

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
        await self._call(
            "fail_next",
            method=method,
            times=times,
            status=status,
            description=description,
            retry_after=retry_after,
            raw_body=raw_body,
            after_effect=after_effect,
        )

    async def flood_control(
        self,
        enabled: bool = True,
        *,
        per_chat_per_second: float = 1.0,
        burst: int = 3,
        per_group_per_minute: int = 20,
        global_per_second: int = 30,
    ) -> None:
        await self._call(
            "flood_control",
            enabled=enabled,
            per_chat_per_second=per_chat_per_second,
            burst=burst,
            per_group_per_minute=per_group_per_minute,
            global_per_second=global_per_second,
        )

    async def refuse_drafts(self, chat_id: int, refuse: bool = True) -> None:
        await self._call("refuse_drafts", chat_id=chat_id, refuse=refuse)

    async def refuse_entities(self, times: int = 1) -> None:
        await self._call("refuse_entities", times=times)

    async def go_down(self) -> None:
        await self._call("go_down")

    async def come_up(self) -> None:
        await self._call("come_up")

    async def set_latency(self, seconds: float) -> None:
        await self._call("set_latency", seconds=seconds)

    async def reset(self) -> None:
        await self._call("reset")

    # Inspection

    async def messages(self, chat_id: int) -> list[SentMessage]:
        return self._list(await self._call("messages", chat_id=chat_id), SentMessage.from_dict)

    async def bot_messages(self, chat_id: int) -> list[SentMessage]:
        return self._list(await self._call("bot_messages", chat_id=chat_id), SentMessage.from_dict)

    async def drafts(self, chat_id: int) -> list[DraftEvent]:
        return self._list(await self._call("drafts", chat_id=chat_id), DraftEvent.from_dict)

    async def current_draft(self, chat_id: int) -> DraftEvent | None:
        data = await self._call("current_draft", chat_id=chat_id)
        return None if data is None else DraftEvent.from_dict(data)

    async def calls(self, method: str | None = None, *, chat_id: int | None = None) -> list[ApiCall]:
        return self._list(await self._call("calls", method=method, chat_id=chat_id), ApiCall.from_dict)

    async def call_timings(self, since: int = 0) -> list[CallTiming]:
        return [CallTiming.from_json(item) for item in await self._call("call_timings", since=since)]

    async def update_timings(self) -> list[UpdateTiming]:
        return [UpdateTiming.from_json(item) for item in await self._call("update_timings")]

    async def commands(self) -> list[CommandSet]:
        return self._list(await self._call("commands"), CommandSet.from_dict)

    async def pending_updates(self) -> list[dict[str, Any]]:
        return list(await self._call("pending_updates"))

    async def callback_answers(self) -> list[CallbackAnswer]:
        return self._list(await self._call("callback_answers"), CallbackAnswer.from_dict)

    async def webhook_deliveries(self) -> list[WebhookDelivery]:
        return self._list(await self._call("webhook_deliveries"), WebhookDelivery.from_dict)

    # Waiting

    async def wait_for_bot_messages(self, chat_id: int, count: int = 1, *, timeout: float = 10.0) -> list[SentMessage]:
        data = await self._call("wait/bot_messages", timeout, chat_id=chat_id, count=count, timeout=timeout)
        return self._list(data, SentMessage.from_dict)

    async def wait_for_edits(
        self, chat_id: int, message_id: int, count: int = 1, *, timeout: float = 10.0
    ) -> SentMessage:
        data = await self._call(
            "wait/edits", timeout, chat_id=chat_id, message_id=message_id, count=count, timeout=timeout
        )
        return SentMessage.from_dict(data)

    async def wait_for_drafts(self, chat_id: int, count: int = 1, *, timeout: float = 10.0) -> list[DraftEvent]:
        data = await self._call("wait/drafts", timeout, chat_id=chat_id, count=count, timeout=timeout)
        return self._list(data, DraftEvent.from_dict)

    async def wait_for_calls(
        self, method: str, count: int = 1, *, chat_id: int | None = None, timeout: float = 10.0
    ) -> list[ApiCall]:
        data = await self._call("wait/calls", timeout, method=method, count=count, chat_id=chat_id, timeout=timeout)
        return self._list(data, ApiCall.from_dict)

    async def wait_for_callback_answers(self, count: int = 1, *, timeout: float = 10.0) -> list[CallbackAnswer]:
        data = await self._call("wait/callback_answers", timeout, count=count, timeout=timeout)
        return self._list(data, CallbackAnswer.from_dict)

    async def wait_for_webhook_deliveries(
        self, count: int = 1, *, ok_only: bool = False, timeout: float = 10.0
    ) -> list[WebhookDelivery]:
        data = await self._call("wait/webhook_deliveries", timeout, count=count, ok_only=ok_only, timeout=timeout)
        return self._list(data, WebhookDelivery.from_dict)

    async def wait_for_polling(self, *, timeout: float = 10.0) -> None:
        await self._call("wait/polling", timeout, timeout=timeout)

    async def wait_for_no_pending_updates(self, *, timeout: float = 10.0) -> None:
        await self._call("wait/no_pending_updates", timeout, timeout=timeout)
