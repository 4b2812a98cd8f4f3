"""The fake OpenRouter itself: its wire shapes and its controls (next N, seeded probability, remote)."""

from __future__ import annotations

import json
from typing import Any

import httpx
import pytest

from actors.llm import LLMClient
from actors.llm import errors as e
from actors.llm.sse import SSEParser
from tests.fakes.openrouter import FakeOpenRouter, RemoteFakeOpenRouter
from tests.llm.conftest import KEY, MODEL, ask, make_client

pytestmark = pytest.mark.anyio

OTHER = "vendor/model-b"


async def outcome_of(client: LLMClient, model: str = MODEL) -> str:
    try:
        await client.complete(ask(model=model))
    except e.LLMError as error:
        return type(error).__name__
    return "ok"


async def test_the_stream_has_openrouter_shapes(fake: FakeOpenRouter) -> None:
    body = {"model": MODEL, "messages": [{"role": "user", "content": "hi"}], "stream": True}
    async with httpx.AsyncClient() as http:
        response = await http.post(
            f"{fake.base_url}/chat/completions", json=body, headers={"Authorization": f"Bearer {KEY}"}
        )
    assert response.headers["content-type"].startswith("text/event-stream")
    parser = SSEParser()
    events = [event.data for event in parser.feed(response.content)]
    assert parser.comments >= 1 and response.content.startswith(b": OPENROUTER PROCESSING\n\n")
    assert events[-1] == "[DONE]"
    chunks: list[dict[str, Any]] = [json.loads(data) for data in events[:-1]]
    first, last = chunks[0], chunks[-1]
    assert first["object"] == "chat.completion.chunk" and first["model"] == MODEL
    assert first["id"] == response.headers["x-generation-id"]
    assert first["choices"][0]["delta"] == {"role": "assistant", "content": "Echo"}
    assert first["choices"][0]["finish_reason"] is None
    assert last["choices"][0]["finish_reason"] == "stop"
    assert set(last["usage"]) == {"prompt_tokens", "completion_tokens", "total_tokens", "cost"}
    assert "".join(c["choices"][0]["delta"].get("content", "") for c in chunks) == "Echo: hi [messages: 1]"


async def test_a_non_streaming_answer_and_an_error_have_openrouter_shapes(fake: FakeOpenRouter) -> None:
    body = {"model": MODEL, "messages": [{"role": "user", "content": "hi"}]}
    auth = {"Authorization": f"Bearer {KEY}"}
    async with httpx.AsyncClient() as http:
        whole = (await http.post(f"{fake.base_url}/chat/completions", json=body, headers=auth)).json()
        await fake.fail(MODEL, 429, retry_after=2, times=1)
        limited = await http.post(f"{fake.base_url}/chat/completions", json=body, headers=auth)
        anonymous = await http.post(f"{fake.base_url}/chat/completions", json=body)
    assert whole["object"] == "chat.completion"
    assert whole["choices"][0]["message"] == {"role": "assistant", "content": "Echo: hi [messages: 1]"}
    assert whole["usage"]["completion_tokens"] > 0
    assert limited.status_code == 429 and limited.json()["error"]["code"] == 429
    assert limited.headers["retry-after"] == "2" and int(limited.headers["x-ratelimit-reset"]) > 0
    assert anonymous.status_code == 401 and anonymous.json()["error"]["code"] == 401


async def test_next_n_calls_then_back_to_normal(fake: FakeOpenRouter, client: LLMClient) -> None:
    await fake.fail(MODEL, 503, times=2)
    assert [await outcome_of(client) for _ in range(3)] == ["ProviderUnavailable", "ProviderUnavailable", "ok"]
    assert [call.outcome for call in await fake.calls(MODEL)] == ["fail:503", "fail:503", "ok"]


async def test_a_rule_applies_to_its_model_only_and_none_means_every_model(
    fake: FakeOpenRouter, client: LLMClient
) -> None:
    await fake.fail(MODEL, 500)
    assert [await outcome_of(client, MODEL), await outcome_of(client, OTHER)] == ["ProviderUnavailable", "ok"]
    await fake.clear(MODEL)
    await fake.empty(None, times=2)
    assert [await outcome_of(client, MODEL), await outcome_of(client, OTHER)] == ["EmptyCompletion"] * 2
    assert len(await fake.calls(OTHER)) == 2 and len(await fake.calls()) == 4


async def test_a_fault_and_pacing_combine_and_the_first_rule_of_a_slot_wins(fake: FakeOpenRouter) -> None:
    await fake.first_token_delay(MODEL, 0.05, times=1)
    await fake.break_stream(MODEL, after_chars=4, times=1)
    await fake.fail(MODEL, 500, times=1)  # queued behind the break: applies to the second call
    async with make_client(fake.base_url) as llm:
        with pytest.raises(e.StreamBroken) as caught:
            await llm.complete(ask())
        assert caught.value.partial_text == "Echo"
        assert await outcome_of(llm) == "ProviderUnavailable"
        assert await outcome_of(llm) == "ok"


async def test_probability_is_seeded_and_repeatable() -> None:
    patterns: list[list[str]] = []
    for seed in (7, 7, 8):
        async with FakeOpenRouter(api_key=KEY, seed=seed) as fake, make_client(fake.base_url) as llm:
            await fake.fail(MODEL, 502, probability=0.5)
            patterns.append([await outcome_of(llm) for _ in range(24)])
    assert patterns[0] == patterns[1]
    assert 0 < patterns[0].count("ok") < 24
    assert patterns[2] != patterns[0]


async def test_wait_for_calls_times_out_when_nothing_comes(fake: FakeOpenRouter) -> None:
    with pytest.raises(TimeoutError):
        await fake.wait_for_calls(MODEL, 1, timeout=0.05)


async def test_controls_work_over_http(fake: FakeOpenRouter, client: LLMClient) -> None:
    async with RemoteFakeOpenRouter(fake.url) as remote:
        assert remote.base_url == fake.base_url
        await remote.fail(MODEL, 429, retry_after=4, times=1)
        await remote.script(MODEL, "scripted over HTTP")
        with pytest.raises(e.RateLimited) as caught:
            await client.complete(ask())
        assert caught.value.retry_after == 4
        assert (await client.complete(ask())).text == "scripted over HTTP"
        calls = await remote.wait_for_calls(MODEL, 2, timeout=2, finished=True)
        assert [call.outcome for call in calls] == ["fail:429", "ok"]
        assert calls[1].messages[-1] == {"role": "user", "content": "hello"}
        await remote.context_too_long(MODEL, 3)
        with pytest.raises(e.ContextTooLong):
            await client.complete(ask())
        await remote.clear()
        assert (await client.complete(ask("x"))).text == "Echo: x [messages: 2]"
        with pytest.raises(TypeError):
            await remote.script(MODEL, lambda call: "callables cannot travel")
        with pytest.raises(TimeoutError):
            await remote.wait_for_calls(OTHER, 1, timeout=0.05)
