"""The rollups of a freshly loaded database in one pass, for ``assistant seed``.

``stats_catch_up`` (migrations 0002, 0005 and 0007) adds new rows to rollups
that may already hold figures: it copies the new rows into temporary tables,
aggregates them per minute, sums those per hour and per day, and merges the
result with ``ON CONFLICT DO UPDATE``. When ``messages`` and ``llm_calls``
held nothing before a seed and the rollup tables are empty too, the same
figures come out of cheaper statements: the rows are read where they are
(parallel workers scan them), each rollup's minute rows go into a temporary
table from which the hours are summed, and the days from the hours, nothing
has to be merged (plain ``INSERT``), the activity bitmaps are set 64 bits at a
time, and the biggest table (``stats_activity``, one row per minute, chat and
user) is filled without its primary key, which is built afterwards in one
sort. The seed runs these in its own transaction, before its rows are
committed, and then moves the watermark past that transaction (``db.seed``
says when that is safe). ``tests/api/test_seed.py`` checks that every rollup
table ends up exactly as ``stats_catch_up`` would leave it; a change to the
rollups (a new migration) must be made here too, and that test says where
they differ.

:data:`SESSION` is applied with ``SET LOCAL`` by :func:`roll_up_everything`.
"""

from __future__ import annotations

import time
from collections.abc import Callable

import asyncpg

from db.rollups import BITMAP_BITS

ROLLUP_TABLES = (
    "stats_users",
    "stats_chats",
    "stats_chat_users",
    "stats_activity",
    "stats_activity_bits",
    "stats_messages",
    "stats_calls",
    "stats_roles",
)

SESSION = (
    # The aggregates fit in memory up to a few million messages (at the default 4 MB they spill to disk at
    # once); beyond, they spill in a few batches. A parallel plan may give that much to each of its
    # processes (three at most, with the default max_parallel_workers_per_gather of 2).
    "SET LOCAL work_mem = '1GB'",
    "SET LOCAL maintenance_work_mem = '1GB'",
    # One JIT compilation per statement costs more than it saves on these plans.
    "SET LOCAL jit = off",
    # The aggregates over messages and llm_calls read them with parallel workers (the COPY is over, the
    # generator's core is free): worth it for every such scan, however many rows the workers pass on.
    "SET LOCAL parallel_setup_cost = 0",
    "SET LOCAL parallel_tuple_cost = 0",
    # The per-grain tables stay in memory (possible only before the session's first temporary table).
    "SET LOCAL temp_buffers = '1GB'",
)


def _levels(name: str, minutes: str, keys: str, figures: str) -> list[tuple[str, str]]:
    """Temporary tables ``bulk_{name}_{1,60,1440}``: ``minutes`` (a query of t, keys, figures) and its sums
    per hour (from the minutes) and per day (from the hours), each row led by its ``period_minutes``."""
    # Counts stay bigint (sum() of a bigint is a numeric, slower to add up again); money stays numeric.
    sums = ", ".join(
        f"sum({figure}) AS {figure}" if figure == "cost" else f"sum({figure})::bigint AS {figure}"
        for figure in figures.split(", ")
    )
    return [
        (
            name,
            f"CREATE TEMP TABLE bulk_{name}_1 ON COMMIT DROP AS SELECT 1::smallint AS minutes, * FROM ({minutes}) AS f",
        ),
        (
            name,
            f"""CREATE TEMP TABLE bulk_{name}_60 ON COMMIT DROP AS
                SELECT 60::smallint AS minutes, date_trunc('hour', t, 'UTC') AS t, {keys}, {sums}
                FROM bulk_{name}_1 GROUP BY 2, {keys}""",
        ),
        (
            name,
            f"""CREATE TEMP TABLE bulk_{name}_1440 ON COMMIT DROP AS
                SELECT 1440::smallint AS minutes, date_trunc('day', t, 'UTC') AS t, {keys}, {sums}
                FROM bulk_{name}_60 GROUP BY 2, {keys}""",
        ),
    ]


def _insert(name: str, statement: str) -> list[tuple[str, str]]:
    """The statement that fills a rollup table from ``bulk_{name}_*``, then the drop of those tables (their
    memory serves the next rollup)."""
    return [(name, statement), (name, f"DROP TABLE bulk_{name}_1, bulk_{name}_60, bulk_{name}_1440")]


# Stand-ins for the statements that drop and add stats_activity's primary key (read from the catalog).
DROP_ACTIVITY_KEY = "-- drop the primary key of stats_activity"
ADD_ACTIVITY_KEY = "-- add the primary key of stats_activity"

