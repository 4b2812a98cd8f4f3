"""The protocol rules without a network: bodies, headers, error mapping, Retry-After, stream endings."""

from __future__ import annotations

import json
from decimal import Decimal
from email.utils import formatdate
from typing import Any

import pytest

from actors.llm import errors as e
from actors.llm.protocol import (
    StreamAccumulator,
    build_body,
    build_headers,
    error_from_response,
    parse_rate_limit_reset,
    parse_retry_after,
    scrub,
)
from actors.llm.schema import ChatMessage, ChatRequest, ModelEndpoint

NOW = 1_800_000_000.0
KEY = "sk-or-v1-secret-key-0123456789"
M = "vendor/model"


def error_json(code: Any, message: str = "boom", **extra: Any) -> bytes:
    return json.dumps({"error": {"code": code, "message": message, **extra}}).encode()


def from_response(status: int, body: bytes, headers: dict[str, str] | None = None) -> e.LLMError:
    return error_from_response(M, status, headers or {}, body, now=NOW, secrets=(KEY,))


# -- request ---------------------------------------------------------------


def test_the_body_streams_asks_for_usage_and_omits_unset_limits() -> None:
    request = ChatRequest(M, [ChatMessage("system", "be brief"), ChatMessage("user", "hi", name="ann")])
    body = build_body(request, {})
    assert body == {
        "model": M,
        "messages": [{"role": "system", "content": "be brief"}, {"role": "user", "content": "hi", "name": "ann"}],
        "stream": True,
        "stream_options": {"include_usage": True},
    }
    limited = build_body(ChatRequest(M, [], max_tokens=50, temperature=0.2), {"provider": {"sort": "price"}})
    assert (limited["max_tokens"], limited["temperature"], limited["provider"]) == (50, 0.2, {"sort": "price"})


def test_headers_carry_the_key_and_both_app_title_headers() -> None:
    endpoint = ModelEndpoint("https://openrouter.ai/api/v1/", KEY, extra_headers={"X-Extra": "1"})
    headers = build_headers(endpoint, "https://example.org", "Assistant")
    assert headers["Authorization"] == f"Bearer {KEY}"
    assert headers["HTTP-Referer"] == "https://example.org"
    assert headers["X-OpenRouter-Title"] == headers["X-Title"] == "Assistant"
    assert headers["X-Extra"] == "1"
    assert endpoint.chat_completions_url == "https://openrouter.ai/api/v1/chat/completions"
    assert KEY not in repr(endpoint)


# -- Retry-After -------------------------------------------------------------


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("7", 7.0),
        (" 2.5 ", 2.5),
        ("-3", 0.0),
        (formatdate(NOW + 42, usegmt=True), 42.0),
        (formatdate(NOW - 42, usegmt=True), 0.0),
        ("soon", None),
        ("", None),
        (None, None),
        ("nan", None),
    ],
)
def test_retry_after_reads_seconds_and_http_dates(value: str | None, expected: float | None) -> None:
    assert parse_retry_after(value, NOW) == expected


def test_rate_limit_reset_is_epoch_milliseconds() -> None:
    assert parse_rate_limit_reset(str(int((NOW + 12.5) * 1000)), NOW) == pytest.approx(12.5)
    assert parse_rate_limit_reset(str(int((NOW - 5) * 1000)), NOW) == 0.0
    assert parse_rate_limit_reset("tomorrow", NOW) is None


# -- error responses -----------------------------------------------------------


@pytest.mark.parametrize(
    ("status", "message", "expected"),
    [
        (400, "Invalid model", e.BadRequest),
        (400, "This endpoint's maximum context length is 8192 tokens", e.ContextTooLong),
        (400, "prompt is too long: 210000 tokens > 200000 maximum", e.ContextTooLong),
        (413, "Payload too large", e.ContextTooLong),
        (401, "User not found.", e.AuthenticationFailed),
        (402, "Insufficient credits", e.PaymentRequired),
        (403, "Your input was flagged", e.ModerationBlocked),
        (404, "No endpoints found", e.ProviderUnavailable),
        (408, "Request timed out", e.ProviderUnavailable),
        (422, "Unprocessable", e.BadRequest),
        (429, "Rate limit exceeded", e.RateLimited),
        (500, "Internal", e.ProviderUnavailable),
        (502, "Provider returned error", e.ProviderUnavailable),
        (503, "No providers", e.ProviderUnavailable),
        (529, "Overloaded", e.ProviderUnavailable),
    ],
)
def test_each_http_status_maps_to_its_error(status: int, message: str, expected: type[e.LLMError]) -> None:
    error = from_response(status, error_json(status, message))
    assert type(error) is expected
    assert error.status == status
    assert message in error.reason


