"""The dialog list (sorted, keyset-paged, searched, filtered by activity) and one dialog's messages.

Every order is an index walk that stops after a page, however many chats there
are: last activity reads ``chats`` by ``(last_activity_at, id)``; messages and
cost read ``stats_chats`` by ``(messages_in + messages_out, chat_id)`` and
``(cost, chat_id)`` (migration 0006). A chat with neither a message nor a
request has no ``stats_chats`` row: in those two orders such chats come after
all the others, whichever the direction, by id. The cursor is the sort key of
the last dialog shown, so new activity never shifts the pages still ahead.

The queries go straight to asyncpg (positional parameters): the activity filter
shares the rollups' tiles CTE, whose parameters are ``$1``-``$5``.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from typing import Any

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncConnection

from api.params import (
    BIGINT_MAX,
    BIGINT_MIN,
    Range,
    cursor_int,
    cursor_time,
    decode_cursor,
    encode_cursor,
    invalid,
    like_pattern,
)
from api.queries.rollups import TILES, bitmap_union, fetch_raw, tile_arrays
from api.schemas import Dialog, DialogMessage, DialogMessages, DialogPage, DialogSort, SortOrder, UserRef
from api.timeranges import Span, tiles_for
from db.rollups import BITMAP_BITS, CHATS_KIND

INTEGER = re.compile(r"-?\d{1,19}")

SELECTED = """
    c.id, c.type, c.title, c.role, c.created_at, c.last_activity_at,
    u.id AS user_id, u.username, u.first_name, u.last_name,
    coalesce(s.messages_in, 0) AS messages_in, coalesce(s.messages_out, 0) AS messages_out,
    coalesce(s.cost, 0) AS cost"""
USERS = "LEFT JOIN users AS u ON c.type = 'private' AND u.id = c.id"
ALL_CHATS = f"FROM chats AS c {USERS} LEFT JOIN stats_chats AS s ON s.chat_id = c.id"
CHATS_WITH_STATS = f"FROM stats_chats AS s JOIN chats AS c ON c.id = s.chat_id {USERS}"

# The sort key of each order over stats_chats: the expressions its index is on.
STATS_KEYS = {DialogSort.MESSAGES: "(s.messages_in + s.messages_out)", DialogSort.COST: "s.cost"}
BAD_CURSOR = "malformed cursor: pass a `next_cursor` value unchanged"


class Parameters:
    """Positional parameters of one query: ``add(value)`` gives the ``$n`` to write in its place."""

    def __init__(self, first: int = 1) -> None:
        self.values: list[Any] = []
        self.first = first

    def add(self, value: Any) -> str:
        self.values.append(value)
        return f"${self.first + len(self.values) - 1}"


@dataclass
class Query:
    """The parts of a dialog query: its CTEs, its conditions and their parameters."""

    parameters: Parameters
    ctes: list[str] = field(default_factory=list)
    conditions: list[str] = field(default_factory=list)

    def sql(self, source: str, extra: Sequence[str], order: str, limit: int) -> str:
        where = " AND ".join([*self.conditions, *extra]) or "TRUE"
        with_clause = f"WITH {', '.join(self.ctes)} " if self.ctes else ""
        return (
            f"{with_clause}SELECT {SELECTED} {source} WHERE {where} ORDER BY {order} LIMIT {self.parameters.add(limit)}"
        )


def _dialog(row: Any) -> Dialog:
    user = None
    if row["user_id"] is not None:
        user = UserRef(
            id=row["user_id"], username=row["username"], first_name=row["first_name"], last_name=row["last_name"]
        )
    return Dialog(
        chat_id=row["id"],
        type=row["type"],
        title=row["title"],
        role=row["role"],
        user=user,
        created_at=row["created_at"],
        last_activity_at=row["last_activity_at"],
        messages_in=row["messages_in"],
        messages_out=row["messages_out"],
        cost_usd=float(row["cost"]),
    )


def add_search(query: Query, name_or_id: str | None, text_search: str | None) -> None:
    """Conditions (bound parameters only) for the dialog search.

    ``name_or_id`` matches a group title or the name of a user who wrote in the
    chat (a substring, any case, ``%`` and ``_`` literal), or equals the chat id
    or the id of a user who wrote in it. ``text_search`` needs a message containing it.
    """
    add = query.parameters.add
    if name_or_id is not None:
        pattern = add(like_pattern(name_or_id))
        # Users whose @username or "first last" name contains the string, found once per query.
        query.ctes.append(f"""named AS MATERIALIZED (
            SELECT id FROM users
            WHERE username ILIKE {pattern} ESCAPE '\\'
               OR concat_ws(' ', first_name, last_name) ILIKE {pattern} ESCAPE '\\'
        )""")
        alternatives = [
            f"c.title ILIKE {pattern} ESCAPE '\\'",
            "c.id IN (SELECT id FROM named)",
            "c.id IN (SELECT cu.chat_id FROM stats_chat_users AS cu WHERE cu.user_id IN (SELECT id FROM named))",
        ]
        if INTEGER.fullmatch(name_or_id) and BIGINT_MIN <= int(name_or_id) <= BIGINT_MAX:
            number = add(int(name_or_id))
            alternatives += [
                f"c.id = {number}",
                f"c.id IN (SELECT cu.chat_id FROM stats_chat_users AS cu WHERE cu.user_id = {number})",
            ]
        query.conditions.append("(" + " OR ".join(alternatives) + ")")
    if text_search is not None:
        needle = add(like_pattern(text_search))
        query.conditions.append(
            f"EXISTS (SELECT 1 FROM messages AS m WHERE m.chat_id = c.id AND m.text ILIKE {needle} ESCAPE '\\')"
        )


def add_activity_filter(query: Query, window: Range) -> None:
    """Only chats where a user wrote in the window: the bitmaps the summary counts active chats with.

    Needs the tiles CTE's parameters first (``$1``-``$5``), so it is added before anything else.
    """
    assert not query.parameters.values, "the tiles must be the first parameters"
    query.parameters.values.extend(tile_arrays(tiles_for([Span(window.start, window.end)])))
    query.ctes.append(
        f"{TILES}{bitmap_union(CHATS_KIND, 'chats')}, active AS MATERIALIZED (SELECT chunk, bits FROM merged)"
    )
    query.conditions.append(
        f"EXISTS (SELECT 1 FROM active AS a WHERE a.chunk = s.idx / {BITMAP_BITS} "
        f"AND get_bit(a.bits, s.idx % {BITMAP_BITS}) = 1)"
    )


def _decoded(cursor: str, sort: DialogSort, order: SortOrder) -> list[str]:
    parts = decode_cursor(cursor, 5)
    if parts[:2] != [sort.value, order.value]:
        raise invalid(("query", "cursor"), "the cursor belongs to another sort order: start again without it")
    return parts[2:]


def _decimal(value: str) -> Decimal:
    try:
        number = Decimal(value)
    except InvalidOperation:
        raise invalid(("query", "cursor"), BAD_CURSOR) from None
    if not number.is_finite():
        raise invalid(("query", "cursor"), BAD_CURSOR)
    return number


@dataclass(frozen=True)
class DialogFilter:
    """What the list is narrowed to: a name or id, a text in a message, activity in a window."""

    name_or_id: str | None = None
    message_text: str | None = None
    active_in: Range | None = None

    def query(self) -> Query:
        """A fresh query with this filter's CTEs, conditions and parameters."""
        query = Query(Parameters())
        if self.active_in is not None:
            add_activity_filter(query, self.active_in)
        add_search(query, self.name_or_id, self.message_text)
        return query


