"""A fake OpenRouter on 127.0.0.1 speaking the real HTTP protocol (aiohttp, asyncio only).

``POST /api/v1/chat/completions`` answers streaming (SSE) and non-streaming
requests with OpenRouter's shapes: ``chat.completion.chunk`` objects, the
``: OPENROUTER PROCESSING`` keep-alive comments, a final chunk with
``finish_reason`` and ``usage`` (cost included), ``data: [DONE]``, the
``X-Generation-Id`` header, and error JSON ``{"error": {"code", "message",
"metadata"}}``. It requires ``Authorization: Bearer <api_key>``.

Usage::

    async with FakeOpenRouter(api_key="test-key") as fake:
        client = LLMClient(ModelEndpoint(fake.base_url, "test-key"))
        await fake.fail("m", 503, times=1)

The control methods also answer over HTTP under ``/_control/...`` (see
:mod:`tests.fakes.openrouter.remote`).
"""

from __future__ import annotations

import asyncio
import itertools
import json
import time
from typing import Any, Self

import anyio
from aiohttp import web

from tests.fakes.openrouter.behaviour import (
    Answer,
    Behaviour,
    CallTiming,
    Plan,
    RecordedCall,
    Rule,
    split_tokens,
    usage_for,
)
from tests.fakes.openrouter.controls import FakeControls
from tests.fakes.openrouter.errors import error_body, error_headers
from tests.fakes.openrouter.routes import control_routes

KEEPALIVE = b": OPENROUTER PROCESSING\n\n"


