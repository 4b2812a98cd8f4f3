"""stats rollups caught up incrementally, off the write path

Revision ID: 0003
Revises: 0002

Migration 0002 kept the rollups current with statement-level triggers on
``messages`` and ``llm_calls``: every batch the bot wrote paid for them, which
capped the bot's writes at a few thousand rows a second. Here the triggers go,
and ``stats_catch_up(max_rows)`` adds the rows past a watermark (``stats_progress``)
to the rollups in bulk, with the same statements. The stats API runs it every
second and before each request, so what it serves stays current.

The watermark relies on rows becoming visible in id order, which holds because
the bot's persistence actor is the only writer and commits its batches one
after another (bulk loads such as ``assistant seed`` are sequential too).
"""

from __future__ import annotations

import importlib.util
from collections.abc import Callable, Sequence
from pathlib import Path
from types import ModuleType

import sqlalchemy as sa
from alembic import op

revision: str = "0003"
down_revision: str | None = "0002"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

SOURCES = ("messages", "llm_calls")


def _revision_0002() -> ModuleType:
    # The rollup statements are 0002's; loading that file keeps both migrations in agreement.
    path = Path(__file__).with_name("0002_stats_rollups.py")
    spec = importlib.util.spec_from_file_location("assistant_migration_0002", path)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def _catch_up_block(source: str, statements: Callable[[str], list[str]]) -> str:
    body = ";\n".join(statement.strip() for statement in statements("new_rows"))
    return f"""
    SELECT last_id INTO last FROM stats_progress WHERE source = '{source}';
    IF last IS NULL THEN
        INSERT INTO stats_progress (source, last_id) VALUES ('{source}', 0) ON CONFLICT DO NOTHING;
        last := 0;
    END IF;
    -- Cheap when there is nothing to do: no lock unless rows are waiting.
    IF EXISTS (SELECT 1 FROM {source} WHERE id > last) THEN
        SELECT last_id INTO last FROM stats_progress WHERE source = '{source}' FOR UPDATE;
        SELECT max(id) INTO upto FROM (SELECT id FROM {source} WHERE id > last ORDER BY id LIMIT max_rows) AS s;
        IF upto IS NOT NULL THEN
            CREATE TEMP TABLE new_rows ON COMMIT DROP AS SELECT * FROM {source} WHERE id > last AND id <= upto;
            GET DIAGNOSTICS added = ROW_COUNT;
            total := total + added;
            {body};
            DROP TABLE new_rows;
            UPDATE stats_progress SET last_id = upto WHERE source = '{source}';
        END IF;
    END IF;
    """


def upgrade() -> None:
    old = _revision_0002()
    for table, trigger, function, _ in old.TRIGGERS:
        op.execute(f"DROP TRIGGER IF EXISTS {trigger} ON {table}")
        op.execute(f"DROP FUNCTION IF EXISTS {function}()")
    op.create_table(
        "stats_progress",
        sa.Column("source", sa.String(length=32), nullable=False),
        sa.Column("last_id", sa.BigInteger(), nullable=False),
        sa.PrimaryKeyConstraint("source", name=op.f("pk_stats_progress")),
    )
    # Everything written so far was rolled up by 0002's triggers or its backfill.
    for source in SOURCES:
        op.execute(
            f"INSERT INTO stats_progress (source, last_id) SELECT '{source}', coalesce(max(id), 0) FROM {source}"
        )
    blocks = "\n".join(
        _catch_up_block(source, statements)
        for source, statements in (("messages", old.messages_rollup), ("llm_calls", old.calls_rollup))
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


def downgrade() -> None:
    old = _revision_0002()
    # Roll up whatever is waiting, then hand the job back to the triggers.
    op.execute("SELECT stats_catch_up(2000000000)")
    op.execute("DROP FUNCTION IF EXISTS stats_catch_up(integer)")
    op.drop_table("stats_progress")
    for table, trigger, function, statements in old.TRIGGERS:
        op.execute(old.trigger_function(function, statements("new_rows")))
        op.execute(
            f"CREATE TRIGGER {trigger} AFTER INSERT ON {table} REFERENCING NEW TABLE AS new_rows "
            f"FOR EACH STATEMENT EXECUTE FUNCTION {function}()"
        )
