"""The dialog list (keyset pagination, search) and one dialog's messages."""

from __future__ import annotations

import re
from typing import Any

from sqlalchemy import text
from sqlalchemy.engine import Row
from sqlalchemy.ext.asyncio import AsyncConnection

from api.params import (
    BIGINT_MAX,
    BIGINT_MIN,
    cursor_int,
    cursor_time,
    decode_cursor,
    encode_cursor,
    like_pattern,
)
from api.schemas import Dialog, DialogMessage, DialogMessages, DialogPage, UserRef

INTEGER = re.compile(r"-?\d{1,19}")

DIALOG_COLUMNS = """
    c.id, c.type, c.title, c.role, c.created_at, c.last_activity_at,
    u.id AS user_id, u.username, u.first_name, u.last_name,
    coalesce(s.messages_in, 0) AS messages_in, coalesce(s.messages_out, 0) AS messages_out,
    coalesce(s.cost, 0) AS cost
FROM chats AS c
LEFT JOIN users AS u ON c.type = 'private' AND u.id = c.id
LEFT JOIN stats_chats AS s ON s.chat_id = c.id"""

# Users whose @username or "first last" name contains the search string (which covers the first and
# the last name alone), found once per query: scanning every user costs more than the rest of the search.
NAMED_USERS = """named AS MATERIALIZED (
    SELECT id FROM users
    WHERE username ILIKE :pattern ESCAPE '\\' OR concat_ws(' ', first_name, last_name) ILIKE :pattern ESCAPE '\\'
)"""


def _dialog(row: Row[Any]) -> Dialog:
    user = None
    if row.user_id is not None:
        user = UserRef(id=row.user_id, username=row.username, first_name=row.first_name, last_name=row.last_name)
    return Dialog(
        chat_id=row.id,
        type=row.type,
        title=row.title,
        role=row.role,
        user=user,
        created_at=row.created_at,
        last_activity_at=row.last_activity_at,
        messages_in=row.messages_in,
        messages_out=row.messages_out,
        cost_usd=float(row.cost),
    )


def search_conditions(name_or_id: str | None, text_search: str | None) -> tuple[list[str], dict[str, Any]]:
    """SQL conditions (with bound parameters only) for the dialog search; they need ``NAMED_USERS``.

    ``name_or_id`` matches a group title or the name of a user who wrote in the
    chat (a substring, any case, ``%`` and ``_`` literal), or equals the chat id
    or the id of a user who wrote in it. ``text_search`` needs a message containing it.
    """
    conditions: list[str] = []
    params: dict[str, Any] = {}
    if name_or_id is not None:
        params["pattern"] = like_pattern(name_or_id)
        alternatives = [
            "c.title ILIKE :pattern ESCAPE '\\'",
            "c.id IN (SELECT id FROM named)",
            "c.id IN (SELECT cu.chat_id FROM stats_chat_users AS cu WHERE cu.user_id IN (SELECT id FROM named))",
        ]
        if INTEGER.fullmatch(name_or_id) and BIGINT_MIN <= int(name_or_id) <= BIGINT_MAX:
            params["number"] = int(name_or_id)
            alternatives += [
                "c.id = :number",
                "c.id IN (SELECT cu.chat_id FROM stats_chat_users AS cu WHERE cu.user_id = :number)",
            ]
        conditions.append("(" + " OR ".join(alternatives) + ")")
    if text_search is not None:
        params["text_pattern"] = like_pattern(text_search)
        conditions.append(
            "EXISTS (SELECT 1 FROM messages AS m WHERE m.chat_id = c.id AND m.text ILIKE :text_pattern ESCAPE '\\')"
        )
    return conditions, params


async def dialogs(
    db: AsyncConnection, *, limit: int, cursor: str | None, name_or_id: str | None, message_text: str | None
) -> DialogPage:
    """A page of dialogs, latest activity first; the cursor is the (time, id) of the last one shown."""
    conditions, params = search_conditions(name_or_id, message_text)
    if cursor is not None:
        at, chat_id = decode_cursor(cursor, 2)
        params["cursor_at"], params["cursor_id"] = cursor_time(at), cursor_int(chat_id)
        conditions.append("(c.last_activity_at, c.id) < (:cursor_at, :cursor_id)")
    where = f"WHERE {' AND '.join(conditions)}" if conditions else ""
    rows = (
        await db.execute(
            text(
                f"{'WITH ' + NAMED_USERS if name_or_id is not None else ''} "
                f"SELECT {DIALOG_COLUMNS} {where} ORDER BY c.last_activity_at DESC, c.id DESC LIMIT :limit"
            ),
            {**params, "limit": limit + 1},
        )
    ).all()
    items = [_dialog(row) for row in rows[:limit]]
    next_cursor = None
    if len(rows) > limit:
        last = items[-1]
        next_cursor = encode_cursor(last.last_activity_at.isoformat(), last.chat_id)
    return DialogPage(items=items, next_cursor=next_cursor)


async def dialog_messages(
    db: AsyncConnection, chat_id: int, *, limit: int, cursor: str | None
) -> DialogMessages | None:
    """The dialog and a page of its messages, newest first (by id); None if there is no such chat."""
    row = (await db.execute(text(f"SELECT {DIALOG_COLUMNS} WHERE c.id = :chat_id"), {"chat_id": chat_id})).first()
    if row is None:
        return None
    params: dict[str, Any] = {"chat_id": chat_id, "limit": limit + 1}
    before = ""
    if cursor is not None:
        params["before"] = cursor_int(decode_cursor(cursor, 1)[0])
        before = "AND id < :before"
    rows = (
        await db.execute(
            text(f"""
                SELECT id, direction, created_at, user_id, author, text, role, model, is_fallback, latency_ms, cost
                FROM messages WHERE chat_id = :chat_id {before}
                ORDER BY id DESC LIMIT :limit
            """),
            params,
        )
    ).all()
    items = [
        DialogMessage(
            id=m.id,
            direction=m.direction,
            created_at=m.created_at,
            user_id=m.user_id,
            author=m.author,
            text=m.text,
            role=m.role,
            model=m.model,
            is_fallback=m.is_fallback,
            latency_ms=m.latency_ms,
            cost_usd=float(m.cost) if m.cost is not None else None,
        )
        for m in rows[:limit]
    ]
    next_cursor = encode_cursor(items[-1].id) if len(rows) > limit else None
    return DialogMessages(dialog=_dialog(row), items=items, next_cursor=next_cursor)
