"""How a batch reaches PostgreSQL: one transaction, one statement per table, whatever its size."""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterator
from datetime import timedelta
from typing import Any

import pytest
from sqlalchemy import event, text
from sqlalchemy.ext.asyncio import AsyncEngine

from actors.persistence.columns import chat_columns
from actors.persistence.records import (
    ChatSeen,
    ContextReset,
    InboxDone,
    InboxReceived,
    RoleChanged,
)
from actors.persistence.writer import write_batch
from tests.persistence.records import AT, every_kind

pytestmark = pytest.mark.anyio

TABLE = re.compile(r"^\s*(?:INSERT INTO|UPDATE)\s+(\w+)", re.IGNORECASE)


class Statements:
    """Counts the statements and commits on an engine while it is watched."""

    def __init__(self) -> None:
        self.tables: Counter[str] = Counter()
        self.commits = 0
        self.executemany = 0

    def on_execute(self, conn: Any, cursor: Any, statement: str, parameters: Any, context: Any, many: bool) -> None:
        match = TABLE.match(statement)
        if match:
            self.tables[match.group(1)] += 1
        self.executemany += many

    def on_commit(self, conn: Any) -> None:
        self.commits += 1


@pytest.fixture
def statements(clean_db: AsyncEngine) -> Iterator[Statements]:
    watched = Statements()
    event.listen(clean_db.sync_engine, "before_cursor_execute", watched.on_execute)
    event.listen(clean_db.sync_engine, "commit", watched.on_commit)
    yield watched
    event.remove(clean_db.sync_engine, "before_cursor_execute", watched.on_execute)
    event.remove(clean_db.sync_engine, "commit", watched.on_commit)


@pytest.mark.parametrize("size", [1, 300])
async def test_a_batch_is_one_transaction_with_one_statement_per_table(
    clean_db: AsyncEngine, statements: Statements, size: int
) -> None:
    new = await write_batch(clean_db, every_kind(size))
    assert statements.commits == 1
    expected = ["chats", "inbox", "llm_calls", "messages", "model_events", "role_changes", "users"]
    # The inbox alone has two: new updates are inserted, and done marks update rows.
    assert sorted(statements.tables.elements()) == sorted([*expected, "inbox"])
    assert statements.executemany == 0, "each statement carries all its rows (no executemany of one row each)"
    assert new == frozenset(range(size))
    async with clean_db.connect() as connection:
        counts = {
            table: (await connection.execute(text(f"SELECT count(*) FROM {table}"))).scalar_one()
            for table in ("users", "chats", "messages", "llm_calls", "model_events", "role_changes", "inbox")
        }
        open_updates = (await connection.execute(text("SELECT count(*) FROM inbox WHERE done_at IS NULL"))).scalar()
    assert counts == {
        "users": size,
        "chats": size,
        "messages": 2 * size,
        "llm_calls": size,
        "model_events": size,
        "role_changes": size,
        "inbox": size,
    }
    assert open_updates == 0


async def test_only_updates_new_to_the_inbox_are_reported_new(clean_db: AsyncEngine) -> None:
    first = [InboxReceived(i, {"update_id": i}) for i in (1, 2, 3)]
    assert await write_batch(clean_db, first) == {1, 2, 3}
    assert await write_batch(clean_db, [InboxDone(2)]) == frozenset()
    again = [InboxReceived(i, {"update_id": i}) for i in (2, 3, 4, 4)]
    assert await write_batch(clean_db, again) == {4}


async def test_a_chat_row_merges_its_sighting_role_and_reset(clean_db: AsyncEngine) -> None:
    group = -100500
    await write_batch(clean_db, [ChatSeen(group, "supergroup", "Team", at=AT)])
    # Later: /role then /reset alone, with no new sighting: type and title stay, role and reset land.
    later = [
        RoleChanged("r1", group, 1, "poet", at=AT + timedelta(1)),
        RoleChanged("r2", group, 1, "coder", at=AT + timedelta(2)),
        ContextReset(group, at=AT + timedelta(3)),
        ContextReset(group, at=AT + timedelta(2)),
    ]
    await write_batch(clean_db, later)
    async with clean_db.connect() as connection:
        row = (
            await connection.execute(
                text("SELECT type, title, role, context_since, last_activity_at FROM chats WHERE id = :id"),
                {"id": group},
            )
        ).one()
    assert tuple(row) == ("supergroup", "Team", "coder", AT + timedelta(3), AT + timedelta(3))


def test_chat_columns_take_the_newest_of_each_kind_per_chat() -> None:
    records: list[ChatSeen | RoleChanged | ContextReset] = [
        RoleChanged("a", 7, 7, "coder", at=AT + timedelta(2)),
        ChatSeen(7, "private", at=AT),
        RoleChanged("b", 7, 7, "poet", at=AT + timedelta(1)),
        ContextReset(-5, at=AT),
    ]
    ids, types, titles, ats, roles, since = chat_columns(records)
    assert ids == [7, -5]
    assert types == ["private", "group"]  # -5 is known only from /reset: its type is guessed
    assert titles == [None, None]
    assert ats == [AT + timedelta(2), AT]
    assert roles == ["coder", None]
    assert since == [None, AT]
