"""An append-only file of records that could not reach the database.

Each batch is appended as JSON lines and fsynced before the call returns, so a
spilled record survives a crash. Replay reads the file in order; writing is
idempotent, so a replay interrupted by a crash is simply done again.
"""

from __future__ import annotations

import logging
import os
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import anyio.to_thread

from actors.persistence.records import InboxDone, InboxReceived, Record, from_json, to_json

log = logging.getLogger("assistant.persistence")


@dataclass
class SpillInbox:
    """What a spill file says about the inbox: updates received and never done, and the newest update."""

    pending: list[dict[str, Any]] = field(default_factory=list)
    """Payloads of updates recorded in the file without a done mark there, in update order."""
    last_update_id: int | None = None
    received: set[int] = field(default_factory=set)
    """Every update the file records as received (done or not)."""


def inbox_of(records: Iterable[Record]) -> SpillInbox:
    """The inbox as far as ``records`` tell: what arrived and was not marked done."""
    payloads: dict[int, dict[str, Any]] = {}
    done: set[int] = set()
    for record in records:
        if isinstance(record, InboxReceived):
            payloads.setdefault(record.update_id, record.payload)
        elif isinstance(record, InboxDone):
            done.add(record.update_id)
    pending = [payloads[update_id] for update_id in sorted(payloads) if update_id not in done]
    return SpillInbox(pending, max(payloads, default=None), set(payloads))


class SpillFile:
    """The spill file at ``path`` (its folder is created when needed)."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self._checked_tail = False

    async def append(self, records: Sequence[Record]) -> None:
        """Durably append ``records`` (fsync) in a worker thread."""
        if records:
            data = "".join(to_json(record) + "\n" for record in records).encode("utf-8")
            await anyio.to_thread.run_sync(self._append_sync, data)

    def _append_sync(self, data: bytes) -> None:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        if not self._checked_tail:
            # A crash in an earlier process may have left half a line: end it, so
            # that it stays one damaged line instead of swallowing the next record.
            self._checked_tail = True
            if self.size() > 0:
                with self.path.open("rb") as source:
                    source.seek(-1, os.SEEK_END)
                    if source.read(1) != b"\n":
                        data = b"\n" + data
        fd = os.open(self.path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o600)
        try:
            os.write(fd, data)
            os.fsync(fd)
        finally:
            os.close(fd)

    def exists(self) -> bool:
        try:
            return self.path.stat().st_size > 0
        except FileNotFoundError:
            return False

    def size(self) -> int:
        try:
            return self.path.stat().st_size
        except FileNotFoundError:
            return 0

    def read_from(self, offset: int, max_records: int = 1000) -> tuple[list[Record], int]:
        """Up to ``max_records`` records starting at byte ``offset``, and the offset after them.

        A torn last line (a crash in the middle of an append) is not returned;
        a damaged line is logged and skipped.
        """
        records: list[Record] = []
        if not self.exists():
            return records, offset
        with self.path.open("rb") as source:
            source.seek(offset)
            while len(records) < max_records:
                line = source.readline()
                if not line.endswith(b"\n"):
                    break  # end of file, or a torn line that a later append will not complete
                offset += len(line)
                try:
                    records.append(from_json(line.decode("utf-8")))
                except (ValueError, KeyError, TypeError):
                    log.error("spill file %s: a damaged line at byte %d was skipped", self.path, offset - len(line))
        return records, offset

    def read_all(self) -> Iterator[Record]:
        """Every spilled record, in order."""
        offset = 0
        while True:
            records, offset = self.read_from(offset)
            if not records:
                return
            yield from records

    def inbox(self) -> SpillInbox:
        """What the file says about the inbox (reads the whole file: call it from a worker thread)."""
        return inbox_of(self.read_all())

    def clear(self) -> None:
        """Forget everything spilled (after a complete replay)."""
        self.path.unlink(missing_ok=True)