def test_an_error_body_with_http_200_is_judged_by_its_code() -> None:
    assert type(from_response(200, error_json(429))) is e.RateLimited
    assert type(from_response(200, error_json(403))) is e.ModerationBlocked
    # A code that is not an HTTP status still fails the call, as the provider's failure.
    assert type(from_response(200, error_json("server_error"))) is e.ProviderUnavailable
    assert type(from_response(200, error_json("context_length_exceeded", "too big"))) is e.ContextTooLong


def test_a_non_json_error_body_still_gives_the_status_class() -> None:
    error = from_response(502, b"<html>Bad gateway</html>")
    assert type(error) is e.ProviderUnavailable
    assert "502" in str(error)


def test_retry_after_and_rate_limit_reset_headers_reach_the_error() -> None:
    limited = from_response(429, error_json(429), {"Retry-After": "3"})
    assert isinstance(limited, e.RateLimited) and limited.retry_after == 3.0
    reset = from_response(429, error_json(429), {"X-RateLimit-Reset": str(int((NOW + 9) * 1000))})
    assert isinstance(reset, e.RateLimited) and reset.retry_after == pytest.approx(9.0)
    unavailable = from_response(503, error_json(503), {"retry-after": "4"})
    assert isinstance(unavailable, e.ProviderUnavailable) and unavailable.retry_after == 4.0


def test_402_is_temporary_only_with_retry_after() -> None:
    budget = from_response(402, error_json(402), {"Retry-After": "10"})
    assert isinstance(budget, e.PaymentRequired) and budget.retry_after == 10.0
    assert e.health_effect(budget) is e.HealthEffect.RATE_LIMITED
    # X-RateLimit-Reset alone must not turn "no credits" into "wait a bit".
    broke = from_response(402, error_json(402), {"X-RateLimit-Reset": str(int((NOW + 9) * 1000))})
    assert isinstance(broke, e.PaymentRequired) and broke.retry_after is None
    assert e.health_effect(broke) is e.HealthEffect.MISCONFIGURED


def test_moderation_reasons_and_the_generation_id_are_kept() -> None:
    body = error_json(403, "flagged", metadata={"reasons": ["violence"], "provider_name": "Acme"})
    error = from_response(403, body, {"X-Generation-Id": "gen-9"})
    assert "violence" in error.reason and "Acme" in error.reason
    assert error.generation_id == "gen-9"


def test_the_key_never_reaches_the_message_even_if_the_server_echoes_it() -> None:
    error = from_response(401, error_json(401, f"Invalid key {KEY} for user"))
    assert KEY not in str(error) and KEY not in repr(error)
    assert "***" in str(error)


def test_scrub_makes_one_short_line() -> None:
    assert scrub("a\n  b\tc", ()) == "a b c"
    assert len(scrub("x" * 1000, ())) == 200


# -- the stream ----------------------------------------------------------------


def chunk(content: str | None = None, finish: str | None = None, **extra: Any) -> str:
    delta = {} if content is None else {"content": content}
    return json.dumps(
        {"id": "gen-1", "model": "vendor/served", "choices": [{"delta": delta, "finish_reason": finish}], **extra}
    )


USAGE = {"prompt_tokens": 10, "completion_tokens": 3, "total_tokens": 13, "cost": 0.00012}


