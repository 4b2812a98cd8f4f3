"""Routing one user request across the primary and the fallback model.

Rules (the classification table lives in :mod:`actors.llm.errors`):

- The primary whenever its breaker allows, else the fallback. A model whose
  breaker refuses is skipped at zero cost: no request is sent to it.
- A call that fails in a way that may be retried elsewhere goes to the other
  model, once; a request never loops. If text was already shown, a
  :class:`Restart` event tells the presenter to clear it first.
- Context too long: the prompt is rebuilt with a tighter budget and the same
  model is asked again (up to :data:`MAX_TRIM`).
- Moderation and other bad requests: :class:`RequestRefused`, no retry.
- No model may be called: :class:`ModelsUnavailable` with the wait.
- Hedging: if the primary shows no first token within ``hedge_after``
  seconds, the fallback starts in parallel; the first to stream wins and the
  other is cancelled.

Usage::

    async with router.answer(request) as answer:
        async for event in answer:
            ...  # TextDelta / Restart
    answer.result
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from types import TracebackType
from typing import Any, Self

import anyio
from anyio.abc import TaskGroup
from anyio.streams.memory import MemoryObjectReceiveStream, MemoryObjectSendStream

from actors.llm.attempt import Attempt
from actors.llm.client import LLMClient
from actors.llm.errors import (
    FirstTokenTimeout,
    LLMError,
    Outcome,
    classify,
    health_effect,
    retry_after,
    retry_elsewhere,
)
from actors.llm.health import Acquire, NoModelAvailable, Release, Report
from actors.llm.schema import ChatMessage, ChatRequest
from runtime import ActorRef

log = logging.getLogger("assistant.models")

MAX_TRIM = 3
HEALTH_TIMEOUT = 5.0


@dataclass(frozen=True, slots=True)
class ModelSlot:
    """A model and the client that reaches it; ``fallback`` marks the backup model."""

    model: str
    client: LLMClient
    fallback: bool = False


@dataclass(frozen=True, slots=True)
class AnswerRequest:
    """What to answer: ``prompt(trim_level)`` builds the messages (tighter for higher levels)."""

    prompt: Callable[[int], Sequence[ChatMessage]]
    chat_id: int | None = None
    user_id: int | None = None
    role: str | None = None
    model: str | None = None
    """A role's own model, replacing the primary model for this request."""
    temperature: float | None = None
    max_tokens: int | None = None


@dataclass(frozen=True, slots=True)
class TextDelta:
    text: str


@dataclass(frozen=True, slots=True)
class Restart:
    """Discard the text shown so far: another model answers from the start."""

    reason: str


Event = TextDelta | Restart


@dataclass(frozen=True, slots=True)
class CallReport:
    """One call to one model, for the database and the metrics."""

    dedup_key: str
    model: str
    outcome: Outcome
    is_fallback: bool
    is_hedge: bool
    latency: float
    ttft: float | None
    prompt_tokens: int | None
    completion_tokens: int | None
    cost: Decimal | None
    generation_id: str | None
    error: str | None
    chat_id: int | None
    user_id: int | None
    role: str | None


@dataclass(slots=True)
class Answer:
    """The answer a request got (or the part of it written before a stop)."""

    text: str = ""
    model: str | None = None
    is_fallback: bool = False
    is_hedge: bool = False
    cost: Decimal | None = None
    calls: list[CallReport] = field(default_factory=list)
    complete: bool = False


class ModelsUnavailable(Exception):
    """No model may be called now; ``retry_after`` seconds until one may."""

    def __init__(self, retry_after: float) -> None:
        super().__init__(f"no model available; retry in {retry_after:.0f} s")
        self.retry_after = retry_after


class RequestRefused(Exception):
    """The request itself was refused (moderation, invalid): another model would not help."""

    def __init__(self, outcome: Outcome) -> None:
        super().__init__(outcome.value)
        self.outcome = outcome


class ModelRouter:
    """Answers requests with the primary and fallback models, guided by the health actor."""

    def __init__(
        self,
        primary: ModelSlot,
        fallback: ModelSlot | None,
        health: ActorRef[Any, Any],
        *,
        hedge_after: float,
        max_tokens: int | None = None,
        on_call: Callable[[CallReport], None] = lambda report: None,
    ) -> None:
        self.primary = primary
        self.fallback = fallback
        self.health = health
        self.hedge_after = hedge_after
        self.max_tokens = max_tokens
        self.on_call = on_call

    def slots_for(self, request: AnswerRequest) -> list[ModelSlot]:
        primary = self.primary
        if request.model and request.model != primary.model:
            primary = ModelSlot(request.model, primary.client)
        slots = [primary]
        if self.fallback is not None and self.fallback.model != primary.model:
            slots.append(self.fallback)
        return slots

    def answer(self, request: AnswerRequest) -> AnswerStream:
        return AnswerStream(self, request)


