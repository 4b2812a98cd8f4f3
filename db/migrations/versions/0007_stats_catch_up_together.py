"""stats catch-up: messages and requests rolled up together

Revision ID: 0007
Revises: 0006

Until now ``stats_catch_up`` rolled up new messages, then new requests, and
the requests' statements mostly updated the ``stats_activity`` and
``stats_roles`` rows the messages' statements had just inserted (a question,
its answer and its requests share a minute, a chat and a user): in a bulk
load those updates took a third of the time. Here one chunk takes the settled
rows of both tables up to the same transaction id, copying only the columns
the statements read, and the two tables' activity and role figures go in with
one statement each. Everything else is 0005's statements, unchanged.

Every statement is planned for the watermark at hand (``plan_cache_mode``):
after five calls PL/pgSQL would otherwise switch to a generic plan, and for
"is any row past the watermark?" that is a sequential scan of the whole table
(it expects a third of the rows to match and to stop at the first), which made
every request of the stats API wait 300 ms on ten million messages.
"""

from __future__ import annotations

import importlib.util
from collections.abc import Callable, Sequence
from pathlib import Path
from types import ModuleType

from alembic import op

revision: str = "0007"
down_revision: str | None = "0006"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

TOGETHER = ("INSERT INTO stats_activity AS a", "INSERT INTO stats_roles AS s")
# The columns the statements read: copying the texts too made every pass over the chunk slower.
MESSAGE_COLUMNS = "chat_id, user_id, direction, created_at, role, is_fallback, latency_ms"
CALL_COLUMNS = "chat_id, user_id, started_at, model, outcome, role, ttft_ms, prompt_tokens, completion_tokens, cost"


def load_revision(file_name: str, module_name: str) -> ModuleType:
    path = Path(__file__).with_name(file_name)
    spec = importlib.util.spec_from_file_location(module_name, path)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def apart(statements: list[str]) -> list[str]:
    """The statements of one source that do not write the tables both sources write to."""
    kept = [statement for statement in statements if not any(marker in statement for marker in TOGETHER)]
    assert len(kept) == len(statements) - 2
    return kept


def together(levels: Callable[[str, str, str], str]) -> list[str]:
    """``stats_activity`` and ``stats_roles`` from ``new_messages`` and ``new_calls`` at once."""
    return [
        f"""
        WITH raw AS (
            SELECT date_trunc('minute', created_at, 'UTC') AS t, chat_id, coalesce(user_id, 0) AS user_id,
                   count(*) FILTER (WHERE direction = 'in') AS n_in,
                   count(*) FILTER (WHERE direction = 'out') AS n_out,
                   0::bigint AS n, 0::bigint AS tokens, 0::numeric AS cost
            FROM new_messages GROUP BY 1, 2, 3
            UNION ALL
            SELECT date_trunc('minute', started_at, 'UTC'), coalesce(chat_id, 0), coalesce(user_id, 0), 0, 0,
                   count(*), coalesce(sum(coalesce(prompt_tokens, 0) + coalesce(completion_tokens, 0)), 0),
                   coalesce(sum(cost), 0)
            FROM new_calls GROUP BY 1, 2, 3
        ), f AS (
            SELECT t, chat_id, user_id, sum(n_in) AS n_in, sum(n_out) AS n_out, sum(n) AS n,
                   sum(tokens) AS tokens, sum(cost) AS cost
            FROM raw GROUP BY 1, 2, 3
        )
        INSERT INTO stats_activity AS a
            (period_minutes, period_start, chat_id, user_id, messages_in, messages_out, calls, tokens, cost)
        {
            levels(
                "SELECT 1, t, chat_id, user_id, n_in, n_out, n, tokens, cost FROM f",
                "chat_id, user_id",
                "sum(n_in), sum(n_out), sum(n), sum(tokens), sum(cost)",
            )
        }
        ORDER BY 1, 2, 3, 4
        ON CONFLICT (period_minutes, period_start, chat_id, user_id) DO UPDATE SET
            messages_in = a.messages_in + excluded.messages_in,
            messages_out = a.messages_out + excluded.messages_out,
            calls = a.calls + excluded.calls,
            tokens = a.tokens + excluded.tokens,
            cost = a.cost + excluded.cost
        """,
        f"""
        WITH raw AS (
            SELECT date_trunc('minute', created_at, 'UTC') AS t, coalesce(role, '') AS role, count(*) AS answers,
                   0::bigint AS n, 0::bigint AS prompt_tokens, 0::bigint AS completion_tokens, 0::numeric AS cost
            FROM new_messages WHERE direction = 'out' GROUP BY 1, 2
            UNION ALL
            SELECT date_trunc('minute', started_at, 'UTC'), coalesce(role, ''), 0, count(*),
                   coalesce(sum(prompt_tokens), 0), coalesce(sum(completion_tokens), 0), coalesce(sum(cost), 0)
            FROM new_calls GROUP BY 1, 2
        ), f AS (
            SELECT t, role, sum(answers) AS answers, sum(n) AS n, sum(prompt_tokens) AS prompt_tokens,
                   sum(completion_tokens) AS completion_tokens, sum(cost) AS cost
            FROM raw GROUP BY 1, 2
        )
        INSERT INTO stats_roles AS s (period_minutes, period_start, role, answers, calls, prompt_tokens,
                                      completion_tokens, cost)
        {
            levels(
                "SELECT 1, t, role, answers, n, prompt_tokens, completion_tokens, cost FROM f",
                "role",
                "sum(answers), sum(n), sum(prompt_tokens), sum(completion_tokens), sum(cost)",
            )
        }
        ORDER BY 1, 2, 3
        ON CONFLICT (period_minutes, period_start, role) DO UPDATE SET
            answers = s.answers + excluded.answers,
            calls = s.calls + excluded.calls,
            prompt_tokens = s.prompt_tokens + excluded.prompt_tokens,
            completion_tokens = s.completion_tokens + excluded.completion_tokens,
            cost = s.cost + excluded.cost
        """,
    ]


