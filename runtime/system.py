"""The actor system: the root of the supervision tree and owner of every task.

Use it as an async context manager. Everything the runtime starts (actor tasks,
idle sweepers, timers) lives in the system's one task group, so nothing outlives
it. Leaving the block, or :meth:`ActorSystem.shutdown`, stops the actors
gracefully: newest first, each group drained before the next, within a deadline
after which the rest is cancelled (``on_stop`` still runs, shielded).
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Hashable
from dataclasses import dataclass
from types import TracebackType
from typing import Any, TypeVar

import anyio
from anyio.abc import TaskGroup

from runtime.actor import Actor, ActorRef
from runtime.cell import ActorCell
from runtime.errors import ActorStopped, EscalationError, RuntimeFailure
from runtime.mailbox import Overflow
from runtime.observer import Observer
from runtime.registry import Registry
from runtime.supervision import Escalate, RestartPolicy

log = logging.getLogger("runtime")

K = TypeVar("K", bound=Hashable)
M = TypeVar("M")
R = TypeVar("R")


class Timer:
    """A pending delayed call; :meth:`cancel` prevents it if it has not fired."""

    __slots__ = ("_scope", "fired")

    def __init__(self) -> None:
        self._scope = anyio.CancelScope()
        self.fired = False

    def cancel(self) -> None:
        self._scope.cancel()


@dataclass(frozen=True, slots=True)
class KindStats:
    """A snapshot of all actors of one kind, for gauges."""

    kind: str
    live: int
    queued: int


class _TopLevel:
    """Parent of an actor spawned directly on the system: escalation stops the service."""

    def __init__(self, system: ActorSystem, factory: Callable[[], Actor[Any, Any]], kind: str) -> None:
        self._system = system
        self._factory = factory
        self.kind = kind
        self.cell: ActorCell[Any, Any] | None = None
        self._stopped = anyio.Event()

    def new_instance(self, cell: ActorCell[Any, Any]) -> Actor[Any, Any]:
        return self._factory()

    def child_escalated(self, cell: ActorCell[Any, Any], error: BaseException, decision: Escalate) -> None:
        self._system.escalate(cell.name, error, decision)

    def child_stopped(self, cell: ActorCell[Any, Any]) -> None:
        self._system.observer.actor_stopped(self.kind)
        self._stopped.set()

    def tell_later(self, cell: ActorCell[Any, Any], delay: float, message: Any) -> Timer:
        return self._system.call_later(delay, lambda: cell.tell(message))

    def queued(self) -> int:
        return 0 if self.cell is None else len(self.cell.mailbox)

    def __len__(self) -> int:
        return 0 if self._stopped.is_set() else 1

    async def drain(self) -> None:
        if self.cell is not None:
            self.cell.stop()
        await self._stopped.wait()


_Group = _TopLevel | Registry[Any, Any, Any]


class ActorSystem:
    """Spawns and supervises actors; see the module docstring for the lifecycle."""

    def __init__(
        self,
        *,
        observer: Observer | None = None,
        shutdown_deadline: float = 10.0,
        stop_timeout: float = 5.0,
    ) -> None:
        self.observer = observer or Observer()
        self.times_messages = type(self.observer).message_processed is not Observer.message_processed
        """Whether actors time each message: only for an observer that overrides ``message_processed``."""
        self.shutdown_deadline = shutdown_deadline
        self.stop_timeout = stop_timeout
        self._groups: list[_Group] = []
        self._tg: TaskGroup | None = None
        self._shutting_down = False
        self._stopped: anyio.Event | None = None  # anyio objects need a running event loop
        self._failure: EscalationError | None = None

    async def __aenter__(self) -> ActorSystem:
        self._stopped = anyio.Event()
        self._tg = anyio.create_task_group()
        await self._tg.__aenter__()
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> bool | None:
        assert self._tg is not None
        own_error = False
        if exc is None:
            try:
                await self.shutdown()
            except BaseException as error:  # our own cancellation, which the task group absorbs
                exc_type, exc, tb, own_error = type(error), error, error.__traceback__, True
        else:
            self._tg.cancel_scope.cancel()
        suppressed = await self._tg.__aexit__(exc_type, exc, tb)
        self._stopped_event.set()
        if self._failure is not None:
            raise self._failure
        if own_error and not suppressed:
            raise exc  # type: ignore[misc]
        return None if own_error else suppressed

    # -- spawning -------------------------------------------------------------

    def spawn(
        self,
        factory: Callable[[], Actor[M, R]],
        *,
        kind: str,
        capacity: int = 1000,
        overflow: Overflow = Overflow.REJECT,
        policy: RestartPolicy | None = None,
    ) -> ActorRef[M, R]:
        """Start one actor under the system's supervision and return its handle.

        ``kind`` names it in logs and metrics. If it exceeds its restart
        ``policy``, the service stops with :class:`~runtime.EscalationError`.
        """
        self._check_open(kind)
        parent = _TopLevel(self, factory, kind)
        cell: ActorCell[M, R] = ActorCell(
            system=self,
            parent=parent,
            kind=kind,
            key=None,
            capacity=capacity,
            overflow=overflow,
            policy=policy or RestartPolicy(),
        )
        parent.cell = cell
        self._groups.append(parent)
        self.start_cell(cell)
        return cell.ref

    def registry(
        self,
        factory: Callable[[K], Actor[M, R]],
        *,
        kind: str,
        capacity: int = 100,
        overflow: Overflow = Overflow.REJECT,
        policy: RestartPolicy | None = None,
        idle_timeout: float | None = None,
        escalation: RestartPolicy | None = None,
    ) -> Registry[K, M, R]:
        """Create a registry of actors by key; ``factory(key)`` makes each instance.

        ``escalation`` limits how often children may give up (exceed
        ``policy``) before the registry escalates to the system; by default
        ten within a minute.
        """
        self._check_open(kind)
        registry: Registry[K, M, R] = Registry(
            self,
            factory,
            kind=kind,
            capacity=capacity,
            overflow=overflow,
            policy=policy or RestartPolicy(),
            idle_timeout=idle_timeout,
            escalation=escalation or RestartPolicy(max_restarts=10, within=60.0),
        )
        self._groups.append(registry)
        if idle_timeout is not None:
            self._task_group.start_soon(registry.sweep_idle)
        return registry

    def start_cell(self, cell: ActorCell[Any, Any]) -> None:
        """Start ``cell``'s task (used by registries)."""
        self.observer.actor_started(cell.kind)
        # ``create_task`` with a name skips ``start_soon``'s name lookup and coroutine check (per spawn).
        self._task_group.create_task(cell.run(), name=cell.kind)

    def call_later(self, delay: float, callback: Callable[[], None]) -> Timer:
        """Run ``callback`` after ``delay`` seconds unless cancelled or the system stops.

        A callback that hits a stopped or full actor is logged and dropped:
        timers are hints, not guaranteed deliveries.
        """
        timer = Timer()
        self._task_group.start_soon(self._fire, timer, delay, callback)
        return timer

    async def _fire(self, timer: Timer, delay: float, callback: Callable[[], None]) -> None:
        with timer._scope:
            await anyio.sleep(delay)
            timer.fired = True
            try:
                callback()
            except RuntimeFailure as exc:
                log.warning("timer could not deliver: %s", exc)

    # -- observing ----------------------------------------------------------

    def snapshot(self) -> list[KindStats]:
        """Live actors and queued messages per kind, for gauges."""
        totals: dict[str, tuple[int, int]] = {}
        for group in self._groups:
            live, queued = totals.get(group.kind, (0, 0))
            totals[group.kind] = (live + len(group), queued + group.queued())
        return [KindStats(kind, live, queued) for kind, (live, queued) in totals.items()]

    @property
    def failure(self) -> EscalationError | None:
        """The escalation that stopped the system, if any."""
        return self._failure

    @property
    def stopping(self) -> bool:
        return self._shutting_down

    # -- stopping -------------------------------------------------------------

    def escalate(self, who: str, error: BaseException, decision: Escalate) -> None:
        """A failure reached the top: log it, stop the service, fail ``__aexit__``."""
        if self._failure is None:
            failure = EscalationError(who, decision.restarts, decision.within)
            failure.__cause__ = error
            self._failure = failure
            # The error's type only: its text may quote a user's message (the crash was logged before).
            log.critical("stopping the service: %s (last error: %s)", failure, type(error).__name__)
        self.request_shutdown()

    async def shutdown(self, deadline: float | None = None) -> None:
        """Stop gracefully: newest group first, each drained, within ``deadline`` seconds.

        Past the deadline everything left is cancelled; each actor's
        ``on_stop`` still runs (shielded, bounded by ``stop_timeout``).
        Calling it again waits for the first call to finish.
        """
        if self._shutting_down:
            await self._stopped_event.wait()
            return
        self._shutting_down = True
        deadline = self.shutdown_deadline if deadline is None else deadline
        with anyio.move_on_after(deadline) as scope:
            for group in reversed(self._groups):
                await group.drain()
        if scope.cancelled_caught:
            log.warning("shutdown deadline of %g s passed; cancelling the actors still running", deadline)
        self._stopped_event.set()
        self._task_group.cancel_scope.cancel()

    def request_shutdown(self) -> None:
        """Start :meth:`shutdown` in the background (safe from sync code and signal handlers)."""
        if not self._shutting_down:
            self._task_group.start_soon(self.shutdown)

    def cancel(self) -> None:
        """Stop now: cancel every actor (``on_stop`` still runs, shielded)."""
        self._shutting_down = True
        self._stopped_event.set()
        self._task_group.cancel_scope.cancel()

    async def wait_stopped(self) -> None:
        """Wait until the system has been shut down (by a signal, a call or an escalation)."""
        await self._stopped_event.wait()

    @property
    def _stopped_event(self) -> anyio.Event:
        if self._stopped is None:
            raise RuntimeError("use the ActorSystem as `async with ActorSystem() as system:`")
        return self._stopped

    @property
    def _task_group(self) -> TaskGroup:
        if self._tg is None:
            raise RuntimeError("use the ActorSystem as `async with ActorSystem() as system:`")
        return self._tg

    def _check_open(self, kind: str) -> None:
        if self._shutting_down:
            raise ActorStopped(kind)
