"""Records turned into column arrays: one list per column, ready for ``unnest``.

Pure functions, no I/O. Where one statement must not touch a row twice (an
upsert), the records of a batch are merged first, so that the newest record of
each user, chat or update decides.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from operator import attrgetter
from typing import Any

from actors.persistence.records import (
    ChatSeen,
    ContextReset,
    InboxDone,
    InboxReceived,
    LLMCallRecord,
    MessageRecord,
    ModelEventRecord,
    RoleChanged,
    UserSeen,
)

Columns = tuple[list[Any], ...]
ERROR_CHARS = 500


def _columns(rows: Sequence[Any], *fields: str) -> Columns:
    return tuple(list(map(attrgetter(name), rows)) for name in fields)


def _cut(values: list[str | None]) -> list[str | None]:
    # Error texts can be long; the column keeps the start, which says what happened.
    return _text([value[:ERROR_CHARS] if value else None for value in values])


NUL = "\x00"
NUL_STAND_IN = "\ufffd"


def _text(values: list[Any]) -> list[Any]:
    return [_without_nul(value) for value in values]


def _without_nul(value: Any) -> Any:
    """PostgreSQL's text and jsonb cannot hold NUL, which a user can send: it becomes U+FFFD."""
    if isinstance(value, str):
        return value.replace(NUL, NUL_STAND_IN) if NUL in value else value
    if isinstance(value, dict):
        return {_without_nul(key): _without_nul(item) for key, item in value.items()}
    if isinstance(value, list):
        return [_without_nul(item) for item in value]
    return value


def _json(payload: Any) -> str:
    text = json.dumps(payload, ensure_ascii=False)
    # json.dumps writes NUL as the escape \u0000, which jsonb refuses; rare, so checked on the text.
    return json.dumps(_without_nul(payload), ensure_ascii=False) if "\\u0000" in text else text


def message_columns(records: Sequence[MessageRecord]) -> Columns:
    """dedup_key, chat_id, user_id, direction, text, author, created_at, update_id,
    telegram_message_id, reply_to_key, role, model, is_fallback, latency_ms, cost."""
    columns = _columns(
        records,
        "dedup_key",
        "chat_id",
        "user_id",
        "direction",
        "text",
        "author",
        "at",
        "update_id",
        "telegram_message_id",
        "reply_to_key",
        "role",
        "model",
        "is_fallback",
        "latency_ms",
        "cost",
    )
    columns[4][:] = _text(columns[4])
    columns[5][:] = _text(columns[5])
    return columns


def llm_call_columns(records: Sequence[LLMCallRecord]) -> Columns:
    """dedup_key, chat_id, user_id, model, outcome, is_fallback, is_hedge, started_at, latency_ms,
    ttft_ms, prompt_tokens, completion_tokens, cost, generation_id, error, role."""
    columns = _columns(
        records,
        "dedup_key",
        "chat_id",
        "user_id",
        "model",
        "outcome",
        "is_fallback",
        "is_hedge",
        "at",
        "latency_ms",
        "ttft_ms",
        "prompt_tokens",
        "completion_tokens",
        "cost",
        "generation_id",
        "error",
        "role",
    )
    columns[14][:] = _cut(columns[14])
    return columns


def model_event_columns(records: Sequence[ModelEventRecord]) -> Columns:
    """dedup_key, model, kind, from_state, to_state, reason, at."""
    columns = _columns(
        records,
        "dedup_key",
        "model",
        "event",
        "from_state",
        "to_state",
        "reason",
        "at",
    )
    columns[5][:] = _cut(columns[5])
    return columns


def role_change_columns(records: Sequence[RoleChanged]) -> Columns:
    """dedup_key, chat_id, user_id, role, at."""
    return _columns(records, "dedup_key", "chat_id", "user_id", "role", "at")


def user_columns(records: Sequence[UserSeen]) -> Columns:
    """id, username, first_name, last_name, language_code, first_seen_at, last_seen_at: one row per user.

    The newest record gives the names; the oldest time in the batch is the first sighting.
    """
    newest: dict[int, UserSeen] = {}
    first: dict[int, datetime] = {}
    for record in records:
        current = newest.get(record.user_id)
        if current is None or record.at >= current.at:
            newest[record.user_id] = record
        first[record.user_id] = min(first.get(record.user_id, record.at), record.at)
    rows = list(newest.values())
    ids, usernames, first_names, last_names, languages, last_seen = _columns(
        rows, "user_id", "username", "first_name", "last_name", "language_code", "at"
    )
    names = (_text(usernames), _text(first_names), _text(last_names), _text(languages))
    return ids, *names, [first[i] for i in ids], last_seen


@dataclass
class _ChatRow:
    chat_id: int
    type: str
    title: str | None
    at: datetime
    seen_at: datetime | None = None
    role: str | None = None
    role_at: datetime | None = None
    context_since: datetime | None = None


def chat_columns(records: Sequence[ChatSeen | RoleChanged | ContextReset]) -> Columns:
    """id, type, title, at, role, context_since: one row per chat, merging sightings, /role and /reset.

    A chat known only from /role or /reset in this batch has no title, and its
    type is guessed from the id's sign (Telegram gives groups negative ids); the
    upsert keeps an existing row's type when the title is missing.
    """
    rows: dict[int, _ChatRow] = {}
    for record in records:
        row = rows.get(record.chat_id)
        if row is None:
            guess = "private" if record.chat_id > 0 else "group"
            row = rows[record.chat_id] = _ChatRow(record.chat_id, guess, None, record.at)
        row.at = max(row.at, record.at)
        if isinstance(record, ChatSeen):
            if row.seen_at is None or record.at >= row.seen_at:
                row.seen_at, row.type = record.at, record.type
                row.title = record.title if record.title is not None else row.title
        elif isinstance(record, RoleChanged):
            if row.role_at is None or record.at >= row.role_at:
                row.role_at, row.role = record.at, record.role
        elif row.context_since is None or record.at > row.context_since:
            row.context_since = record.at
    columns = _columns(
        list(rows.values()),
        "chat_id",
        "type",
        "title",
        "at",
        "role",
        "context_since",
    )
    columns[2][:] = _text(columns[2])
    return columns


def inbox_columns(records: Sequence[InboxReceived]) -> Columns:
    """update_id, payload (JSON text), received_at: the first record of each update."""
    first: dict[int, InboxReceived] = {}
    for record in records:
        first.setdefault(record.update_id, record)
    rows = list(first.values())
    ids, payloads, received = _columns(rows, "update_id", "payload", "at")
    return ids, [_json(payload) for payload in payloads], received


def done_columns(records: Sequence[InboxDone]) -> Columns:
    """update_id, done_at: the first mark of each update."""
    first: dict[int, InboxDone] = {}
    for record in records:
        first.setdefault(record.update_id, record)
    rows = list(first.values())
    return _columns(rows, "update_id", "at")
