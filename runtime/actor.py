"""The actor base class, the handle to an actor, and what an actor may do.

An actor handles one message at a time, in arrival order. Subclass
:class:`Actor`, override :meth:`Actor.receive` (and, if needed, ``on_start`` /
``on_stop``), and spawn it through an :class:`~runtime.ActorSystem` or a
:class:`~runtime.Registry`. Whatever ``receive`` returns is the reply to ``ask``;
a :class:`PendingReply` returned instead answers it later.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, Generic, Protocol, TypeVar

import anyio

if TYPE_CHECKING:
    from runtime.cell import ActorCell, Reply
    from runtime.system import Timer

M = TypeVar("M")
R = TypeVar("R")
M_contra = TypeVar("M_contra", contravariant=True)


class Context(Protocol[M_contra]):
    """What the runtime lets an actor do about itself."""

    @property
    def name(self) -> str:
        """A readable name for logs: ``"chat:42"`` for a registry child."""
        ...

    @property
    def kind(self) -> str:
        """The label shared by all actors of this kind, for metrics."""
        ...

    def tell_later(self, delay: float, message: M_contra) -> Timer:
        """Deliver ``message`` to this actor after ``delay`` seconds.

        For a registry child the message goes to whatever actor holds the key by
        then, so a timer also wakes an actor that was passivated meanwhile.
        """
        ...

    def stop(self) -> None:
        """Stop after the messages already queued (``on_stop`` runs last)."""
        ...

    @property
    def queued(self) -> int:
        """How many messages wait in this actor's mailbox behind the current one."""
        ...


class Actor(Generic[M, R]):
    """Base class of all actors.

    ``context`` is set by the runtime before ``on_start``. A new instance is
    created for every (re)start, so state lives in attributes and is rebuilt
    in ``on_start`` after a crash.
    """

    context: Context[M]

    async def on_start(self) -> None:
        """Prepare state before the first message (load from storage, say)."""

    async def receive(self, message: M) -> R | PendingReply[R]:
        """Handle one message; the return value answers ``ask`` (a :class:`PendingReply`: later)."""
        raise NotImplementedError

    async def on_stop(self) -> None:
        """Release resources; runs once per instance, after a crash too."""


class PendingReply(Generic[R]):
    """A reply that ``receive`` gives later: return one, keep it, and settle it once.

    The asker waits until :meth:`resolve` or :meth:`fail` (the first call counts;
    later ones are ignored). If the actor stops or restarts with the reply still
    unsettled, the asker gets :class:`~runtime.ActorStopped` instead of waiting
    for its timeout. Returned to a plain ``tell``, it goes nowhere.
    """

    __slots__ = ("_error", "_reply", "_settled", "_value")

    def __init__(self) -> None:
        self._reply: Reply | None = None
        self._settled = False
        self._value: Any = None
        self._error: BaseException | None = None

    @property
    def settled(self) -> bool:
        return self._settled

    def resolve(self, value: R) -> None:
        """Answer the ask with ``value``."""
        if not self._settled:
            self._settled, self._value = True, value
            self._deliver()

    def fail(self, error: BaseException) -> None:
        """Make the ask raise ``error``."""
        if not self._settled:
            self._settled, self._error = True, error
            self._deliver()

    def bind(self, reply: Reply) -> None:
        """Deliver the outcome to ``reply`` (the runtime's side; settling may come before or after)."""
        self._reply = reply
        self._deliver()

    def _deliver(self) -> None:
        if self._reply is None or not self._settled:
            return
        if self._error is not None:
            self._reply.fail(self._error)
        else:
            self._reply.resolve(self._value)


class ActorRef(Generic[M, R]):
    """A handle for sending messages to one actor.

    The handle stays valid after the actor stops; sending then raises
    :class:`~runtime.ActorStopped`.
    """

    __slots__ = ("_cell",)

    def __init__(self, cell: ActorCell[M, R]) -> None:
        self._cell = cell

    @property
    def name(self) -> str:
        return self._cell.name

    @property
    def alive(self) -> bool:
        """True until the actor has begun stopping."""
        return not self._cell.mailbox.closed

    def tell(self, message: M) -> None:
        """Queue ``message`` without waiting.

        Never blocks. When the mailbox is full the actor's overflow policy
        applies: :class:`~runtime.MailboxFull` under ``reject``, the oldest
        message is dropped under ``drop_oldest``.
        """
        # The common case inline (one call less per message); a full or closed mailbox goes the long way.
        cell = self._cell
        mailbox = cell.mailbox
        try:
            mailbox.sender.send_nowait(message)
        except (anyio.WouldBlock, anyio.ClosedResourceError, anyio.BrokenResourceError):
            cell.tell(message)  # applies the overflow policy, or raises ActorStopped
        else:
            if mailbox.waiter is not None:
                mailbox.wake()

    async def send(self, message: M) -> None:
        """Queue ``message``, waiting for room: backpressure for internal producers."""
        await self._cell.send(message)

    async def ask(self, message: M, timeout: float) -> R:
        """Queue ``message`` and wait for the actor's reply.

        Raises :class:`~runtime.AskTimeout` after ``timeout`` seconds (time
        spent waiting for mailbox room counts), :class:`~runtime.ActorCrashed`
        if handling it raised.
        """
        return await self._cell.ask(message, timeout)

    def stop(self) -> None:
        """Ask the actor to stop after the messages already queued."""
        self._cell.stop()

    def __repr__(self) -> str:
        return f"<ActorRef {self._cell.name}>"

    def __eq__(self, other: Any) -> bool:
        return isinstance(other, ActorRef) and other._cell is self._cell

    def __hash__(self) -> int:
        return id(self._cell)
