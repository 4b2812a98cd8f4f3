"""A streaming client for OpenAI-compatible chat completions (OpenRouter first).

Usage::

    async with LLMClient(endpoint, app_title="assistant") as client:
        async with client.stream(ChatRequest(model, messages)) as completion:
            async for delta in completion.deltas():
                show(delta)
        result = completion.result

Every failure is a typed :class:`~actors.llm.errors.LLMError`. Three deadlines
apply, each really cancelling the HTTP request (the connection is closed):
``connect_timeout`` (httpx's connect/pool/write timeout), ``first_token_timeout``
(no text within that long of sending; keep-alive comments do not count) and
``total_timeout`` (the whole answer). Iterating :meth:`Completion.deltas`
enforces them per network read with anyio cancel scopes, so no scope ever
spans a ``yield`` to the caller; :meth:`Completion.stream_into` hands the text
to a callback instead and needs one scope for the whole stream (the cheaper
way for a caller that only collects the text, as the router's calls do).
"""

from __future__ import annotations

import json
import logging
import time
from collections import deque
from collections.abc import AsyncIterator, Callable
from types import TracebackType
from typing import Any, Self

import anyio
import httpx

from actors.llm.errors import (
    ConnectionFailed,
    ConnectTimeout,
    FirstTokenTimeout,
    LLMError,
    LLMTimeout,
    MalformedResponse,
    StreamBroken,
    TotalTimeout,
)
from actors.llm.protocol import StreamAccumulator, build_body, build_headers, error_from_response
from actors.llm.schema import ChatRequest, CompletionResult, ModelEndpoint
from actors.llm.sse import SSEParser
from actors.llm.transport import PooledTransport

logger = logging.getLogger(__name__)

MAX_ERROR_BODY = 64 * 1024
CLOSE_GRACE = 2.0  # seconds allowed to close a response even while being cancelled
DRAIN_GRACE = 1.0
"""Seconds to read what follows ``[DONE]`` (normally just the end of the body) when the caller
leaves: a response read to its end gives its connection back to the pool, one closed early
loses it, and the next call pays for a new TCP and TLS connection."""


class LLMClient:
    """Talks to one :class:`ModelEndpoint`; one instance serves many concurrent calls.

    Pass ``http`` to share an ``httpx.AsyncClient`` (the caller then closes it;
    give it a :class:`PooledTransport`); otherwise the client owns one, closed by :meth:`aclose`. ``wall_clock``
    (Unix time) only serves to read HTTP-date Retry-After headers.
    """

    def __init__(
        self,
        endpoint: ModelEndpoint,
        *,
        connect_timeout: float = 5.0,
        first_token_timeout: float = 20.0,
        total_timeout: float = 120.0,
        app_url: str | None = None,
        app_title: str | None = None,
        http: httpx.AsyncClient | None = None,
        wall_clock: Callable[[], float] = time.time,
    ) -> None:
        for name, value in (
            ("connect_timeout", connect_timeout),
            ("first_token_timeout", first_token_timeout),
            ("total_timeout", total_timeout),
        ):
            if not value > 0:
                raise ValueError(f"{name} must be > 0")
        self.endpoint = endpoint
        self.connect_timeout = connect_timeout
        self.first_token_timeout = first_token_timeout
        self.total_timeout = total_timeout
        self.app_url = app_url
        self.app_title = app_title
        self.wall_clock = wall_clock
        self._owns_http = http is None
        self._http = http if http is not None else httpx.AsyncClient(transport=PooledTransport())
        self._secrets = (endpoint.api_key.get_secret_value(),)

    def stream(self, request: ChatRequest) -> Completion:
        """A call to the model, started by ``async with``; iterate :meth:`Completion.deltas` for the text."""
        return Completion(self, request)

    async def complete(self, request: ChatRequest) -> CompletionResult:
        """Ask and wait for the whole answer (no streaming to the caller)."""
        async with self.stream(request) as completion:
            await completion.stream_into(lambda _: None)
        return completion.result

    async def aclose(self) -> None:
        if self._owns_http:
            await self._http.aclose()

    async def __aenter__(self) -> Self:
        return self

    async def __aexit__(self, *exc_info: object) -> None:
        await self.aclose()

    def __repr__(self) -> str:
        return f"LLMClient({self.endpoint.base_url!r})"


