"""Synthetic history for demos and benchmarks: ``assistant seed --messages 10000000``.

The rows come from :mod:`db.synthetic` as numpy columns, which
:mod:`db.copy_binary` turns into ``COPY`` streams in PostgreSQL's binary
format; they go in in time order while the next batch is made in a thread.

On an empty database the whole seed is one transaction, and writers wait
until its commit (``LOCK TABLE``; a failed seed leaves the database as it
was). The indexes of ``messages`` and ``llm_calls`` (unique ones included)
are dropped first and built again after the COPY, once sorted instead of row
by row. When the rollup tables are empty too and no older transaction of the
database is still running, the transaction also fills the rollups itself:
:mod:`db.seed_rollups` figures them from the generated rows in a thread while
the server builds the indexes (the same tables ``stats_catch_up`` would
leave), they go in with ``COPY``, and the ``stats_progress`` watermark moves
past the transaction. Otherwise the rows are committed first and then rolled
up by ``stats_catch_up`` in one pass.

On a database already in use the indexes stay, each batch commits on its
own, and ``stats_catch_up`` rolls the rows up afterwards, as the stats API
does for the bot's own rows.

:class:`SeedReport` times each phase (copying, building indexes, rolling up)
and the whole run; ``rows_per_second`` is the history's rows over all of it.
"""

from __future__ import annotations

import asyncio
import contextlib
import time
from collections.abc import AsyncIterator, Callable, Iterator
from dataclasses import dataclass
from typing import Any

import asyncpg

from assistant.settings import Settings
from db.connect import resolve_database_url, to_asyncpg_dsn
from db.copy_binary import HEADER, TRAILER
from db.migrate import upgrade
from db.seed_rollups import ROLLUP_TABLES, RollupBuilder
from db.synthetic import Batch, HistoryGenerator, SeedPlan

__all__ = ["AlreadySeeded", "SeedPlan", "SeedReport", "seed", "seed_configured_database"]


@dataclass
class SeedReport:
    rows: dict[str, int]
    seconds: float
    """The whole run."""
    copy_seconds: float = 0.0
    """Generating the rows and copying them in."""
    index_seconds: float = 0.0
    """Building the indexes the COPY went without."""
    rollup_seconds: float = 0.0
    """Adding the rows to the statistics rollups (by the seed itself, or by ``stats_catch_up``)."""
    rollup_rows: int = 0
    """Rows the seed wrote to the rollup tables itself (0 when ``stats_catch_up`` rolled up)."""

    @property
    def rows_per_second(self) -> float:
        """The rows of the history over the whole run."""
        return sum(self.rows.values()) / self.seconds if self.seconds > 0 else 0.0

    @property
    def copy_rows_per_second(self) -> float:
        return sum(self.rows.values()) / self.copy_seconds if self.copy_seconds > 0 else 0.0

    @property
    def written_rows_per_second(self) -> float:
        """Every row written, the rollups' included, over the whole run."""
        return (sum(self.rows.values()) + self.rollup_rows) / self.seconds if self.seconds > 0 else 0.0

    def summary(self) -> str:
        """The figures of the run, phase by phase, in a sentence."""
        total = sum(self.rows.values())
        line = (
            f"copied {total:,} rows in {self.copy_seconds:.1f} s ({self.copy_rows_per_second:,.0f} rows/s), "
            f"built indexes in {self.index_seconds:.1f} s, rolled up in {self.rollup_seconds:.1f} s: "
            f"{self.rows_per_second:,.0f} rows/s in all"
        )
        if self.rollup_rows:
            line += (
                f"; with the {self.rollup_rows:,} rows it wrote to the rollups, "
                f"{self.written_rows_per_second:,.0f} rows written per second"
            )
        return line


class AlreadySeeded(Exception):
    """The database already holds the rows of this seed; use another ``--seed`` or a fresh database."""


