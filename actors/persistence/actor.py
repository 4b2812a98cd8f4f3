"""The persistence actor: every write of the bot goes through it, in batches.

Records are buffered and written when the buffer reaches ``batch_rows`` or its
oldest record is ``batch_ms`` old: one statement per table, one transaction
per batch. Producers ``send`` (waiting when the bounded mailbox is full), so a
slow database slows writers down instead of growing memory.

A :class:`Durable` ask is answered once its records are written. It commits at
once when nothing else waits in the mailbox; otherwise the messages already
queued join the same transaction first (a group commit), so a hundred chats
marking their answers done cost a few commits, not a hundred.

When the database fails, the batch is appended to the spill file (fsynced) and
the actor is *degraded*: later batches also go to the spill file, in order,
while a timer retries. Once the database answers, the spill file is replayed a
chunk at a time, interleaved with new work, until it is empty. Writes are
idempotent, so a replay that was interrupted is simply repeated.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

import anyio
from sqlalchemy import delete, func, select, update
from sqlalchemy.ext.asyncio import AsyncEngine

from actors.persistence.records import Record
from actors.persistence.spill import SpillFile
from actors.persistence.writer import describe, is_refused_data, write_batch
from db.catch_up import catch_up, catch_up_chunk
from db.models import Message
from runtime import Actor, PendingReply, Timer

log = logging.getLogger("assistant.persistence")

RETRY_INITIAL = 0.5
RETRY_MAX = 5.0
REPLAY_CHUNK = 2000
RETENTION_PASS = 10_000


@dataclass(frozen=True, slots=True)
class Flush:
    """Write the buffer now (sent by the batch timer)."""


@dataclass(frozen=True, slots=True)
class Durable:
    """Write these records now; the ask returns once they are in the database or the spill file."""

    records: Sequence[Record]


@dataclass(frozen=True, slots=True)
class ForgetUser:
    """Delete every stored message of ``user_id``; the ask returns how many (None if the database is down)."""

    user_id: int


@dataclass(frozen=True, slots=True)
class ApplyRetention:
    """Blank message texts older than the retention period (kept rows feed the statistics)."""


@dataclass(frozen=True, slots=True)
class _Commit:
    """Write the buffer now: the group commit of the Durable asks that came before."""


@dataclass(frozen=True, slots=True)
class _Recover:
    """Try the database again while degraded."""


Message_ = Record | Flush | Durable | ForgetUser | ApplyRetention | _Commit | _Recover


@dataclass
class PersistenceStatus:
    """What the persistence actor is doing, for metrics and readiness (updated in place)."""

    degraded: bool = False
    batches: int = 0
    rows: int = 0
    last_batch_rows: int = 0
    last_lag_seconds: float = 0.0
    spilled_rows: int = 0
    replayed_rows: int = 0
    dropped_rows: int = 0
    batch_sizes: list[int] = field(default_factory=list)
    """Sizes of the first 10,000 batches (for tests and benchmarks)."""
    on_batch: Callable[[int], None] | None = None
    """Called with the size of every batch written (the metrics histogram)."""


class PersistenceActor(Actor[Message_, Any]):
    """Buffers records and writes them in batches; spills to a file when the database is down."""

    def __init__(
        self,
        engine: AsyncEngine,
        spill: SpillFile,
        status: PersistenceStatus,
        *,
        batch_rows: int = 500,
        batch_ms: float = 50.0,
        write_timeout: float = 10.0,
        retention_days: int | None = None,
    ) -> None:
        self.engine = engine
        self.spill = spill
        self.status = status
        self.batch_rows = batch_rows
        self.batch_seconds = batch_ms / 1000
        self.write_timeout = write_timeout
        self.retention_days = retention_days
        self.buffer: list[Record] = []
        self.owed: list[PendingReply[None]] = []  # Durable asks answered by the next flush
        self.commit_queued = False
        self.oldest_at = 0.0
        self.flush_timer: Timer | None = None
        self.recover_timer: Timer | None = None
        self.retry_delay = RETRY_INITIAL
        self.replay_offset = 0

    async def on_start(self) -> None:
        if self.spill.exists():
            # Records spilled before a crash or restart: replay them before anything else.
            self._become_degraded("records left in the spill file by an earlier run")
            self._schedule_recovery(0.0)
        if self.retention_days:
            self.context.tell_later(5.0, ApplyRetention())

    async def receive(self, message: Message_) -> Any:
        if isinstance(message, Flush):
            self.flush_timer = None
            await self._flush()
        elif isinstance(message, Durable):
            return await self._durably(message.records)
        elif isinstance(message, _Commit):
            self.commit_queued = False
            await self._flush()
        elif isinstance(message, _Recover):
            self.recover_timer = None
            await self._recover()
        elif isinstance(message, ForgetUser):
            return await self._forget(message.user_id)
        elif isinstance(message, ApplyRetention):
            await self._apply_retention()
        else:
            self._add((message,))
            if len(self.buffer) >= self.batch_rows:
                await self._flush()
            else:
                self._ensure_flush_timer()
        return None

    async def on_stop(self) -> None:
        # Shutdown: everything buffered goes to the database, or durably to the spill file.
        await self._flush()

    # -- writing ----------------------------------------------------------------

    async def _durably(self, records: Sequence[Record]) -> PendingReply[None]:
        self._add(records)
        written: PendingReply[None] = PendingReply()
        self.owed.append(written)
        if self.context.queued == 0:
            await self._flush()
        else:
            if not self.commit_queued:
                # Let what is already queued join this batch; the commit comes right after it.
                self.commit_queued = True
                self.context.tell_later(0.0, _Commit())
            self._ensure_flush_timer()  # timers are hints: a full mailbox may refuse the commit
        return written

    def _ensure_flush_timer(self) -> None:
        # A timer that fired while we still hold it lost its Flush to a full mailbox (or it
        # waits in the queue, and one more flush costs nothing): start another.
        if self.flush_timer is None or self.flush_timer.fired:
            self.flush_timer = self.context.tell_later(self.batch_seconds, Flush())

    def _add(self, records: Sequence[Record]) -> None:
        if not self.buffer:
            self.oldest_at = time.perf_counter()
        self.buffer.extend(records)

    async def _flush(self) -> None:
        if self.flush_timer is not None:
            self.flush_timer.cancel()
            self.flush_timer = None
        owed, self.owed = self.owed, []
        self.commit_queued = False
        await self._flush_buffer()
        # Written to the database or (fsynced) to the spill file: durable either way.
        for written in owed:
            written.resolve(None)

    async def _flush_buffer(self) -> None:
        if not self.buffer:
            return
        batch, self.buffer = self.buffer, []
        lag = time.perf_counter() - self.oldest_at
        if self.status.degraded:
            await self._spill(batch)
            return
        try:
            await self._write(batch)
        except Exception as exc:
            if is_refused_data(exc):
                await self._isolate_poison(batch)
                return
            # Any other failure means the database is unusable right now.
            self._become_degraded(describe(exc))
            await self._spill(batch)
            self._schedule_recovery(self.retry_delay)
            return
        self.status.last_lag_seconds = lag

    async def _write(self, batch: Sequence[Record]) -> None:
        with anyio.fail_after(self.write_timeout):
            await write_batch(self.engine, batch)
        self.status.batches += 1
        self.status.rows += len(batch)
        self.status.last_batch_rows = len(batch)
        if len(self.status.batch_sizes) < 10_000:
            self.status.batch_sizes.append(len(batch))
        if self.status.on_batch is not None:
            self.status.on_batch(len(batch))

    async def _spill(self, batch: Sequence[Record]) -> None:
        await self.spill.append(batch)
        self.status.spilled_rows += len(batch)

    async def _isolate_poison(self, batch: Sequence[Record]) -> None:
        """A record the database refuses (not an outage): write the others, drop and log it."""
        log.error("a batch of %d records was refused; writing them one by one", len(batch))
        for number, record in enumerate(batch):
            try:
                await self._write((record,))
            except Exception as exc:
                if not is_refused_data(exc):
                    # The database went away in the middle: keep the rest safe in the spill file.
                    self._become_degraded(describe(exc))
                    await self._spill(batch[number:])
                    self._schedule_recovery(self.retry_delay)
                    return
                self.status.dropped_rows += 1
                log.error("dropped a %s record the database refuses (%s)", record.kind, describe(exc))

    # -- outage and recovery ----------------------------------------------------

    def _become_degraded(self, reason: str) -> None:
        if not self.status.degraded:
            log.warning("database unavailable (%s); writes go to the spill file %s", reason, self.spill.path)
        self.status.degraded = True

    def _schedule_recovery(self, delay: float) -> None:
        if self.recover_timer is None:
            self.recover_timer = self.context.tell_later(delay, _Recover())

    async def _recover(self) -> None:
        """Replay one chunk of the spill file; come back for the next until it is empty."""
        await self._flush()  # new records join the end of the spill file, keeping the order
        records, offset = self.spill.read_from(self.replay_offset, REPLAY_CHUNK)
        try:
            if records:
                await self._write(records)
        except Exception as exc:
            log.info("database still unavailable (%s)", describe(exc))
            self.retry_delay = min(self.retry_delay * 2, RETRY_MAX)
            self._schedule_recovery(self.retry_delay)
            return
        self.replay_offset = offset
        self.status.replayed_rows += len(records)
        if records:
            self._schedule_recovery(0.0)
            return
        self.spill.clear()
        self.replay_offset = 0
        self.retry_delay = RETRY_INITIAL
        self.status.degraded = False
        log.warning("database is back; %d spilled records replayed", self.status.replayed_rows)

    # -- privacy ------------------------------------------------------------------

    async def _forget(self, user_id: int) -> int | None:
        await self._flush()
        if self.status.degraded:
            return None
        try:
            # Statistics outlive the texts: count every row before deleting any. The bulk of it
            # in chunks, the last rows in the deleting transaction itself.
            with anyio.fail_after(self.write_timeout * 10):
                await catch_up(self.engine)
            with anyio.fail_after(self.write_timeout):
                async with self.engine.begin() as connection:
                    await catch_up_chunk(connection, rows=2_000_000_000)
                    result = await connection.execute(delete(Message).where(Message.user_id == user_id))
        except Exception as exc:
            log.warning("could not delete the messages of a user: %s", type(exc).__name__)
            return None
        return int(result.rowcount)

    async def _apply_retention(self) -> None:
        """Blank texts older than the retention period, 10,000 rows per pass; then plan the next pass."""
        assert self.retention_days is not None
        cleared = 0
        if not self.status.degraded:
            try:
                with anyio.fail_after(60):
                    async with self.engine.begin() as connection:
                        cutoff = func.now() - func.make_interval(0, 0, 0, self.retention_days)
                        old = (
                            select(Message.id)
                            .where(Message.created_at < cutoff, Message.text.is_not(None))
                            .limit(RETENTION_PASS)
                        )
                        result = await connection.execute(update(Message).where(Message.id.in_(old)).values(text=None))
                        cleared = int(result.rowcount)
            except Exception as exc:
                log.warning("retention pass failed: %s", type(exc).__name__)
        if cleared:
            log.info("retention: cleared the text of %d old messages", cleared)
        # A full pass means more is waiting: continue soon; otherwise check again in an hour.
        self.context.tell_later(1.0 if cleared == RETENTION_PASS else 3600.0, ApplyRetention())
