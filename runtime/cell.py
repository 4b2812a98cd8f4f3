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
from runtime.crashlog import outline
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
        "_idle_since",
        "_instance",
        "_name",
        "_parent",
        "_pending",
        "_policy",
        "_system",
        "_tracker",
        "_yielding",
        "key",
        "kind",
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
        self._pending: list[PendingReply[Any]] | None = None  # replies the instance still owes; rare, so lazy
        self._name: str | None = None
        self._idle_since = 0.0  # when the task last ran out of messages
        self._yielding = False  # out of messages, yielding once before it waits for one

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

    def idle_since(self) -> float | None:
        """When the actor ran out of messages (``now()`` clock); None while it has work.

        An actor that is handling a message, restarting, or has messages queued
        is not idle. An idle one holds no message, so stopping it never
        interrupts or reorders anything.
        """
        if self.mailbox.waiter is not None or (self._yielding and len(self.mailbox) == 0):
            return self._idle_since
        return None

    # -- sending -------------------------------------------------------

    def tell(self, message: M) -> None:
        mailbox = self.mailbox
        try:
            mailbox.sender.send_nowait(message)
        except anyio.WouldBlock:
            pass
        except (anyio.ClosedResourceError, anyio.BrokenResourceError):
            raise ActorStopped(self.name) from None
        else:
            if mailbox.waiter is not None:
                mailbox.wake()
            return
        try:
            dropped = mailbox.put_nowait(message)
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
            mailbox = self.mailbox
            receiver = mailbox.receiver
            # Timing every message costs a clock read and a call: skipped when nobody listens.
            processed = self._system.observer.message_processed if self._system.times_messages else None
            kind = self.kind
            receive = self._instance.receive  # type: ignore[union-attr]  # again after each restart
            clock = now
            handled = 0
            worked = False  # whether a message was taken since the last yield or wait
            started = clock()  # when the next message's processing counts from
            while True:
                if handled == FAIRNESS_BATCH:
                    # A busy actor whose handler never awaits must not starve the others.
                    handled = 0
                    await anyio.lowlevel.checkpoint()
                    started = clock()
                try:
                    item = receiver.receive_nowait()
                except anyio.WouldBlock:
                    # Wait outside the except block: a waiting idle actor must not
                    # keep the WouldBlock exception and its traceback alive.
                    item = _EMPTY
                except anyio.EndOfStream:
                    return
                if item is _EMPTY:
                    if worked:
                        # Ran dry after some work: let running producers refill the mailbox
                        # once before parking (parking and waking cost more than a yield).
                        worked = False
                        self._idle_since, self._yielding = clock(), True
                        await anyio.lowlevel.checkpoint()
                        self._yielding = False
                        started = clock()
                        continue
                    # Nothing queued: sleep until a producer (or close) wakes us, then look again.
                    # Items stay in the buffer until taken here, so a cancelled wait loses none.
                    self._idle_since = clock()
                    waiter = mailbox.waiter = anyio.Event()
                    await waiter.wait()
                    started = clock()
                    continue
                worked = True
                handled += 1
                if type(item) is Ask:
                    if not await self._handle_ask(item):
                        return
                    receive = self._instance.receive  # type: ignore[union-attr]
                    started = clock()
                    continue
                # A told message: the hot path, handled here rather than in a coroutine
                # of its own. Back to back, one message's end is the next one's start:
                # one clock read per message.
                try:
                    await receive(item)
                except Exception as exc:
                    if not await self._crashed(item, exc, started):
                        return
                    receive = self._instance.receive  # type: ignore[union-attr]
                    started = clock()
                else:
                    if processed is not None:
                        finished = clock()
                        processed(kind, finished - started, failed=False)
                        started = finished
        finally:
            self.mailbox.waiter = None
            with anyio.move_on_after(self._system.stop_timeout, shield=True):
                await self._stop_instance()
            for item in self.mailbox.discard():
                if type(item) is Ask:
                    item.reply.fail(ActorStopped(self.name))
            self._parent.child_stopped(self)

    async def _handle_ask(self, item: Ask) -> bool:
        """Process one asked message and settle its reply; False when the actor gave up (escalated)."""
        message, reply = item.message, item.reply
        started = now()
        try:
            result = await self._instance.receive(message)  # type: ignore[union-attr]
        except Exception as exc:
            crashed = ActorCrashed(self.name)
            crashed.__cause__ = exc
            reply.fail(crashed)
            return await self._crashed(message, exc, started)
        except BaseException:
            # Cancelled mid-message (shutdown deadline): the asker must not hang.
            reply.fail(ActorStopped(self.name))
            raise
        else:
            self._system.observer.message_processed(self.kind, now() - started, failed=False)
            if type(result) is PendingReply:
                self._owe(result, reply)
            else:
                reply.resolve(result)
            return True

    async def _crashed(self, message: Any, error: Exception, started: float) -> bool:
        """Record and log a crash, then restart (or escalate); False when the actor gave up."""
        self._system.observer.message_processed(self.kind, now() - started, failed=True)
        # The error's own text may quote the message (a user's words): type and frames only,
        # the full error and the message at DEBUG.
        log.error(
            "%s crashed while handling a %s message: %s",
            self.name,
            type(message).__name__,
            outline(error),
        )
        log.debug("the message that crashed %s: %r", self.name, message, exc_info=error)
        return await self._restart_after(error)

    async def _start_instance(self) -> bool:
        """Create and start an instance, retrying per policy; False if it escalated."""
        while True:
            try:
                instance = self._parent.new_instance(self)
                instance.context = self
                await instance.on_start()
            except Exception as exc:
                log.error("%s failed to start: %s", self.name, outline(exc))
                log.debug("%s's start failure in full", self.name, exc_info=exc)
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
            self._pending = [p for p in self._pending or () if not p.settled]
            self._pending.append(pending)

    async def _stop_instance(self) -> None:
        instance, self._instance = self._instance, None
        if instance is None:
            return
        try:
            await instance.on_stop()
        except Exception as exc:
            log.error("%s failed in on_stop: %s", self.name, outline(exc))
            log.debug("%s's on_stop failure in full", self.name, exc_info=exc)
        finally:
            # on_stop may still settle what it owes; whatever is left, the askers must not wait for.
            owed, self._pending = self._pending or (), None
            for pending in owed:
                pending.fail(ActorStopped(self.name))