class Completion:
    """One streamed answer. ``async with`` sends the request and checks the response's status.

    Iterating :meth:`deltas` yields the text as it arrives and raises a typed
    error if the answer fails; afterwards :attr:`result` holds the answer and
    its usage. Leaving the ``async with`` early (or being cancelled) closes the
    connection, which stops generation and billing on OpenRouter.
    """

    def __init__(self, client: LLMClient, request: ChatRequest) -> None:
        self.request = request
        self._client = client
        self._accumulator = StreamAccumulator(request.model, secrets=client._secrets)
        self._parser = SSEParser()
        self._pending: deque[str] = deque()
        self._response: httpx.Response | None = None
        self._chunks: AsyncIterator[bytes] | None = None
        self._sent_at: float | None = None
        self._first_text_at: float | None = None
        self._ended_at: float | None = None
        self._error: LLMError | None = None

    @property
    def text(self) -> str:
        """The text received so far."""
        return self._accumulator.text

    @property
    def finished(self) -> bool:
        return self._ended_at is not None

    @property
    def result(self) -> CompletionResult:
        """The finished answer; ``RuntimeError`` before the stream was read to its end."""
        if self._ended_at is None or self._sent_at is None:
            raise RuntimeError("the completion is not finished: iterate deltas() to the end first")
        acc = self._accumulator
        usage = acc.usage
        return CompletionResult(
            text=acc.text,
            model=acc.served_model or self.request.model,
            generation_id=acc.generation_id,
            prompt_tokens=usage.prompt_tokens if usage else None,
            completion_tokens=usage.completion_tokens if usage else None,
            cost=usage.cost if usage else None,
            finish_reason=acc.finish_reason,
            ttft_seconds=None if self._first_text_at is None else self._first_text_at - self._sent_at,
            latency_seconds=self._ended_at - self._sent_at,
        )

    def deltas(self) -> AsyncIterator[str]:
        """The answer's text pieces as they arrive (never empty strings)."""
        return self

    async def stream_into(self, on_text: Callable[[str], object]) -> None:
        """Read the whole answer, handing each text piece to ``on_text`` as it arrives.

        The same pieces, result and errors as iterating :meth:`deltas`, at less
        cost per piece: the deadlines are one cancel scope around the whole
        stream (moved on at the first text) instead of one per network read.
        ``on_text`` must not block; it runs inside that scope.
        """
        if self._chunks is None and self._ended_at is None and self._error is None:
            raise RuntimeError("enter the completion with 'async with client.stream(request)' first")
        with anyio.CancelScope(deadline=self._deadline()[0]) as scope:
            while True:
                while self._pending:
                    on_text(self._pending.popleft())
                if self._error is not None:
                    raise self._error
                if self._ended_at is not None:
                    return
                waiting = self._first_text_at is None
                await self._take(await self._receive())
                if waiting and self._first_text_at is not None:
                    scope.deadline = self._deadline()[0]
        # Only reached when the deadline cancelled the read (every other way out returns or raises).
        await self._close()
        raise self._fail(self._timeout())

    def __aiter__(self) -> Self:
        return self

    async def __anext__(self) -> str:
        while not self._pending:
            if self._error is not None:
                raise self._error
            if self._ended_at is not None:
                raise StopAsyncIteration
            await self._pump()
        return self._pending.popleft()

    async def __aenter__(self) -> Self:
        try:
            await self._open()
        except BaseException:
            await self._close()
            raise
        return self

    async def __aexit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        await self._close(drain=exc is None and self._error is None and self._ended_at is not None)
        if self._error is None and self._ended_at is None and exc is not None:
            logger.debug("llm call to %s abandoned: %s", self.request.model, type(exc).__name__)

    # -- internals ----------------------------------------------------------

    def _deadline(self) -> tuple[float, type[LLMTimeout], float]:
        """The next deadline (anyio time), the error it raises and the timeout it stands for."""
        assert self._sent_at is not None
        client = self._client
        total = self._sent_at + client.total_timeout
        if self._first_text_at is None and client.first_token_timeout < client.total_timeout:
            return self._sent_at + client.first_token_timeout, FirstTokenTimeout, client.first_token_timeout
        return total, TotalTimeout, client.total_timeout

    def _timeout(self) -> LLMError:
        _, kind, seconds = self._deadline()
        what = "no text" if kind is FirstTokenTimeout else "the answer did not finish"
        return kind(self.request.model, f"{what} within {seconds:g} s", **self._context())

    def _context(self) -> dict[str, Any]:
        acc = self._accumulator
        return {"partial_text": acc.text, "usage": acc.usage, "generation_id": acc.generation_id}

    async def _open(self) -> None:
        client = self._client
        endpoint = client.endpoint
        timeout = httpx.Timeout(
            connect=client.connect_timeout, read=None, write=client.connect_timeout, pool=client.connect_timeout
        )
        http_request = client._http.build_request(
            "POST",
            endpoint.chat_completions_url,
            json=build_body(self.request, endpoint.extra_body),
            headers=build_headers(endpoint, client.app_url, client.app_title),
            timeout=timeout,
        )
        self._sent_at = anyio.current_time()
        response: httpx.Response | None = None
        with anyio.CancelScope(deadline=self._deadline()[0]):
            response = await self._send(http_request)
        if response is None:
            raise self._fail(self._timeout())
        self._response = response
        generation_id = response.headers.get("x-generation-id")
        if generation_id:
            self._accumulator.generation_id = generation_id
        content_type = response.headers.get("content-type", "")
        if not 200 <= response.status_code < 300:
            body = await self._read_body()
            raise self._fail(self._error_from(response, body))
        if "text/event-stream" in content_type:
            self._chunks = response.aiter_bytes()
            return
        # A JSON body with status 200: an error, or a server that answered without streaming.
        body = await self._read_body()
        try:
            decoded = json.loads(body)
        except ValueError:
            malformed = MalformedResponse(self.request.model, "a 200 response that is neither SSE nor JSON")
            raise self._fail(malformed) from None
        if isinstance(decoded, dict) and "error" in decoded:
            raise self._fail(self._error_from(response, body))
        try:
            text = self._accumulator.feed_completion(body)
            self._accumulator.finish()
        except LLMError as error:
            raise self._fail(error) from None
        self._got_text(text)
        self._end()

    async def _send(self, http_request: httpx.Request) -> httpx.Response:
        model = self.request.model
        try:
            return await self._client._http.send(http_request, stream=True)
        except (httpx.ConnectTimeout, httpx.PoolTimeout) as exc:
            raise self._fail(ConnectTimeout(model, f"no connection within {self._client.connect_timeout:g} s")) from exc
        except httpx.TimeoutException as exc:
            raise self._fail(ConnectTimeout(model, "sending the request timed out")) from exc
        except httpx.ConnectError as exc:
            raise self._fail(ConnectionFailed(model, f"cannot connect: {type(exc).__name__}")) from exc
        except httpx.TransportError as exc:
            lost = ConnectionFailed(model, f"connection lost before the answer: {type(exc).__name__}")
            raise self._fail(lost) from exc

    def _error_from(self, response: httpx.Response, body: bytes) -> LLMError:
        error = error_from_response(
            self.request.model,
            response.status_code,
            response.headers,
            body,
            now=self._client.wall_clock(),
            secrets=self._client._secrets,
        )
        if error.generation_id is None:
            error.generation_id = self._accumulator.generation_id
        return error

    async def _read_body(self) -> bytes:
        """The (non-streamed) body, at most 64 KiB, within the current deadline."""
        assert self._response is not None
        body = bytearray()
        with anyio.CancelScope(deadline=self._deadline()[0]) as scope:
            try:
                async for chunk in self._response.aiter_bytes():
                    body += chunk
                    if len(body) >= MAX_ERROR_BODY:
                        break
            except httpx.TransportError as exc:
                raise self._fail(ConnectionFailed(self.request.model, "connection lost reading the response")) from exc
        if scope.cancelled_caught:
            raise self._fail(self._timeout())
        return bytes(body)

    async def _pump(self) -> None:
        """Read one network chunk within the deadline and turn it into text pieces."""
        chunk: bytes | None = None
        with anyio.CancelScope(deadline=self._deadline()[0]) as scope:
            chunk = await self._receive()
        if scope.cancelled_caught:
            await self._close()
            raise self._fail(self._timeout())
        await self._take(chunk)

    async def _receive(self) -> bytes | None:
        """The next network chunk of the stream (None at its end), without a deadline of its own."""
        if self._chunks is None:
            raise RuntimeError("enter the completion with 'async with client.stream(request)' first")
        try:
            return await self._chunks.__anext__()
        except StopAsyncIteration:
            return None
        except httpx.TransportError as exc:
            reason = f"connection lost mid-stream: {type(exc).__name__}"
            raise self._fail(StreamBroken(self.request.model, reason, **self._context())) from exc

    async def _take(self, chunk: bytes | None) -> None:
        """Turn a network chunk (None: the stream's end) into text pieces; finish the answer at its end.

        A failure is remembered, not raised: one read may bring text and then an
        error, and the callers hand out the text before they raise the error.
        """
        events = self._parser.close() if chunk is None else self._parser.feed(chunk)
        try:
            for event in events:
                self._got_text(self._accumulator.feed(event.data))
                if self._accumulator.done:
                    # The answer is whole; the rest of the body is read as the caller leaves (see _close).
                    await self._finish_stream()
                    return
            if chunk is None:
                await self._close()
                await self._finish_stream()
        except LLMError as error:
            await self._close()
            self._fail(error)

    async def _finish_stream(self) -> None:
        try:
            self._accumulator.finish()
        except LLMError as error:
            await self._close()
            raise self._fail(error) from None
        self._end()

    def _got_text(self, text: str | None) -> None:
        if text:
            if self._first_text_at is None:
                self._first_text_at = anyio.current_time()
            self._pending.append(text)

    def _end(self) -> None:
        self._ended_at = anyio.current_time()
        result = self.result
        logger.debug(
            "llm call ok: model=%s generation=%s chars=%d latency=%.3f",
            result.model,
            result.generation_id,
            len(result.text),
            result.latency_seconds,
        )

    def _fail(self, error: LLMError) -> LLMError:
        """Remember ``error`` as this call's failure (raised again on further iteration) and return it."""
        if self._error is None:
            self._error = error
            logger.debug("llm call failed: model=%s outcome=%s %s", error.model, error.outcome.value, error.reason)
        return self._error

    async def _close(self, *, drain: bool = False) -> None:
        """Close the HTTP response (dropping the connection if unfinished), even while being cancelled.

        ``drain``: first read what is left of the body, for up to ``DRAIN_GRACE``
        (ignoring it), so that the connection can serve the next call.
        """
        response, self._response = self._response, None
        chunks, self._chunks = self._chunks, None
        if response is None:
            return
        try:
            if drain and chunks is not None:
                with anyio.move_on_after(DRAIN_GRACE):
                    async for _ in chunks:
                        pass
        except httpx.HTTPError:
            pass  # the answer is whole already; the connection is dropped below
        finally:
            with anyio.CancelScope(shield=True), anyio.move_on_after(CLOSE_GRACE):
                await response.aclose()
            # httpx's streamed response and its stream refer to each other: a cycle that keeps the
            # response (and aiohttp's under it) for the cyclic garbage collector. Cut it now.
            response.stream = httpx.ByteStream(b"")
