"""The client's real httpx path against the fake OpenRouter: answers, usage, every error."""

from __future__ import annotations

import logging
from decimal import Decimal

import pytest

from actors.llm import LLMClient, ModelEndpoint
from actors.llm import errors as e
from tests.fakes.openrouter import FakeOpenRouter, http_date
from tests.llm.conftest import APP_TITLE, APP_URL, KEY, MODEL, ask, make_client, read

pytestmark = pytest.mark.anyio


async def test_streams_the_answer_with_usage_cost_and_generation_id(
    fake: FakeOpenRouter, client: LLMClient, via: str
) -> None:
    result, deltas = await read(client, ask("hello", history=2), via)
    # The fake echoes the last user message and counts the messages: the history was sent.
    assert result.text == "Echo: hello [messages: 6]"
    assert len(deltas) > 3 and "".join(deltas) == result.text and all(deltas)
    [call] = await fake.calls(MODEL)
    assert call.usage is not None
    assert result.generation_id == call.generation_id
    assert (result.prompt_tokens, result.completion_tokens) == (
        call.usage["prompt_tokens"],
        call.usage["completion_tokens"],
    )
    assert result.cost == Decimal(str(call.usage["cost"])) and result.cost > 0
    assert result.finish_reason == "stop" and result.model == MODEL
    assert result.ttft_seconds is not None and 0 <= result.ttft_seconds <= result.latency_seconds


async def test_sends_the_request_openrouter_expects(fake: FakeOpenRouter, client: LLMClient) -> None:
    await client.complete(ask("hi there", history=1))
    [call] = await fake.calls()
    assert call.body["stream"] is True
    assert call.body["stream_options"] == {"include_usage": True}
    assert (call.max_tokens, call.temperature) == (64, 0.5)
    assert [m["role"] for m in call.messages] == ["system", "user", "assistant", "user"]
    headers = {name.lower(): value for name, value in call.headers.items()}
    assert headers["http-referer"] == APP_URL
    assert headers["x-openrouter-title"] == headers["x-title"] == APP_TITLE
    assert headers["authorization"] == "Bearer ***"  # the fake checked the real key and masked it


async def test_a_scripted_answer_is_streamed_piece_by_piece(fake: FakeOpenRouter, client: LLMClient) -> None:
    await fake.script(MODEL, lambda call: f"{len(call.messages)} messages, last: {call.last_user_message}")
    result = await client.complete(ask("why?"))
    assert result.text == "2 messages, last: why?"


@pytest.mark.parametrize(
    ("status", "expected", "outcome"),
    [
        (400, e.BadRequest, e.Outcome.BAD_REQUEST),
        (401, e.AuthenticationFailed, e.Outcome.AUTH_FAILED),
        (402, e.PaymentRequired, e.Outcome.PAYMENT_REQUIRED),
        (403, e.ModerationBlocked, e.Outcome.MODERATED),
        (408, e.ProviderUnavailable, e.Outcome.SERVER_ERROR),
        (429, e.RateLimited, e.Outcome.RATE_LIMITED),
        (500, e.ProviderUnavailable, e.Outcome.SERVER_ERROR),
        (502, e.ProviderUnavailable, e.Outcome.SERVER_ERROR),
        (503, e.ProviderUnavailable, e.Outcome.SERVER_ERROR),
    ],
)
async def test_each_http_error_raises_its_typed_error(
    fake: FakeOpenRouter, client: LLMClient, status: int, expected: type[e.LLMError], outcome: e.Outcome
) -> None:
    await fake.fail(MODEL, status, times=1)
    with pytest.raises(expected) as caught:
        await client.complete(ask())
    assert type(caught.value) is expected
    assert e.classify(caught.value) is outcome
    assert caught.value.model == MODEL and caught.value.status == status
    # Only the next call was told to fail.
    assert (await client.complete(ask())).text.startswith("Echo:")


@pytest.mark.parametrize(
    ("status", "expected"), [(429, e.RateLimited), (403, e.ModerationBlocked), (502, e.ProviderUnavailable)]
)
async def test_an_error_inside_a_200_body_is_still_an_error(
    fake: FakeOpenRouter, client: LLMClient, status: int, expected: type[e.LLMError]
) -> None:
    await fake.fail(MODEL, status, http_status=200, times=1)
    with pytest.raises(expected):
        await client.complete(ask())
    [call] = await fake.calls()
    assert call.outcome == f"fail:{status}"


async def test_a_wrong_key_is_authentication_failed(fake: FakeOpenRouter) -> None:
    async with make_client(fake.base_url, key="sk-or-v1-wrong-key-000") as wrong:
        with pytest.raises(e.AuthenticationFailed):
            await wrong.complete(ask())
    [call] = await fake.calls()
    assert call.outcome == "unauthorized"


async def test_retry_after_in_seconds_and_as_a_date_and_the_rate_limit_reset(
    fake: FakeOpenRouter, client: LLMClient
) -> None:
    await fake.fail(MODEL, 429, retry_after=7, times=1)
    with pytest.raises(e.RateLimited) as caught:
        await client.complete(ask())
    assert caught.value.retry_after == 7.0

    client.wall_clock = lambda: 1_800_000_000.0
    await fake.fail(MODEL, 503, retry_after=http_date(1_800_000_030), times=1)
    with pytest.raises(e.ProviderUnavailable) as unavailable:
        await client.complete(ask())
    assert unavailable.value.retry_after == 30.0

    await fake.fail(MODEL, 429, rate_limit_reset_ms=1_800_000_012_000, times=1)
    with pytest.raises(e.RateLimited) as reset:
        await client.complete(ask())
    assert reset.value.retry_after == 12.0


