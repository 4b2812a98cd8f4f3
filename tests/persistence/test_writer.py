"""How a batch reaches PostgreSQL: one statement (so one transaction), one part per table, whatever its size."""

from __future__ import annotations

import re
from datetime import timedelta

import asyncpg
import pytest
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine

from actors.persistence.columns import chat_columns
from actors.persistence.records import (
    ChatSeen,
    ContextReset,
    InboxDone,
    InboxReceived,
    Record,
    RoleChanged,
)
from actors.persistence.writer import write_batch
from tests.persistence.records import AT, every_kind

pytestmark = pytest.mark.anyio

PART = re.compile(r"\b(?:INSERT INTO|(?<!DO )UPDATE)\s+(\w+)", re.IGNORECASE)
TABLES = ("users", "chats", "messages", "llm_calls", "model_events", "role_changes", "inbox")


@pytest.mark.parametrize("size", [1, 300])
async def test_a_batch_is_one_statement_with_one_part_per_table_and_one_transaction(
    clean_db: AsyncEngine, size: int
) -> None:
    sent: list[str] = []
    async with clean_db.connect() as connection:
        raw = (await connection.get_raw_connection()).driver_connection
        assert isinstance(raw, asyncpg.Connection)
        raw.add_query_logger(lambda query: sent.append(query.query))
        new = await write_batch(connection, every_kind(size))
    writes = [query for query in sent if PART.search(query)]  # not asyncpg's look-ups of the column types
    assert len(writes) == 1, "the whole batch is one statement, however many rows"
    # The inbox alone has two parts: new updates are inserted, and done marks update rows.
    assert sorted(PART.findall(writes[0])) == sorted([*TABLES, "inbox"])
    assert new == frozenset(range(size))
    async with clean_db.connect() as connection:
        counts = {
            table: (await connection.execute(text(f"SELECT count(*) FROM {table}"))).scalar_one() for table in TABLES
        }
        open_updates = (await connection.execute(text("SELECT count(*) FROM inbox WHERE done_at IS NULL"))).scalar()
        transactions = (
            await connection.execute(text(" UNION ".join(f"SELECT xmin::text FROM {table}" for table in TABLES)))
        ).all()
    assert counts == {
        "users": size,
        "chats": size,
        "messages": 2 * size,
        "llm_calls": size,
        "model_events": size,
        "role_changes": size,
        "inbox": size,
    }
    assert open_updates == 0, "an update received and done in the same batch is stored done"
    assert len(transactions) == 1, "every row of the batch was written by one transaction"


async def test_a_done_mark_reaches_an_update_recorded_earlier_even_if_it_comes_again(clean_db: AsyncEngine) -> None:
    await write_batch(clean_db, [InboxReceived(1, {"update_id": 1}), InboxReceived(2, {"update_id": 2})])
    # A replayed spill chunk: update 1 again with its done mark, and update 2's mark alone.
    new = await write_batch(clean_db, [InboxReceived(1, {"update_id": 1}), InboxDone(1), InboxDone(2)])
    assert new == frozenset()
    async with clean_db.connect() as connection:
        open_updates = (await connection.execute(text("SELECT count(*) FROM inbox WHERE done_at IS NULL"))).scalar()
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
    later: list[Record] = [
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
