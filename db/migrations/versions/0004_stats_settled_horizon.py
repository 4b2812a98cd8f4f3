"""stats catch-up by transaction id: only rows of finished transactions, whatever their id order

Revision ID: 0004
Revises: 0003

0003's watermark was an id: it assumed rows become visible in id order. They
need not: ids come from a sequence when a row is inserted, not when its
transaction commits. Two bot instances overlapping during a deploy, a group
commit of the persistence actor racing another batch, or a seed running while
the bot writes, and a row with a lower id can commit after a higher one was
rolled up; 0003 skipped it forever.

Here every new row of ``messages`` and ``llm_calls`` records the id of the
transaction that inserted it (``insert_xid``, defaulting to
``pg_current_xact_id()``: a 64-bit id that never wraps), and the watermark is
a transaction id (``stats_progress.through_xid``: every row with
``insert_xid <= through_xid`` is rolled up). A catch-up only takes rows of
transactions below the *settled horizon* (``stats_settled_horizon()``): the
oldest transaction of this database still in progress, from a snapshot taken
after the catch-up has its lock. Every transaction below it has finished, so
its rows are final and visible; no row can ever appear below the watermark
again. Transactions of backends connected to other databases are left out of
the horizon (they cannot write these tables), so a busy neighbour on the same
server does not hold the statistics back. A chunk takes whole transactions,
so it may hold more than ``max_rows`` rows.

Rows written before this migration have no ``insert_xid``: the upgrade rolls
all of them up with 0003's function first, holding the tables' locks, so
only rows with an ``insert_xid`` are ever pending afterwards.
"""

from __future__ import annotations

import importlib.util
from collections.abc import Callable, Sequence
from pathlib import Path
from types import ModuleType

import sqlalchemy as sa
from alembic import op

revision: str = "0004"
down_revision: str | None = "0003"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

SOURCES = ("messages", "llm_calls")


class XID8(sa.types.UserDefinedType[int]):
    """PostgreSQL's 64-bit transaction id (SQLAlchemy has no type for it)."""

    cache_ok = True

    def get_col_spec(self, **kw: object) -> str:
        return "XID8"


def load_revision(file_name: str, module_name: str) -> ModuleType:
    """An earlier migration as a module: later ones reuse its statements, so they stay in agreement."""
    path = Path(__file__).with_name(file_name)
    spec = importlib.util.spec_from_file_location(module_name, path)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


SETTLED_HORIZON = """
CREATE FUNCTION stats_settled_horizon() RETURNS xid8
LANGUAGE plpgsql VOLATILE AS $$
DECLARE
    -- Taken first: every transaction id below its xmax that is not in its list had finished.
    snap pg_snapshot := pg_current_snapshot();
    elsewhere xid[];
    horizon xid8;
BEGIN
    IF pg_snapshot_xmin(snap) = pg_snapshot_xmax(snap) THEN
        RETURN pg_snapshot_xmax(snap);  -- nothing in progress anywhere
    END IF;
    -- Transactions held by backends connected to another database cannot write our tables. The
    -- activity view is read fresh (it is cached per transaction otherwise); a transaction we cannot
    -- place (prepared, or its backend gone meanwhile, hence finished) counts as ours: the horizon
    -- may only ever be too low, which delays rows, never too high, which would skip them.
    PERFORM pg_stat_clear_snapshot();
    SELECT array_agg(l.transactionid) INTO elsewhere
    FROM pg_locks AS l JOIN pg_stat_activity AS a ON a.pid = l.pid
    WHERE l.locktype = 'transactionid' AND l.mode = 'ExclusiveLock' AND l.granted
      AND a.datid <> (SELECT oid FROM pg_database WHERE datname = current_database());
    SELECT min(x) INTO horizon FROM pg_snapshot_xip(snap) AS x
    WHERE elsewhere IS NULL OR xid(x) <> ALL (elsewhere);
    RETURN coalesce(horizon, pg_snapshot_xmax(snap));
END
$$
"""


