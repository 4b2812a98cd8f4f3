"""The model-health actor: one circuit breaker per model, and the record of their history.

The router asks it for a permit before every call and reports how each call
went. The actor turns breaker transitions into model events (persisted for the
dashboard, logged, counted) and notices both-down incidents: one starts when a
request finds no model that may be called (or every model failed or stayed
silent), and ends with the next success.

Events are handed to the sink without waiting (routing must never wait for the
database); one the sink cannot take now is kept and offered again on the
actor's next message, so none is lost to a busy recorder.
"""

from __future__ import annotations

import logging
import time
import uuid
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime

from actors.llm.breaker import BreakerConfig, BreakerSnapshot, BreakerState, CircuitBreaker, Permit, Transition
from actors.llm.errors import HealthEffect
from actors.persistence.records import ModelEventRecord
from runtime import Actor

log = logging.getLogger("assistant.models")

PROBE_PENDING_WAIT = 2.0
BACKLOG_LIMIT = 10_000
"""Events kept for a recorder that takes none (a bound on memory; older ones go first, logged)."""


@dataclass(frozen=True, slots=True)
class Acquire:
    """May ``model`` be called now? The reply is a :class:`Permit` or None."""

    model: str


@dataclass(frozen=True, slots=True)
class Report:
    """How a call under ``permit`` went."""

    model: str
    permit: Permit
    effect: HealthEffect
    retry_after: float | None = None
    reason: str | None = None


@dataclass(frozen=True, slots=True)
class Release:
    """A call under ``permit`` was abandoned before it said anything about the model."""

    model: str
    permit: Permit


@dataclass(frozen=True, slots=True)
class NoModelAvailable:
    """A request found no model to answer it (refused, failed or silent); the reply: seconds until one accepts."""

    models: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class Snapshot:
    """Every known model's breaker, for metrics, readiness and the deferred-answer timer."""


@dataclass(frozen=True, slots=True)
class ModelHealth:
    model: str
    breaker: BreakerSnapshot
    available_in: float
    """Seconds until the model accepts calls again (0: now)."""


HealthMessage = Acquire | Report | Release | NoModelAvailable | Snapshot
EventSink = Callable[[ModelEventRecord], bool]
"""Hands an event to the recorder without waiting: False if it cannot take it now (it is offered again)."""


@dataclass
class IncidentState:
    active: bool = False
    count: int = 0
    listeners: list[Callable[[], None]] = field(default_factory=list)


class ModelHealthActor(Actor[HealthMessage, object]):
    """Owns the breakers; every mutation of breaker state happens in this one actor."""

    def __init__(
        self,
        config: BreakerConfig,
        record_event: EventSink,
        *,
        clock: Callable[[], float] = time.monotonic,
        on_transition: Callable[[str, Transition], None] | None = None,
        incidents: IncidentState | None = None,
        board: dict[str, BreakerState] | None = None,
    ) -> None:
        self.config = config
        self.record_event = record_event
        self.clock = clock
        self.on_transition = on_transition
        self.breakers: dict[str, CircuitBreaker] = {}
        self.incidents = incidents or IncidentState()
        self.board = board if board is not None else {}
        """Every model's current state, shared with the metrics exporter (updated here only)."""
        self.backlog: deque[ModelEventRecord] = deque()
        """Events the sink could not take yet, oldest first."""

    def breaker(self, model: str) -> CircuitBreaker:
        breaker = self.breakers.get(model)
        if breaker is None:
            breaker = self.breakers[model] = CircuitBreaker(self.config)
            self.board[model] = breaker.state
        return breaker

    async def receive(self, message: HealthMessage) -> object:
        if self.backlog:
            self._flush()
        now = self.clock()
        if isinstance(message, Acquire):
            permit = self.breaker(message.model).try_acquire(now)
            if permit is not None:
                self._record(message.model, permit.transitions)
            return permit
        if isinstance(message, Report):
            transitions = self.breaker(message.model).record(
                message.permit, message.effect, now, retry_after=message.retry_after, reason=message.reason
            )
            self._record(message.model, transitions)
            if message.effect is HealthEffect.SUCCESS and self.incidents.active:
                self._incident_over()
            return None
        if isinstance(message, Release):
            self.breaker(message.model).release(message.permit, now)
            return None
        if isinstance(message, NoModelAvailable):
            if not self.incidents.active:
                self._incident_started(message.models)
            return min(self._wait_hint(self.breaker(m), now) for m in message.models)
        return [
            ModelHealth(model, breaker.snapshot(), max(breaker.available_at(now) - now, 0.0))
            for model, breaker in self.breakers.items()
        ]

    @staticmethod
    def _wait_hint(breaker: CircuitBreaker, now: float) -> float:
        """Seconds until it is worth asking again.

        A half-open breaker refuses only while its probe is out, and the probe's
        answer usually comes within seconds: look again soon rather than at the
        probe timeout.
        """
        wait = max(breaker.available_at(now) - now, 0.0)
        if breaker.state is BreakerState.HALF_OPEN:
            wait = min(wait, PROBE_PENDING_WAIT)
        return wait

    def _record(self, model: str, transitions: tuple[Transition, ...] | list[Transition]) -> None:
        for transition in transitions:
            moved = transition.from_state is not transition.to_state
            level = logging.WARNING if moved else logging.INFO
            if transition.route_away == "misconfigured":
                level = logging.ERROR  # the operator must fix the key or the credits
            log.log(
                level,
                "model %s: %s -> %s (%s)",
                model,
                transition.from_state.value,
                transition.to_state.value,
                transition.reason,
            )
            self._emit(
                ModelEventRecord(
                    dedup_key=f"ev:{uuid.uuid4().hex}",
                    model=model,
                    event="breaker" if moved else "route_away",
                    from_state=transition.from_state.value,
                    to_state=transition.to_state.value,
                    reason=transition.reason,
                    at=datetime.now(UTC),
                )
            )
            self.board[model] = transition.to_state
            if self.on_transition is not None:
                self.on_transition(model, transition)

    def _emit(self, record: ModelEventRecord) -> None:
        if not self.backlog and self.record_event(record):
            return
        if not self.backlog:
            log.warning("the recorder is busy: model events are kept until it takes them")
        self.backlog.append(record)
        if len(self.backlog) > BACKLOG_LIMIT:
            lost = self.backlog.popleft()
            log.error("model event lost, the recorder took none of the last %d: %s", BACKLOG_LIMIT, lost.event)

    def _flush(self) -> None:
        while self.backlog and self.record_event(self.backlog[0]):
            self.backlog.popleft()

    def _incident_started(self, models: tuple[str, ...]) -> None:
        self.incidents.active = True
        self.incidents.count += 1
        log.error("both models unavailable (%s): users are being told", ", ".join(models))
        self._emit(
            ModelEventRecord(
                dedup_key=f"ev:{uuid.uuid4().hex}",
                model="*",
                event="both_down",
                reason="no model accepted calls: " + ", ".join(models),
                at=datetime.now(UTC),
            )
        )

    def _incident_over(self) -> None:
        self.incidents.active = False
        log.warning("a model answers again: the both-down incident is over")
        self._emit(
            ModelEventRecord(dedup_key=f"ev:{uuid.uuid4().hex}", model="*", event="both_down_end", at=datetime.now(UTC))
        )
        for listener in self.incidents.listeners:
            listener()