def test_text_usage_and_ids_are_collected() -> None:
    acc = StreamAccumulator(M)
    assert acc.feed(chunk("Hel")) == "Hel"
    assert acc.feed(chunk("")) is None
    assert acc.feed(chunk("lo", "stop")) == "lo"
    # OpenRouter may send usage in a chunk of its own with no choices.
    assert acc.feed(json.dumps({"id": "gen-1", "choices": [], "usage": USAGE})) is None
    assert acc.feed("[DONE]") is None
    acc.finish()
    assert (acc.text, acc.finish_reason, acc.generation_id, acc.served_model) == (
        "Hello",
        "stop",
        "gen-1",
        "vendor/served",
    )
    assert acc.usage is not None
    assert (acc.usage.prompt_tokens, acc.usage.completion_tokens, acc.usage.cost) == (10, 3, Decimal("0.00012"))


def test_a_finish_reason_without_done_is_a_complete_answer() -> None:
    acc = StreamAccumulator(M)
    acc.feed(chunk("Hi", "length"))
    acc.finish()
    assert acc.finish_reason == "length"


def test_an_end_without_done_or_finish_reason_is_a_broken_stream_with_the_partial_text() -> None:
    acc = StreamAccumulator(M)
    acc.feed(chunk("Hel"))
    with pytest.raises(e.StreamBroken) as caught:
        acc.finish()
    assert caught.value.partial_text == "Hel"


def test_an_empty_answer_is_an_empty_completion_that_keeps_usage() -> None:
    acc = StreamAccumulator(M)
    acc.feed(chunk("", "stop", usage=USAGE))
    acc.feed("[DONE]")
    with pytest.raises(e.EmptyCompletion) as caught:
        acc.finish()
    assert caught.value.usage is not None and caught.value.usage.cost == Decimal("0.00012")
    assert isinstance(caught.value, e.MalformedResponse)


def test_a_content_filter_with_no_text_is_moderation() -> None:
    acc = StreamAccumulator(M)
    acc.feed(chunk(None, "content_filter"))
    with pytest.raises(e.ModerationBlocked):
        acc.finish()


@pytest.mark.parametrize(
    "data",
    [
        "{not json",
        "[1, 2]",
        json.dumps({"id": "x"}),
        json.dumps({"choices": "no"}),
        json.dumps({"choices": [{"delta": 5}]}),
    ],
)
def test_malformed_chunks_raise_malformed_response(data: str) -> None:
    acc = StreamAccumulator(M)
    acc.feed(chunk("ok"))
    with pytest.raises(e.MalformedResponse) as caught:
        acc.feed(data)
    assert caught.value.partial_text == "ok"
    assert type(caught.value) is e.MalformedResponse


def test_an_error_chunk_before_any_text_is_judged_by_its_code() -> None:
    error = {"code": 429, "message": "slow down"}
    with pytest.raises(e.RateLimited):
        StreamAccumulator(M).feed(json.dumps({"error": error, "choices": [{"delta": {}, "finish_reason": "error"}]}))
    with pytest.raises(e.ProviderUnavailable):
        StreamAccumulator(M).feed(json.dumps({"error": {"code": "server_error", "message": "x"}}))


def test_an_error_chunk_after_text_breaks_the_stream_but_moderation_stays_moderation() -> None:
    acc = StreamAccumulator(M)
    acc.feed(chunk("Once upon"))
    with pytest.raises(e.StreamBroken) as caught:
        acc.feed(json.dumps({"error": {"code": 502, "message": "provider died"}}))
    assert caught.value.partial_text == "Once upon" and "provider died" in caught.value.reason
    acc = StreamAccumulator(M)
    acc.feed(chunk("Once upon"))
    with pytest.raises(e.ModerationBlocked):
        acc.feed(json.dumps({"error": {"code": 403, "message": "output flagged"}}))


def test_finish_reason_error_without_an_error_object_breaks_the_stream() -> None:
    acc = StreamAccumulator(M)
    acc.feed(chunk("Hi"))
    with pytest.raises(e.StreamBroken):
        acc.feed(chunk(None, "error"))


def test_a_whole_non_streaming_completion_is_accepted() -> None:
    body = {"id": "gen-2", "choices": [{"message": {"role": "assistant", "content": "Whole"}, "finish_reason": "stop"}]}
    acc = StreamAccumulator(M)
    assert acc.feed_completion(json.dumps({**body, "usage": USAGE}).encode()) == "Whole"
    acc.finish()
    assert (acc.generation_id, acc.usage and acc.usage.completion_tokens) == ("gen-2", 3)
