"""Reading the rollups over a set of tiles (``api.timeranges.Tile``), grouped by tile index.

Every query takes the tiles as four parallel arrays and joins each rollup table on
``period_minutes = grain AND period_start >= start AND period_start < end``:
one index range scan per tile. Results are keyed by the tiles' ``index`` (the
bucket of a series, or the window of a summary).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncConnection

from api.histogram import add_packed
from api.timeranges import Tile
from db.rollups import BITMAP_BITS, CHATS_KIND, USERS_KIND

TILES = """
tiles AS (
    SELECT * FROM unnest(
        CAST(:tile_index AS integer[]), CAST(:tile_grain AS integer[]),
        CAST(:tile_start AS timestamptz[]), CAST(:tile_end AS timestamptz[])
    ) AS t(i, grain, s, e)
)"""


def rows_in_tiles(table: str, alias: str, columns: str, condition: str = "TRUE") -> str:
    """``tiles`` joined to ``columns`` of the rows of a rollup table inside each tile.

    One index range scan per tile: a plain join on these inequalities gets
    hash-joined on ``period_minutes`` alone, which is quadratic; ``OFFSET 0``
    keeps the planner from flattening the LATERAL subquery back into that join.
    """
    return f"""tiles AS t CROSS JOIN LATERAL (
        SELECT {columns} FROM {table} AS r
        WHERE r.period_minutes = t.grain AND r.period_start >= t.s AND r.period_start < t.e AND {condition}
        OFFSET 0
    ) AS {alias}"""


def tile_params(tiles: Sequence[Tile]) -> dict[str, Any]:
    return {
        "tile_index": [tile.index for tile in tiles],
        "tile_grain": [tile.period_minutes for tile in tiles],
        "tile_start": [tile.start for tile in tiles],
        "tile_end": [tile.end for tile in tiles],
    }


@dataclass(frozen=True)
class MessageTotals:
    messages_in: int = 0
    messages_out: int = 0
    failovers: int = 0


@dataclass(frozen=True)
class CallTotals:
    model: str
    outcome: str
    calls: int
    prompt_tokens: int
    completion_tokens: int
    cost: float


@dataclass(frozen=True)
class RoleTotals:
    answers: int
    calls: int
    prompt_tokens: int
    completion_tokens: int
    cost: float


async def message_totals(db: AsyncConnection, tiles: Sequence[Tile]) -> dict[int, MessageTotals]:
    rows = await db.execute(
        text(f"""
            WITH {TILES}
            SELECT t.i, sum(r.messages_in), sum(r.messages_out), sum(r.failovers)
            FROM {rows_in_tiles("stats_messages", "r", "messages_in, messages_out, failovers")}
            GROUP BY 1
        """),
        tile_params(tiles),
    )
    return {index: MessageTotals(int(n_in), int(n_out), int(failovers)) for index, n_in, n_out, failovers in rows}


async def call_totals(db: AsyncConnection, tiles: Sequence[Tile]) -> dict[int, list[CallTotals]]:
    """``{index: [totals per model and outcome]}``."""
    rows = await db.execute(
        text(f"""
            WITH {TILES}
            SELECT t.i, r.model, r.outcome, sum(r.calls), sum(r.prompt_tokens), sum(r.completion_tokens),
                   sum(r.cost)::float8
            FROM {rows_in_tiles("stats_calls", "r", "model, outcome, calls, prompt_tokens, completion_tokens, cost")}
            GROUP BY 1, 2, 3
        """),
        tile_params(tiles),
    )
    result: dict[int, list[CallTotals]] = defaultdict(list)
    for index, model, outcome, calls, prompt, completion, cost in rows:
        result[index].append(CallTotals(model, outcome, int(calls), int(prompt), int(completion), cost))
    return result


async def role_totals(db: AsyncConnection, tiles: Sequence[Tile]) -> dict[str, RoleTotals]:
    """``{role: totals}`` over all the tiles; ``''`` for rows without a role."""
    rows = await db.execute(
        text(f"""
            WITH {TILES}
            SELECT r.role, sum(r.answers), sum(r.calls), sum(r.prompt_tokens), sum(r.completion_tokens),
                   sum(r.cost)::float8
            FROM {rows_in_tiles("stats_roles", "r", "role, answers, calls, prompt_tokens, completion_tokens, cost")}
            GROUP BY 1
        """),
        tile_params(tiles),
    )
    return {
        role: RoleTotals(int(answers), int(calls), int(prompt), int(completion), cost)
        for role, answers, calls, prompt, completion, cost in rows
    }


async def histograms(db: AsyncConnection, tiles: Sequence[Tile], *, of: str) -> dict[int, dict[int, int]]:
    """Merged latency histograms ``{index: {bin: count}}``: ``of`` is ``answers`` or ``first_tokens``.

    The arrays are merged here rather than in SQL: unnesting them into rows and
    grouping costs the database more than decoding the packed integers costs Python.
    """
    table, column = {"answers": ("stats_messages", "latency_hist"), "first_tokens": ("stats_calls", "ttft_hist")}[of]
    rows = await db.execute(
        text(f"""
            WITH {TILES}
            SELECT t.i, h.{column} FROM {rows_in_tiles(table, "h", column, f"cardinality(r.{column}) > 0")}
        """),
        tile_params(tiles),
    )
    result: dict[int, dict[int, int]] = defaultdict(dict)
    for index, packed in rows:
        add_packed(result[index], packed)
    return result


async def distinct_active(db: AsyncConnection, tiles: Sequence[Tile], *, chats: bool = False) -> dict[int, int]:
    """Distinct users (or chats) with an ``in`` message, per index, exactly.

    Hour and day tiles OR the stored bitmaps, minute tiles turn the ids of
    ``stats_activity`` into bitmaps on the fly, and the popcount of the OR of both
    is the distinct count, however many periods a bucket spans. Buckets made of
    minutes only (a minute series) count the ids directly.
    """
    coarse_indexes = {tile.index for tile in tiles if tile.period_minutes > 1}
    mixed = [tile for tile in tiles if tile.index in coarse_indexes]
    minutes_only = [tile for tile in tiles if tile.index not in coarse_indexes]
    counts: dict[int, int] = {}
    if minutes_only:
        counts.update(await _count_ids(db, minutes_only, chats=chats))
    if mixed:
        counts.update(await _union_bitmaps(db, mixed, chats=chats))
    return counts


async def _count_ids(db: AsyncConnection, tiles: Sequence[Tile], *, chats: bool) -> dict[int, int]:
    column = "chat_id" if chats else "user_id"
    rows = await db.execute(
        text(f"""
            WITH {TILES}
            SELECT t.i, count(DISTINCT a.id)
            FROM {rows_in_tiles("stats_activity", "a", f"{column} AS id", f"r.messages_in > 0 AND r.{column} <> 0")}
            GROUP BY 1
        """),
        tile_params(tiles),
    )
    return {index: int(count) for index, count in rows}


async def _union_bitmaps(db: AsyncConnection, tiles: Sequence[Tile], *, chats: bool) -> dict[int, int]:
    kind, column, entities = (CHATS_KIND, "chat_id", "stats_chats") if chats else (USERS_KIND, "user_id", "stats_users")
    rows = await db.execute(
        text(f"""
            WITH {TILES},
            coarse AS (
                SELECT t.i, b.chunk, bit_or(b.bits) AS bits
                FROM {rows_in_tiles("stats_activity_bits", "b", "chunk, bits", f"r.kind = {kind} AND t.grain > 1")}
                GROUP BY 1, 2
            ),
            fine AS (
                SELECT m.i, e.idx / {BITMAP_BITS} AS chunk,
                       bit_or(B'1'::bit({BITMAP_BITS}) >> (e.idx % {BITMAP_BITS})) AS bits
                FROM (
                    SELECT DISTINCT t.i, a.id
                    FROM {rows_in_tiles("stats_activity", "a", f"{column} AS id", "r.messages_in > 0 AND t.grain = 1")}
                ) AS m
                JOIN {entities} AS e ON e.{column} = m.id
                GROUP BY 1, 2
            ),
            merged AS (
                SELECT i, chunk, bit_or(bits) AS bits
                FROM (SELECT * FROM coarse UNION ALL SELECT * FROM fine) AS both_grains
                GROUP BY 1, 2
            )
            SELECT i, sum(bit_count(bits)) FROM merged GROUP BY 1
        """),
        tile_params(tiles),
    )
    return {index: int(count) for index, count in rows}