def catch_up_function() -> str:
    old = load_revision("0002_stats_rollups.py", "assistant_migration_0002")
    sums = load_revision("0005_stats_latency_sums.py", "assistant_migration_0005")
    messages_rollup, calls_rollup = sums.rollups()
    statements = [
        *apart(messages_rollup("new_messages")),
        *apart(calls_rollup("new_calls")),
        *together(old._levels),
    ]
    body = ";\n".join(statement.strip() for statement in statements)
    return f"""
        CREATE FUNCTION stats_catch_up(max_rows integer) RETURNS bigint
        LANGUAGE plpgsql SET work_mem = '64MB' SET plan_cache_mode = 'force_custom_plan' AS $$
        DECLARE
            done_messages xid8;
            done_calls xid8;
            settled xid8;
            upto xid8;
            added bigint;
            total bigint := 0;
        BEGIN
            SELECT through_xid INTO done_messages FROM stats_progress WHERE source = 'messages';
            SELECT through_xid INTO done_calls FROM stats_progress WHERE source = 'llm_calls';
            IF done_messages IS NULL OR done_calls IS NULL THEN
                INSERT INTO stats_progress (source, through_xid) VALUES ('messages', '0'), ('llm_calls', '0')
                ON CONFLICT DO NOTHING;
                done_messages := coalesce(done_messages, '0');
                done_calls := coalesce(done_calls, '0');
            END IF;
            -- Cheap when there is nothing to do: no lock unless rows are waiting.
            IF NOT EXISTS (SELECT 1 FROM messages WHERE insert_xid > done_messages)
               AND NOT EXISTS (SELECT 1 FROM llm_calls WHERE insert_xid > done_calls) THEN
                RETURN 0;
            END IF;
            -- Always in this order (messages, then llm_calls), so two catch-ups never deadlock.
            SELECT through_xid INTO done_messages FROM stats_progress WHERE source = 'messages' FOR UPDATE;
            SELECT through_xid INTO done_calls FROM stats_progress WHERE source = 'llm_calls' FOR UPDATE;
            -- After the locks: a catch-up that held them has finished and does not hold the horizon back.
            settled := stats_settled_horizon();
            -- Whole transactions of both tables, up to the same one, about max_rows rows in all.
            SELECT max(x) INTO upto FROM (
                SELECT x FROM (
                    (SELECT insert_xid AS x FROM messages
                     WHERE insert_xid > done_messages AND insert_xid < settled ORDER BY insert_xid LIMIT max_rows)
                    UNION ALL
                    (SELECT insert_xid FROM llm_calls
                     WHERE insert_xid > done_calls AND insert_xid < settled ORDER BY insert_xid LIMIT max_rows)
                ) AS waiting
                ORDER BY x LIMIT max_rows
            ) AS chunk;
            IF upto IS NULL THEN
                RETURN 0;
            END IF;
            CREATE TEMP TABLE new_messages ON COMMIT DROP AS
                SELECT {MESSAGE_COLUMNS} FROM messages WHERE insert_xid > done_messages AND insert_xid <= upto;
            GET DIAGNOSTICS added = ROW_COUNT;
            total := added;
            CREATE TEMP TABLE new_calls ON COMMIT DROP AS
                SELECT {CALL_COLUMNS} FROM llm_calls WHERE insert_xid > done_calls AND insert_xid <= upto;
            GET DIAGNOSTICS added = ROW_COUNT;
            total := total + added;
            {body};
            DROP TABLE new_messages;
            DROP TABLE new_calls;
            UPDATE stats_progress SET through_xid = greatest(through_xid, upto)
            WHERE source IN ('messages', 'llm_calls');
            RETURN total;
        END
        $$
        """


def upgrade() -> None:
    op.execute("DROP FUNCTION stats_catch_up(integer)")
    op.execute(catch_up_function())


def downgrade() -> None:
    horizon = load_revision("0004_stats_settled_horizon.py", "assistant_migration_0004")
    sums = load_revision("0005_stats_latency_sums.py", "assistant_migration_0005")
    op.execute("DROP FUNCTION stats_catch_up(integer)")
    op.execute(horizon.catch_up_function(*sums.rollups()))
