"""stats rollups: tables kept up to date by triggers on messages and llm_calls

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-25 11:49:56.993108

The tables are described in ``db/rollups.py``. Statement-level triggers with
transition tables add every inserted row (and only those: under ``ON CONFLICT
DO NOTHING`` a conflicting row is not in the transition table) into the
rollups; ``COPY`` fires them too. The upgrade fills the rollups from the rows
already there, inside the migration's transaction: creating the triggers locks
both tables against writes until the commit, so no row is counted twice or
missed. This file is self-contained on purpose: later changes to application
code must not change what an old migration does.
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = "0002"
down_revision: str | None = "0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

BITMAP_BITS = 4096
COUNT_MASK = (1 << 40) - 1
# Rollup grains: (value of period_minutes, date_trunc unit).
GRAINS = ((1, "minute"), (60, "hour"), (1440, "day"))


def latency_bin_edges() -> list[int]:
    """Lower edges of the latency bins from 1 ms (bin 0 is [0, 1)); the same as ``api.histogram``."""
    edges = [0]
    while edges[-1] < 86_400_000:
        edges.append(max(edges[-1] + 1, edges[-1] * 21 // 20))
    return edges[1:]


def helper_functions() -> list[str]:
    edges = ",".join(str(edge) for edge in latency_bin_edges())
    return [
        f"""
        CREATE FUNCTION stats_latency_bin(ms integer) RETURNS smallint
        LANGUAGE sql IMMUTABLE PARALLEL SAFE
        AS $$ SELECT width_bucket(ms, '{{{edges}}}'::integer[])::smallint $$
        """,
        """
        CREATE FUNCTION stats_union(a integer[], b integer[]) RETURNS integer[]
        LANGUAGE sql IMMUTABLE PARALLEL SAFE
        AS $$
            SELECT CASE WHEN cardinality(b) = 0 THEN a WHEN cardinality(a) = 0 THEN b
                        ELSE ARRAY(SELECT DISTINCT x FROM unnest(a || b) AS x ORDER BY x) END
        $$
        """,
        f"""
        CREATE FUNCTION stats_hist_merge(a bigint[], b bigint[]) RETURNS bigint[]
        LANGUAGE sql IMMUTABLE PARALLEL SAFE
        AS $$
            SELECT coalesce(array_agg((bin << 40) | n ORDER BY bin), '{{}}')
            FROM (
                SELECT x >> 40 AS bin, sum(x & {COUNT_MASK})::bigint AS n
                FROM unnest(a || b) AS x
                GROUP BY 1
            ) AS merged
        $$
        """,
    ]


def _levels(select_minute: str, columns: str, sums: str) -> str:
    """The minute rows of ``f`` plus their sums per hour and per day."""
    coarser = [
        f"SELECT {minutes}, date_trunc('{unit}', t, 'UTC'), {columns}, {sums} FROM f GROUP BY 2, {columns}"
        for minutes, unit in GRAINS[1:]
    ]
    return "\nUNION ALL ".join([select_minute, *coarser])


def messages_rollup(source: str) -> list[str]:
    """Statements adding the ``messages`` rows of ``source`` (transition table or the table) to the rollups."""
    grain_values = ", ".join(f"({minutes}, '{unit}')" for minutes, unit in GRAINS[1:])
    return [
        f"""
        INSERT INTO stats_users (user_id)
        SELECT DISTINCT n.user_id FROM {source} AS n
        WHERE n.user_id IS NOT NULL AND NOT EXISTS (SELECT 1 FROM stats_users AS u WHERE u.user_id = n.user_id)
        ORDER BY 1
        ON CONFLICT DO NOTHING
        """,
        f"""
        UPDATE stats_users AS u SET first_seen_at = least(u.first_seen_at, f.first_in)
        FROM (
            SELECT user_id, min(created_at) AS first_in FROM {source}
            WHERE direction = 'in' AND user_id IS NOT NULL GROUP BY user_id
        ) AS f
        WHERE u.user_id = f.user_id AND (u.first_seen_at IS NULL OR u.first_seen_at > f.first_in)
        """,
        f"""
        INSERT INTO stats_chats (chat_id)
        SELECT DISTINCT n.chat_id FROM {source} AS n
        WHERE NOT EXISTS (SELECT 1 FROM stats_chats AS c WHERE c.chat_id = n.chat_id)
        ORDER BY 1
        ON CONFLICT DO NOTHING
        """,
        f"""
        UPDATE stats_chats AS c SET
            first_seen_at = least(c.first_seen_at, f.first_in),
            messages_in = c.messages_in + f.n_in,
            messages_out = c.messages_out + f.n_out
        FROM (
            SELECT chat_id,
                   min(created_at) FILTER (WHERE direction = 'in') AS first_in,
                   count(*) FILTER (WHERE direction = 'in') AS n_in,
                   count(*) FILTER (WHERE direction = 'out') AS n_out
            FROM {source} GROUP BY chat_id
        ) AS f
        WHERE c.chat_id = f.chat_id
        """,
        f"""
        INSERT INTO stats_chat_users (chat_id, user_id)
        SELECT DISTINCT n.chat_id, n.user_id FROM {source} AS n
        WHERE n.user_id IS NOT NULL AND NOT EXISTS (
            SELECT 1 FROM stats_chat_users AS cu WHERE cu.chat_id = n.chat_id AND cu.user_id = n.user_id
        )
        ORDER BY 1, 2
        ON CONFLICT DO NOTHING
        """,
        f"""
        WITH f AS (
            SELECT date_trunc('minute', created_at, 'UTC') AS t, chat_id, coalesce(user_id, 0) AS user_id,
                   count(*) FILTER (WHERE direction = 'in') AS n_in,
                   count(*) FILTER (WHERE direction = 'out') AS n_out
            FROM {source} GROUP BY 1, 2, 3
        )
        INSERT INTO stats_activity AS a (period_minutes, period_start, chat_id, user_id, messages_in, messages_out)
        {_levels("SELECT 1, t, chat_id, user_id, n_in, n_out FROM f", "chat_id, user_id", "sum(n_in), sum(n_out)")}
        ORDER BY 1, 2, 3, 4
        ON CONFLICT (period_minutes, period_start, chat_id, user_id) DO UPDATE SET
            messages_in = a.messages_in + excluded.messages_in,
            messages_out = a.messages_out + excluded.messages_out
        """,
        f"""
        WITH hours AS (
            -- Who wrote in which hour, once each, before turning them into bits (and days).
            SELECT DISTINCT date_trunc('hour', created_at, 'UTC') AS hour, user_id, chat_id
            FROM {source} WHERE direction = 'in'
        ), active AS (
            SELECT DISTINCT 1 AS kind, g.minutes, date_trunc(g.unit, h.hour, 'UTC') AS t, u.idx
            FROM hours AS h JOIN stats_users AS u ON u.user_id = h.user_id
            CROSS JOIN (VALUES {grain_values}) AS g(minutes, unit)
            UNION ALL
            SELECT DISTINCT 2, g.minutes, date_trunc(g.unit, h.hour, 'UTC'), c.idx
            FROM hours AS h JOIN stats_chats AS c ON c.chat_id = h.chat_id
            CROSS JOIN (VALUES {grain_values}) AS g(minutes, unit)
        )
        INSERT INTO stats_activity_bits AS b (kind, period_minutes, period_start, chunk, bits)
        SELECT kind, minutes, t, idx / {BITMAP_BITS}, bit_or(B'1'::bit({BITMAP_BITS}) >> (idx % {BITMAP_BITS}))
        FROM active
        GROUP BY 1, 2, 3, 4
        ORDER BY 1, 2, 3, 4
        ON CONFLICT (kind, period_minutes, period_start, chunk) DO UPDATE SET bits = b.bits | excluded.bits
        WHERE b.bits | excluded.bits <> b.bits
        """,
        f"""
        WITH f AS (
            SELECT date_trunc('minute', created_at, 'UTC') AS t,
                   CASE WHEN direction = 'out' THEN stats_latency_bin(latency_ms) END AS bin,
                   count(*) FILTER (WHERE direction = 'in') AS n_in,
                   count(*) FILTER (WHERE direction = 'out') AS n_out,
                   count(*) FILTER (WHERE direction = 'out' AND is_fallback) AS n_fallback,
                   count(*) FILTER (WHERE direction = 'out' AND latency_ms IS NOT NULL) AS n_latency
            FROM {source} GROUP BY 1, 2
        ), levels AS (
            {
            _levels(
                "SELECT 1 AS minutes, t, bin, n_in, n_out, n_fallback, n_latency FROM f",
                "bin",
                "sum(n_in), sum(n_out), sum(n_fallback), sum(n_latency)",
            )
        }
        )
        , writers AS (
            -- Per minute, the dense numbers of the users and chats that wrote: distinct counts of minutes.
            SELECT date_trunc('minute', n.created_at, 'UTC') AS t,
                   array_agg(DISTINCT u.idx ORDER BY u.idx) AS users,
                   array_agg(DISTINCT c.idx ORDER BY c.idx) AS chats
            FROM {source} AS n
            JOIN stats_users AS u ON u.user_id = n.user_id
            JOIN stats_chats AS c ON c.chat_id = n.chat_id
            WHERE n.direction = 'in'
            GROUP BY 1
        )
        INSERT INTO stats_messages AS s
            (period_minutes, period_start, messages_in, messages_out, failovers, latency_hist, users, chats)
        SELECT totals.*, coalesce(w.users, '{{}}'), coalesce(w.chats, '{{}}')
        FROM (
            SELECT minutes, t, sum(n_in), sum(n_out), sum(n_fallback),
                   coalesce(array_agg((bin::bigint << 40) | n_latency::bigint ORDER BY bin)
                            FILTER (WHERE bin IS NOT NULL AND n_latency > 0), '{{}}')
            FROM levels GROUP BY 1, 2
        ) AS totals(minutes, t, n_in, n_out, n_fallback, hist)
        LEFT JOIN writers AS w ON totals.minutes = 1 AND w.t = totals.t
        ORDER BY 1, 2
        ON CONFLICT (period_minutes, period_start) DO UPDATE SET
            messages_in = s.messages_in + excluded.messages_in,
            messages_out = s.messages_out + excluded.messages_out,
            failovers = s.failovers + excluded.failovers,
            users = stats_union(s.users, excluded.users),
            chats = stats_union(s.chats, excluded.chats),
            latency_hist = stats_hist_merge(s.latency_hist, excluded.latency_hist)
        """,
        f"""
        WITH f AS (
            SELECT date_trunc('minute', created_at, 'UTC') AS t, coalesce(role, '') AS role, count(*) AS n
            FROM {source} WHERE direction = 'out' GROUP BY 1, 2
        )
        INSERT INTO stats_roles AS s (period_minutes, period_start, role, answers)
        {_levels("SELECT 1, t, role, n FROM f", "role", "sum(n)")}
        ORDER BY 1, 2, 3
        ON CONFLICT (period_minutes, period_start, role) DO UPDATE SET answers = s.answers + excluded.answers
        """,
    ]


CALL_SUMS = "sum(n), sum(tokens), sum(cost)"
ROLE_SUMS = "sum(n), sum(prompt_tokens), sum(completion_tokens), sum(cost)"


def calls_rollup(source: str) -> list[str]:
    """Statements adding the ``llm_calls`` rows of ``source`` to the rollups."""
    return [
        f"""
        INSERT INTO stats_chats (chat_id)
        SELECT DISTINCT n.chat_id FROM {source} AS n
        WHERE n.chat_id IS NOT NULL AND NOT EXISTS (SELECT 1 FROM stats_chats AS c WHERE c.chat_id = n.chat_id)
        ORDER BY 1
        ON CONFLICT DO NOTHING
        """,
        f"""
        UPDATE stats_chats AS c SET calls = c.calls + f.n, cost = c.cost + f.cost
        FROM (
            SELECT chat_id, count(*) AS n, coalesce(sum(cost), 0) AS cost FROM {source}
            WHERE chat_id IS NOT NULL GROUP BY chat_id
        ) AS f
        WHERE c.chat_id = f.chat_id
        """,
        f"""
        WITH f AS (
            SELECT date_trunc('minute', started_at, 'UTC') AS t,
                   coalesce(chat_id, 0) AS chat_id, coalesce(user_id, 0) AS user_id, count(*) AS n,
                   coalesce(sum(coalesce(prompt_tokens, 0) + coalesce(completion_tokens, 0)), 0) AS tokens,
                   coalesce(sum(cost), 0) AS cost
            FROM {source} GROUP BY 1, 2, 3
        )
        INSERT INTO stats_activity AS a (period_minutes, period_start, chat_id, user_id, calls, tokens, cost)
        {_levels("SELECT 1, t, chat_id, user_id, n, tokens, cost FROM f", "chat_id, user_id", CALL_SUMS)}
        ORDER BY 1, 2, 3, 4
        ON CONFLICT (period_minutes, period_start, chat_id, user_id) DO UPDATE SET
            calls = a.calls + excluded.calls,
            tokens = a.tokens + excluded.tokens,
            cost = a.cost + excluded.cost
        """,
        f"""
        WITH f AS (
            SELECT date_trunc('minute', started_at, 'UTC') AS t, model, outcome,
                   CASE WHEN outcome = 'ok' THEN stats_latency_bin(ttft_ms) END AS bin,
                   count(*) AS n,
                   coalesce(sum(prompt_tokens), 0) AS prompt_tokens,
                   coalesce(sum(completion_tokens), 0) AS completion_tokens,
                   coalesce(sum(cost), 0) AS cost,
                   count(*) FILTER (WHERE outcome = 'ok' AND ttft_ms IS NOT NULL) AS n_ttft
            FROM {source} GROUP BY 1, 2, 3, 4
        ), levels AS (
            {
            _levels(
                "SELECT 1 AS minutes, t, model, outcome, bin, n, prompt_tokens, completion_tokens, cost, n_ttft FROM f",
                "model, outcome, bin",
                "sum(n), sum(prompt_tokens), sum(completion_tokens), sum(cost), sum(n_ttft)",
            )
        }
        )
        INSERT INTO stats_calls AS s
            (period_minutes, period_start, model, outcome, calls, prompt_tokens, completion_tokens, cost, ttft_hist)
        SELECT minutes, t, model, outcome, sum(n), sum(prompt_tokens), sum(completion_tokens), sum(cost),
               coalesce(array_agg((bin::bigint << 40) | n_ttft::bigint ORDER BY bin)
                        FILTER (WHERE bin IS NOT NULL AND n_ttft > 0), '{{}}')
        FROM levels GROUP BY 1, 2, 3, 4
        ORDER BY 1, 2, 3, 4
        ON CONFLICT (period_minutes, period_start, model, outcome) DO UPDATE SET
            calls = s.calls + excluded.calls,
            prompt_tokens = s.prompt_tokens + excluded.prompt_tokens,
            completion_tokens = s.completion_tokens + excluded.completion_tokens,
            cost = s.cost + excluded.cost,
            ttft_hist = stats_hist_merge(s.ttft_hist, excluded.ttft_hist)
        """,
        f"""
        WITH f AS (
            SELECT date_trunc('minute', started_at, 'UTC') AS t, coalesce(role, '') AS role, count(*) AS n,
                   coalesce(sum(prompt_tokens), 0) AS prompt_tokens,
                   coalesce(sum(completion_tokens), 0) AS completion_tokens,
                   coalesce(sum(cost), 0) AS cost
            FROM {source} GROUP BY 1, 2
        )
        INSERT INTO stats_roles AS s (period_minutes, period_start, role, calls, prompt_tokens, completion_tokens, cost)
        {_levels("SELECT 1, t, role, n, prompt_tokens, completion_tokens, cost FROM f", "role", ROLE_SUMS)}
        ORDER BY 1, 2, 3
        ON CONFLICT (period_minutes, period_start, role) DO UPDATE SET
            calls = s.calls + excluded.calls,
            prompt_tokens = s.prompt_tokens + excluded.prompt_tokens,
            completion_tokens = s.completion_tokens + excluded.completion_tokens,
            cost = s.cost + excluded.cost
        """,
    ]


def trigger_function(name: str, statements: list[str]) -> str:
    body = ";\n".join(statement.strip() for statement in statements)
    # A COPY of 100,000 rows aggregates them in memory instead of spilling to disk at the default 4 MB.
    return f"""
    CREATE FUNCTION {name}() RETURNS trigger LANGUAGE plpgsql SET work_mem = '64MB' AS $$
    BEGIN
    {body};
    RETURN NULL;
    END
    $$
    """


TRIGGERS = (
    ("messages", "stats_messages_inserted", "stats_add_messages", messages_rollup),
    ("llm_calls", "stats_llm_calls_inserted", "stats_add_llm_calls", calls_rollup),
)


def create_tables() -> None:
    op.create_table(
        "stats_activity",
        sa.Column("period_minutes", sa.SmallInteger(), nullable=False),
        sa.Column("period_start", sa.DateTime(timezone=True), nullable=False),
        sa.Column("chat_id", sa.BigInteger(), autoincrement=False, nullable=False),
        sa.Column("user_id", sa.BigInteger(), autoincrement=False, nullable=False),
        sa.Column("messages_in", sa.BigInteger(), server_default=sa.text("0"), nullable=False),
        sa.Column("messages_out", sa.BigInteger(), server_default=sa.text("0"), nullable=False),
        sa.Column("calls", sa.BigInteger(), server_default=sa.text("0"), nullable=False),
        sa.Column("tokens", sa.BigInteger(), server_default=sa.text("0"), nullable=False),
        sa.Column("cost", sa.Numeric(), server_default=sa.text("0"), nullable=False),
        sa.PrimaryKeyConstraint("period_minutes", "period_start", "chat_id", "user_id", name=op.f("pk_stats_activity")),
    )
    op.create_table(
        "stats_activity_bits",
        sa.Column("kind", sa.SmallInteger(), nullable=False),
        sa.Column("period_minutes", sa.SmallInteger(), nullable=False),
        sa.Column("period_start", sa.DateTime(timezone=True), nullable=False),
        sa.Column("chunk", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("bits", postgresql.BIT(length=BITMAP_BITS), nullable=False),
        sa.PrimaryKeyConstraint("kind", "period_minutes", "period_start", "chunk", name=op.f("pk_stats_activity_bits")),
    )
    op.create_table(
        "stats_calls",
        sa.Column("period_minutes", sa.SmallInteger(), nullable=False),
        sa.Column("period_start", sa.DateTime(timezone=True), nullable=False),
        sa.Column("model", sa.String(length=128), nullable=False),
        sa.Column("outcome", sa.String(length=32), nullable=False),
        sa.Column("calls", sa.BigInteger(), server_default=sa.text("0"), nullable=False),
        sa.Column("prompt_tokens", sa.BigInteger(), server_default=sa.text("0"), nullable=False),
        sa.Column("completion_tokens", sa.BigInteger(), server_default=sa.text("0"), nullable=False),
        sa.Column("cost", sa.Numeric(), server_default=sa.text("0"), nullable=False),
        sa.Column(
            "ttft_hist", postgresql.ARRAY(sa.BigInteger()), server_default=sa.text("'{}'::bigint[]"), nullable=False
        ),
        sa.PrimaryKeyConstraint("period_minutes", "period_start", "model", "outcome", name=op.f("pk_stats_calls")),
    )
    op.create_table(
        "stats_roles",
        sa.Column("period_minutes", sa.SmallInteger(), nullable=False),
        sa.Column("period_start", sa.DateTime(timezone=True), nullable=False),
        sa.Column("role", sa.String(length=64), nullable=False),
        sa.Column("answers", sa.BigInteger(), server_default=sa.text("0"), nullable=False),
        sa.Column("calls", sa.BigInteger(), server_default=sa.text("0"), nullable=False),
        sa.Column("prompt_tokens", sa.BigInteger(), server_default=sa.text("0"), nullable=False),
        sa.Column("completion_tokens", sa.BigInteger(), server_default=sa.text("0"), nullable=False),
        sa.Column("cost", sa.Numeric(), server_default=sa.text("0"), nullable=False),
        sa.PrimaryKeyConstraint("period_minutes", "period_start", "role", name=op.f("pk_stats_roles")),
    )
    op.create_table(
        "stats_chat_users",
        sa.Column("chat_id", sa.BigInteger(), autoincrement=False, nullable=False),
        sa.Column("user_id", sa.BigInteger(), autoincrement=False, nullable=False),
        sa.PrimaryKeyConstraint("chat_id", "user_id", name=op.f("pk_stats_chat_users")),
    )
    op.create_index(op.f("ix_stats_chat_users_user_id"), "stats_chat_users", ["user_id"], unique=False)
    op.create_table(
        "stats_chats",
        sa.Column("chat_id", sa.BigInteger(), autoincrement=False, nullable=False),
        sa.Column("idx", sa.Integer(), sa.Identity(always=False, start=0, minvalue=0), nullable=False),
        sa.Column("first_seen_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("messages_in", sa.BigInteger(), server_default=sa.text("0"), nullable=False),
        sa.Column("messages_out", sa.BigInteger(), server_default=sa.text("0"), nullable=False),
        sa.Column("calls", sa.BigInteger(), server_default=sa.text("0"), nullable=False),
        sa.Column("cost", sa.Numeric(), server_default=sa.text("0"), nullable=False),
        sa.PrimaryKeyConstraint("chat_id", name=op.f("pk_stats_chats")),
        sa.UniqueConstraint("idx", name=op.f("uq_stats_chats_idx")),
    )
    op.create_index(op.f("ix_stats_chats_first_seen_at"), "stats_chats", ["first_seen_at"], unique=False)
    op.create_table(
        "stats_messages",
        sa.Column("period_minutes", sa.SmallInteger(), nullable=False),
        sa.Column("period_start", sa.DateTime(timezone=True), nullable=False),
        sa.Column("messages_in", sa.BigInteger(), server_default=sa.text("0"), nullable=False),
        sa.Column("messages_out", sa.BigInteger(), server_default=sa.text("0"), nullable=False),
        sa.Column("failovers", sa.BigInteger(), server_default=sa.text("0"), nullable=False),
        sa.Column(
            "latency_hist", postgresql.ARRAY(sa.BigInteger()), server_default=sa.text("'{}'::bigint[]"), nullable=False
        ),
        sa.Column("users", postgresql.ARRAY(sa.Integer()), server_default=sa.text("'{}'::integer[]"), nullable=False),
        sa.Column("chats", postgresql.ARRAY(sa.Integer()), server_default=sa.text("'{}'::integer[]"), nullable=False),
        sa.PrimaryKeyConstraint("period_minutes", "period_start", name=op.f("pk_stats_messages")),
    )
    op.create_table(
        "stats_users",
        sa.Column("user_id", sa.BigInteger(), autoincrement=False, nullable=False),
        sa.Column("idx", sa.Integer(), sa.Identity(always=False, start=0, minvalue=0), nullable=False),
        sa.Column("first_seen_at", sa.DateTime(timezone=True), nullable=True),
        sa.PrimaryKeyConstraint("user_id", name=op.f("pk_stats_users")),
        sa.UniqueConstraint("idx", name=op.f("uq_stats_users_idx")),
    )
    op.create_index(op.f("ix_stats_users_first_seen_at"), "stats_users", ["first_seen_at"], unique=False)
    op.create_index("ix_chats_last_activity_at_id", "chats", ["last_activity_at", "id"], unique=False)


def upgrade() -> None:
    create_tables()
    for statement in helper_functions():
        op.execute(statement)
    for table, trigger, function, statements in TRIGGERS:
        op.execute(trigger_function(function, statements("new_rows")))
        op.execute(
            f"CREATE TRIGGER {trigger} AFTER INSERT ON {table} REFERENCING NEW TABLE AS new_rows "
            f"FOR EACH STATEMENT EXECUTE FUNCTION {function}()"
        )
    # The triggers hold a lock on both tables until the commit: the backfill sees every row exactly once.
    for table, _, _, statements in TRIGGERS:
        for statement in statements(table):
            op.execute(statement)


def downgrade() -> None:
    for table, trigger, function, _ in TRIGGERS:
        op.execute(f"DROP TRIGGER IF EXISTS {trigger} ON {table}")
        op.execute(f"DROP FUNCTION IF EXISTS {function}()")
    op.execute("DROP FUNCTION IF EXISTS stats_hist_merge(bigint[], bigint[])")
    op.execute("DROP FUNCTION IF EXISTS stats_union(integer[], integer[])")
    op.execute("DROP FUNCTION IF EXISTS stats_latency_bin(integer)")
    op.drop_index("ix_chats_last_activity_at_id", table_name="chats")
    for table in (
        "stats_users",
        "stats_messages",
        "stats_chats",
        "stats_chat_users",
        "stats_calls",
        "stats_roles",
        "stats_activity_bits",
        "stats_activity",
    ):
        op.drop_table(table)
