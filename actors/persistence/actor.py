"""The persistence actor: every write of the bot goes through it, in batches.

Records are buffered and written when the buffer reaches ``batch_rows`` or its
oldest record is ``batch_ms`` old: one statement with one part per table (so one transaction)
per batch. Producers ``send`` (waiting when the bounded mailbox is full), so a
slow database slows writers down instead of growing memory.

A :class:`Durable` ask is answered once its records are written. It commits at
once when nothing else waits in the mailbox; otherwise the messages already
queued join the same transaction first (a group commit), so a hundred chats
marking their answers done cost a few commits, not a hundred.

When the database fails, the batch is appended to the spill file (fsynced) and
the actor is *degraded*: later batches also go to the spill file, in order,
while a timer retries with a cheap probe (a short ``SELECT 1``, so that a
database that hangs instead of refusing holds the actor up for a moment, not
for a whole write timeout). Once the database answers, the spill file is
replayed a chunk at a time, interleaved with new work, until it is empty.
Writes are idempotent, so a replay that was interrupted is simply repeated.

At start-up the intake asks for :class:`Settle` before it answers unfinished
updates: the spill file is replayed now if the database answers (so that the
inbox there is complete), and otherwise the actor says what the spill file
holds about the inbox.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import anyio
import anyio.lowlevel
import anyio.to_thread
from sqlalchemy.ext.asyncio import AsyncEngine

from actors.persistence.messages import (
    ApplyRetention,
    Durable,
    Flush,
    ForgetUser,
    PersistenceStatus,
    RecordUpdates,
    Settle,
    WhenSettled,
)
from actors.persistence.privacy import clear_old_texts, delete_user_messages
from actors.persistence.records import InboxReceived, Record
from actors.persistence.spill import SpillFile, SpillInbox
from actors.persistence.writer import BatchWriter, describe, is_refused_data
from runtime import Actor, PendingReply, Timer

__all__ = [
    "ApplyRetention",
    "Durable",
    "Flush",
    "ForgetUser",
    "PersistenceActor",
    "PersistenceStatus",
    "RecordUpdates",
    "Settle",
    "WhenSettled",
]

log = logging.getLogger("assistant.persistence")

RETRY_INITIAL = 0.5
RETRY_MAX = 5.0
PROBE_TIMEOUT = 1.0
"""How long a recovery probe waits for the database (a hanging one must not hold the actor up)."""
REPLAY_CHUNK = 2000
YIELDS_BEFORE_COMMIT = 3
RETENTION_PASS = 10_000


@dataclass(frozen=True, slots=True)
class _Commit:
    """Write the buffer now: the group commit of the Durable asks that came before."""


@dataclass(frozen=True, slots=True)
class _Recover:
    """Try the database again while degraded."""


Message_ = (
    Record | Flush | Durable | RecordUpdates | Settle | WhenSettled | ForgetUser | ApplyRetention | _Commit | _Recover
)


@dataclass(slots=True)
class _Owed:
    """A durable ask waiting for the next flush; ``updates`` are the inbox records it asked about."""

    reply: PendingReply[Any]
    updates: tuple[int, ...] | None = None

    def settle(self, new: set[int] | None) -> None:
        """Answer: nothing for a plain Durable, the already-known update_ids for RecordUpdates."""
        if self.updates is None or new is None:
            self.reply.resolve(None)
        else:
            # The first ask to bring an update claims it: the same update twice in a batch is new once.
            fresh = {update_id for update_id in self.updates if update_id in new}
            new.difference_update(fresh)
            self.reply.resolve(frozenset(self.updates) - fresh)


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
        self.writer = BatchWriter(engine)
        self.spill = spill
        self.status = status
        self.batch_rows = batch_rows
        self.batch_seconds = batch_ms / 1000
        self.write_timeout = write_timeout
        self.retention_days = retention_days
        self.buffer: list[Record] = []
        self.owed: list[_Owed] = []  # durable asks answered by the next flush
        self.settle_waiters: list[PendingReply[None]] = []
        self.commit_queued = False
        self.oldest_at = 0.0
        self.flush_timer: Timer | None = None
        self.recover_timer: Timer | None = None
        self.retry_delay = RETRY_INITIAL
        self.replay_offset = 0
        self.replaying = False  # the database answered the probe; chunks of the spill file follow

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
        elif isinstance(message, RecordUpdates):
            return await self._durably(message.records, tuple(r.update_id for r in message.records))
        elif isinstance(message, Settle):
            return await self._settle()
        elif isinstance(message, WhenSettled):
            return self._when_settled()
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
        try:
            await self._flush()
        finally:
            await self.writer.close()

    # -- writing ----------------------------------------------------------------

    async def _durably(self, records: Sequence[Record], updates: tuple[int, ...] | None = None) -> PendingReply[Any]:
        self._add(records)
        written: PendingReply[Any] = PendingReply()
        self.owed.append(_Owed(written, updates))
        if self.context.queued == 0:
            # Let the tasks this update woke (its chat on the way to the model) run their next
            # steps first: the commit's CPU would otherwise come before them on the event loop.
            for _ in range(YIELDS_BEFORE_COMMIT):
                await anyio.lowlevel.checkpoint()
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
        new = await self._flush_buffer()
        # Written to the database or (fsynced) to the spill file: durable either way.
        for written in owed:
            written.settle(new)

    async def _flush_buffer(self) -> set[int] | None:
        """Write the buffer; the inbox updates new to the database, or None if it went to the spill file."""
        if not self.buffer:
            return set()
        batch, self.buffer = self.buffer, []
        lag = time.perf_counter() - self.oldest_at
        if self.status.degraded:
            await self._spill(batch)
            return None
        try:
            new = await self._write(batch)
        except Exception as exc:
            if is_refused_data(exc):
                return await self._isolate_poison(batch)
            # Any other failure means the database is unusable right now.
            self._become_degraded(describe(exc))
            await self._spill(batch)
            self._schedule_recovery(self.retry_delay)
            return None
        self.status.last_lag_seconds = lag
        return set(new)

    async def _write(self, batch: Sequence[Record]) -> frozenset[int]:
        with anyio.fail_after(self.write_timeout):
            new = await self.writer.write(batch)
        self.status.batches += 1
        self.status.rows += len(batch)
        self.status.last_batch_rows = len(batch)
        if len(self.status.batch_sizes) < 10_000:
            self.status.batch_sizes.append(len(batch))
        if self.status.on_batch is not None:
            self.status.on_batch(len(batch))
        return new

    async def _spill(self, batch: Sequence[Record]) -> None:
        await self.spill.append(batch)
        self.status.spilled_rows += len(batch)

    async def _isolate_poison(self, batch: Sequence[Record]) -> set[int] | None:
        """A record the database refuses (not an outage): write the others, drop and log it.

        Returns the inbox updates new to the database; a refused inbox record
        counts as new (it cannot be stored, but it must still be answered).
        """
        log.error("a batch of %d records was refused; writing them one by one", len(batch))
        new: set[int] = set()
        for number, record in enumerate(batch):
            try:
                new |= await self._write((record,))
            except Exception as exc:
                if not is_refused_data(exc):
                    # The database went away in the middle: keep the rest safe in the spill file.
                    self._become_degraded(describe(exc))
                    await self._spill(batch[number:])
                    self._schedule_recovery(self.retry_delay)
                    return None
                self.status.dropped_rows += 1
                if isinstance(record, InboxReceived):
                    new.add(record.update_id)
                log.error("dropped a %s record the database refuses (%s)", record.kind, describe(exc))
        return new

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
        if await self._replay_chunk():
            self._schedule_recovery(0.0)
        elif self.status.degraded:
            self.retry_delay = min(self.retry_delay * 2, RETRY_MAX)
            self._schedule_recovery(self.retry_delay)

    async def _replay_chunk(self) -> bool:
        """One step of the replay: True if more of the spill file waits, False when done or failed."""
        if not self.replaying:
            if not await self._probe():
                return False
            self.replaying = True
        records, offset = self.spill.read_from(self.replay_offset, REPLAY_CHUNK)
        try:
            if records:
                await self._write(records)
        except Exception as exc:
            log.info("database still unavailable (%s)", describe(exc))
            self.replaying = False
            return False
        self.replay_offset = offset
        self.status.replayed_rows += len(records)
        if records:
            return True
        self.spill.clear()
        self.replay_offset = 0
        self.replaying = False
        self.retry_delay = RETRY_INITIAL
        self.status.degraded = False
        log.warning("database is back; %d spilled records replayed", self.status.replayed_rows)
        waiters, self.settle_waiters = self.settle_waiters, []
        for waiter in waiters:
            waiter.resolve(None)
        return False

    async def _probe(self) -> bool:
        """Is the database answering? Asked with a short timeout, since the actor waits meanwhile."""
        try:
            with anyio.fail_after(PROBE_TIMEOUT):
                async with self.engine.connect() as connection:
                    await connection.exec_driver_sql("SELECT 1")
        except Exception as exc:
            log.info("database still unavailable (%s)", describe(exc))
            return False
        return True

    async def _settle(self) -> SpillInbox | None:
        """Replay the whole spill file now if the database answers; else what the file says about the inbox."""
        await self._flush()
        if self.status.degraded:
            while await self._replay_chunk():
                pass
        if not self.status.degraded:
            return None
        self._schedule_recovery(self.retry_delay)
        return await anyio.to_thread.run_sync(self.spill.inbox)

    def _when_settled(self) -> PendingReply[None] | None:
        if not self.status.degraded:
            return None
        waiter: PendingReply[None] = PendingReply()
        self.settle_waiters = [w for w in self.settle_waiters if not w.settled]
        self.settle_waiters.append(waiter)
        return waiter

    # -- privacy ------------------------------------------------------------------

    async def _forget(self, user_id: int) -> int | None:
        await self._flush()
        if self.status.degraded:
            return None
        try:
            return await delete_user_messages(self.engine, user_id, timeout=self.write_timeout)
        except Exception as exc:
            log.warning("could not delete the messages of a user: %s", type(exc).__name__)
            return None

    async def _apply_retention(self) -> None:
        """Blank texts older than the retention period, 10,000 rows per pass; then plan the next pass."""
        assert self.retention_days is not None
        cleared = 0
        if not self.status.degraded:
            try:
                cleared = await clear_old_texts(self.engine, self.retention_days, limit=RETENTION_PASS)
            except Exception as exc:
                log.warning("retention pass failed: %s", type(exc).__name__)
        if cleared:
            log.info("retention: cleared the text of %d old messages", cleared)
        # A full pass means more is waiting: continue soon; otherwise check again in an hour.
        self.context.tell_later(1.0 if cleared == RETENTION_PASS else 3600.0, ApplyRetention())
