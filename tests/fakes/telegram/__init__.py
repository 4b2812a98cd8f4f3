"""A fake Telegram Bot API server for tests, over real HTTP on 127.0.0.1.

In-process::

    async with FakeTelegram() as tg:
        bot = Bot(tg.token, session=AiohttpSession(api=TelegramAPIServer.from_base(tg.url)))
        await tg.send_message(1001, "hello")
        [reply] = await tg.wait_for_bot_messages(1001)

In its own process (for tests that kill the bot)::

    async with FakeTelegramProcess() as tg:   # tg is a FakeTelegramClient
        ...

Both offer :class:`TelegramControl`. The rules it enforces are Telegram's: see the
modules formatting (text limits, entities, parse modes), bot_api (methods) and state
(updates and long polling).
"""

from typing import TYPE_CHECKING, Any

from tests.fakes.telegram.entities import Entity, utf16_length
from tests.fakes.telegram.errors import (
    BotApiError,
    ButtonNotFound,
    FakeTelegramError,
    FakeTimeout,
    MessageNotFound,
    StopButtonNotShown,
)
from tests.fakes.telegram.fake import FakeTelegram
from tests.fakes.telegram.formatting import FormattedText, format_text
from tests.fakes.telegram.models import (
    BOT_FIRST_NAME,
    BOT_ID,
    BOT_USERNAME,
    DEFAULT_TOKEN,
    ApiCall,
    CallbackAnswer,
    CallTiming,
    CommandSet,
    DraftEvent,
    Edit,
    SentMessage,
    UpdateTiming,
    User,
    WebhookDelivery,
)
from tests.fakes.telegram.protocol import TelegramControl
from tests.fakes.telegram.simulate import with_bot_mention

if TYPE_CHECKING:
    from tests.fakes.telegram.client import FakeTelegramClient
    from tests.fakes.telegram.process import FakeTelegramProcess, FakeTelegramProcessError

# The HTTP client (httpx) loads on first use, so the fake's own process starts faster.
_LAZY = {
    "FakeTelegramClient": "tests.fakes.telegram.client",
    "FakeTelegramProcess": "tests.fakes.telegram.process",
    "FakeTelegramProcessError": "tests.fakes.telegram.process",
}


def __getattr__(name: str) -> Any:
    if name in _LAZY:
        import importlib

        return getattr(importlib.import_module(_LAZY[name]), name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


__all__ = [
    "BOT_FIRST_NAME",
    "BOT_ID",
    "BOT_USERNAME",
    "DEFAULT_TOKEN",
    "ApiCall",
    "BotApiError",
    "ButtonNotFound",
    "CallTiming",
    "CallbackAnswer",
    "CommandSet",
    "DraftEvent",
    "Edit",
    "Entity",
    "FakeTelegram",
    "FakeTelegramClient",
    "FakeTelegramError",
    "FakeTelegramProcess",
    "FakeTelegramProcessError",
    "FakeTimeout",
    "FormattedText",
    "MessageNotFound",
    "SentMessage",
    "StopButtonNotShown",
    "TelegramControl",
    "UpdateTiming",
    "User",
    "WebhookDelivery",
    "format_text",
    "utf16_length",
    "with_bot_mention",
]
