"""Keyed actors spawned on demand and passivated when idle.

A registry supervises one actor per key (one per chat, say). The first message
for a key starts its actor; an actor idle longer than ``idle_timeout`` stops, and
the next message for its key starts a fresh one, which reloads its state in
``on_start``. So the number of live actors follows activity, not the number of
keys ever seen.

The registry is itself a supervisor: a child that exceeds its restart intensity
is removed (its next message starts a fresh actor), and if children give up more
often than the registry's own ``escalation`` policy allows, the registry
escalates to the system, which stops the service.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Hashable, Iterator
from typing import TYPE_CHECKING, Any, Generic, TypeVar

import anyio

from runtime.actor import Actor, ActorRef
from runtime.cell import ActorCell, now
from runtime.errors import ActorStopped
from runtime.mailbox import Overflow
from runtime.supervision import Escalate, RestartPolicy, RestartTracker

if TYPE_CHECKING:
    from runtime.system import ActorSystem, Timer

log = logging.getLogger("runtime")

K = TypeVar("K", bound=Hashable)
M = TypeVar("M")
R = TypeVar("R")


class Registry(Generic[K, M, R]):
    """Get-or-spawn actors by key, with idle passivation. Create via ``ActorSystem.registry``."""

    def __init__(
        self,
        system: ActorSystem,
        factory: Callable[[K], Actor[M, R]],
        *,
        kind: str,
        capacity: int,
        overflow: Overflow,
        policy: RestartPolicy,
        idle_timeout: float | None,
        escalation: RestartPolicy,
    ) -> None:
        self._system = system
        self._factory = factory
        self.kind = kind
        self._capacity = capacity
        self._overflow = overflow
        self._policy = policy
        self.idle_timeout = idle_timeout
        self._escalations = RestartTracker(escalation)
        self._cells: dict[K, ActorCell[M, R]] = {}
        self._live = 0
        self._accepting = True
        self._drained: anyio.Event | None = None

    # -- sending by key -----------------------------------------------------

    def get(self, key: K) -> ActorRef[M, R]:
        """The actor for ``key``, started if it is not running."""
        return ActorRef(self._cell(key))

    def tell(self, key: K, message: M) -> None:
        """``tell`` to the actor for ``key`` (started if needed); never blocks."""
        self._cell(key).tell(message)

    async def send(self, key: K, message: M) -> None:
        """``send`` to the actor for ``key``, waiting for mailbox room."""
        await self._cell(key).send(message)

    async def ask(self, key: K, message: M, timeout: float) -> R:
        """``ask`` the actor for ``key`` and wait for its reply."""
        return await self._cell(key).ask(message, timeout)

    def stop(self, key: K) -> None:
        """Stop the actor for ``key`` after its queued messages, if it is running."""
        cell = self._cells.pop(key, None)
        if cell is not None:
            cell.stop()

    def __contains__(self, key: object) -> bool:
        return key in self._cells

    def __len__(self) -> int:
        """How many actors are running (passivated ones are not counted)."""
        return len(self._cells)

    def queued(self) -> int:
        """Messages waiting in all mailboxes of this registry."""
        return sum(len(cell.mailbox) for cell in self._cells.values())

    def keys(self) -> Iterator[K]:
        return iter(list(self._cells))

    def _cell(self, key: K) -> ActorCell[M, R]:
        cell = self._cells.get(key)
        if cell is None:
            if not self._accepting:
                raise ActorStopped(f"{self.kind}:{key}")
            cell = ActorCell(
                system=self._system,
                parent=self,
                kind=self.kind,
                key=key,
                capacity=self._capacity,
                overflow=self._overflow,
                policy=self._policy,
            )
            self._cells[key] = cell
            self._live += 1
            self._system.start_cell(cell)
        return cell

    # -- supervision (the Parent protocol) ----------------------------------

    def child_escalated(self, cell: ActorCell[Any, Any], error: BaseException, decision: Escalate) -> None:
        self._forget(cell)
        verdict = self._escalations.record_failure(now())
        if isinstance(verdict, Escalate):
            log.error(  # the system logs the one critical line, as it stops the service
                "registry %s: %d actors gave up within %g s; escalating",
                self.kind,
                verdict.restarts + 1,
                verdict.within,
            )
            self._system.escalate(self.kind, error, verdict)

    def child_stopped(self, cell: ActorCell[Any, Any]) -> None:
        self._forget(cell)
        self._live -= 1
        self._system.observer.actor_stopped(self.kind)
        if self._live == 0 and self._drained is not None:
            self._drained.set()

    def tell_later(self, cell: ActorCell[Any, Any], delay: float, message: Any) -> Timer:
        key = cell.key
        return self._system.call_later(delay, lambda: self.tell(key, message))

    def new_instance(self, cell: ActorCell[Any, Any]) -> Actor[M, R]:
        return self._factory(cell.key)

    def _forget(self, cell: ActorCell[Any, Any]) -> None:
        # Only remove the entry if it is still this cell: a successor may hold the key.
        if self._cells.get(cell.key) is cell:
            del self._cells[cell.key]

    # -- passivation and shutdown -------------------------------------------

    async def sweep_idle(self) -> None:
        """Forever: stop actors that have been idle longer than ``idle_timeout``."""
        assert self.idle_timeout is not None
        interval = max(self.idle_timeout / 4, 0.005)
        while True:
            await anyio.sleep(interval)
            self.passivate_idle()

    def passivate_idle(self, older_than: float | None = None) -> int:
        """Stop every actor idle for more than ``older_than`` seconds (default ``idle_timeout``).

        Only actors waiting for a message are stopped: never one that is
        handling a message, restarting, or has messages queued. Returns how
        many were stopped.
        """
        limit = self.idle_timeout if older_than is None else older_than
        if limit is None:
            return 0
        cutoff = now() - limit
        idle = [
            key for key, cell in self._cells.items() if (since := cell.idle_since()) is not None and since <= cutoff
        ]
        for key in idle:
            # Removing the key and closing the mailbox happen without an await in
            # between, so no message can slip into a mailbox that is going away.
            self._cells.pop(key).stop()
        return len(idle)

    def close(self) -> None:
        """Accept no new keys and let every running actor drain and stop."""
        self._accepting = False
        for cell in list(self._cells.values()):
            cell.stop()

    async def drain(self) -> None:
        """Close, then wait until every actor of this registry has stopped."""
        self.close()
        if self._live > 0:
            self._drained = anyio.Event()
            await self._drained.wait()