def catch_up_block(source: str, statements: Callable[[str], list[str]]) -> str:
    """The part of ``stats_catch_up`` that rolls up the settled new rows of one source table."""
    body = ";\n".join(statement.strip() for statement in statements("new_rows"))
    return f"""
    SELECT through_xid INTO done FROM stats_progress WHERE source = '{source}';
    IF done IS NULL THEN
        INSERT INTO stats_progress (source, through_xid) VALUES ('{source}', '0') ON CONFLICT DO NOTHING;
        done := '0';
    END IF;
    -- Cheap when there is nothing to do: no lock unless rows are waiting.
    IF EXISTS (SELECT 1 FROM {source} WHERE insert_xid > done) THEN
        SELECT through_xid INTO done FROM stats_progress WHERE source = '{source}' FOR UPDATE;
        -- After the lock: a catch-up that held it has finished and does not hold the horizon back.
        settled := stats_settled_horizon();
        SELECT max(insert_xid) INTO upto FROM (
            SELECT insert_xid FROM {source} WHERE insert_xid > done AND insert_xid < settled
            ORDER BY insert_xid LIMIT max_rows
        ) AS s;
        IF upto IS NOT NULL THEN
            CREATE TEMP TABLE new_rows ON COMMIT DROP AS
                SELECT * FROM {source} WHERE insert_xid > done AND insert_xid <= upto;
            GET DIAGNOSTICS added = ROW_COUNT;
            total := total + added;
            {body};
            DROP TABLE new_rows;
            UPDATE stats_progress SET through_xid = upto WHERE source = '{source}';
        END IF;
    END IF;
    """


def catch_up_function(messages_rollup: Callable[[str], list[str]], calls_rollup: Callable[[str], list[str]]) -> str:
    """``stats_catch_up(max_rows)``: roll up the settled rows past the watermark with these statements."""
    blocks = "\n".join(
        catch_up_block(source, statements)
        for source, statements in (("messages", messages_rollup), ("llm_calls", calls_rollup))
    )
    return f"""
        CREATE FUNCTION stats_catch_up(max_rows integer) RETURNS bigint
        LANGUAGE plpgsql SET work_mem = '64MB' AS $$
        DECLARE
            done xid8;
            settled xid8;
            upto xid8;
            added bigint;
            total bigint := 0;
        BEGIN
        {blocks}
        RETURN total;
        END
        $$
        """


def upgrade() -> None:
    rollups = load_revision("0002_stats_rollups.py", "assistant_migration_0002")
    # Writers wait from here to the commit: nothing is inserted between the last id-based
    # catch-up and the new default, so every row without an insert_xid is rolled up below.
    op.execute("LOCK TABLE messages, llm_calls IN SHARE ROW EXCLUSIVE MODE")
    op.execute("SELECT stats_catch_up(2000000000)")
    for table in SOURCES:
        op.add_column(table, sa.Column("insert_xid", XID8(), nullable=True))
        op.alter_column(table, "insert_xid", server_default=sa.text("pg_current_xact_id()"))
        op.create_index(
            f"ix_{table}_insert_xid", table, ["insert_xid"], postgresql_where=sa.text("insert_xid IS NOT NULL")
        )
    op.add_column(
        "stats_progress",
        sa.Column("through_xid", XID8(), server_default=sa.text("'0'::xid8"), nullable=False),
    )
    op.drop_column("stats_progress", "last_id")
    op.execute("DROP FUNCTION stats_catch_up(integer)")
    op.execute(SETTLED_HORIZON)
    op.execute(catch_up_function(rollups.messages_rollup, rollups.calls_rollup))


def downgrade() -> None:
    rollups = load_revision("0002_stats_rollups.py", "assistant_migration_0002")
    old = load_revision("0003_stats_catch_up.py", "assistant_migration_0003")
    op.execute("LOCK TABLE messages, llm_calls IN SHARE ROW EXCLUSIVE MODE")
    op.execute("SELECT stats_catch_up(2000000000)")
    op.execute("DROP FUNCTION stats_catch_up(integer)")
    op.execute("DROP FUNCTION stats_settled_horizon()")
    # Everything is rolled up and writers wait: the highest ids are the id watermarks of 0003.
    op.add_column("stats_progress", sa.Column("last_id", sa.BigInteger(), server_default="0", nullable=False))
    op.alter_column("stats_progress", "last_id", server_default=None)
    for table in SOURCES:
        op.execute(
            f"UPDATE stats_progress SET last_id = (SELECT coalesce(max(id), 0) FROM {table}) WHERE source = '{table}'"
        )
        op.drop_index(f"ix_{table}_insert_xid", table_name=table)
        op.drop_column(table, "insert_xid")
    op.drop_column("stats_progress", "through_xid")
    blocks = "\n".join(
        old._catch_up_block(source, statements)
        for source, statements in (("messages", rollups.messages_rollup), ("llm_calls", rollups.calls_rollup))
    )
    op.execute(
        f"""
        CREATE FUNCTION stats_catch_up(max_rows integer) RETURNS bigint
        LANGUAGE plpgsql SET work_mem = '64MB' AS $$
        DECLARE
            last bigint;
            upto bigint;
            added bigint;
            total bigint := 0;
        BEGIN
        {blocks}
        RETURN total;
        END
        $$
        """
    )
