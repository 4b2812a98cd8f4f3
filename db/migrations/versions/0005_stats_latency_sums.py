"""stats rollups: latency and time-to-first-token sums, for means

Revision ID: 0005
Revises: 0004

A histogram gives percentiles but no mean. ``stats_messages`` gets the sum and
the count of answer latencies (``latency_sum``, ``latency_count``) and
``stats_calls`` those of the time to first token of ``ok`` requests
(``ttft_sum``, ``ttft_count``); ``stats_catch_up`` adds to them from now on.

The upgrade first rolls up everything waiting, holding the tables' locks, and
then fills the new columns of every existing period from the raw rows. Rows
/forget has already deleted are gone: for periods before the upgrade the mean
covers the answers still in the database, which is why the count is kept
beside the sum rather than read from the histogram.
"""

from __future__ import annotations

import importlib.util
from collections.abc import Callable, Sequence
from pathlib import Path
from types import ModuleType

import sqlalchemy as sa
from alembic import op

revision: str = "0005"
down_revision: str | None = "0004"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

SUMS = (("stats_messages", "latency_sum", "latency_count"), ("stats_calls", "ttft_sum", "ttft_count"))


def load_revision(file_name: str, module_name: str) -> ModuleType:
    path = Path(__file__).with_name(file_name)
    spec = importlib.util.spec_from_file_location(module_name, path)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def messages_statement(levels: Callable[[str, str, str], str], source: str) -> str:
    """0002's ``stats_messages`` statement, also summing and counting the answer latencies."""
    return f"""
        WITH f AS (
            SELECT date_trunc('minute', created_at, 'UTC') AS t,
                   CASE WHEN direction = 'out' THEN stats_latency_bin(latency_ms) END AS bin,
                   count(*) FILTER (WHERE direction = 'in') AS n_in,
                   count(*) FILTER (WHERE direction = 'out') AS n_out,
                   count(*) FILTER (WHERE direction = 'out' AND is_fallback) AS n_fallback,
                   count(*) FILTER (WHERE direction = 'out' AND latency_ms IS NOT NULL) AS n_latency,
                   coalesce(sum(latency_ms) FILTER (WHERE direction = 'out'), 0) AS latency_sum
            FROM {source} GROUP BY 1, 2
        ), levels AS (
            {
        levels(
            "SELECT 1 AS minutes, t, bin, n_in, n_out, n_fallback, n_latency, latency_sum FROM f",
            "bin",
            "sum(n_in), sum(n_out), sum(n_fallback), sum(n_latency), sum(latency_sum)",
        )
    }
        )
        , writers AS (
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
            (period_minutes, period_start, messages_in, messages_out, failovers, latency_hist,
             latency_sum, latency_count, users, chats)
        SELECT totals.*, coalesce(w.users, '{{}}'), coalesce(w.chats, '{{}}')
        FROM (
            SELECT minutes, t, sum(n_in), sum(n_out), sum(n_fallback),
                   coalesce(array_agg((bin::bigint << 40) | n_latency::bigint ORDER BY bin)
                            FILTER (WHERE bin IS NOT NULL AND n_latency > 0), '{{}}'),
                   sum(latency_sum), sum(n_latency)
            FROM levels GROUP BY 1, 2
        ) AS totals(minutes, t, n_in, n_out, n_fallback, hist, latency_sum, latency_count)
        LEFT JOIN writers AS w ON totals.minutes = 1 AND w.t = totals.t
        ORDER BY 1, 2
        ON CONFLICT (period_minutes, period_start) DO UPDATE SET
            messages_in = s.messages_in + excluded.messages_in,
            messages_out = s.messages_out + excluded.messages_out,
            failovers = s.failovers + excluded.failovers,
            users = stats_union(s.users, excluded.users),
            chats = stats_union(s.chats, excluded.chats),
            latency_hist = stats_hist_merge(s.latency_hist, excluded.latency_hist),
            latency_sum = s.latency_sum + excluded.latency_sum,
            latency_count = s.latency_count + excluded.latency_count
        """