STATEMENTS: tuple[tuple[str, str], ...] = (
    (
        "users",
        # 0002: the new users in user_id order (their idx follows it), then their first incoming message.
        """
        INSERT INTO stats_users (user_id, first_seen_at)
        SELECT user_id, min(created_at) FILTER (WHERE direction = 'in')
        FROM messages WHERE user_id IS NOT NULL
        GROUP BY user_id ORDER BY user_id
        """,
    ),
    (
        "chats",
        # 0002: the chats of messages in chat_id order, then those only requests name; the counters after.
        """
        INSERT INTO stats_chats (chat_id, first_seen_at, messages_in, messages_out, calls, cost)
        SELECT m.chat_id, m.first_in, m.n_in, m.n_out, coalesce(c.n, 0), coalesce(c.cost, 0)
        FROM (
            SELECT chat_id,
                   min(created_at) FILTER (WHERE direction = 'in') AS first_in,
                   count(*) FILTER (WHERE direction = 'in') AS n_in,
                   count(*) FILTER (WHERE direction = 'out') AS n_out
            FROM messages GROUP BY chat_id
        ) AS m
        LEFT JOIN (
            SELECT chat_id, count(*) AS n, coalesce(sum(cost), 0) AS cost FROM llm_calls
            WHERE chat_id IS NOT NULL GROUP BY chat_id
        ) AS c USING (chat_id)
        ORDER BY m.chat_id
        """,
    ),
    (
        "chats of requests alone",
        """
        INSERT INTO stats_chats (chat_id, calls, cost)
        SELECT chat_id, count(*), coalesce(sum(cost), 0) FROM llm_calls AS n
        WHERE chat_id IS NOT NULL AND NOT EXISTS (SELECT 1 FROM stats_chats AS c WHERE c.chat_id = n.chat_id)
        GROUP BY chat_id ORDER BY chat_id
        """,
    ),
    (
        "chat users",
        """
        INSERT INTO stats_chat_users (chat_id, user_id)
        SELECT DISTINCT chat_id, user_id FROM messages WHERE user_id IS NOT NULL ORDER BY 1, 2
        """,
    ),
    (
        "activity bits",
        # 0002's bitmaps of who wrote per hour and day, set 64 bits at a time: one bit(4096) per 64-bit
        # word that has a bit set rather than per writer (OR is idempotent, so nothing needs DISTINCT).
        f"""
        WITH hours AS (
            SELECT DISTINCT date_trunc('hour', created_at, 'UTC') AS hour, user_id, chat_id
            FROM messages WHERE direction = 'in'
        ), active AS (
            SELECT 1 AS kind, g.minutes, date_trunc(g.unit, h.hour, 'UTC') AS t, u.idx
            FROM hours AS h JOIN stats_users AS u ON u.user_id = h.user_id
            CROSS JOIN (VALUES (60, 'hour'), (1440, 'day')) AS g(minutes, unit)
            UNION ALL
            SELECT 2, g.minutes, date_trunc(g.unit, h.hour, 'UTC'), c.idx
            FROM hours AS h JOIN stats_chats AS c ON c.chat_id = h.chat_id
            CROSS JOIN (VALUES (60, 'hour'), (1440, 'day')) AS g(minutes, unit)
        ), words AS (
            SELECT kind, minutes, t, idx / {BITMAP_BITS} AS chunk, idx % {BITMAP_BITS} / 64 AS word,
                   bit_or(1::bigint << (63 - idx % 64)) AS bits
            FROM active GROUP BY 1, 2, 3, 4, 5
        )
        INSERT INTO stats_activity_bits (kind, period_minutes, period_start, chunk, bits)
        SELECT kind, minutes, t, chunk, bit_or(bits::bit(64)::bit({BITMAP_BITS}) >> (word * 64))
        FROM words
        GROUP BY 1, 2, 3, 4
        ORDER BY 1, 2, 3, 4
        """,
    ),
    *_levels(
        "activity",
        # 0007: messages and requests per minute, chat and user (0 for none), at once.
        """
        SELECT t, chat_id, user_id,
               count(*) FILTER (WHERE kind = 1) AS n_in, count(*) FILTER (WHERE kind = 2) AS n_out,
               count(*) FILTER (WHERE kind = 0) AS n, coalesce(sum(tokens), 0) AS tokens,
               coalesce(sum(cost), 0) AS cost
        FROM (
            SELECT date_trunc('minute', created_at, 'UTC') AS t, chat_id, coalesce(user_id, 0) AS user_id,
                   CASE direction WHEN 'in' THEN 1 WHEN 'out' THEN 2 END AS kind,
                   NULL::bigint AS tokens, NULL::numeric AS cost
            FROM messages
            UNION ALL
            SELECT date_trunc('minute', started_at, 'UTC'), coalesce(chat_id, 0), coalesce(user_id, 0), 0,
                   coalesce(prompt_tokens, 0) + coalesce(completion_tokens, 0), cost
            FROM llm_calls
        ) AS raw
        GROUP BY 1, 2, 3
        """,
        "chat_id, user_id",
        "n_in, n_out, n, tokens, cost",
    ),
    # stats_activity gets about as many rows as there are messages: it is filled without its primary key,
    # which one sort then builds (far cheaper than as many index inserts).
    ("activity", DROP_ACTIVITY_KEY),
    *_insert(
        "activity",
        """
        INSERT INTO stats_activity
            (period_minutes, period_start, chat_id, user_id, messages_in, messages_out, calls, tokens, cost)
        SELECT * FROM bulk_activity_1 UNION ALL SELECT * FROM bulk_activity_60
        UNION ALL SELECT * FROM bulk_activity_1440
        ORDER BY 1, 2, 3, 4
        """,
    ),
    ("activity", ADD_ACTIVITY_KEY),
    *_levels(
        "roles",
        # 0007: answers and requests per minute and role ('' for none), at once.
        """
        SELECT t, role, count(*) FILTER (WHERE kind = 2) AS answers, count(*) FILTER (WHERE kind = 0) AS n,
               coalesce(sum(prompt_tokens), 0) AS prompt_tokens,
               coalesce(sum(completion_tokens), 0) AS completion_tokens, coalesce(sum(cost), 0) AS cost
        FROM (
            SELECT date_trunc('minute', created_at, 'UTC') AS t, coalesce(role, '') AS role, 2 AS kind,
                   NULL::integer AS prompt_tokens, NULL::integer AS completion_tokens, NULL::numeric AS cost
            FROM messages WHERE direction = 'out'
            UNION ALL
            SELECT date_trunc('minute', started_at, 'UTC'), coalesce(role, ''), 0, prompt_tokens,
                   completion_tokens, cost
            FROM llm_calls
        ) AS raw
        GROUP BY 1, 2
        """,
        "role",
        "answers, n, prompt_tokens, completion_tokens, cost",
    ),
    *_insert(
        "roles",
        """
        INSERT INTO stats_roles
            (period_minutes, period_start, role, answers, calls, prompt_tokens, completion_tokens, cost)
        SELECT * FROM bulk_roles_1 UNION ALL SELECT * FROM bulk_roles_60 UNION ALL SELECT * FROM bulk_roles_1440
        ORDER BY 1, 2, 3
        """,
    ),
    *_levels(
        "messages",
        # 0005: messages per minute and latency bin (answers only), with the latency sums.
        """
        SELECT date_trunc('minute', created_at, 'UTC') AS t,
               CASE WHEN direction = 'out' THEN stats_latency_bin(latency_ms) END AS bin,
               count(*) FILTER (WHERE direction = 'in') AS n_in,
               count(*) FILTER (WHERE direction = 'out') AS n_out,
               count(*) FILTER (WHERE direction = 'out' AND is_fallback) AS n_fallback,
               count(*) FILTER (WHERE direction = 'out' AND latency_ms IS NOT NULL) AS n_latency,
               coalesce(sum(latency_ms) FILTER (WHERE direction = 'out'), 0) AS latency_sum
        FROM messages GROUP BY 1, 2
        """,
        "bin",
        "n_in, n_out, n_fallback, n_latency, latency_sum",
    ),
    *_insert(
        "messages",
        # 0002: per minute, the dense numbers of the users and chats that wrote.
        """
        WITH writers AS (
            SELECT date_trunc('minute', n.created_at, 'UTC') AS t,
                   array_agg(DISTINCT u.idx ORDER BY u.idx) AS users,
                   array_agg(DISTINCT c.idx ORDER BY c.idx) AS chats
            FROM messages AS n
            JOIN stats_users AS u ON u.user_id = n.user_id
            JOIN stats_chats AS c ON c.chat_id = n.chat_id
            WHERE n.direction = 'in'
            GROUP BY 1
        )
        INSERT INTO stats_messages
            (period_minutes, period_start, messages_in, messages_out, failovers, latency_hist,
             latency_sum, latency_count, users, chats)
        SELECT totals.*, coalesce(w.users, '{}'), coalesce(w.chats, '{}')
        FROM (
            SELECT minutes, t, sum(n_in), sum(n_out), sum(n_fallback),
                   coalesce(array_agg((bin::bigint << 40) | n_latency::bigint ORDER BY bin)
                            FILTER (WHERE bin IS NOT NULL AND n_latency > 0), '{}'),
                   sum(latency_sum), sum(n_latency)
            FROM (
                SELECT * FROM bulk_messages_1 UNION ALL SELECT * FROM bulk_messages_60
                UNION ALL SELECT * FROM bulk_messages_1440
            ) AS levels(minutes, t, bin, n_in, n_out, n_fallback, n_latency, latency_sum)
            GROUP BY 1, 2
        ) AS totals(minutes, t, n_in, n_out, n_fallback, hist, latency_sum, latency_count)
        LEFT JOIN writers AS w ON totals.minutes = 1 AND w.t = totals.t
        ORDER BY 1, 2
        """,
    ),
    *_levels(
        "calls",
        # 0005: requests per minute, model, outcome and time-to-first-token bin (ok ones only).
        """
        SELECT date_trunc('minute', started_at, 'UTC') AS t, model, outcome,
               CASE WHEN outcome = 'ok' THEN stats_latency_bin(ttft_ms) END AS bin,
               count(*) AS n,
               coalesce(sum(prompt_tokens), 0) AS prompt_tokens,
               coalesce(sum(completion_tokens), 0) AS completion_tokens,
               coalesce(sum(cost), 0) AS cost,
               count(*) FILTER (WHERE outcome = 'ok' AND ttft_ms IS NOT NULL) AS n_ttft,
               coalesce(sum(ttft_ms) FILTER (WHERE outcome = 'ok'), 0) AS ttft_sum
        FROM llm_calls GROUP BY 1, 2, 3, 4
        """,
        "model, outcome, bin",
        "n, prompt_tokens, completion_tokens, cost, n_ttft, ttft_sum",
    ),
    *_insert(
        "calls",
        """
        INSERT INTO stats_calls
            (period_minutes, period_start, model, outcome, calls, prompt_tokens, completion_tokens, cost, ttft_hist,
             ttft_sum, ttft_count)
        SELECT minutes, t, model, outcome, sum(n), sum(prompt_tokens), sum(completion_tokens), sum(cost),
               coalesce(array_agg((bin::bigint << 40) | n_ttft::bigint ORDER BY bin)
                        FILTER (WHERE bin IS NOT NULL AND n_ttft > 0), '{}'),
               sum(ttft_sum), sum(n_ttft)
        FROM (
            SELECT * FROM bulk_calls_1 UNION ALL SELECT * FROM bulk_calls_60 UNION ALL SELECT * FROM bulk_calls_1440
        ) AS levels(minutes, t, model, outcome, bin, n, prompt_tokens, completion_tokens, cost, n_ttft, ttft_sum)
        GROUP BY 1, 2, 3, 4
        ORDER BY 1, 2, 3, 4
        """,
    ),
)