async def test_402_with_retry_after_is_a_budget_wait_and_without_it_no_credits(
    fake: FakeOpenRouter, client: LLMClient
) -> None:
    await fake.fail(MODEL, 402, retry_after=5, times=1)
    with pytest.raises(e.PaymentRequired) as budget:
        await client.complete(ask())
    assert e.health_effect(budget.value) is e.HealthEffect.RATE_LIMITED
    await fake.fail(MODEL, 402, times=1)
    with pytest.raises(e.PaymentRequired) as broke:
        await client.complete(ask())
    assert e.health_effect(broke.value) is e.HealthEffect.MISCONFIGURED


async def test_context_too_long_only_when_the_prompt_exceeds_the_limit(fake: FakeOpenRouter, client: LLMClient) -> None:
    await fake.context_too_long(MODEL, max_prompt_chars=100)
    with pytest.raises(e.ContextTooLong):
        await client.complete(ask("x" * 200))
    assert (await client.complete(ask("short"))).text == "Echo: short [messages: 2]"


async def test_a_mid_stream_error_chunk_raises_stream_broken_with_the_partial_text(
    fake: FakeOpenRouter, client: LLMClient, via: str
) -> None:
    await fake.error_chunk(MODEL, after_chars=8, code=502, message="Provider disconnected", times=1)
    received: list[str] = []
    with pytest.raises(e.StreamBroken) as caught:
        await read(client, ask("hello"), via, received)
    assert "".join(received) == caught.value.partial_text == "Echo: he"
    assert "Provider disconnected" in caught.value.reason
    assert caught.value.generation_id is not None


async def test_an_error_chunk_before_any_text_is_classified_by_its_code(
    fake: FakeOpenRouter, client: LLMClient
) -> None:
    await fake.error_chunk(MODEL, after_chars=0, code=429, message="Provider rate limited", times=1)
    with pytest.raises(e.RateLimited):
        await client.complete(ask())


async def test_a_dropped_connection_mid_stream_keeps_the_partial_text(
    fake: FakeOpenRouter, client: LLMClient, via: str
) -> None:
    await fake.break_stream(MODEL, after_chars=12, times=1)
    with pytest.raises(e.StreamBroken) as caught:
        await read(client, ask("hello"), via)
    assert caught.value.partial_text == "Echo: hello "


async def test_an_invalid_json_chunk_is_malformed(fake: FakeOpenRouter, client: LLMClient, via: str) -> None:
    await fake.malformed(MODEL, after_chars=4, times=1)
    with pytest.raises(e.MalformedResponse) as caught:
        await read(client, ask(), via)
    assert type(caught.value) is e.MalformedResponse and caught.value.partial_text == "Echo"


async def test_an_empty_completion_is_a_failure_that_keeps_the_billed_usage(
    fake: FakeOpenRouter, client: LLMClient, via: str
) -> None:
    await fake.empty(MODEL, times=1)
    with pytest.raises(e.EmptyCompletion) as caught:
        await read(client, ask(), via)
    assert e.classify(caught.value) is e.Outcome.EMPTY
    [call] = await fake.calls()
    usage = caught.value.usage
    assert usage is not None and call.usage is not None
    assert usage.prompt_tokens == call.usage["prompt_tokens"] > 0
    assert caught.value.generation_id == call.generation_id


async def test_a_server_that_answers_without_streaming_is_understood(fake: FakeOpenRouter, via: str) -> None:
    # An OpenAI-compatible server may ignore "stream": the fake answers whole when asked to.
    async with LLMClient(ModelEndpoint(fake.base_url, KEY, extra_body={"stream": False})) as llm:
        result, _ = await read(llm, ask("whole"), via)
    assert result.text == "Echo: whole [messages: 2]"
    [call] = await fake.calls()
    assert call.stream is False and result.generation_id == call.generation_id and result.cost is not None


async def test_the_key_never_appears_in_errors_or_logs(fake: FakeOpenRouter, caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.DEBUG)
    await fake.fail(None, 401, message=f"Key {KEY} is disabled", times=1)
    await fake.fail(None, 500, times=1)
    await fake.error_chunk(None, after_chars=4, message=f"upstream rejected {KEY}", times=1)
    async with make_client(fake.base_url) as llm:
        failures: list[e.LLMError] = []
        for _ in range(3):
            with pytest.raises(e.LLMError) as caught:
                await llm.complete(ask())
            failures.append(caught.value)
        assert KEY not in repr(llm) and KEY not in repr(llm.endpoint)
    assert [type(f) for f in failures] == [e.AuthenticationFailed, e.ProviderUnavailable, e.StreamBroken]
    for failure in failures:
        assert KEY not in str(failure) and KEY not in repr(failure) and KEY not in failure.reason
    assert caplog.records, "the client logs its calls at DEBUG"
    logged = "\n".join(record.getMessage() + str(record.exc_info or "") for record in caplog.records)
    assert KEY not in logged
