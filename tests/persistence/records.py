"""Records of every kind, for tests that fill the tables."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from decimal import Decimal

from actors.persistence.records import (
    ChatSeen,
    ContextReset,
    InboxDone,
    InboxReceived,
    LLMCallRecord,
    MessageRecord,
    ModelEventRecord,
    Record,
    RoleChanged,
    UserSeen,
)

AT = datetime(2026, 5, 1, 12, tzinfo=UTC)


def every_kind(n: int, *, first_update: int = 0, step: timedelta = timedelta(seconds=1)) -> list[Record]:
    """``n`` records of every kind, for ``n`` chats and users, ``step`` apart."""
    records: list[Record] = []
    for i in range(n):
        chat, update_id = 100 + i, first_update + i
        at = AT + step * i
        records += [
            UserSeen(chat, username=f"u{i}", first_name="U", at=at),
            ChatSeen(chat, "private", at=at),
            InboxReceived(update_id, {"update_id": update_id}, at=at),
            MessageRecord(f"in:{update_id}", chat, chat, "in", f"question {i}", update_id=update_id, at=at),
            LLMCallRecord(f"call:{update_id}", chat, chat, "m", "ok", cost=Decimal("0.0001"), at=at),
            ModelEventRecord(f"event:{update_id}", "m", "breaker", "closed", "open", at=at),
            RoleChanged(f"role:{update_id}", chat, chat, "coder", at=at),
            ContextReset(chat, at=at),
            MessageRecord(f"out:{update_id}", chat, chat, "out", f"answer {i}", reply_to_key=f"in:{update_id}", at=at),
            InboxDone(update_id, at=at),
        ]
    return records