def seed_configured_database(settings: Settings, plan: SeedPlan) -> SeedReport:
    """``assistant seed``: migrate the configured database (DATABASE_URL or the embedded one) and fill it."""
    url = resolve_database_url(settings)
    upgrade(url)
    report = asyncio.run(seed(to_asyncpg_dsn(url), plan, progress=lambda line: print(line, flush=True)))
    print(report.summary(), flush=True)
    return report


async def seed(
    dsn: str, plan: SeedPlan, *, batch_messages: int = 100_000, progress: Callable[[str], None] | None = None
) -> SeedReport:
    """Fill the (migrated) database at ``dsn`` with the plan's history; raises AlreadySeeded on a repeat."""
    generator = HistoryGenerator(plan)
    connection = await asyncpg.connect(dsn)
    rows = {"messages": 0, "llm_calls": 0, "users": 0, "chats": 0, "model_events": 0, "role_changes": 0}
    load = _Load(connection, generator, rows, batch_messages, time.perf_counter(), progress)
    rollup_seconds: float | None = None
    try:
        if await connection.fetchval("SELECT 1 FROM messages WHERE dedup_key = $1", f"{generator.prefix}-0-in"):
            raise AlreadySeeded(f"this database already holds the rows of --seed {plan.seed}")
        await _tune_session(connection)
        if not await connection.fetchval(_ANY_ROWS):
            rollup_seconds = await _load_empty_database(load)
        else:
            await load.copy(per_batch=True)
        loaded = time.perf_counter()
        if rollup_seconds is None:
            load.say(f"rolling up {rows['messages'] + rows['llm_calls']:,} rows ({loaded - load.started:.0f} s)")
            # One pass over everything (a chunk takes whole transactions); a second one finds what a
            # transaction of another writer held back the first time, if any.
            while await connection.fetchval("SELECT stats_catch_up(2000000000)"):
                pass
            rollup_seconds = time.perf_counter() - loaded
    finally:
        await connection.close()
    seconds = time.perf_counter() - load.started
    return SeedReport(
        rows,
        seconds,
        copy_seconds=load.copy_seconds,
        index_seconds=load.index_seconds,
        rollup_seconds=rollup_seconds,
        rollup_rows=load.rollup_rows,
    )


async def _load_empty_database(load: _Load) -> float | None:
    """The seed of an empty database, in one transaction; the seconds its own rollup added, if it did one."""
    connection = load.connection
    async with connection.transaction():
        # Writers wait from here to the commit; checked again now that none can write.
        await connection.execute("LOCK TABLE messages, llm_calls IN ACCESS EXCLUSIVE MODE")
        if await connection.fetchval(_ANY_ROWS):
            await load.copy(per_batch=False)
            return None
        rollups = RollupBuilder(load.generator.world) if await _may_roll_up_in_bulk(connection) else None
        rebuild = await _drop_indexes(connection)
        await load.copy(per_batch=False, keep=rollups)
        # The rollups are figured (and encoded for COPY) in a thread while the server builds the indexes.
        figured = asyncio.create_task(asyncio.to_thread(_encoded_rollups, rollups)) if rollups else None
        load.say(f"building {len(rebuild)} indexes")
        for statement in rebuild:
            building = time.perf_counter()
            await connection.execute(statement)
            load.index_seconds += time.perf_counter() - building
            load.say(f"  {statement.split(' ON ')[0]}: {time.perf_counter() - building:.1f} s")
        if figured is None:
            return None
        started = time.perf_counter()
        load.say(f"rolling up {load.rows['messages'] + load.rows['llm_calls']:,} rows in bulk")
        await _copy_rollups(connection, await figured, load)
        await connection.execute(
            "UPDATE stats_progress SET through_xid = greatest(through_xid, pg_current_xact_id()) "
            "WHERE source IN ('messages', 'llm_calls')"
        )
        return time.perf_counter() - started


def _encoded_rollups(rollups: RollupBuilder) -> Encoded:
    return {name: (table.names, table.encode(), len(table)) for name, table in rollups.tables().items()}