class FakeOpenRouter(FakeControls):
    """The fake server and its controls. ``keepalive_interval``: seconds between keep-alives in long pauses."""

    def __init__(
        self,
        api_key: str = "test-key",
        *,
        host: str = "127.0.0.1",
        port: int = 0,
        seed: int = 0,
        piece_chars: int = 4,
        keepalive_interval: float = 0.05,
    ) -> None:
        self.api_key = api_key
        self.host = host
        self.port = port
        self.piece_chars = piece_chars
        self.keepalive_interval = keepalive_interval
        self.behaviour = Behaviour(seed)
        self._calls: list[RecordedCall] = []
        self._changed = anyio.Event()
        self._generations = itertools.count(1)
        self._runner: web.AppRunner | None = None

    @property
    def base_url(self) -> str:
        return f"http://{self.host}:{self.port}/api/v1"

    @property
    def url(self) -> str:
        return f"http://{self.host}:{self.port}"

    def app(self) -> web.Application:
        app = web.Application()
        app.router.add_post("/api/v1/chat/completions", self._chat)
        app.router.add_routes(control_routes(self))
        return app

    async def start(self) -> None:
        # handler_cancellation: a client that goes away cancels its handler, as on a real server.
        self._runner = web.AppRunner(self.app(), handler_cancellation=True, access_log=None, shutdown_timeout=0.5)
        await self._runner.setup()
        site = web.TCPSite(self._runner, self.host, self.port)
        await site.start()
        server = site._server
        assert server is not None and hasattr(server, "sockets")  # asyncio's or uvloop's Server
        self.port = server.sockets[0].getsockname()[1]

    async def stop(self) -> None:
        if self._runner is not None:
            await self._runner.cleanup()
            self._runner = None

    async def __aenter__(self) -> Self:
        await self.start()
        return self

    async def __aexit__(self, *exc_info: object) -> None:
        await self.stop()

    # -- controls ------------------------------------------------------------

    async def add_rule(self, rule: Rule) -> None:
        self.behaviour.add(rule)

    async def script(self, model: str | None, answer: Answer) -> None:
        self.behaviour.scripts[model] = answer

    async def context_too_long(self, model: str | None, max_prompt_chars: int) -> None:
        self.behaviour.context_limits[model] = max_prompt_chars

    async def clear(self, model: str | None = None) -> None:
        self.behaviour.clear(model)

    async def calls(self, model: str | None = None) -> list[RecordedCall]:
        return [call for call in self._calls if model is None or call.model == model]

    async def call_timings(self, since: int = 0) -> list[CallTiming]:
        return [CallTiming.of(call) for call in self._calls[since:]]

    async def wait_for_calls(
        self, model: str | None, count: int, timeout: float = 5.0, *, finished: bool = False
    ) -> list[RecordedCall]:
        with anyio.fail_after(timeout):
            while True:
                calls = await self.calls(model)
                if len(calls) >= count and (not finished or all(c.finished for c in calls[:count])):
                    return calls[:count]
                await self._changed.wait()

    def _notify(self) -> None:
        self._changed.set()
        self._changed = anyio.Event()

    # -- the API -------------------------------------------------------------

    async def _chat(self, request: web.Request) -> web.StreamResponse:
        received_at = time.monotonic()
        try:
            body = await request.json()
        except ValueError:
            body = None
        call = self._record(request, body)
        call.received_at = received_at
        try:
            return await self._answer(request, call)
        except asyncio.CancelledError:
            call.client_disconnected = True
            if call.outcome == "streaming":
                call.outcome = "disconnected"
            raise
        finally:
            call.finished = True
            self._notify()

    def _record(self, request: web.Request, body: Any) -> RecordedCall:
        body = body if isinstance(body, dict) else {}
        headers = dict(request.headers)
        for name in list(headers):
            if name.lower() == "authorization":
                headers[name] = "Bearer ***"
        messages = body.get("messages")
        call = RecordedCall(
            index=len(self._calls),
            model=str(body.get("model", "")),
            messages=[m for m in messages if isinstance(m, dict)] if isinstance(messages, list) else [],
            max_tokens=body.get("max_tokens"),
            temperature=body.get("temperature"),
            stream=bool(body.get("stream", False)),
            body=body,
            headers=headers,
            at=time.time(),
        )
        if request.headers.get("Authorization") == f"Bearer {self.api_key}":
            if not call.model or not call.messages:
                call.outcome = "invalid"
        else:
            call.outcome = "unauthorized"
        self._calls.append(call)
        self._notify()
        return call

    async def _answer(self, request: web.Request, call: RecordedCall) -> web.StreamResponse:
        if call.outcome == "unauthorized":
            return self._error(call, 401, message="No auth credentials found")
        if call.outcome == "invalid":
            return self._error(call, 400, message="Input required: model and messages")
        call.generation_id = f"gen-{next(self._generations)}-fake"
        plan = self.behaviour.plan(call)
        if plan.context_limit is not None and call.prompt_chars > plan.context_limit:
            call.outcome = "context_too_long"
            message = (
                f"This endpoint's maximum context length is {plan.context_limit // 4} tokens. However, you "
                f"requested about {call.prompt_chars // 4} tokens. Please reduce the length of the messages."
            )
            return self._error(call, 400, message=message)
        fault = plan.fault
        if fault is not None and fault.kind == "fail":
            return self._error(call, **fault.params)
        if fault is not None and fault.kind == "hang":
            call.outcome = "hang"
            await anyio.sleep_forever()
        if not call.stream:
            return await self._whole(call, plan)
        return await self._stream(request, call, plan)

    def _error(self, call: RecordedCall, status: int, **params: Any) -> web.Response:
        if call.outcome == "pending":
            call.outcome = f"fail:{status}"
        http_status = params.get("http_status") or status
        return web.json_response(
            error_body(call.model, status, params.get("message"), params.get("code")),
            status=http_status,
            headers=error_headers(status, params.get("retry_after"), params.get("rate_limit_reset_ms")),
        )

    async def _whole(self, call: RecordedCall, plan: Plan) -> web.Response:
        await anyio.sleep(plan.first_token_delay)
        text = "" if plan.fault_kind == "empty" else plan.text
        call.usage = usage_for(call, text)
        call.outcome = plan.fault_kind or "ok"
        if plan.fault_kind == "malformed":
            return web.Response(text='{"id": "' + str(call.generation_id), content_type="application/json")
        body = {
            "id": call.generation_id,
            "object": "chat.completion",
            "created": int(time.time()),
            "model": call.model,
            "choices": [{"index": 0, "message": {"role": "assistant", "content": text}, "finish_reason": "stop"}],
            "usage": call.usage,
        }
        response = web.json_response(body, headers={"X-Generation-Id": str(call.generation_id)})
        call.first_token_at = call.last_chunk_at = time.monotonic()
        return response

    def _chunk(self, call: RecordedCall, delta: dict[str, Any], finish: str | None = None, **extra: Any) -> bytes:
        chunk = {
            "id": call.generation_id,
            "object": "chat.completion.chunk",
            "created": int(time.time()),
            "model": call.model,
            "provider": "Fake",
            "choices": [{"index": 0, "delta": delta, "finish_reason": finish}],
            **extra,
        }
        return b"data: " + json.dumps(chunk).encode() + b"\n\n"

    async def _stream(self, request: web.Request, call: RecordedCall, plan: Plan) -> web.StreamResponse:
        response = web.StreamResponse(
            headers={
                "Content-Type": "text/event-stream",
                "Cache-Control": "no-cache",
                "X-Generation-Id": str(call.generation_id),
            }
        )
        await response.prepare(request)
        call.outcome = "streaming"
        await response.write(KEEPALIVE)
        await self._pause(response, plan.first_token_delay)
        fault = plan.fault
        text = "" if plan.fault_kind == "empty" else plan.text
        sent = 0
        role: dict[str, str] = {"role": "assistant"}
        if not text:
            await response.write(self._chunk(call, {**role, "content": ""}))
        for index, piece in enumerate(split_tokens(text, self.piece_chars)):
            if fault is not None and sent >= int(fault.params.get("after_chars", 0)):
                return await self._stream_fault(request, response, call, fault)
            if index and plan.tokens_per_second:
                await self._pause(response, 1.0 / plan.tokens_per_second)
            await response.write(self._chunk(call, {**(role if index == 0 else {}), "content": piece}))
            if index == 0:
                call.first_token_at = time.monotonic()
            sent += len(piece)
        if fault is not None and fault.kind != "empty":
            return await self._stream_fault(request, response, call, fault)
        call.usage = usage_for(call, text)
        await response.write(self._chunk(call, {}, "stop", usage=call.usage))
        await response.write(b"data: [DONE]\n\n")
        await response.write_eof()
        call.last_chunk_at = time.monotonic()
        call.outcome = plan.fault_kind or "ok"
        return response

    async def _stream_fault(
        self, request: web.Request, response: web.StreamResponse, call: RecordedCall, fault: Rule
    ) -> web.StreamResponse:
        call.outcome = fault.kind
        if fault.kind == "malformed":
            await response.write(b'data: {"id": "' + str(call.generation_id).encode() + b'", "choices": [\n\n')
            await response.write(b"data: [DONE]\n\n")
            await response.write_eof()
        elif fault.kind == "error_chunk":
            error = {"code": fault.params["code"], "message": fault.params["message"]}
            await response.write(self._chunk(call, {"content": ""}, "error", error=error))
            await response.write_eof()
        else:  # break_stream: drop the connection mid-body (no final chunk, no [DONE], no end of chunking)
            assert request.transport is not None
            request.transport.close()
        return response

    async def _pause(self, response: web.StreamResponse, seconds: float) -> None:
        """Wait ``seconds``, sending keep-alive comments as OpenRouter does while a model is slow."""
        deadline = anyio.current_time() + seconds
        while (remaining := deadline - anyio.current_time()) > 0:
            await anyio.sleep(min(remaining, self.keepalive_interval))
            if deadline - anyio.current_time() > 0:
                await response.write(KEEPALIVE)