def calls_statement(levels: Callable[[str, str, str], str], source: str) -> str:
    """0002's ``stats_calls`` statement, also summing and counting the times to first token."""
    return f"""
        WITH f AS (
            SELECT date_trunc('minute', started_at, 'UTC') AS t, model, outcome,
                   CASE WHEN outcome = 'ok' THEN stats_latency_bin(ttft_ms) END AS bin,
                   count(*) AS n,
                   coalesce(sum(prompt_tokens), 0) AS prompt_tokens,
                   coalesce(sum(completion_tokens), 0) AS completion_tokens,
                   coalesce(sum(cost), 0) AS cost,
                   count(*) FILTER (WHERE outcome = 'ok' AND ttft_ms IS NOT NULL) AS n_ttft,
                   coalesce(sum(ttft_ms) FILTER (WHERE outcome = 'ok'), 0) AS ttft_sum
            FROM {source} GROUP BY 1, 2, 3, 4
        ), levels AS (
            {
        levels(
            "SELECT 1 AS minutes, t, model, outcome, bin, n, prompt_tokens, completion_tokens, cost, n_ttft, "
            "ttft_sum FROM f",
            "model, outcome, bin",
            "sum(n), sum(prompt_tokens), sum(completion_tokens), sum(cost), sum(n_ttft), sum(ttft_sum)",
        )
    }
        )
        INSERT INTO stats_calls AS s
            (period_minutes, period_start, model, outcome, calls, prompt_tokens, completion_tokens, cost, ttft_hist,
             ttft_sum, ttft_count)
        SELECT minutes, t, model, outcome, sum(n), sum(prompt_tokens), sum(completion_tokens), sum(cost),
               coalesce(array_agg((bin::bigint << 40) | n_ttft::bigint ORDER BY bin)
                        FILTER (WHERE bin IS NOT NULL AND n_ttft > 0), '{{}}'),
               sum(ttft_sum), sum(n_ttft)
        FROM levels GROUP BY 1, 2, 3, 4
        ORDER BY 1, 2, 3, 4
        ON CONFLICT (period_minutes, period_start, model, outcome) DO UPDATE SET
            calls = s.calls + excluded.calls,
            prompt_tokens = s.prompt_tokens + excluded.prompt_tokens,
            completion_tokens = s.completion_tokens + excluded.completion_tokens,
            cost = s.cost + excluded.cost,
            ttft_hist = stats_hist_merge(s.ttft_hist, excluded.ttft_hist),
            ttft_sum = s.ttft_sum + excluded.ttft_sum,
            ttft_count = s.ttft_count + excluded.ttft_count
        """


def replaced(statements: list[str], table: str, statement: str) -> list[str]:
    """``statements`` with the one that inserts into ``table`` replaced."""
    matches = [i for i, old in enumerate(statements) if f"INSERT INTO {table} AS s" in old]
    assert len(matches) == 1, table
    return [statement if i == matches[0] else old for i, old in enumerate(statements)]


def rollups() -> tuple[Callable[[str], list[str]], Callable[[str], list[str]]]:
    """The statements of 0002 that add ``messages`` and ``llm_calls`` rows, with the sums added."""
    old = load_revision("0002_stats_rollups.py", "assistant_migration_0002")

    def messages(source: str) -> list[str]:
        return replaced(old.messages_rollup(source), "stats_messages", messages_statement(old._levels, source))

    def calls(source: str) -> list[str]:
        return replaced(old.calls_rollup(source), "stats_calls", calls_statement(old._levels, source))

    return messages, calls


def backfill(levels: Callable[[str, str, str], str]) -> list[str]:
    """Fill the sums of every existing period from the raw rows still in the database."""
    statements = []
    for table, name, source, time, value, selected, keys, condition in (
        ("stats_messages", "latency", "messages", "created_at", "latency_ms", "1 AS k", "k", "direction = 'out'"),
        (
            "stats_calls",
            "ttft",
            "llm_calls",
            "started_at",
            "ttft_ms",
            "model, outcome",
            "model, outcome",
            "outcome = 'ok'",
        ),
    ):
        # stats_messages has no key besides the period: a constant column ``k`` stands in for one.
        match = "".join(f" AND r.{key} = l.{key}" for key in keys.split(", ") if key != "k")
        statements.append(f"""
            WITH f AS (
                SELECT date_trunc('minute', {time}, 'UTC') AS t, {selected}, sum({value}) AS total, count(*) AS n
                FROM {source} WHERE {condition} AND {value} IS NOT NULL GROUP BY t, {keys}
            ), levels AS (
                {levels(f"SELECT 1 AS minutes, t, {keys}, total, n FROM f", keys, "sum(total), sum(n)")}
            )
            UPDATE {table} AS r SET {name}_sum = l.total, {name}_count = l.n
            FROM levels AS l
            WHERE r.period_minutes = l.minutes AND r.period_start = l.t{match}
        """)
    return statements


def upgrade() -> None:
    horizon = load_revision("0004_stats_settled_horizon.py", "assistant_migration_0004")
    old = load_revision("0002_stats_rollups.py", "assistant_migration_0002")
    # Writers wait until the commit: every row is rolled up before the sums are filled from the rows.
    op.execute("LOCK TABLE messages, llm_calls IN SHARE ROW EXCLUSIVE MODE")
    op.execute("SELECT stats_catch_up(2000000000)")
    for table, total, count in SUMS:
        op.add_column(table, sa.Column(total, sa.BigInteger(), server_default=sa.text("0"), nullable=False))
        op.add_column(table, sa.Column(count, sa.BigInteger(), server_default=sa.text("0"), nullable=False))
    for statement in backfill(old._levels):
        op.execute(statement)
    op.execute("DROP FUNCTION stats_catch_up(integer)")
    op.execute(horizon.catch_up_function(*rollups()))


def downgrade() -> None:
    horizon = load_revision("0004_stats_settled_horizon.py", "assistant_migration_0004")
    old = load_revision("0002_stats_rollups.py", "assistant_migration_0002")
    op.execute("DROP FUNCTION stats_catch_up(integer)")
    op.execute(horizon.catch_up_function(old.messages_rollup, old.calls_rollup))
    for table, total, count in SUMS:
        op.drop_column(table, count)
        op.drop_column(table, total)
