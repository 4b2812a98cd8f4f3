"""Reading the rollups over a set of tiles (``api.timeranges.Tile``), grouped by tile index.

Every query takes the tiles as four parallel arrays and joins each rollup table on
``period_minutes = grain AND period_start >= start AND period_start < end``:
one index range scan per tile. Results are keyed by the tiles' ``index`` (the
bucket of a series, or the window of a summary).

These queries return thousands of rows for a long series, so they go straight to
asyncpg (inside the request's transaction): SQLAlchemy's row objects would cost
more than the queries themselves.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import timedelta
from decimal import Decimal
from typing import Any

from sqlalchemy.ext.asyncio import AsyncConnection

from api.histogram import COUNT_BITS, COUNT_MASK, pack, percentiles
from api.timeranges import Tile
from db.rollups import BITMAP_BITS, CHATS_KIND, USERS_KIND

TILES = """
tiles AS (
    SELECT * FROM unnest($1::integer[], $2::integer[], $3::timestamptz[], $4::timestamptz[], $5::integer[])
        AS t(i, grain, s, e, sign)
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


def tile_arrays(tiles: Sequence[Tile]) -> tuple[list[Any], ...]:
    """The five parameters (``$1``-``$5``) of the tiles CTE."""
    return (
        [tile.index for tile in tiles],
        [tile.period_minutes for tile in tiles],
        [tile.start for tile in tiles],
        [tile.end for tile in tiles],
        [tile.sign for tile in tiles],
    )


async def fetch_raw(db: AsyncConnection, sql: str, *args: Any) -> list[Any]:
    """Run ``sql`` with positional parameters straight through asyncpg, in the request's transaction."""
    raw = await db.get_raw_connection()
    driver: Any = raw.driver_connection
    rows: list[Any] = await driver.fetch(sql, *args)
    return rows


async def fetch_tiles(db: AsyncConnection, sql: str, tiles: Sequence[Tile], *args: Any) -> list[Any]:
    """Run ``sql`` (which starts with the tiles CTE, ``$1``-``$5``) on the request's connection."""
    return await fetch_raw(db, sql, *tile_arrays(tiles), *args)


@dataclass
class Histogram:
    """A latency histogram summed from rollup rows: packed elements added, and (signed tiles) subtracted."""

    added: list[int] = field(default_factory=list)
    subtracted: list[int] = field(default_factory=list)
    rows: int = 0

    def add(self, packed: list[int], sign: int) -> None:
        (self.added if sign > 0 else self.subtracted).extend(packed)
        self.rows += 1

    def percentiles(self, percents: Sequence[int]) -> list[float | None]:
        if not self.subtracted:
            # One rollup row's histogram is stored in bin order.
            return percentiles(self.added, percents, in_order=self.rows == 1)
        counts: dict[int, int] = defaultdict(int)
        for packed, sign in ((self.added, 1), (self.subtracted, -1)):
            for element in packed:
                counts[element >> COUNT_BITS] += sign * (element & COUNT_MASK)
        return percentiles(pack(counts), percents, in_order=True)


@dataclass
class Mean:
    """A sum and how many values it adds up; the mean is None without values."""

    total: int = 0
    count: int = 0

    def add(self, total: int, count: int, sign: int) -> None:
        self.total += sign * total
        self.count += sign * count

    @property
    def value(self) -> float | None:
        return self.total / self.count if self.count else None


@dataclass
class MessageTotals:
    messages_in: int = 0
    messages_out: int = 0
    failovers: int = 0
    latency: Histogram = field(default_factory=Histogram)
    """Answer latency histogram."""
    latency_mean: Mean = field(default_factory=Mean)
    writers: int = 0


@dataclass
class CallTotals:
    """Requests of one model with one outcome."""

    model: str
    outcome: str
    calls: int = 0
    prompt_tokens: int = 0
    completion_tokens: int = 0
    cost: Decimal = field(default_factory=Decimal)


@dataclass
class CallsAt:
    """Requests of one tile index: per model and outcome, and the time-to-first-token histogram."""

    by_model: dict[tuple[str, str], CallTotals] = field(default_factory=dict)
    first_tokens: Histogram = field(default_factory=Histogram)
    first_token_mean: Mean = field(default_factory=Mean)

    def totals(self) -> list[CallTotals]:
        """Sorted by model, then outcome."""
        return [self.by_model[key] for key in sorted(self.by_model)]


@dataclass(frozen=True)
class RoleTotals:
    answers: int
    calls: int
    prompt_tokens: int
    completion_tokens: int
    cost: float


async def message_totals(db: AsyncConnection, tiles: Sequence[Tile]) -> dict[int, MessageTotals]:
    """Messages, failovers and the answer latency histogram per index (summed here: one row per period).

    ``writers`` is the number of users who wrote in the row read last: the distinct
    count of a bucket that is a single minute, for free.
    """
    columns = "messages_in, messages_out, failovers, latency_hist, latency_sum, latency_count, cardinality(users)"
    rows = await fetch_tiles(
        db, f"WITH {TILES} SELECT t.i, t.sign, r.* FROM {rows_in_tiles('stats_messages', 'r', columns)}", tiles
    )
    result: dict[int, MessageTotals] = defaultdict(MessageTotals)
    for index, sign, messages_in, messages_out, failovers, latency, latency_sum, latency_count, writers in rows:
        totals = result[index]
        totals.messages_in += sign * messages_in
        totals.messages_out += sign * messages_out
        totals.failovers += sign * failovers
        totals.latency.add(latency, sign)
        totals.latency_mean.add(latency_sum, latency_count, sign)
        totals.writers = writers
    return result


async def call_totals(db: AsyncConnection, tiles: Sequence[Tile], *, first_tokens: bool = True) -> dict[int, CallsAt]:
    """Requests per index by model and outcome, and (unless not wanted) the time-to-first-token histogram."""
    columns = "model, outcome, calls, prompt_tokens, completion_tokens, cost" + (
        ", ttft_hist, ttft_sum, ttft_count" if first_tokens else ""
    )
    rows = await fetch_tiles(
        db, f"WITH {TILES} SELECT t.i, t.sign, r.* FROM {rows_in_tiles('stats_calls', 'r', columns)}", tiles
    )
    result: dict[int, CallsAt] = defaultdict(CallsAt)
    for row in rows:
        index, sign, model, outcome = row[0], row[1], row[2], row[3]
        at = result[index]
        totals = at.by_model.get((model, outcome))
        if totals is None:
            totals = at.by_model[model, outcome] = CallTotals(model, outcome)
        totals.calls += sign * row[4]
        totals.prompt_tokens += sign * row[5]
        totals.completion_tokens += sign * row[6]
        totals.cost += sign * row[7]
        if first_tokens:
            at.first_tokens.add(row[8], sign)
            at.first_token_mean.add(row[9], row[10], sign)
    for at in result.values():
        # A model and outcome whose requests all fell in subtracted periods is not in the bucket at all.
        at.by_model = {key: totals for key, totals in at.by_model.items() if totals.calls}
    return result


async def role_totals(db: AsyncConnection, tiles: Sequence[Tile]) -> dict[str, RoleTotals]:
    """``{role: totals}`` over all the tiles; ``''`` for rows without a role."""
    columns = "role, answers, calls, prompt_tokens, completion_tokens, cost"
    rows = await fetch_tiles(
        db,
        f"""WITH {TILES}
            SELECT r.role, sum(t.sign * r.answers), sum(t.sign * r.calls), sum(t.sign * r.prompt_tokens),
                   sum(t.sign * r.completion_tokens), sum(t.sign * r.cost)::float8
            FROM {rows_in_tiles("stats_roles", "r", columns)}
            GROUP BY 1""",
        tiles,
    )
    return {
        role: RoleTotals(int(answers), int(calls), int(prompt), int(completion), cost)
        for role, answers, calls, prompt, completion, cost in rows
        if answers or calls
    }


async def distinct_active(db: AsyncConnection, tiles: Sequence[Tile], *, chats: bool = False) -> dict[int, int]:
    """Distinct users (or chats) with an ``in`` message, per index, exactly (``tiles`` may not be signed).

    Hour and day tiles OR the stored bitmaps, minute tiles turn the numbers listed
    in their ``stats_messages`` rows into bitmaps on the fly, and the popcount of
    the OR of both is the distinct count, however many periods a bucket spans. A
    bucket that is one stored period reads its count directly.
    """
    by_index: dict[int, list[Tile]] = defaultdict(list)
    for tile in tiles:
        by_index[tile.index].append(tile)
    one_minute, one_period, minutes, mixed = [], [], [], []
    for parts in by_index.values():
        single = len(parts) == 1 and parts[0].end - parts[0].start == timedelta(minutes=parts[0].period_minutes)
        if single and parts[0].period_minutes == 1:
            one_minute += parts
        elif single:
            one_period += parts  # a UTC hour or day: its own bitmap says it all, nothing to OR
        elif all(tile.period_minutes == 1 for tile in parts):
            minutes += parts
        else:
            mixed += parts
    column = "chats" if chats else "users"
    kind = CHATS_KIND if chats else USERS_KIND
    queries = [
        (one_minute, f"SELECT t.i, cardinality(m.ids) FROM {rows_in_tiles('stats_messages', 'm', f'{column} AS ids')}"),
        (
            minutes,
            f"""SELECT t.i, count(DISTINCT x)
                FROM {rows_in_tiles("stats_messages", "m", f"{column} AS ids")} CROSS JOIN LATERAL unnest(m.ids) AS x
                GROUP BY 1""",
        ),
        (
            one_period,
            f"""SELECT t.i, sum(bit_count(b.bits))::bigint
                FROM {rows_in_tiles("stats_activity_bits", "b", "bits", f"r.kind = {kind}")}
                GROUP BY 1""",
        ),
        (mixed, _union_of_bitmaps(kind, column)),
    ]
    counts: dict[int, int] = {}
    for part, sql in queries:
        if part:
            counts.update({index: count for index, count in await fetch_tiles(db, f"WITH {TILES} {sql}", part)})
    return counts


def _union_of_bitmaps(kind: int, column: str) -> str:
    return f"""{bitmap_union(kind, column)}
        SELECT i, sum(bit_count(bits))::bigint FROM merged GROUP BY 1"""


def bitmap_union(kind: int, column: str) -> str:
    """CTEs after the tiles CTE: ``merged(i, chunk, bits)``, the users (or chats) that wrote in each index's tiles.

    Hour and day tiles OR their stored bitmaps; minute tiles turn the numbers their
    ``stats_messages`` rows list into bits.
    """
    return f""",
        coarse AS (
            SELECT t.i, b.chunk, bit_or(b.bits) AS bits
            FROM {rows_in_tiles("stats_activity_bits", "b", "chunk, bits", f"r.kind = {kind} AND t.grain > 1")}
            GROUP BY 1, 2
        ),
        fine AS (
            SELECT m.i, m.idx / {BITMAP_BITS} AS chunk,
                   bit_or(B'1'::bit({BITMAP_BITS}) >> (m.idx % {BITMAP_BITS})) AS bits
            FROM (
                SELECT DISTINCT t.i, x AS idx
                FROM {rows_in_tiles("stats_messages", "m", f"{column} AS ids", "t.grain = 1")}
                CROSS JOIN LATERAL unnest(m.ids) AS x
            ) AS m
            GROUP BY 1, 2
        ),
        merged AS (
            SELECT i, chunk, bit_or(bits) AS bits
            FROM (SELECT * FROM coarse UNION ALL SELECT * FROM fine) AS both_grains
            GROUP BY 1, 2
        )"""
