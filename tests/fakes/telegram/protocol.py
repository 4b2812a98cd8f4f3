"""TelegramControl: the one interface of the fake, in-process (FakeTelegram) or over HTTP (FakeTelegramClient)."""

from __future__ import annotations

from typing import Any, Protocol

from tests.fakes.telegram.entities import Entity
from tests.fakes.telegram.models import (
    ApiCall,
    CallbackAnswer,
    ChatType,
    CommandSet,
    DraftEvent,
    MessageKind,
    SentMessage,
    User,
    WebhookDelivery,
)


class TelegramControl(Protocol):
    """Drive the fake as Telegram's users would, break it on purpose, and look at what the bot did."""

    @property
    def url(self) -> str:
        """Base URL of the Bot API, for ``TelegramAPIServer.from_base``."""
        ...

    @property
    def token(self) -> str: ...

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
    ) -> int: ...
    async def edit_user_message(
        self, chat_id: int, message_id: int, text: str, *, entities: list[Entity] | None = None
    ) -> int: ...
    async def send_channel_post(
        self, chat_id: int, text: str, *, title: str = "Channel", entities: list[Entity] | None = None
    ) -> int: ...
    async def send_raw_update(self, update: dict[str, Any]) -> int: ...
    async def press_button(self, chat_id: int, message_id: int, data: str, *, user: User | None = None) -> int: ...
    async def press_stop(self, chat_id: int, draft_id: int) -> int: ...
    async def block_bot(self, chat_id: int) -> int: ...
    async def unblock_bot(self, chat_id: int) -> int: ...

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
    ) -> None: ...
    async def flood_control(
        self,
        enabled: bool = True,
        *,
        per_chat_per_second: float = 1.0,
        burst: int = 3,
        per_group_per_minute: int = 20,
        global_per_second: int = 30,
    ) -> None: ...
    async def refuse_drafts(self, chat_id: int, refuse: bool = True) -> None: ...
    async def refuse_entities(self, times: int = 1) -> None: ...
    async def go_down(self) -> None: ...
    async def come_up(self) -> None: ...
    async def set_latency(self, seconds: float) -> None: ...
    async def reset(self) -> None:
        """Forget everything and be up again, as if just started."""
        ...

    # Inspection
    async def messages(self, chat_id: int) -> list[SentMessage]: ...
    async def bot_messages(self, chat_id: int) -> list[SentMessage]: ...
    async def drafts(self, chat_id: int) -> list[DraftEvent]: ...
    async def current_draft(self, chat_id: int) -> DraftEvent | None: ...
    async def calls(self, method: str | None = None, *, chat_id: int | None = None) -> list[ApiCall]: ...
    async def commands(self) -> list[CommandSet]: ...
    async def pending_updates(self) -> list[dict[str, Any]]: ...
    async def callback_answers(self) -> list[CallbackAnswer]: ...
    async def webhook_deliveries(self) -> list[WebhookDelivery]: ...

    # Waiting: each raises FakeTimeout (a TimeoutError) saying what it expected and what it found
    async def wait_for_bot_messages(
        self, chat_id: int, count: int = 1, *, timeout: float = 10.0
    ) -> list[SentMessage]: ...
    async def wait_for_edits(
        self, chat_id: int, message_id: int, count: int = 1, *, timeout: float = 10.0
    ) -> SentMessage: ...
    async def wait_for_drafts(self, chat_id: int, count: int = 1, *, timeout: float = 10.0) -> list[DraftEvent]: ...
    async def wait_for_calls(
        self, method: str, count: int = 1, *, chat_id: int | None = None, timeout: float = 10.0
    ) -> list[ApiCall]: ...
    async def wait_for_callback_answers(self, count: int = 1, *, timeout: float = 10.0) -> list[CallbackAnswer]: ...
    async def wait_for_webhook_deliveries(
        self, count: int = 1, *, ok_only: bool = False, timeout: float = 10.0
    ) -> list[WebhookDelivery]: ...
    async def wait_for_polling(self, *, timeout: float = 10.0) -> None: ...
    async def wait_for_no_pending_updates(self, *, timeout: float = 10.0) -> None: ...
