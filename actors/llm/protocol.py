"""The OpenAI/OpenRouter chat-completions protocol as pure functions: no I/O.

Builds request bodies and headers, turns error responses (HTTP status, JSON
error bodies, Retry-After headers) into typed errors, and accumulates a
streamed answer chunk by chunk (:class:`StreamAccumulator`). Times are passed
in (``now``: Unix time in seconds) so every rule is tested without a network.
"""

from __future__ import annotations

import json
import math
import re
from collections.abc import Mapping
from decimal import Decimal, InvalidOperation
from email.utils import parsedate_to_datetime
from typing import Any

from actors.llm.errors import (
    AuthenticationFailed,
    BadRequest,
    ContextTooLong,
    EmptyCompletion,
    LLMError,
    MalformedResponse,
    ModerationBlocked,
    PaymentRequired,
    ProviderUnavailable,
    RateLimited,
    StreamBroken,
)
from actors.llm.schema import ChatRequest, ModelEndpoint, Usage

MAX_REASON_CHARS = 200

# Phrases providers use for an over-long prompt; OpenAI's code is context_length_exceeded.
_CONTEXT_TOO_LONG = re.compile(
    r"context[ _-]?(length|window)|maximum context|prompt is too long|input is too long|too many (input )?tokens"
    r"|reduce the length",
    re.IGNORECASE,
)


def build_body(request: ChatRequest, extra_body: Mapping[str, Any]) -> dict[str, Any]:
    """The JSON body of a streaming chat-completions request.

    Usage is asked for with ``stream_options.include_usage``: OpenAI needs it to
    put usage in a stream; OpenRouter accepts it (and nowadays always sends
    usage, cost included). OpenRouter's older ``usage: {"include": true}`` is
    not sent because OpenAI rejects unknown parameters; add it to
    ``extra_body`` if some server wants it.
    """
    body: dict[str, Any] = {
        "model": request.model,
        "messages": [message.to_json() for message in request.messages],
        "stream": True,
        "stream_options": {"include_usage": True},
    }
    if request.max_tokens is not None:
        body["max_tokens"] = request.max_tokens
    if request.temperature is not None:
        body["temperature"] = request.temperature
    body.update(extra_body)
    return body


def build_headers(endpoint: ModelEndpoint, app_url: str | None, app_title: str | None) -> dict[str, str]:
    """Request headers: the bearer key, the app's identity for OpenRouter, the endpoint's extras."""
    headers = {
        "Authorization": f"Bearer {endpoint.api_key.get_secret_value()}",
        "Accept": "text/event-stream",
    }
    if app_url:
        headers["HTTP-Referer"] = app_url
    if app_title:
        # OpenRouter's current name for the header, and the older one it still reads.
        headers["X-OpenRouter-Title"] = app_title
        headers["X-Title"] = app_title
    headers.update(endpoint.extra_headers)
    return headers


def scrub(text: str, secrets: tuple[str, ...]) -> str:
    """``text`` made fit for an exception message: secrets masked, one line, at most 200 characters."""
    for secret in secrets:
        if secret:
            text = text.replace(secret, "***")
    text = " ".join(text.split())
    return text if len(text) <= MAX_REASON_CHARS else text[: MAX_REASON_CHARS - 1] + "…"


def parse_retry_after(value: str | None, now: float) -> float | None:
    """Seconds to wait from a Retry-After header: delta-seconds or an HTTP date (``None``: absent or unreadable)."""
    if value is None or not value.strip():
        return None
    value = value.strip()
    try:
        seconds = float(value)
    except ValueError:
        try:
            when = parsedate_to_datetime(value)
        except (TypeError, ValueError, IndexError):
            return None
        if when.tzinfo is None:  # an HTTP date is always GMT
            return None
        return max(0.0, when.timestamp() - now)
    return max(0.0, seconds) if math.isfinite(seconds) else None


def parse_rate_limit_reset(value: str | None, now: float) -> float | None:
    """Seconds to wait from X-RateLimit-Reset, which OpenRouter gives as epoch milliseconds."""
    if value is None:
        return None
    try:
        reset_ms = float(value.strip())
    except ValueError:
        return None
    if not math.isfinite(reset_ms):
        return None
    return max(0.0, reset_ms / 1000.0 - now)


def _lower(headers: Mapping[str, str]) -> dict[str, str]:
    return {name.lower(): value for name, value in headers.items()}


