"""Routing one user request across the primary and the fallback model.

Rules (the classification table lives in :mod:`actors.llm.errors`):

- The primary whenever its breaker allows, else the fallback. A model whose
  breaker refuses is skipped at zero cost: no request is sent to it.
- A request calls each model at most once (a trimmed retry of the same model
  aside): a call that fails in a way that may be retried elsewhere goes to the
  other model, and when that fails too the request is over; it never loops. If
  text was already shown, a :class:`Restart` event tells the presenter to clear
  it first.
- Context too long: the prompt is rebuilt with a tighter budget and the same
  model is asked again (up to :data:`MAX_TRIM`).
- Moderation and other bad requests: :class:`RequestRefused`, no retry.
- No model may be called, or every model failed: :class:`ModelsUnavailable`
  with the wait.
- Hedging: if the primary shows no first token within ``hedge_after``
  seconds, the fallback starts in parallel; the first to stream wins and the
  other is stopped. A primary that lost while still silent counts as slow
  (see :meth:`AnswerStream._abandon`).
- The user is not kept waiting in silence: after ``2 * hedge_after`` seconds
  without any text on screen (from the start, or since a :class:`Restart`), a
  :class:`Stalled` event says both models are unavailable, for the presenter
  to tell the user. With a hanging primary that is when the fallback, started
  at ``hedge_after``, has been silent as long as the primary had been. The
  request goes on: an answer that still comes is delivered.

Usage::

    async with router.answer(request) as answer:
        async for event in answer:
            ...  # TextDelta / Restart / Stalled
    answer.result
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable, Sequence
from decimal import Decimal
from types import TracebackType
from typing import Any, Self

import anyio
from anyio.abc import TaskGroup
from anyio.streams.memory import MemoryObjectReceiveStream, MemoryObjectSendStream

from actors.llm.answer import (
    Answer,
    AnswerRequest,
    CallReport,
    Event,
    ModelSlot,
    ModelsUnavailable,
    RequestRefused,
    Restart,
    Stalled,
    TextDelta,
)
from actors.llm.attempt import Attempt
from actors.llm.errors import (
    FirstTokenTimeout,
    HealthEffect,
    LLMError,
    Outcome,
    classify,
    health_effect,
    retry_after,
    retry_elsewhere,
)
from actors.llm.health import Acquire, NoModelAvailable, Release, Report
from actors.llm.schema import ChatRequest
from runtime import ActorRef

__all__ = [
    "Answer",
    "AnswerRequest",
    "AnswerStream",
    "CallReport",
    "Event",
    "ModelRouter",
    "ModelSlot",
    "ModelsUnavailable",
    "RequestRefused",
    "Restart",
    "Stalled",
    "TextDelta",
]

log = logging.getLogger("assistant.models")

MAX_TRIM = 3
HEALTH_TIMEOUT = 5.0
RECORD_GRACE = 5.0
"""Seconds a call's record may wait for room at the recorder, even while the request is being cancelled."""


async def _ignore(report: CallReport) -> None:
    return None


