"""One call to one model, running in its own task so that two can race (hedging)."""

from __future__ import annotations

import time
import uuid
from collections.abc import Callable
from contextlib import AbstractAsyncContextManager
from typing import TYPE_CHECKING, Any, Protocol

import anyio

from actors.llm.errors import LLMError, Outcome
from actors.llm.schema import ChatRequest, CompletionResult

if TYPE_CHECKING:
    from actors.llm.router import AnswerRequest, CallReport, ModelSlot


class StreamedAnswer(Protocol):
    """One answer being streamed (:class:`actors.llm.client.Completion` is one).

    ``stream_into`` reads it to its end, handing each piece of text to the callback.
    """

    async def stream_into(self, on_text: Callable[[str], object]) -> None: ...

    @property
    def result(self) -> CompletionResult: ...


class ModelClient(Protocol):
    """What the router needs of a model's client (:class:`actors.llm.client.LLMClient` is one).

    ``stream(request)`` sends the request on ``async with``; its failures are :class:`LLMError`.
    """

    def stream(self, request: ChatRequest) -> AbstractAsyncContextManager[StreamedAnswer]: ...


class Attempt:
    """Streams one completion into ``chunks``.

    ``settled`` fires at the first text or the end, ``finished`` at the end.
    """

    def __init__(self, *, slot: ModelSlot, permit: Any, request: ChatRequest, hedge: bool) -> None:
        self.slot = slot
        self.permit = permit
        self.request = request
        self.hedge = hedge
        self.key = f"call:{uuid.uuid4().hex}"
        self.chunks: list[str] = []
        self.changed = anyio.Event()
        self.settled = anyio.Event()
        self.finished = anyio.Event()
        self.done = False
        self.reported = False
        self.error: LLMError | None = None
        self.result_model: str | None = None
        self.usage: Any = None
        self.generation_id: str | None = None
        self.started = time.monotonic()
        self.first_text_at: float | None = None
        self.ended: float | None = None
        self._scope = anyio.CancelScope()

    @property
    def text(self) -> str:
        return "".join(self.chunks)

    def cancel(self) -> None:
        self._scope.cancel()

    def elapsed(self) -> float:
        """Seconds since the call started (until it ended, if it did)."""
        return (self.ended if self.ended is not None else time.monotonic()) - self.started

    async def run(self) -> None:
        with self._scope:
            try:
                async with self.slot.client.stream(self.request) as completion:
                    await completion.stream_into(self._take)
                    if self._scope.cancel_called:
                        return  # abandoned as the answer ended: the router recorded it already
                    result = completion.result
                    self.result_model = result.model
                    self.usage = result
                    self.generation_id = result.generation_id
                    # The answer is whole: say so now, not after the client has tidied its connection up.
                    self._end()
            except LLMError as exc:
                if self.error is None:  # an abandoned call keeps the error it was recorded with
                    self.error = exc
                self.generation_id = exc.generation_id
                self.usage = exc.usage
            finally:
                self._end()

    def _end(self) -> None:
        if self.done:
            return
        self.ended = time.monotonic()
        self.done = True
        self.settled.set()
        self.changed.set()
        self.finished.set()

    def _take(self, delta: str) -> None:
        if self._scope.cancel_called:
            return  # abandoned: not one more piece of text once the router has decided
        if self.first_text_at is None:
            self.first_text_at = time.monotonic()
            self.settled.set()
        self.chunks.append(delta)
        self.changed.set()

    def report(self, outcome: Outcome, request: AnswerRequest) -> CallReport:
        from actors.llm.router import CallReport

        usage = self.usage
        ended = self.ended if self.ended is not None else time.monotonic()
        return CallReport(
            dedup_key=self.key,
            model=self.slot.model,
            outcome=outcome,
            is_fallback=self.slot.fallback,
            is_hedge=self.hedge,
            latency=ended - self.started,
            ttft=None if self.first_text_at is None else self.first_text_at - self.started,
            prompt_tokens=getattr(usage, "prompt_tokens", None),
            completion_tokens=getattr(usage, "completion_tokens", None),
            cost=getattr(usage, "cost", None),
            generation_id=self.generation_id,
            error=None if self.error is None else self.error.reason[:300],
            chat_id=request.chat_id,
            user_id=request.user_id,
            role=request.role,
        )
