"""The one control interface of the fake, in-process or in another process.

:class:`FakeControls` defines every control method once; the in-process
server (:class:`~tests.fakes.openrouter.server.FakeOpenRouter`) applies them
directly and :class:`~tests.fakes.openrouter.remote.RemoteFakeOpenRouter`
sends them over HTTP to ``/_control/...``.

Every behaviour takes ``times`` (the next N calls), ``probability`` (each call,
seeded RNG) or neither (until cleared); ``model=None`` means every model.
"""

from __future__ import annotations

import abc
from typing import Any

from tests.fakes.openrouter.behaviour import Answer, CallTiming, RecordedCall, Rule


class FakeControls(abc.ABC):
    """Steer the fake OpenRouter and inspect the calls it received."""

    @abc.abstractmethod
    async def add_rule(self, rule: Rule) -> None:
        """Apply a behaviour rule (the methods below build them)."""

    @abc.abstractmethod
    async def script(self, model: str | None, answer: Answer) -> None:
        """Answer ``model`` with this text, or with ``answer(call)`` (a callable: in-process only)."""

    @abc.abstractmethod
    async def context_too_long(self, model: str | None, max_prompt_chars: int) -> None:
        """Refuse prompts longer than ``max_prompt_chars`` characters with OpenRouter's 400 context-length error."""

    @abc.abstractmethod
    async def clear(self, model: str | None = None) -> None:
        """Drop the behaviours, scripts and limits of ``model`` (``None``: all)."""

    @abc.abstractmethod
    async def calls(self, model: str | None = None) -> list[RecordedCall]:
        """The calls received so far (of ``model``, or all), oldest first."""

    @abc.abstractmethod
    async def wait_for_calls(
        self, model: str | None, count: int, timeout: float = 5.0, *, finished: bool = False
    ) -> list[RecordedCall]:
        """Wait until ``count`` calls of ``model`` arrived (``finished``: and the fake is done with them).

        Returns those calls; raises ``TimeoutError`` after ``timeout`` seconds.
        """

    async def call_timings(self, since: int = 0) -> list[CallTiming]:
        """Every call from index ``since`` on, with its times but without its body (cheap for many calls)."""
        return [CallTiming.of(call) for call in (await self.calls())[since:]]

    async def _rule(
        self, model: str | None, kind: str, times: int | None, probability: float | None, **params: Any
    ) -> None:
        await self.add_rule(Rule(model, kind, params, times, probability))

    async def fail(
        self,
        model: str | None,
        status: int = 500,
        *,
        retry_after: float | str | None = None,
        message: str | None = None,
        code: int | str | None = None,
        http_status: int | None = None,
        rate_limit_reset_ms: int | None = None,
        times: int | None = None,
        probability: float | None = None,
    ) -> None:
        """Answer with an OpenRouter error JSON ``{"error": {"code", "message", "metadata"}}``.

        ``http_status`` overrides the HTTP status (200: the error arrives in a
        successful response's body); ``code`` overrides ``error.code``;
        ``retry_after`` (seconds or an HTTP date) sets Retry-After; 429s also
        carry X-RateLimit-Limit/-Remaining/-Reset (reset in epoch ms).
        """
        await self._rule(
            model,
            "fail",
            times,
            probability,
            status=status,
            retry_after=retry_after,
            message=message,
            code=code,
            http_status=http_status,
            rate_limit_reset_ms=rate_limit_reset_ms,
        )

    async def hang(self, model: str | None, *, times: int | None = None, probability: float | None = None) -> None:
        """Accept the request and never answer, until the client gives up."""
        await self._rule(model, "hang", times, probability)

    async def malformed(
        self, model: str | None, after_chars: int = 0, *, times: int | None = None, probability: float | None = None
    ) -> None:
        """Send an invalid JSON chunk after ``after_chars`` characters of the answer."""
        await self._rule(model, "malformed", times, probability, after_chars=after_chars)

    async def break_stream(
        self, model: str | None, after_chars: int = 0, *, times: int | None = None, probability: float | None = None
    ) -> None:
        """Close the connection after ``after_chars`` characters, without finish reason or ``[DONE]``."""
        await self._rule(model, "break_stream", times, probability, after_chars=after_chars)

    async def error_chunk(
        self,
        model: str | None,
        after_chars: int = 0,
        *,
        code: int | str = 502,
        message: str = "Provider returned error",
        times: int | None = None,
        probability: float | None = None,
    ) -> None:
        """Send an SSE chunk with an ``error`` object and ``finish_reason: "error"`` after ``after_chars``."""
        await self._rule(model, "error_chunk", times, probability, after_chars=after_chars, code=code, message=message)

    async def empty(self, model: str | None, *, times: int | None = None, probability: float | None = None) -> None:
        """Finish normally with no text at all (usage still reported: OpenRouter bills it)."""
        await self._rule(model, "empty", times, probability)

    async def first_token_delay(
        self, model: str | None, seconds: float, *, times: int | None = None, probability: float | None = None
    ) -> None:
        """Wait ``seconds`` before the first token, sending ``: OPENROUTER PROCESSING`` keep-alives meanwhile."""
        await self._rule(model, "first_token_delay", times, probability, seconds=seconds)

    async def tokens_per_second(
        self, model: str | None, rate: float, *, times: int | None = None, probability: float | None = None
    ) -> None:
        """Stream at ``rate`` tokens (pieces of a few characters) a second, with keep-alives in long gaps."""
        await self._rule(model, "tokens_per_second", times, probability, rate=rate)