class AnswerStream:
    """One request being answered; see :class:`ModelRouter`."""

    def __init__(self, router: ModelRouter, request: AnswerRequest) -> None:
        self.router = router
        self.request = request
        self.result = Answer()
        self._tg: TaskGroup | None = None
        self._send: MemoryObjectSendStream[Event | BaseException | None]
        self._receive: MemoryObjectReceiveStream[Event | BaseException | None]
        self._send, self._receive = anyio.create_memory_object_stream(1000)
        self._trim = 0
        self._attempts: list[Attempt] = []

    async def __aenter__(self) -> Self:
        self._tg = anyio.create_task_group()
        await self._tg.__aenter__()
        self._tg.start_soon(self._produce)
        return self

    async def __aexit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> bool | None:
        assert self._tg is not None
        # The consumer left (finished, stopped by the user, or failed): stop every call
        # still running and record it (see _abandon), freeing its breaker permit.
        for attempt in self._attempts:
            if not attempt.reported:
                self._abandon(attempt)
        self._tg.cancel_scope.cancel()
        return await self._tg.__aexit__(exc_type, exc, tb)

    def __aiter__(self) -> Self:
        return self

    async def __anext__(self) -> Event:
        item = await self._receive.receive()
        if item is None:
            raise StopAsyncIteration
        if isinstance(item, BaseException):
            raise item
        return item

    # -- the producer ------------------------------------------------------------------

    async def _produce(self) -> None:
        try:
            await self._route()
            await self._send.send(None)
        except (ModelsUnavailable, RequestRefused) as exc:
            await self._send.send(exc)

    async def _route(self) -> None:
        slots = self.router.slots_for(self.request)
        tried: set[str] = set()
        shown = False
        while True:
            candidates = [slot for slot in slots if slot.model not in tried]
            if not candidates:
                raise await self._unavailable(slots)
            slot, permit = await self._first_available(candidates)
            if slot is None:
                raise await self._unavailable(candidates)
            attempt = self._start(slot, permit, hedge=False)
            others = [s for s in candidates if s is not slot]
            if not slot.fallback and others and self.router.hedge_after > 0:
                attempt = await self._hedge(attempt, others[0])
            error = await self._relay(attempt, shown)
            shown = shown or bool(attempt.text)
            if error is None:
                return
            if classify(error) is Outcome.CONTEXT_TOO_LONG and self._trim < MAX_TRIM:
                self._trim += 1
                continue  # the same model, with a shorter prompt
            if not retry_elsewhere(error):
                raise RequestRefused(classify(error))
            tried.add(attempt.slot.model)
            if shown:
                await self._send.send(Restart(f"{attempt.slot.model} failed: {classify(error).value}"))
                shown = False

    async def _first_available(self, slots: Sequence[ModelSlot]) -> tuple[ModelSlot | None, Any]:
        for slot in slots:
            permit = await self.router.health.ask(Acquire(slot.model), timeout=HEALTH_TIMEOUT)
            if permit is not None:
                return slot, permit
        return None, None

    async def _unavailable(self, slots: Sequence[ModelSlot]) -> ModelsUnavailable:
        models = tuple(slot.model for slot in slots) or tuple(s.model for s in self.router.slots_for(self.request))
        wait = await self.router.health.ask(NoModelAvailable(models), timeout=HEALTH_TIMEOUT)
        return ModelsUnavailable(float(wait))

    def _start(self, slot: ModelSlot, permit: Any, *, hedge: bool) -> Attempt:
        request = ChatRequest(
            slot.model,
            list(self.request.prompt(self._trim)),
            max_tokens=self.request.max_tokens or self.router.max_tokens,
            temperature=self.request.temperature,
        )
        attempt = Attempt(slot=slot, permit=permit, request=request, hedge=hedge)
        self._attempts.append(attempt)
        assert self._tg is not None
        self._tg.start_soon(attempt.run)
        return attempt

    async def _hedge(self, primary: Attempt, other: ModelSlot) -> Attempt:
        """Wait for the primary's first token; past ``hedge_after`` race the other model too."""
        with anyio.move_on_after(self.router.hedge_after):
            await primary.settled.wait()
        if primary.settled.is_set():
            return primary
        permit = await self.router.health.ask(Acquire(other.model), timeout=HEALTH_TIMEOUT)
        if permit is None:
            return primary
        log.info("primary %s slow to answer: hedging with %s", primary.slot.model, other.model)
        backup = self._start(other, permit, hedge=True)
        winner = await first_settled(primary, backup)
        loser = backup if winner is primary else primary
        if winner.error is not None and loser.error is None:
            winner, loser = loser, winner  # a quick failure does not win the race
            await winner.settled.wait()
        if loser.done:
            self._finish(loser, loser.error)  # it failed on its own: that counts
        else:
            self._abandon(loser)
        return winner

    def _abandon(self, attempt: Attempt) -> None:
        """Stop ``attempt`` and record it: as slow if it stayed silent for ``hedge_after``, else as cancelled.

        Why silence counts: a primary that hangs loses every hedge, and were the loss
        neutral its breaker would never open, so every request of the outage would pay
        the hedge delay. Silent for ``hedge_after`` is the router's own definition of
        too slow (it is when the fallback is asked), so such a call is recorded as a
        first-token timeout, a failure: a run of them opens the breaker and requests go
        straight to the fallback; a half-open probe that stays silent re-opens it.

        A healthy primary that is merely slow to start (first token after
        ``hedge_after``) is treated the same on purpose: for the user it is the hanging
        case (each answer waits ``hedge_after`` and then comes from the fallback
        anyway), and the breaker's probe brings it back once it is quick again. A
        primary that is slow by nature (a reasoning model) wants a larger
        ``LLM_HEDGE_AFTER``. A call that showed text, or was abandoned sooner (a hedge
        that lost to a quicker primary, a user who pressed stop early), says nothing
        about the model: it only frees its permit.
        """
        attempt.cancel()
        hedge_after = self.router.hedge_after
        if attempt.first_text_at is None and 0 < hedge_after <= attempt.elapsed():
            slow = FirstTokenTimeout(attempt.slot.model, f"no text within {attempt.elapsed():.1f} s (too slow)")
            self._finish(attempt, slow)
        else:
            self._finish(attempt, None, cancelled=True)

    async def _relay(self, attempt: Attempt, shown_before: bool) -> LLMError | None:
        """Forward the attempt's text as it arrives; report its outcome; return its error."""
        sent = 0
        while True:
            await attempt.changed.wait()
            attempt.changed = anyio.Event()
            chunks = attempt.chunks[sent:]
            sent += len(chunks)
            for chunk in chunks:
                await self._send.send(TextDelta(chunk))
            if attempt.done and sent == len(attempt.chunks):
                break
        self._finish(attempt, attempt.error)
        return attempt.error

    def _finish(self, attempt: Attempt, error: LLMError | None, *, cancelled: bool = False) -> None:
        """Tell the health actor and the recorder how ``attempt`` ended (once)."""
        if attempt.reported:
            return
        attempt.reported = True
        outcome = Outcome.CANCELLED if cancelled else (classify(error) if error is not None else Outcome.OK)
        health = self.router.health
        if outcome is Outcome.CANCELLED:
            health.tell(Release(attempt.slot.model, attempt.permit))
        else:
            effect = health_effect(error)
            health.tell(
                Report(attempt.slot.model, attempt.permit, effect, retry_after(error) if error else None, outcome.value)
            )
        report = attempt.report(outcome, self.request)
        self.result.calls.append(report)
        if report.cost is not None:
            self.result.cost = (self.result.cost or Decimal(0)) + report.cost
        if outcome is Outcome.OK:
            self.result.text = attempt.text
            self.result.model = attempt.result_model or attempt.slot.model
            self.result.is_fallback = attempt.slot.fallback
            self.result.is_hedge = attempt.hedge
            self.result.complete = True
        self.router.on_call(report)
        if effect_is_loud(outcome):
            log.error("model %s: %s (%s): check the key and credits", attempt.slot.model, outcome.value, error)

    @property
    def current_model(self) -> str | None:
        """The model of the newest call (for a stopped answer's record)."""
        return self._attempts[-1].slot.model if self._attempts else None


def effect_is_loud(outcome: Outcome) -> bool:
    return outcome in (Outcome.AUTH_FAILED, Outcome.PAYMENT_REQUIRED)


async def first_settled(a: Attempt, b: Attempt) -> Attempt:
    """Whichever attempt first shows text or ends."""
    winner: list[Attempt] = []
    async with anyio.create_task_group() as tg:

        async def watch(attempt: Attempt) -> None:
            await attempt.settled.wait()
            if not winner:
                winner.append(attempt)
            tg.cancel_scope.cancel()

        tg.start_soon(watch, a)
        tg.start_soon(watch, b)
    return winner[0]
