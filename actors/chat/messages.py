"""What the Telegram handlers tell a chat actor. Plain data, no aiogram types."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime


@dataclass(frozen=True, slots=True)
class Person:
    id: int
    first_name: str
    last_name: str | None = None
    username: str | None = None
    language_code: str | None = None

    @property
    def display_name(self) -> str:
        return " ".join(part for part in (self.first_name, self.last_name) if part) or (self.username or str(self.id))


@dataclass(frozen=True, slots=True)
class Where:
    """The chat an update came from."""

    chat_id: int
    chat_type: str
    title: str | None = None
    thread_id: int | None = None

    @property
    def is_group(self) -> bool:
        return self.chat_type != "private"


@dataclass(frozen=True, slots=True)
class Incoming:
    """A user's text addressed to the bot (a caption counts as text)."""

    update_id: int
    message_id: int
    where: Where
    user: Person
    text: str
    received_at: float
    """``time.monotonic()`` when the update arrived: answer latency starts here."""
    at: datetime


@dataclass(frozen=True, slots=True)
class Command:
    """``/start``, ``/help``, ``/reset``, ``/role`` or ``/forget``."""

    update_id: int
    message_id: int
    where: Where
    user: Person
    name: str
    at: datetime


@dataclass(frozen=True, slots=True)
class ButtonPressed:
    """An inline button of ours: ``role:<name>``, ``forget:yes`` or ``forget:no``."""

    update_id: int
    callback_id: str
    message_id: int | None
    where: Where
    user: Person
    data: str
    at: datetime


@dataclass(frozen=True, slots=True)
class RetryDeferred:
    """Timer: try the question kept while both models were down."""

    token: int


ChatMessage = Incoming | Command | ButtonPressed | RetryDeferred
