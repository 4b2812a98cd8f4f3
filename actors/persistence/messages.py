"""What the persistence actor understands, and the status it keeps for metrics and readiness."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

from actors.persistence.records import InboxReceived, Record


@dataclass(frozen=True, slots=True)
class Flush:
    """Write the buffer now (sent by the batch timer)."""


@dataclass(frozen=True, slots=True)
class Durable:
    """Write these records now; the ask returns once they are in the database or the spill file."""

    records: Sequence[Record]


@dataclass(frozen=True, slots=True)
class RecordUpdates:
    """Record incoming updates durably; the ask returns the update_ids the database already had.

    None instead means "unknown": the database is down and they went to the
    spill file. An update the database refuses outright is reported as new, so
    that it is still answered.
    """

    records: Sequence[InboxReceived]


@dataclass(frozen=True, slots=True)
class Settle:
    """Replay the spill file now if the database answers.

    The ask returns None when the database is up to date (its inbox is
    complete), else the :class:`SpillInbox`: what the spill file says about
    the inbox while the database cannot be reached.
    """


@dataclass(frozen=True, slots=True)
class WhenSettled:
    """The ask returns once the database is reachable and the spill file fully replayed."""


@dataclass(frozen=True, slots=True)
class ForgetUser:
    """Delete every stored message of ``user_id``; the ask returns how many (None if the database is down)."""

    user_id: int


@dataclass(frozen=True, slots=True)
class ApplyRetention:
    """Blank message texts older than the retention period (kept rows feed the statistics)."""


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