async def _copy_rollups(connection: asyncpg.Connection, tables: Encoded, load: _Load) -> None:
    """COPY the rollup tables' rows; the dense numbers of users and chats continue after the seed's."""
    for name, (columns, payload, count) in tables.items():
        copying = time.perf_counter()
        await connection.copy_to_table(name, source=_slices(payload), columns=columns, format="binary")
        load.rollup_rows += count
        load.say(f"  {name}: {count:,} rows, {time.perf_counter() - copying:.1f} s")
    for name in ("stats_users", "stats_chats"):
        await connection.execute(f"SELECT setval(pg_get_serial_sequence('{name}', 'idx'), $1, false)", tables[name][2])


_ANY_ROWS = "SELECT EXISTS (SELECT FROM messages) OR EXISTS (SELECT FROM llm_calls)"


async def _may_roll_up_in_bulk(connection: asyncpg.Connection) -> bool:
    """Whether this transaction may roll up its own rows and move the watermark past itself.

    Called holding the locks of the (empty) source tables. The rollups must be empty (nothing to merge
    with), and no transaction of this database older than this one may still be running: such a
    transaction could insert rows later, with an ``insert_xid`` below the watermark this one leaves, and
    those would never be rolled up. Transactions that start later get higher ids, so once this holds it
    holds for good. The watermark rows are locked until the commit, so no catch-up runs meanwhile.
    """
    filled = " OR ".join(f"EXISTS (SELECT FROM {table})" for table in ROLLUP_TABLES)
    if await connection.fetchval(f"SELECT {filled}"):
        return False
    await connection.execute(
        "INSERT INTO stats_progress (source, through_xid) VALUES ('messages', '0'), ('llm_calls', '0') "
        "ON CONFLICT DO NOTHING"
    )
    await connection.execute("SELECT FROM stats_progress WHERE source IN ('messages', 'llm_calls') FOR UPDATE")
    return bool(await connection.fetchval("SELECT stats_settled_horizon() >= pg_current_xact_id()"))


