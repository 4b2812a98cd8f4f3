"""What the bot writes: one small frozen dataclass per kind of record.

Records carry their own timestamps (the bot's clock), so a record replayed from
the spill file after an outage keeps the time it happened. Each record knows
its table row; the spill file stores records as JSON lines.
"""

from __future__ import annotations

import dataclasses
import json
from dataclasses import dataclass, field
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any, ClassVar


def utcnow() -> datetime:
    return datetime.now(UTC)


@dataclass(frozen=True, slots=True)
class UserSeen:
    """A user wrote: create or refresh their row."""

    kind: ClassVar[str] = "user"
    user_id: int
    username: str | None = None
    first_name: str | None = None
    last_name: str | None = None
    language_code: str | None = None
    at: datetime = field(default_factory=utcnow)


@dataclass(frozen=True, slots=True)
class ChatSeen:
    """A chat was active: create or refresh its row."""

    kind: ClassVar[str] = "chat"
    chat_id: int
    type: str
    title: str | None = None
    at: datetime = field(default_factory=utcnow)


@dataclass(frozen=True, slots=True)
class MessageRecord:
    """A user's message the bot took (``in``) or an answer it delivered (``out``)."""

    kind: ClassVar[str] = "message"
    dedup_key: str
    chat_id: int
    user_id: int | None
    direction: str
    text: str | None
    author: str | None = None
    update_id: int | None = None
    telegram_message_id: int | None = None
    reply_to_key: str | None = None
    role: str | None = None
    model: str | None = None
    is_fallback: bool = False
    latency_ms: int | None = None
    cost: Decimal | None = None
    at: datetime = field(default_factory=utcnow)


@dataclass(frozen=True, slots=True)
class LLMCallRecord:
    """One request to one model and how it ended."""

    kind: ClassVar[str] = "llm_call"
    dedup_key: str
    chat_id: int | None
    user_id: int | None
    model: str
    outcome: str
    is_fallback: bool = False
    is_hedge: bool = False
    latency_ms: int | None = None
    ttft_ms: int | None = None
    prompt_tokens: int | None = None
    completion_tokens: int | None = None
    cost: Decimal | None = None
    generation_id: str | None = None
    error: str | None = None
    role: str | None = None
    at: datetime = field(default_factory=utcnow)


@dataclass(frozen=True, slots=True)
class ModelEventRecord:
    """A breaker transition, or the start/end of a both-models-down incident."""

    kind: ClassVar[str] = "model_event"
    dedup_key: str
    model: str
    event: str
    from_state: str | None = None
    to_state: str | None = None
    reason: str | None = None
    at: datetime = field(default_factory=utcnow)


@dataclass(frozen=True, slots=True)
class RoleChanged:
    """A chat chose a role with /role (also updates the chat's current role)."""

    kind: ClassVar[str] = "role_change"
    dedup_key: str
    chat_id: int
    user_id: int | None
    role: str
    at: datetime = field(default_factory=utcnow)


@dataclass(frozen=True, slots=True)
class ContextReset:
    """/reset: earlier messages of the chat leave the prompt."""

    kind: ClassVar[str] = "context_reset"
    chat_id: int
    at: datetime = field(default_factory=utcnow)


@dataclass(frozen=True, slots=True)
class InboxReceived:
    """An incoming update, to be kept until it is done (written before its offset is confirmed)."""

    kind: ClassVar[str] = "inbox"
    update_id: int
    payload: dict[str, Any]
    at: datetime = field(default_factory=utcnow)


@dataclass(frozen=True, slots=True)
class InboxDone:
    """The update was fully handled: never handle it again."""

    kind: ClassVar[str] = "inbox_done"
    update_id: int
    at: datetime = field(default_factory=utcnow)


Record = (
    UserSeen
    | ChatSeen
    | MessageRecord
    | LLMCallRecord
    | ModelEventRecord
    | RoleChanged
    | ContextReset
    | InboxReceived
    | InboxDone
)

RECORD_TYPES: dict[str, type[Any]] = {
    cls.kind: cls
    for cls in (
        UserSeen,
        ChatSeen,
        MessageRecord,
        LLMCallRecord,
        ModelEventRecord,
        RoleChanged,
        ContextReset,
        InboxReceived,
        InboxDone,
    )
}


def to_json(record: Record) -> str:
    """One line of the spill file."""
    fields = {f.name: getattr(record, f.name) for f in dataclasses.fields(record)}
    return json.dumps({"kind": record.kind, **fields}, default=_encode, ensure_ascii=False)


def from_json(line: str) -> Record:
    """The record a spill-file line holds; raises ``ValueError`` for a damaged line."""
    data = json.loads(line)
    cls = RECORD_TYPES[data.pop("kind")]
    data["at"] = datetime.fromisoformat(data["at"])
    if data.get("cost") is not None:
        data["cost"] = Decimal(data["cost"])
    record: Record = cls(**data)
    return record


def _encode(value: object) -> str:
    if isinstance(value, datetime):
        return value.isoformat()
    if isinstance(value, Decimal):
        return str(value)
    raise TypeError(f"cannot encode {type(value).__name__}")
