"""The model router's decisions, with scripted in-process models and the real health actor and breakers.

No network: each model is a script of what its next calls do (answer, fail at once,
fail after some text, stay silent until an event). Timing never decides an
assertion: a model that must lose a race waits for an event the test controls.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any, Self

import anyio
import anyio.lowlevel
import pytest

from actors.llm.breaker import BreakerConfig, BreakerState
from actors.llm.errors import (
    BadRequest,
    ContextTooLong,
    FirstTokenTimeout,
    LLMError,
    ModerationBlocked,
    Outcome,
    ProviderUnavailable,
    StreamBroken,
)
from actors.llm.health import ModelHealth, ModelHealthActor, Snapshot
from actors.llm.router import (
    Answer,
    AnswerRequest,
    CallReport,
    Event,
    ModelRouter,
    ModelSlot,
    ModelsUnavailable,
    RequestRefused,
    Restart,
    Stalled,
    TextDelta,
)
from actors.llm.schema import ChatMessage, ChatRequest, CompletionResult
from actors.persistence.records import ModelEventRecord
from runtime import ActorRef, ActorSystem

pytestmark = pytest.mark.anyio

PRIMARY = "primary/model"
FALLBACK = "fallback/model"
HEDGE_AFTER = 0.5
BREAK = 60.0


@dataclass
class Step:
    """What a scripted model does with one call: wait for ``after`` (if given), stream ``text``, then raise ``error``.

    ``hang``: never answer (until the router cancels the call).
    """

    text: str = "an answer"
    error: LLMError | None = None
    after: anyio.Event | None = None
    hang: bool = False


class ScriptedModel:
    """A model client that plays :class:`Step` s, one per call (then answers normally), and records the calls."""

    def __init__(self, model: str, *steps: Step) -> None:
        self.model = model
        self.steps = list(steps)
        self.calls: list[ChatRequest] = []
        self.called = anyio.Event()
        self.failed = anyio.Event()

    def script(self, *steps: Step) -> None:
        self.steps.extend(steps)

    def stream(self, request: ChatRequest) -> ScriptedCall:
        step = self.steps.pop(0) if self.steps else Step(f"{self.model} says hi")
        return ScriptedCall(self, step, request)

    @property
    def trims(self) -> list[str]:
        """The prompt of each call, which names its trim level."""
        return [call.messages[-1].content for call in self.calls]


class ScriptedCall:
    def __init__(self, model: ScriptedModel, step: Step, request: ChatRequest) -> None:
        self.owner = model
        self.step = step
        self.request = request
        self.text = ""

    async def __aenter__(self) -> Self:
        self.owner.calls.append(self.request)
        self.owner.called.set()
        if self.step.error is not None and not self.step.text and self.step.after is None:
            self._fail()  # an HTTP error status: the call fails before any stream
        return self

    async def __aexit__(self, *exc_info: object) -> None:
        return None

    def _fail(self) -> None:
        assert self.step.error is not None
        self.owner.failed.set()
        raise self.step.error

    async def deltas(self) -> AsyncIterator[str]:
        if self.step.hang:
            await anyio.sleep_forever()
        if self.step.after is not None:
            await self.step.after.wait()
        for start in range(0, len(self.step.text), 4):
            piece = self.step.text[start : start + 4]
            self.text += piece
            yield piece
            await anyio.lowlevel.checkpoint()
        if self.step.error is not None:
            self._fail()

    async def stream_into(self, on_text: Callable[[str], object]) -> None:
        async for piece in self.deltas():
            on_text(piece)

    @property
    def result(self) -> CompletionResult:
        return CompletionResult(
            text=self.text,
            model=self.owner.model,
            generation_id="gen-1",
            prompt_tokens=10,
            completion_tokens=len(self.text) // 4,
            cost=Decimal("0.00002"),
            finish_reason="stop",
            ttft_seconds=None,
            latency_seconds=0.0,
        )


def failure(model: str, kind: type[LLMError] = ProviderUnavailable, message: str = "503") -> LLMError:
    return kind(model, message, status=503)


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


@dataclass
class Bench:
    """The router under test, its scripted models, the real health actor, and what was recorded."""

    router: ModelRouter
    primary: ScriptedModel
    fallback: ScriptedModel
    health: ActorRef[Any, Any]
    clock: Clock
    events: list[ModelEventRecord] = field(default_factory=list)
    records: list[CallReport] = field(default_factory=list)

    async def breaker(self, model: str) -> BreakerState:
        found: list[ModelHealth] = await self.health.ask(Snapshot(), timeout=5)
        return next(h.breaker.state for h in found if h.model == model)

    def transitions(self, model: str) -> list[tuple[str | None, str | None]]:
        return [(e.from_state, e.to_state) for e in self.events if e.model == model and e.event == "breaker"]


@pytest.fixture
async def bench() -> AsyncIterator[Bench]:
    clock = Clock()
    events: list[ModelEventRecord] = []
    records: list[CallReport] = []

    def sink(record: ModelEventRecord) -> bool:
        events.append(record)
        return True

    async def on_call(report: CallReport) -> None:
        records.append(report)

    primary, fallback = ScriptedModel(PRIMARY), ScriptedModel(FALLBACK)
    async with ActorSystem() as system:
        health = system.spawn(
            lambda: ModelHealthActor(BreakerConfig(break_time=BREAK, max_break_time=4 * BREAK), sink, clock=clock),
            kind="model-health",
        )
        router = ModelRouter(
            ModelSlot(PRIMARY, primary),
            ModelSlot(FALLBACK, fallback, fallback=True),
            health,
            hedge_after=HEDGE_AFTER,
            on_call=on_call,
        )
        yield Bench(router, primary, fallback, health, clock, events, records)


@dataclass
class Asked:
    events: list[Event]
    result: Answer
    error: ModelsUnavailable | RequestRefused | None

    @property
    def text(self) -> str:
        return "".join(e.text for e in self.events if isinstance(e, TextDelta))

    @property
    def outcomes(self) -> list[tuple[str, Outcome, bool]]:
        """(model, outcome, is_hedge) of every call, in the order they were recorded."""
        return [(c.model, c.outcome, c.is_hedge) for c in self.result.calls]


def request() -> AnswerRequest:
    return AnswerRequest(prompt=lambda trim: [ChatMessage("user", f"question (trim {trim})")], chat_id=7)


async def ask(bench: Bench, on_event: Callable[[Event], Awaitable[None]] | None = None) -> Asked:
    events: list[Event] = []
    error: ModelsUnavailable | RequestRefused | None = None
    async with bench.router.answer(request()) as stream:
        try:
            async for event in stream:
                events.append(event)
                if on_event is not None:
                    await on_event(event)
        except (ModelsUnavailable, RequestRefused) as exc:
            error = exc
    return Asked(events, stream.result, error)


def calls(bench: Bench) -> tuple[int, int]:
    return len(bench.primary.calls), len(bench.fallback.calls)


# -- failover ------------------------------------------------------------------------------


async def test_a_healthy_primary_answers_alone(bench: Bench) -> None:
    asked = await ask(bench)
    assert asked.text == asked.result.text == "primary/model says hi"
    assert (asked.result.model, asked.result.is_fallback) == (PRIMARY, False)
    assert calls(bench) == (1, 0)
    assert [r.dedup_key for r in bench.records] == [c.dedup_key for c in asked.result.calls], "every call recorded"


async def test_a_failing_primary_fails_over_to_the_fallback_once(bench: Bench) -> None:
    bench.primary.script(Step("", failure(PRIMARY)))
    asked = await ask(bench)
    assert asked.result.text == "fallback/model says hi" and asked.result.is_fallback
    assert asked.outcomes == [(PRIMARY, Outcome.SERVER_ERROR, False), (FALLBACK, Outcome.OK, False)]
    assert calls(bench) == (1, 1)


async def test_when_both_fail_each_is_called_once_and_the_request_is_both_down(bench: Bench) -> None:
    bench.primary.script(Step("", failure(PRIMARY)))
    bench.fallback.script(Step("", failure(FALLBACK)))
    asked = await ask(bench)
    assert isinstance(asked.error, ModelsUnavailable)
    assert asked.error.retry_after == 0, "no breaker is open yet: the wait is unknown"
    assert calls(bench) == (1, 1)
    assert [e.event for e in bench.events] == ["both_down"]


async def test_text_from_a_stream_that_breaks_is_withdrawn_before_the_fallback_answers(bench: Bench) -> None:
    bench.primary.script(Step("half an answer", StreamBroken(PRIMARY, "connection lost")))
    asked = await ask(bench)
    restart = next(i for i, e in enumerate(asked.events) if isinstance(e, Restart))
    shown_before = "".join(e.text for e in asked.events[:restart] if isinstance(e, TextDelta))
    shown_after = "".join(e.text for e in asked.events[restart:] if isinstance(e, TextDelta))
    assert (shown_before, shown_after) == ("half an answer", "fallback/model says hi")
    assert calls(bench) == (1, 1)


async def test_a_too_long_prompt_is_trimmed_and_the_same_model_asked_again(bench: Bench) -> None:
    bench.primary.script(Step("", ContextTooLong(PRIMARY, "maximum context length", status=400)))
    asked = await ask(bench)
    assert bench.primary.trims == ["question (trim 0)", "question (trim 1)"]
    assert calls(bench) == (2, 0)
    assert asked.result.model == PRIMARY
    assert await bench.breaker(PRIMARY) is BreakerState.CLOSED


@pytest.mark.parametrize(
    ("error", "outcome"),
    [
        (BadRequest(PRIMARY, "invalid", status=400), Outcome.BAD_REQUEST),
        (ModerationBlocked(PRIMARY, "flagged"), Outcome.MODERATED),
    ],
)
async def test_a_refused_request_gets_no_failover_and_does_not_count_against_the_model(
    bench: Bench, error: LLMError, outcome: Outcome
) -> None:
    bench.primary.script(Step("", error))
    asked = await ask(bench)
    assert isinstance(asked.error, RequestRefused) and asked.error.outcome is outcome
    assert calls(bench) == (1, 0)
    for _ in range(3):
        bench.primary.script(Step("", error))
        await ask(bench)
    assert await bench.breaker(PRIMARY) is BreakerState.CLOSED


# -- breakers ------------------------------------------------------------------------------


async def test_an_open_breaker_costs_no_call(bench: Bench) -> None:
    bench.primary.script(*(Step("", failure(PRIMARY)) for _ in range(3)))
    for _ in range(3):
        await ask(bench)
    assert await bench.breaker(PRIMARY) is BreakerState.OPEN
    asked = await ask(bench)
    assert calls(bench) == (3, 4), "nothing is sent to a model whose breaker is open"
    assert asked.outcomes == [(FALLBACK, Outcome.OK, False)]


async def test_with_both_breakers_open_nothing_is_called_and_the_wait_is_the_break(bench: Bench) -> None:
    bench.primary.script(*(Step("", failure(PRIMARY)) for _ in range(3)))
    bench.fallback.script(*(Step("", failure(FALLBACK)) for _ in range(3)))
    for _ in range(3):
        assert isinstance((await ask(bench)).error, ModelsUnavailable)
    bench.clock.now += 10
    asked = await ask(bench)
    assert isinstance(asked.error, ModelsUnavailable)
    assert asked.error.retry_after == pytest.approx(BREAK - 10)
    assert calls(bench) == (3, 3)
    assert asked.result.calls == []


# -- hedging -------------------------------------------------------------------------------


async def test_hedge_the_fallback_speaks_first_and_the_silent_primary_counts_as_slow(bench: Bench) -> None:
    bench.primary.script(Step(hang=True))
    asked = await ask(bench)
    assert (asked.result.model, asked.result.is_hedge) == (FALLBACK, True)
    assert asked.outcomes == [(PRIMARY, Outcome.TIMEOUT, False), (FALLBACK, Outcome.OK, True)]
    assert calls(bench) == (1, 1)


async def test_hedge_the_primary_speaks_first_and_the_late_fallback_is_only_cancelled(bench: Bench) -> None:
    bench.primary.script(Step("primary after all", after=bench.fallback.called))
    bench.fallback.script(Step(hang=True))
    asked = await ask(bench)
    assert asked.text == "primary after all"
    assert sorted(asked.outcomes) == [(FALLBACK, Outcome.CANCELLED, True), (PRIMARY, Outcome.OK, False)]
    assert await bench.breaker(FALLBACK) is BreakerState.CLOSED


async def test_hedge_the_fallback_fails_quickly_and_the_primary_still_answers(bench: Bench) -> None:
    bench.primary.script(Step("primary after all", after=bench.fallback.failed))
    bench.fallback.script(Step("", failure(FALLBACK)))
    asked = await ask(bench)
    assert asked.text == "primary after all"
    assert asked.outcomes == [(FALLBACK, Outcome.SERVER_ERROR, True), (PRIMARY, Outcome.OK, False)]
    assert calls(bench) == (1, 1)


async def test_hedge_the_primary_fails_after_the_fallback_started_and_is_not_asked_again(bench: Bench) -> None:
    bench.primary.script(Step("", failure(PRIMARY), after=bench.fallback.called))
    bench.fallback.script(Step("", failure(FALLBACK), after=bench.primary.failed))
    asked = await ask(bench)
    assert isinstance(asked.error, ModelsUnavailable)
    assert calls(bench) == (1, 1), "a request calls each model at most once"
    assert sorted(asked.outcomes) == [(FALLBACK, Outcome.SERVER_ERROR, True), (PRIMARY, Outcome.SERVER_ERROR, False)]


async def test_three_lost_hedges_open_the_primary_then_the_fallback_answers_without_one(bench: Bench) -> None:
    bench.primary.script(*(Step(hang=True) for _ in range(3)))
    for _ in range(3):
        assert (await ask(bench)).result.is_hedge
    assert await bench.breaker(PRIMARY) is BreakerState.OPEN
    asked = await ask(bench)
    assert asked.outcomes == [(FALLBACK, Outcome.OK, False)], "straight to the fallback, no hedge delay"
    assert calls(bench) == (3, 4)


async def test_a_silent_probe_that_loses_the_hedge_reopens_the_breaker(bench: Bench) -> None:
    bench.primary.script(*(Step(hang=True) for _ in range(4)))
    for _ in range(3):
        await ask(bench)
    bench.clock.now += BREAK + 1  # the break is over: the next call is the probe
    asked = await ask(bench)
    assert asked.outcomes[0] == (PRIMARY, Outcome.TIMEOUT, False)
    assert bench.transitions(PRIMARY) == [("closed", "open"), ("open", "half_open"), ("half_open", "open")]
    await ask(bench)
    assert calls(bench) == (4, 5), "re-opened: no call until the next (longer) break is over"


async def test_a_user_who_stops_before_the_hedge_only_frees_the_call(bench: Bench) -> None:
    bench.primary.script(Step(hang=True))
    async with bench.router.answer(request()) as stream:
        await bench.primary.called.wait()
    assert [(c.model, c.outcome) for c in stream.result.calls] == [(PRIMARY, Outcome.CANCELLED)]
    assert bench.records[-1].outcome is Outcome.CANCELLED


# -- both silent ---------------------------------------------------------------------------


async def test_when_both_are_silent_the_user_is_told_and_a_late_answer_still_arrives(bench: Bench) -> None:
    told = anyio.Event()
    bench.primary.script(Step(hang=True))
    bench.fallback.script(Step("late but here", after=told))

    async def on_event(event: Event) -> None:
        if isinstance(event, Stalled):
            told.set()

    asked = await ask(bench, on_event)
    assert isinstance(asked.events[0], Stalled) and asked.events[0].retry_after == 0
    assert sum(isinstance(e, Stalled) for e in asked.events) == 1
    assert asked.text == "late but here" and asked.result.is_hedge
    assert [e.event for e in bench.events if e.model == "*"] == ["both_down", "both_down_end"]


async def test_when_both_hang_until_their_timeouts_the_request_is_both_down_once_told(bench: Bench) -> None:
    told = anyio.Event()
    bench.primary.script(Step("", FirstTokenTimeout(PRIMARY, "no text within 20 s"), after=told))
    bench.fallback.script(Step("", FirstTokenTimeout(FALLBACK, "no text within 20 s"), after=told))

    async def on_event(event: Event) -> None:
        if isinstance(event, Stalled):
            told.set()

    asked = await ask(bench, on_event)
    assert [type(e) for e in asked.events] == [Stalled]
    assert isinstance(asked.error, ModelsUnavailable)
    assert sorted(asked.outcomes) == [(FALLBACK, Outcome.TIMEOUT, True), (PRIMARY, Outcome.TIMEOUT, False)]
    assert calls(bench) == (1, 1)


async def test_text_after_the_first_piece_is_passed_on_joined_and_the_end_at_once(bench: Bench) -> None:
    paused = ModelRouter(
        ModelSlot(PRIMARY, bench.primary),
        ModelSlot(FALLBACK, bench.fallback, fallback=True),
        bench.health,
        hedge_after=HEDGE_AFTER,
        text_pause=60.0,
    )
    answer = "forty characters of an answer, in pieces"
    bench.primary.script(Step(answer))  # ten pieces of four characters
    with anyio.fail_after(5):  # the end does not wait for the pause
        asked = await ask(Bench(paused, bench.primary, bench.fallback, bench.health, bench.clock))
    deltas = [e for e in asked.events if isinstance(e, TextDelta)]
    assert asked.text == answer and asked.result.complete
    assert 1 <= len(deltas) <= 2, "the first text at once, the rest joined at the end"