def error_from_response(
    model: str,
    status: int,
    headers: Mapping[str, str],
    body: bytes,
    *,
    now: float,
    secrets: tuple[str, ...],
) -> LLMError:
    """The typed error for a non-2xx response, or a 200 whose JSON body is an error.

    The body's ``error.code`` wins over the HTTP status when it is a number (an
    error can arrive with HTTP 200); the message is taken from ``error.message``.
    """
    lowered = _lower(headers)
    generation_id = lowered.get("x-generation-id")
    error_obj: Any = None
    try:
        decoded = json.loads(body) if body else None
    except (ValueError, UnicodeDecodeError):
        decoded = None
    if isinstance(decoded, dict):
        error_obj = decoded.get("error")
        if isinstance(decoded.get("id"), str):
            generation_id = decoded["id"]
    code: int = status
    code_name: str | None = None
    message = f"HTTP {status}"
    metadata: Any = None
    if isinstance(error_obj, dict):
        raw_code = error_obj.get("code")
        if isinstance(raw_code, int) and not isinstance(raw_code, bool) and 100 <= raw_code <= 599:
            code = raw_code
        elif isinstance(raw_code, str):
            code_name = raw_code
        if isinstance(error_obj.get("message"), str):
            message = error_obj["message"]
        metadata = error_obj.get("metadata")
    elif isinstance(error_obj, str):
        message = error_obj
    if code < 400:  # a 2xx/3xx status without a usable error code: the server failed to say what went wrong
        code = 502
    retry_after = parse_retry_after(lowered.get("retry-after"), now)
    if retry_after is None and code in (429, 503):
        retry_after = parse_rate_limit_reset(lowered.get("x-ratelimit-reset"), now)
    if code == 402:
        # Only an explicit Retry-After turns "no credits" into a wait-and-retry budget limit.
        retry_after = parse_retry_after(lowered.get("retry-after"), now)
    reason = scrub(_describe(code, message, metadata), secrets)
    return error_for_code(
        model, code, reason, code_name=code_name, retry_after=retry_after, generation_id=generation_id
    )


def _describe(code: int, message: str, metadata: Any) -> str:
    text = f"{code} {message}"
    if isinstance(metadata, dict):
        reasons = metadata.get("reasons")
        if isinstance(reasons, list) and reasons:
            text += f" (flagged: {', '.join(str(r) for r in reasons[:3])})"
        provider = metadata.get("provider_name")
        if isinstance(provider, str):
            text += f" [provider {provider}]"
    return text


def error_for_code(
    model: str,
    code: int,
    reason: str,
    *,
    code_name: str | None = None,
    retry_after: float | None = None,
    generation_id: str | None = None,
    partial_text: str = "",
    usage: Usage | None = None,
) -> LLMError:
    """The error class OpenRouter's error ``code`` (an HTTP status) stands for."""
    common: dict[str, Any] = {
        "status": code,
        "generation_id": generation_id,
        "partial_text": partial_text,
        "usage": usage,
    }
    if code_name == "context_length_exceeded" or (code in (400, 413, 422) and _CONTEXT_TOO_LONG.search(reason)):
        return ContextTooLong(model, reason, **common)
    if code == 401:
        return AuthenticationFailed(model, reason, **common)
    if code == 402:
        return PaymentRequired(model, reason, retry_after=retry_after, **common)
    if code == 403:
        return ModerationBlocked(model, reason, **common)
    if code == 429:
        return RateLimited(model, reason, retry_after=retry_after, **common)
    if code == 413:
        return ContextTooLong(model, reason, **common)
    # 404 is "no endpoint serves this model": a routing failure like 503, not a bad request.
    if code in (404, 408) or code >= 500:
        return ProviderUnavailable(model, reason, retry_after=retry_after, **common)
    return BadRequest(model, reason, **common)


def _usage(raw: Any) -> Usage | None:
    if not isinstance(raw, dict):
        return None

    def count(key: str) -> int | None:
        value = raw.get(key)
        return value if isinstance(value, int) and not isinstance(value, bool) else None

    cost: Decimal | None = None
    raw_cost = raw.get("cost")
    if isinstance(raw_cost, int | float | str) and not isinstance(raw_cost, bool):
        try:
            cost = Decimal(str(raw_cost))
        except InvalidOperation:
            cost = None
    return Usage(prompt_tokens=count("prompt_tokens"), completion_tokens=count("completion_tokens"), cost=cost)