@dataclass
class _Load:
    """What the COPY of a seed works with, and where it reports."""

    connection: asyncpg.Connection
    generator: HistoryGenerator
    rows: dict[str, int]
    batch_messages: int
    started: float
    progress: Callable[[str], None] | None
    rollup_rows: int = 0
    copy_seconds: float = 0.0
    index_seconds: float = 0.0

    def say(self, line: str) -> None:
        if self.progress:
            self.progress(line)

    async def copy(self, *, per_batch: bool, keep: RollupBuilder | None = None) -> None:
        """COPY every batch (each in a transaction of its own when ``per_batch``), then the users, chats and
        events; ``keep`` is given every batch's rows too."""
        connection, rows = self.connection, self.rows
        copying = time.perf_counter()
        batches = _encoded(self.generator.batches(max(1, self.batch_messages // 2)), keep)
        pending = await asyncio.to_thread(next, batches, None)
        while pending is not None:
            current = pending
            next_batch = asyncio.create_task(asyncio.to_thread(next, batches, None))
            async with connection.transaction() if per_batch else contextlib.nullcontext():
                for table, (columns, payload, count) in current.items():
                    await connection.copy_to_table(table, source=_slices(payload), columns=columns, format="binary")
                    rows[table] += count
            elapsed = time.perf_counter() - self.started
            self.say(f"{rows['messages']:,} messages, {rows['llm_calls']:,} requests ({elapsed:.0f} s)")
            pending = await next_batch
        async with connection.transaction():
            for table, records, columns in _entity_tables(self.generator):
                await connection.copy_records_to_table(table, records=records, columns=columns)
                rows[table] = len(records)
        self.copy_seconds += time.perf_counter() - copying


Encoded = dict[str, tuple[tuple[str, ...], bytes, int]]


def _encoded(batches: Iterator[Batch], keep: RollupBuilder | None) -> Iterator[Encoded]:
    """Each batch as the binary COPY streams of its messages and requests: table -> (columns, bytes, rows)."""
    for batch in batches:
        if keep is not None:
            keep.add(batch.messages, batch.calls)
        encoded: Encoded = {}
        for table, chunks in (("messages", batch.message_tables()), ("llm_calls", batch.call_tables())):
            payload = HEADER + b"".join(chunk.encode_rows() for chunk in chunks) + TRAILER
            encoded[table] = (chunks[0].names, payload, sum(len(chunk) for chunk in chunks))
        yield encoded


async def _slices(payload: bytes, size: int = 1 << 20) -> AsyncIterator[memoryview]:
    """The stream in CopyData messages of ``size`` bytes (asyncpg sends whatever it is given as one)."""
    whole = memoryview(payload)
    for start in range(0, len(whole), size):
        yield whole[start : start + size]


async def _drop_indexes(connection: asyncpg.Connection) -> list[str]:
    """Drop the indexes of the two big tables; returns the statements that build them again.

    Building an index once, sorted, costs the server less than keeping it up to date row by row, even
    where rows arrive in key order (ids, times), and while it builds them the seed's rollups are figured
    on the other core. Unique constraints go too (writers wait for the commit anyway, and the seed's keys
    are new) unless a foreign key depends on them. Partial indexes stay: they are small or ordered by
    time (``insert_xid``), and PostgreSQL would give their predicates back in another spelling.
    """
    found = await connection.fetch(
        """SELECT i.indexrelid::regclass::text AS name, pg_get_indexdef(i.indexrelid) AS definition,
                  i.indrelid::regclass::text AS table_name, c.conname, pg_get_constraintdef(c.oid) AS constraint
           FROM pg_index AS i
           LEFT JOIN pg_constraint AS c ON c.conindid = i.indexrelid AND c.contype IN ('p', 'u')
           WHERE i.indrelid IN ('messages'::regclass, 'llm_calls'::regclass) AND i.indpred IS NULL
             AND NOT EXISTS (SELECT FROM pg_constraint AS f WHERE f.contype = 'f' AND f.conindid = i.indexrelid)
           ORDER BY c.conname NULLS LAST, 1"""
    )
    rebuild = []
    for index in found:
        if index["conname"] is not None:
            await connection.execute(f"ALTER TABLE {index['table_name']} DROP CONSTRAINT {index['conname']}")
            rebuild.append(f"ALTER TABLE {index['table_name']} ADD CONSTRAINT {index['conname']} {index['constraint']}")
        else:
            await connection.execute(f"DROP INDEX {index['name']}")
            rebuild.append(index["definition"])
    return rebuild


async def _tune_session(connection: asyncpg.Connection) -> None:
    """Settings of this session only, for a bulk load: nothing waits for each commit to be flushed, index
    builds may use more memory, and (where allowed: it needs a superuser) the full-page images that random
    index inserts write to the WAL after every checkpoint are compressed, which halves the WAL volume."""
    await connection.execute("SET synchronous_commit = off")
    await connection.execute("SET maintenance_work_mem = '1GB'")
    with contextlib.suppress(asyncpg.InsufficientPrivilegeError):
        await connection.execute("SET wal_compression = on")


def _entity_tables(generator: HistoryGenerator) -> list[tuple[str, list[tuple[Any, ...]], tuple[str, ...]]]:
    return [
        (
            "users",
            generator.user_rows(),
            ("id", "username", "first_name", "last_name", "language_code", "first_seen_at", "last_seen_at"),
        ),
        ("chats", generator.chat_rows(), ("id", "type", "title", "role", "created_at", "last_activity_at")),
        (
            "model_events",
            generator.event_rows(),
            ("dedup_key", "model", "kind", "from_state", "to_state", "reason", "at"),
        ),
        ("role_changes", generator.role_changes, ("dedup_key", "chat_id", "user_id", "role", "at")),
    ]