async def dialogs(
    db: AsyncConnection,
    *,
    limit: int,
    cursor: str | None,
    where: DialogFilter,
    sort: DialogSort = DialogSort.ACTIVITY,
    order: SortOrder = SortOrder.DESC,
) -> DialogPage:
    """A page of dialogs in ``sort`` order; the cursor is the sort key of the last one shown."""
    position = _decoded(cursor, sort, order) if cursor is not None else None
    part = position[0] if position is not None else "s"
    if part not in ("s", "t") or (part == "t" and sort is DialogSort.ACTIVITY):
        raise invalid(("query", "cursor"), BAD_CURSOR)
    direction, compare = ("DESC", "<") if order is SortOrder.DESC else ("ASC", ">")
    query = where.query()
    add = query.parameters.add
    rows: list[Any] = []
    if sort is DialogSort.ACTIVITY:
        keyset = []
        if position is not None:
            at, chat_id = cursor_time(position[1]), cursor_int(position[2])
            keyset = [f"(c.last_activity_at, c.id) {compare} ({add(at)}, {add(chat_id)})"]
        order_by = f"c.last_activity_at {direction}, c.id {direction}"
        rows = await fetch_raw(db, query.sql(ALL_CHATS, keyset, order_by, limit + 1), *query.parameters.values)
    else:
        key = STATS_KEYS[sort]
        if part == "s":
            keyset = []
            if position is not None:
                value = _decimal(position[1])
                bound = add(int(value) if sort is DialogSort.MESSAGES else value)
                keyset = [f"({key}, s.chat_id) {compare} ({bound}, {add(cursor_int(position[2]))})"]
            order_by = f"{key} {direction}, s.chat_id {direction}"
            sql = query.sql(CHATS_WITH_STATS, keyset, order_by, limit + 1)
            rows = list(await fetch_raw(db, sql, *query.parameters.values))
        if len(rows) <= limit and where.active_in is None:
            # Then the chats that never had a message or a request (never active: not in a filtered list).
            tail = where.query()
            keyset = ["s.chat_id IS NULL"]
            if part == "t" and position is not None:
                keyset.append(f"c.id {compare} {tail.parameters.add(cursor_int(position[2]))}")
            sql = tail.sql(ALL_CHATS, keyset, f"c.id {direction}", limit + 1 - len(rows))
            rows += [{**row, "tail": True} for row in await fetch_raw(db, sql, *tail.parameters.values)]
    return _page(rows, limit, lambda last: _cursor_of(last, sort, order))


def _cursor_of(last: Any, sort: DialogSort, order: SortOrder) -> str:
    if sort is DialogSort.ACTIVITY:
        return encode_cursor(sort.value, order.value, "s", last["last_activity_at"].isoformat(), last["id"])
    if isinstance(last, dict) and last.get("tail"):
        return encode_cursor(sort.value, order.value, "t", 0, last["id"])
    value = last["messages_in"] + last["messages_out"] if sort is DialogSort.MESSAGES else last["cost"]
    return encode_cursor(sort.value, order.value, "s", value, last["id"])


def _page(rows: Sequence[Any], limit: int, cursor_of: Any) -> DialogPage:
    items = [_dialog(row) for row in rows[:limit]]
    next_cursor = cursor_of(rows[limit - 1]) if len(rows) > limit else None
    return DialogPage(items=items, next_cursor=next_cursor)


async def dialog_messages(
    db: AsyncConnection, chat_id: int, *, limit: int, cursor: str | None
) -> DialogMessages | None:
    """The dialog and a page of its messages, newest first (by id); None if there is no such chat."""
    row = (await db.execute(text(f"SELECT {SELECTED} {ALL_CHATS} WHERE c.id = :chat_id"), {"chat_id": chat_id})).first()
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
    return DialogMessages(dialog=_dialog(row._mapping), items=items, next_cursor=next_cursor)
