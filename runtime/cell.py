"""The machinery around one running actor: its task, mailbox and restarts.

One cell is one task. The task takes messages from the mailbox in order, hands
each to the actor instance, and on a crash asks its restart tracker whether to
start a fresh instance or to give up and escalate to the parent.
"""

from __future__ import annotations

import logging
import time
from typing import TYPE_CHECKING, Any, Generic, Protocol, TypeVar

import anyio
import anyio.lowlevel

from runtime.actor import Actor, ActorRef, PendingReply
from runtime.errors import (
    ActorCrashed,
    ActorStopped,
    AskTimeout,
    MailboxFull,
    MessageDropped,
)
from runtime.mailbox import Mailbox, MailboxClosed, MailboxOverflow, Overflow
from runtime.supervision import Escalate, RestartPolicy, RestartTracker

if TYPE_CHECKING:
    from runtime.system import ActorSystem, Timer

log = logging.getLogger("runtime")

now = time.perf_counter
"""The runtime's clock (monotonic seconds) for idle times and restart windows."""

_EMPTY: Any = object()

FAIRNESS_BATCH = 64
"""An actor yields to the scheduler at least once per this many messages."""

M = TypeVar("M")
R = TypeVar("R")


class Parent(Protocol):
    """The supervisor side of a cell: told when a child gives up or ends."""

    def child_escalated(self, cell: ActorCell[Any, Any], error: BaseException, decision: Escalate) -> None:
        """``cell`` exceeded its restart intensity after ``error``."""

    def child_stopped(self, cell: ActorCell[Any, Any]) -> None:
        """``cell``'s task has finished; ``on_stop`` has run."""

    def tell_later(self, cell: ActorCell[Any, Any], delay: float, message: Any) -> Timer:
        """Deliver ``message`` to ``cell``'s actor (or its successor) after ``delay``."""

    def new_instance(self, cell: ActorCell[Any, Any]) -> Actor[Any, Any]:
        """A fresh actor instance for ``cell`` (on start and on every restart)."""


class Reply:
    """A one-shot slot that an ``ask`` waits on."""

    __slots__ = ("done", "error", "event", "value")

    def __init__(self) -> None:
        self.event = anyio.Event()
        self.done = False
        self.value: Any = None
        self.error: BaseException | None = None

    def resolve(self, value: Any) -> None:
        if not self.done:
            self.done, self.value = True, value
            self.event.set()

    def fail(self, error: BaseException) -> None:
        if not self.done:
            self.done, self.error = True, error
            self.event.set()


class Ask:
    """Envelope of an asked message; plain ``tell``/``send`` messages travel bare."""

    __slots__ = ("message", "reply")

    def __init__(self, message: Any, reply: Reply) -> None:
        self.message = message
        self.reply = reply