class StreamAccumulator:
    """Collects one answer from its chunks and decides how it ended.

    :meth:`feed` takes each SSE event's data and returns the new text (if any);
    it raises a typed error for an error chunk or a malformed one.
    :meth:`finish` is called when the stream ended and raises if the answer is
    incomplete or empty. Errors carry the text, usage and generation id so far.
    """

    __slots__ = ("_parts", "done", "finish_reason", "generation_id", "model", "secrets", "served_model", "usage")

    def __init__(self, model: str, *, generation_id: str | None = None, secrets: tuple[str, ...] = ()) -> None:
        self.model = model
        self.secrets = secrets
        self.generation_id = generation_id
        self.served_model: str | None = None
        self.usage: Usage | None = None
        self.finish_reason: str | None = None
        self.done = False
        self._parts: list[str] = []

    @property
    def text(self) -> str:
        return "".join(self._parts)

    @property
    def complete(self) -> bool:
        """Whether the answer has ended properly: ``[DONE]`` or a finish reason was seen."""
        return self.done or self.finish_reason is not None

    def feed(self, data: str) -> str | None:
        """Take one event's data; return its new text, ``None`` when it carries none."""
        if data.strip() == "[DONE]":
            self.done = True
            return None
        chunk = self._decode(data)
        choices = chunk.get("choices")
        if choices is None or (isinstance(choices, list) and not choices):
            if chunk.get("usage") is None and choices is None:
                raise self._malformed("a chunk without choices")
            return None  # a usage-only chunk
        if not isinstance(choices, list) or not isinstance(choices[0], dict):
            raise self._malformed("choices is not a list of objects")
        choice = choices[0]
        delta = choice.get("delta", {})
        if delta is None:
            delta = {}
        if not isinstance(delta, dict):
            raise self._malformed("delta is not an object")
        content = delta.get("content")
        if content is not None and not isinstance(content, str):
            raise self._malformed("delta.content is not a string")
        finish = choice.get("finish_reason")
        if content:
            self._parts.append(content)
        if finish == "error":
            raise StreamBroken(self.model, "the stream finished with an error", **self._context())
        if isinstance(finish, str):
            self.finish_reason = finish
        return content or None

    def feed_completion(self, data: bytes) -> str:
        """Take a whole non-streaming completion body (a server that ignored ``stream``); return its text."""
        body = self._decode(data.decode("utf-8", errors="replace"))
        choices = body.get("choices")
        if not isinstance(choices, list) or not choices or not isinstance(choices[0], dict):
            raise self._malformed("a completion without choices")
        message = choices[0].get("message")
        content = message.get("content") if isinstance(message, dict) else None
        if content is not None and not isinstance(content, str):
            raise self._malformed("message.content is not a string")
        if content:
            self._parts.append(content)
        finish = choices[0].get("finish_reason")
        self.finish_reason = finish if isinstance(finish, str) else "stop"
        self.done = True
        return content or ""

    def finish(self) -> None:
        """The stream ended: raise unless the answer is complete and has text."""
        if not self.complete:
            raise StreamBroken(self.model, "the stream ended without [DONE] or a finish reason", **self._context())
        if not self.text:
            if self.finish_reason == "content_filter":
                raise ModerationBlocked(self.model, "the answer was withheld by a content filter", **self._context())
            raise EmptyCompletion(self.model, "the model returned no text", **self._context())

    def _context(self) -> dict[str, Any]:
        return {"partial_text": self.text, "usage": self.usage, "generation_id": self.generation_id}

    def _malformed(self, what: str) -> MalformedResponse:
        return MalformedResponse(self.model, what, **self._context())

    def _decode(self, data: str) -> dict[str, Any]:
        try:
            chunk = json.loads(data)
        except ValueError:
            raise self._malformed("invalid JSON in the stream") from None
        if not isinstance(chunk, dict):
            raise self._malformed("a chunk that is not an object")
        if isinstance(chunk.get("id"), str) and chunk["id"]:
            self.generation_id = chunk["id"]
        if isinstance(chunk.get("model"), str) and chunk["model"]:
            self.served_model = chunk["model"]
        usage = _usage(chunk.get("usage"))
        if usage is not None:
            self.usage = usage
        if "error" in chunk:
            raise self._error_chunk(chunk["error"])
        return chunk

    def _error_chunk(self, error: Any) -> LLMError:
        """An error inside a 200 response. Before any text, its code decides the class; after, it broke the stream."""
        code: Any = error.get("code") if isinstance(error, dict) else None
        message = error.get("message") if isinstance(error, dict) else None
        reason = scrub(f"{code} {message if isinstance(message, str) else 'error'}", self.secrets)
        numeric = isinstance(code, int) and not isinstance(code, bool)
        if not self._parts:
            if numeric:
                return error_for_code(self.model, code, reason, **self._context())
            return error_for_code(
                self.model, 502, reason, code_name=code if isinstance(code, str) else None, **self._context()
            )
        if numeric and code == 403:  # output moderation: still never route around it
            return ModerationBlocked(self.model, reason, status=403, **self._context())
        status = code if numeric else None
        return StreamBroken(self.model, f"error mid-stream: {reason}", status=status, **self._context())