async def rollup_tables_empty(connection: asyncpg.Connection) -> bool:
    """Whether every rollup table is empty (the only state :func:`roll_up_everything` may start from)."""
    query = " OR ".join(f"EXISTS (SELECT FROM {table})" for table in ROLLUP_TABLES)
    return not await connection.fetchval(f"SELECT {query}")


async def roll_up_everything(connection: asyncpg.Connection, progress: Callable[[str], None] | None = None) -> None:
    """Fill the empty rollup tables from every row of ``messages`` and ``llm_calls``, in the caller's transaction."""
    for setting in SESSION:
        try:
            async with connection.transaction():  # a savepoint: temp_buffers may already be fixed
                await connection.execute(setting)
        except (asyncpg.CantChangeRuntimeParamError, asyncpg.InvalidParameterValueError):
            pass
    key = await connection.fetchrow(
        """SELECT conname, pg_get_constraintdef(oid) AS definition FROM pg_constraint
           WHERE conrelid = 'stats_activity'::regclass AND contype = 'p'"""
    )
    started = time.perf_counter()
    for i, (name, statement) in enumerate(STATEMENTS):
        if statement in (DROP_ACTIVITY_KEY, ADD_ACTIVITY_KEY):
            if key is None:
                continue
            if statement == DROP_ACTIVITY_KEY:
                statement = f"ALTER TABLE stats_activity DROP CONSTRAINT {key['conname']}"
            else:
                statement = f"ALTER TABLE stats_activity ADD CONSTRAINT {key['conname']} {key['definition']}"
        await connection.execute(statement)
        if progress and (i + 1 == len(STATEMENTS) or STATEMENTS[i + 1][0] != name):
            progress(f"  {name}: {time.perf_counter() - started:.1f} s")
            started = time.perf_counter()