class ActorCell(Generic[M, R]):
    """One actor's task, mailbox and supervision state. Also the actor's Context."""

    __slots__ = (
        "_instance",
        "_name",
        "_parent",
        "_pending",
        "_policy",
        "_system",
        "_tracker",
        "busy",
        "key",
        "kind",
        "last_active",
        "mailbox",
    )

    def __init__(
        self,
        *,
        system: ActorSystem,
        parent: Parent,
        kind: str,
        key: Any,
        capacity: int,
        overflow: Overflow,
        policy: RestartPolicy,
    ) -> None:
        self._system = system
        self._parent = parent
        self.kind = kind
        self.key = key
        self.mailbox: Mailbox[Any] = Mailbox(capacity, overflow)
        self._policy = policy
        self._tracker: RestartTracker | None = None  # created on the first crash: most actors never crash
        self._instance: Actor[M, R] | None = None
        self._pending: list[PendingReply[Any]] = []  # replies the instance still owes
        self._name: str | None = None
        self.busy = False
        self.last_active = now()

    # -- Context -------------------------------------------------------

    @property
    def name(self) -> str:
        if self._name is None:
            self._name = self.kind if self.key is None else f"{self.kind}:{self.key}"
        return self._name

    @property
    def ref(self) -> ActorRef[M, R]:
        return ActorRef(self)

    def tell_later(self, delay: float, message: M) -> Timer:
        return self._parent.tell_later(self, delay, message)

    def stop(self) -> None:
        self.mailbox.close()

    @property
    def queued(self) -> int:
        return len(self.mailbox)

    # -- sending -------------------------------------------------------

    def tell(self, message: M) -> None:
        try:
            self.mailbox.sender.send_nowait(message)
            return
        except anyio.WouldBlock:
            pass
        except (anyio.ClosedResourceError, anyio.BrokenResourceError):
            raise ActorStopped(self.name) from None
        try:
            dropped = self.mailbox.put_nowait(message)
        except MailboxOverflow:
            self._system.observer.message_rejected(self.kind)
            raise MailboxFull(self.name) from None
        except MailboxClosed:
            raise ActorStopped(self.name) from None
        if dropped:
            self._on_dropped(dropped)

    async def send(self, message: M) -> None:
        try:
            await self.mailbox.put(message)
        except MailboxClosed:
            raise ActorStopped(self.name) from None

    async def ask(self, message: M, timeout: float) -> R:
        reply = Reply()
        with anyio.move_on_after(timeout):
            try:
                await self.mailbox.put(Ask(message, reply))
            except MailboxClosed:
                raise ActorStopped(self.name) from None
            await reply.event.wait()
        if not reply.done:
            raise AskTimeout(self.name, timeout)
        if reply.error is not None:
            raise reply.error
        return reply.value  # type: ignore[no-any-return]

    def _on_dropped(self, dropped: list[Any]) -> None:
        for item in dropped:
            self._system.observer.message_dropped(self.kind)
            if type(item) is Ask:
                item.reply.fail(MessageDropped(self.name))

    # -- the task ------------------------------------------------------

    async def run(self) -> None:
        """Start the actor, process messages until the mailbox ends, then stop it."""
        try:
            if not await self._start_instance():
                return
            receiver = self.mailbox.receiver
            handled = 0
            while True:
                try:
                    item = receiver.receive_nowait()
                except anyio.WouldBlock:
                    # Wait outside the except block: a waiting idle actor must not
                    # keep the WouldBlock exception and its traceback alive.
                    item = _EMPTY
                except anyio.EndOfStream:
                    return
                if item is _EMPTY:
                    try:
                        item = await receiver.receive()
                    except anyio.EndOfStream:
                        return
                if not await self._handle(item):
                    return
                handled += 1
                if handled % FAIRNESS_BATCH == 0:
                    # A busy actor whose handler never awaits must not starve the others.
                    await anyio.lowlevel.checkpoint()
        finally:
            with anyio.move_on_after(self._system.stop_timeout, shield=True):
                await self._stop_instance()
            for item in self.mailbox.discard():
                if type(item) is Ask:
                    item.reply.fail(ActorStopped(self.name))
            self._parent.child_stopped(self)

    async def _handle(self, item: Any) -> bool:
        """Process one mailbox item; False when the actor gave up (escalated)."""
        if type(item) is Ask:
            message, reply = item.message, item.reply
        else:
            message, reply = item, None
        self.busy = True
        started = now()
        try:
            result = await self._instance.receive(message)  # type: ignore[union-attr]
        except Exception as exc:
            self._system.observer.message_processed(self.kind, now() - started, failed=True)
            if reply is not None:
                crashed = ActorCrashed(self.name)
                crashed.__cause__ = exc
                reply.fail(crashed)
            log.error("%s crashed while handling a %s message", self.name, type(message).__name__, exc_info=exc)
            log.debug("the message that crashed %s: %r", self.name, message)
            self.last_active = now()
            return await self._restart_after(exc)
        except BaseException:
            # Cancelled mid-message (shutdown deadline): the asker must not hang.
            if reply is not None:
                reply.fail(ActorStopped(self.name))
            raise
        else:
            finished = self.last_active = now()
            self._system.observer.message_processed(self.kind, finished - started, failed=False)
            if type(result) is PendingReply:
                if reply is not None:
                    self._owe(result, reply)
            elif reply is not None:
                reply.resolve(result)
            return True
        finally:
            self.busy = False

    async def _start_instance(self) -> bool:
        """Create and start an instance, retrying per policy; False if it escalated."""
        while True:
            try:
                instance = self._parent.new_instance(self)
                instance.context = self
                await instance.on_start()
            except Exception as exc:
                log.error("%s failed to start", self.name, exc_info=exc)
                if not await self._decide(exc):
                    return False
                continue
            self._instance = instance
            return True

    async def _restart_after(self, error: Exception) -> bool:
        with anyio.move_on_after(self._system.stop_timeout, shield=True):
            await self._stop_instance()
        if not await self._decide(error):
            return False
        return await self._start_instance()

    async def _decide(self, error: Exception) -> bool:
        """Apply the restart policy to a failure: wait the backoff, or escalate."""
        if self._tracker is None:
            self._tracker = RestartTracker(self._policy)
        decision = self._tracker.record_failure(now())
        if isinstance(decision, Escalate):
            log.error(
                "%s gave up after %d restarts in %g s; escalating to its supervisor",
                self.name,
                decision.restarts,
                decision.within,
            )
            self.mailbox.close()
            self._parent.child_escalated(self, error, decision)
            return False
        await anyio.sleep(decision.delay)
        self._system.observer.actor_restarted(self.kind)
        log.info("%s restarted after %.3f s", self.name, decision.delay)
        return True

    def _owe(self, pending: PendingReply[Any], reply: Reply) -> None:
        pending.bind(reply)
        if not pending.settled:
            self._pending = [p for p in self._pending if not p.settled]
            self._pending.append(pending)

    async def _stop_instance(self) -> None:
        instance, self._instance = self._instance, None
        if instance is None:
            return
        try:
            await instance.on_stop()
        except Exception as exc:
            log.error("%s failed in on_stop", self.name, exc_info=exc)
        finally:
            # on_stop may still settle what it owes; whatever is left, the askers must not wait for.
            owed, self._pending = self._pending, []
            for pending in owed:
                pending.fail(ActorStopped(self.name))
