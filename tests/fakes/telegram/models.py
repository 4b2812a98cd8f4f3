"""What the fake records and shows to tests. Plain dataclasses that round-trip through JSON."""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass, field
from typing import Any, Literal, TypeVar

from tests.fakes.telegram.entities import Entity, utf16_slice

BOT_ID = 123456789
BOT_USERNAME = "assistant_test_bot"
BOT_FIRST_NAME = "Assistant"
DEFAULT_TOKEN = f"{BOT_ID}:AAHfakeTelegramTokenForTests_012345"

ChatType = Literal["private", "group", "supergroup", "channel"]
MessageKind = Literal["text", "sticker", "photo", "voice", "document", "video", "location"]

_T = TypeVar("_T")


def _from_dict(cls: type[_T], data: dict[str, Any]) -> _T:
    names = {f.name for f in dataclasses.fields(cls)}  # type: ignore[arg-type]
    return cls(**{key: value for key, value in data.items() if key in names})


@dataclass(frozen=True)
class User:
    """A Telegram user the test plays. In a private chat the chat id equals the user id."""

    id: int = 1001
    first_name: str = "Alice"
    last_name: str | None = None
    username: str | None = "alice"
    language_code: str | None = "en"
    is_bot: bool = False

    def to_api(self) -> dict[str, Any]:
        """The Bot API ``User`` object."""
        data: dict[str, Any] = {"id": self.id, "is_bot": self.is_bot, "first_name": self.first_name}
        for name in ("last_name", "username", "language_code"):
            if getattr(self, name) is not None:
                data[name] = getattr(self, name)
        return data

    def to_dict(self) -> dict[str, Any]:
        return dataclasses.asdict(self)

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> User:
        return _from_dict(cls, data)


BOT_USER = User(id=BOT_ID, first_name=BOT_FIRST_NAME, username=BOT_USERNAME, language_code=None, is_bot=True)


@dataclass(frozen=True)
class Edit:
    """One state of a message: the original send or a later edit."""

    text: str | None
    entities: list[Entity]
    reply_markup: dict[str, Any] | None
    at: float
    """time.monotonic() of the call, comparable across processes on this machine."""


@dataclass
class SentMessage:
    """A message visible in a chat, from a user or from the bot, as it looks now."""

    chat_id: int
    message_id: int
    from_bot: bool
    kind: MessageKind
    text: str | None
    entities: list[Entity]
    reply_markup: dict[str, Any] | None
    reply_to_message_id: int | None
    date: int
    user_id: int | None = None
    caption: str | None = None
    message_thread_id: int | None = None
    history: list[Edit] = field(default_factory=list)
    """Every state of the message, oldest first: the original send, then each edit."""
    raw: dict[str, Any] = field(default_factory=dict)
    """The Bot API ``Message`` object as last sent to or returned to the bot."""

    @property
    def edit_count(self) -> int:
        return max(len(self.history) - 1, 0)

    def entity_texts(self) -> list[tuple[str, str]]:
        """(entity type, covered text) pairs, e.g. [("bold", "Hello")], to assert on formatting."""
        text = self.text or ""
        return [(e["type"], utf16_slice(text, e["offset"], e["length"])) for e in self.entities]

    def callback_data(self) -> list[str]:
        """Every callback_data of the inline keyboard, row by row."""
        rows = (self.reply_markup or {}).get("inline_keyboard", [])
        return [button["callback_data"] for row in rows for button in row if "callback_data" in button]

    def to_dict(self) -> dict[str, Any]:
        return dataclasses.asdict(self)

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> SentMessage:
        message = _from_dict(cls, data)
        message.history = [_from_dict(Edit, edit) for edit in data.get("history", [])]
        return message


@dataclass(frozen=True)
class DraftEvent:
    """One sendMessageDraft call that the chat showed."""

    chat_id: int
    draft_id: int
    text: str
    entities: list[Entity]
    can_stop: bool
    keep_on_stop: bool
    message_thread_id: int | None
    at: float

    def to_dict(self) -> dict[str, Any]:
        return dataclasses.asdict(self)

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> DraftEvent:
        return _from_dict(cls, data)


@dataclass(frozen=True)
class ApiCall:
    """One Bot API request: its method (as Telegram names it), decoded parameters and outcome."""

    method: str
    params: dict[str, Any]
    at: float
    status: int | None = None
    """HTTP status answered; None while in flight or when the connection was cut."""
    description: str | None = None

    @property
    def chat_id(self) -> Any:
        return self.params.get("chat_id")

    def to_dict(self) -> dict[str, Any]:
        return dataclasses.asdict(self)

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> ApiCall:
        return _from_dict(cls, data)


@dataclass(frozen=True)
class CallbackAnswer:
    """An answerCallbackQuery call for a button a user pressed."""

    callback_query_id: str
    text: str | None
    show_alert: bool
    url: str | None
    at: float

    def to_dict(self) -> dict[str, Any]:
        return dataclasses.asdict(self)

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> CallbackAnswer:
        return _from_dict(cls, data)


@dataclass(frozen=True)
class CommandSet:
    """The commands set for one (scope, language_code) with setMyCommands."""

    scope: dict[str, Any]
    language_code: str
    commands: list[dict[str, str]]

    def to_dict(self) -> dict[str, Any]:
        return dataclasses.asdict(self)

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> CommandSet:
        return _from_dict(cls, data)


@dataclass(frozen=True)
class WebhookDelivery:
    """One attempt to POST an update to the webhook: the HTTP status, or the connection error."""

    update_id: int
    url: str
    status: int | None
    error: str | None
    secret_token: str | None
    at: float

    @property
    def ok(self) -> bool:
        return self.status == 200

    def to_dict(self) -> dict[str, Any]:
        return dataclasses.asdict(self)

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> WebhookDelivery:
        return _from_dict(cls, data)


@dataclass(frozen=True)
class UpdateTiming:
    """When an update was queued for the bot and when a getUpdates answer first carried it (None: not yet)."""

    update_id: int
    chat_id: int | None
    created_at: float
    """time.monotonic() when the update became available, comparable across processes on this machine."""
    delivered_at: float | None = None

    def to_json(self) -> list[Any]:
        return [self.update_id, self.chat_id, self.created_at, self.delivered_at]

    @classmethod
    def from_json(cls, data: list[Any]) -> UpdateTiming:
        return cls(*data)


@dataclass(frozen=True)
class CallTiming:
    """One Bot API request without its parameters, for benchmarks that look at many thousands of calls."""

    index: int
    method: str
    at: float
    """time.monotonic() when the request had been read."""
    chat_id: Any
    draft_id: Any
    text_chars: int | None
    """Length of the ``text`` parameter (None when absent)."""
    status: int | None

    @classmethod
    def of(cls, index: int, call: ApiCall) -> CallTiming:
        text = call.params.get("text")
        return cls(
            index,
            call.method,
            call.at,
            call.params.get("chat_id"),
            call.params.get("draft_id"),
            len(text) if isinstance(text, str) else None,
            call.status,
        )

    def to_json(self) -> list[Any]:
        return [self.index, self.method, self.at, self.chat_id, self.draft_id, self.text_chars, self.status]

    @classmethod
    def from_json(cls, data: list[Any]) -> CallTiming:
        return cls(*data)
