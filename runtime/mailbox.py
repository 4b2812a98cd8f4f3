"""A bounded mailbox over an anyio memory object stream.

The mailbox owns both ends of the stream: producers put, the one actor task gets.
Closing the mailbox lets the actor drain what is queued and then see the end.
"""

from __future__ import annotations

import enum
from typing import Generic, TypeVar

import anyio
from anyio.streams.memory import MemoryObjectReceiveStream, MemoryObjectSendStream

T = TypeVar("T")


class Overflow(enum.Enum):
    """What ``put_nowait`` does when the mailbox is full."""

    REJECT = "reject"
    """Raise :class:`MailboxOverflow`; the caller decides (e.g. a polite refusal)."""
    DROP_OLDEST = "drop_oldest"
    """Discard the oldest queued message to make room; for state that only the newest matters."""


class MailboxOverflow(Exception):
    """Raised by ``put_nowait`` on a full ``REJECT`` mailbox (the cell turns it into MailboxFull)."""


class MailboxClosed(Exception):
    """The mailbox was closed: its actor is stopping."""


class Mailbox(Generic[T]):
    """A FIFO of at most ``capacity`` messages, with an overflow policy."""

    __slots__ = ("_closed", "capacity", "overflow", "receiver", "sender", "waiter")

    def __init__(self, capacity: int, overflow: Overflow = Overflow.REJECT) -> None:
        if capacity < 1:
            raise ValueError("mailbox capacity must be at least 1")
        self.capacity = capacity
        self.overflow = overflow
        # Not ``create_memory_object_stream[T](...)``: the subscripted call costs
        # more than the stream itself when spawning 100,000 actors.
        streams: tuple[MemoryObjectSendStream[T], MemoryObjectReceiveStream[T]] = anyio.create_memory_object_stream(
            capacity
        )
        self.sender, self.receiver = streams
        self._closed = False
        self.waiter: anyio.Event | None = None
        """Set by the actor task while it waits for a message; whoever puts or closes wakes it."""

    # ``ActorCell.tell`` calls ``sender.send_nowait`` (and ``wake``) itself and
    # comes here only when the mailbox is full or closed, to keep the common path short.

    def put_nowait(self, item: T) -> list[T] | None:
        """Queue ``item`` without waiting.

        Returns the messages discarded to make room (``DROP_OLDEST``), else None.
        Raises :class:`MailboxOverflow` when full under ``REJECT`` and
        :class:`MailboxClosed` once closed.
        """
        try:
            self.sender.send_nowait(item)
        except anyio.WouldBlock:
            if self.overflow is Overflow.REJECT:
                raise MailboxOverflow from None
        except (anyio.ClosedResourceError, anyio.BrokenResourceError):
            raise MailboxClosed from None
        else:
            self.wake()
            return None
        dropped: list[T] = []
        while True:
            # Taking one item may let a waiting ``put`` refill the slot, hence the loop.
            dropped.append(self.receiver.receive_nowait())
            try:
                self.sender.send_nowait(item)
                return dropped
            except anyio.WouldBlock:
                continue

    async def put(self, item: T) -> None:
        """Queue ``item``, waiting for room (backpressure). Raises :class:`MailboxClosed`.

        With room it queues at once and does not yield: the stream's own
        ``send`` would yield to the event loop first, and a reply's path
        (intake, chat, router, model health) crosses several mailboxes, each
        such yield a turn of a busy loop's queue added to the reply's time.
        """
        try:
            self.sender.send_nowait(item)
        except anyio.WouldBlock:
            try:
                await self.sender.send(item)
            except (anyio.ClosedResourceError, anyio.BrokenResourceError):
                raise MailboxClosed from None
        except (anyio.ClosedResourceError, anyio.BrokenResourceError):
            raise MailboxClosed from None
        self.wake()

    # The actor task reads ``receiver`` directly with ``receive_nowait``, and when
    # it is empty waits on ``waiter`` instead of ``receiver.receive()``: that
    # would checkpoint again, build a waiting-receiver record (task info
    # included) per idle actor, and hand items over outside the buffer. Every
    # producer comes through this class or ``ActorCell.tell``, which wake it.

    def wake(self) -> None:
        """Wake the actor task if it waits for a message (after a put or a close)."""
        waiter = self.waiter
        if waiter is not None:
            self.waiter = None
            waiter.set()

    def close(self) -> None:
        """Accept no more messages; those already queued can still be taken."""
        self._closed = True
        self.sender.close()
        self.wake()

    def discard(self) -> list[T]:
        """Close both ends and return whatever was still queued (for failing pending asks)."""
        self._closed = True
        self.sender.close()
        left: list[T] = []
        while True:
            try:
                left.append(self.receiver.receive_nowait())
            except (anyio.WouldBlock, anyio.EndOfStream, anyio.ClosedResourceError):
                break
        self.receiver.close()
        return left

    @property
    def closed(self) -> bool:
        return self._closed

    def __len__(self) -> int:
        return self.sender.statistics().current_buffer_used