class ModelRouter:
    """Answers requests with the primary and fallback models, guided by the health actor.

    ``on_call`` receives every call's record and may wait (backpressure): a
    record is never dropped because its recorder is busy. ``text_pause``: the
    answer's text after its first piece is passed on at most that often (seconds).
    """

    def __init__(
        self,
        primary: ModelSlot,
        fallback: ModelSlot | None,
        health: ActorRef[Any, Any],
        *,
        hedge_after: float,
        max_tokens: int | None = None,
        on_call: Callable[[CallReport], Awaitable[None]] = _ignore,
        text_pause: float = 0.0,
    ) -> None:
        self.primary = primary
        self.fallback = fallback
        self.health = health
        self.hedge_after = hedge_after
        self.max_tokens = max_tokens
        self.on_call = on_call
        self.text_pause = text_pause

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
        self._called: set[str] = set()
        self._quiet_since: float | None = None
        """Since when the user has seen no text (None: text is on screen); set on entering."""
        self._quieted = anyio.Event()
        self._closing = anyio.Event()
        self._produced = False

    async def __aenter__(self) -> Self:
        self._tg = anyio.create_task_group()
        await self._tg.__aenter__()
        self._quiet_since = anyio.current_time()
        self._tg.start_soon(self._produce)
        if self.router.hedge_after > 0:
            self._tg.start_soon(self._watch_silence)
        return self

    async def __aexit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> bool | None:
        assert self._tg is not None
        # The consumer left (finished, stopped by the user, or failed): stop every call
        # still running and record it (see _abandon), freeing its breaker permit.
        for attempt in self._attempts:
            if not attempt.reported:
                await self._abandon(attempt)
        # The silence watcher returns by itself; tasks that end cancelled leave reference cycles
        # for the garbage collector (see LiveText.paint), so cancel only what is still producing.
        self._closing.set()
        self._quieted.set()
        if not self._produced:
            self._tg.cancel_scope.cancel()
        return await self._tg.__aexit__(exc_type, exc, tb)

    def __aiter__(self) -> Self:
        return self

    async def __anext__(self) -> Event:
        # An event already queued is taken without yielding (the stream's receive yields first):
        # the end of an answer comes right after its last text, and each yield is a turn of the loop.
        try:
            item = self._receive.receive_nowait()
        except anyio.WouldBlock:
            item = await self._receive.receive()
        if item is None:
            raise StopAsyncIteration
        if isinstance(item, BaseException):
            raise item
        return item

    async def _emit(self, item: Event | BaseException | None) -> None:
        """Queue ``item`` for the consumer; yield only when the buffer is full (it never is in practice)."""
        try:
            self._send.send_nowait(item)
        except anyio.WouldBlock:
            await self._send.send(item)

    @property
    def current_model(self) -> str | None:
        """The model of the newest call (for a stopped answer's record)."""
        return self._attempts[-1].slot.model if self._attempts else None

    # -- the producer ------------------------------------------------------------------

    async def _produce(self) -> None:
        try:
            await self._route()
            await self._emit(None)
        except (ModelsUnavailable, RequestRefused) as exc:
            await self._emit(exc)
        self._produced = True

    async def _route(self) -> None:
        slots = self.router.slots_for(self.request)
        shown = False  # text of a call that failed later is on screen
        again: ModelSlot | None = None  # the model to ask again with a trimmed prompt
        while True:
            fresh = [slot for slot in slots if slot.model not in self._called]
            slot, permit = await self._first_available([again, *fresh] if again is not None else fresh)
            again = None
            if slot is None:
                raise await self._unavailable()
            attempt = self._start(slot, permit, hedge=False)
            rivals = [other for other in fresh if other.model != slot.model]
            if rivals and not slot.fallback and self.router.hedge_after > 0:
                attempt = await self._hedge(attempt, rivals[0])
            error = attempt.error if attempt.reported else await self._relay(attempt)
            shown = shown or bool(attempt.text)
            if error is None:
                return
            if classify(error) is Outcome.CONTEXT_TOO_LONG and self._trim < MAX_TRIM:
                self._trim += 1
                again = attempt.slot
                continue
            if not retry_elsewhere(error):
                raise RequestRefused(classify(error))
            if shown:
                await self._emit(Restart(f"{attempt.slot.model} failed: {classify(error).value}"))
                shown = False
                self._quiet_since = anyio.current_time()
                self._quieted.set()

    async def _first_available(self, slots: Sequence[ModelSlot]) -> tuple[ModelSlot | None, Any]:
        for slot in slots:
            permit = await self.router.health.ask(Acquire(slot.model), timeout=HEALTH_TIMEOUT)
            if permit is not None:
                return slot, permit
        return None, None

    async def _wait_hint(self) -> float:
        """Seconds until one of the request's models accepts calls again; starts a both-down incident."""
        models = tuple(slot.model for slot in self.router.slots_for(self.request))
        return float(await self.router.health.ask(NoModelAvailable(models), timeout=HEALTH_TIMEOUT))

    async def _unavailable(self) -> ModelsUnavailable:
        return ModelsUnavailable(await self._wait_hint())

    def _start(self, slot: ModelSlot, permit: Any, *, hedge: bool) -> Attempt:
        request = ChatRequest(
            slot.model,
            list(self.request.prompt(self._trim)),
            max_tokens=self.request.max_tokens or self.router.max_tokens,
            temperature=self.request.temperature,
        )
        attempt = Attempt(slot=slot, permit=permit, request=request, hedge=hedge)
        self._attempts.append(attempt)
        self._called.add(slot.model)
        assert self._tg is not None
        self._tg.start_soon(attempt.run)
        return attempt

    async def _hedge(self, primary: Attempt, other: ModelSlot) -> Attempt:
        """Give the primary ``hedge_after`` to start; then race ``other`` against it.

        Returns the attempt to relay: the first to show text, or the primary alone
        when ``other`` may not be called. When every racer failed without text it
        returns one of them, already recorded (``reported``), whose error ends the race.
        """
        with anyio.move_on_after(self.router.hedge_after):
            await primary.settled.wait()
        if primary.settled.is_set():
            return primary
        permit = await self.router.health.ask(Acquire(other.model), timeout=HEALTH_TIMEOUT)
        if permit is None:
            return primary  # nothing to race with: the primary keeps its own timeouts
        log.info("primary %s slow to answer: hedging with %s", primary.slot.model, other.model)
        backup = self._start(other, permit, hedge=True)
        racers = (primary, backup)
        winner = await first_to_speak(racers)
        for racer in racers:
            if racer is winner:
                continue
            if racer.done:
                await self._finish(racer, racer.error)  # it failed on its own: that counts
            else:
                await self._abandon(racer)
        return winner or primary

    async def _watch_silence(self) -> None:
        """Send :class:`Stalled` (once) when the user has seen no text for ``2 * hedge_after``."""
        limit = 2 * self.router.hedge_after
        while not self._closing.is_set():
            since = self._quiet_since
            if since is None:  # text on screen: nothing to do unless a Restart withdraws it
                await self._quieted.wait()
                if not self._closing.is_set():
                    self._quieted = anyio.Event()
                continue
            remaining = since + limit - anyio.current_time()
            if remaining > 0:
                with anyio.move_on_after(remaining):
                    await self._closing.wait()
                continue
            wait = await self._wait_hint()
            if self._quiet_since == since:  # still silent after asking
                await self._emit(Stalled(wait))
            return

    async def _relay(self, attempt: Attempt) -> LLMError | None:
        """Forward the attempt's text as it arrives; report its outcome; return its error.

        The first text and the end go on at once; text in between at most every
        ``text_pause`` seconds, joined into one delta (the consumer shows it at its
        own pace, and a wake-up per piece of a few characters is CPU for nothing).
        """
        sent = 0
        pause = self.router.text_pause
        while True:
            await attempt.changed.wait()
            attempt.changed = anyio.Event()
            if len(attempt.chunks) > sent:
                text = "".join(attempt.chunks[sent:])
                sent = len(attempt.chunks)
                self._quiet_since = None
                await self._emit(TextDelta(text))
                if pause > 0 and not attempt.done:
                    with anyio.move_on_after(pause):
                        await attempt.finished.wait()
            if attempt.done and sent == len(attempt.chunks):
                break
        await self._finish(attempt, attempt.error)
        return attempt.error

    async def _abandon(self, attempt: Attempt) -> None:
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
        if attempt.done:  # it ended on its own before anyone read it: record what really happened
            await self._finish(attempt, attempt.error)
            return
        attempt.cancel()
        hedge_after = self.router.hedge_after
        if attempt.first_text_at is None and 0 < hedge_after <= attempt.elapsed():
            attempt.error = FirstTokenTimeout(attempt.slot.model, f"no text within {attempt.elapsed():.1f} s (slow)")
            await self._finish(attempt, attempt.error)
        else:
            await self._finish(attempt, None, cancelled=True)

    async def _finish(self, attempt: Attempt, error: LLMError | None, *, cancelled: bool = False) -> None:
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
            if effect is HealthEffect.MISCONFIGURED:
                log.error("model %s: %s (%s): check the key and credits", attempt.slot.model, outcome.value, error)
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
        # Shielded: a call abandoned while the request is being cancelled is still recorded.
        with anyio.CancelScope(shield=True), anyio.move_on_after(RECORD_GRACE) as waiting:
            await self.router.on_call(report)
        if waiting.cancelled_caught:
            log.error("the record of a call to %s was not taken within %g s", attempt.slot.model, RECORD_GRACE)


async def first_settled(attempts: Sequence[Attempt]) -> Attempt:
    """Whichever of ``attempts`` first shows text or ends."""
    winner: list[Attempt] = []
    async with anyio.create_task_group() as tg:

        async def watch(attempt: Attempt) -> None:
            await attempt.settled.wait()
            if not winner:
                winner.append(attempt)
            tg.cancel_scope.cancel()

        for attempt in attempts:
            tg.start_soon(watch, attempt)
    return winner[0]


async def first_to_speak(attempts: Sequence[Attempt]) -> Attempt | None:
    """The first of ``attempts`` to show text; ``None`` once every one ended without any (failed)."""
    pending = list(attempts)
    while pending:
        settled = await first_settled(pending)
        if settled.first_text_at is not None:
            return settled
        pending.remove(settled)
    return None
