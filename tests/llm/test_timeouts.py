"""Connect, first-token and total timeouts fire, and really cancel the HTTP request."""

from __future__ import annotations

import anyio
import pytest

from actors.llm import LLMClient
from actors.llm import errors as e
from tests.fakes.openrouter import FakeOpenRouter, closed_port, unresponsive_listener
from tests.llm.conftest import MODEL, ask, make_client, read

pytestmark = pytest.mark.anyio


async def test_connect_timeout_when_the_server_never_accepts(via: str) -> None:
    with unresponsive_listener() as port:
        async with make_client(f"http://127.0.0.1:{port}/api/v1", connect_timeout=0.2) as llm:
            with pytest.raises(e.ConnectTimeout) as caught:
                await read(llm, ask(), via)
    assert e.classify(caught.value) is e.Outcome.TIMEOUT


async def test_connection_refused_is_connection_failed(via: str) -> None:
    async with make_client(f"http://127.0.0.1:{closed_port()}/api/v1") as llm:
        with pytest.raises(e.ConnectionFailed) as caught:
            await read(llm, ask(), via)
    assert e.classify(caught.value) is e.Outcome.CONNECTION_ERROR


async def test_keep_alives_do_not_count_as_a_first_token(fake: FakeOpenRouter, via: str) -> None:
    await fake.first_token_delay(MODEL, 30, times=1)
    async with make_client(fake.base_url, first_token_timeout=0.2) as llm:
        with pytest.raises(e.FirstTokenTimeout) as caught:
            await read(llm, ask(), via)
    assert caught.value.partial_text == ""
    # The fake saw the client hang up while it was still sending keep-alives.
    [call] = await fake.wait_for_calls(MODEL, 1, timeout=2, finished=True)
    assert call.client_disconnected


async def test_first_token_timeout_when_the_server_sends_nothing_at_all(fake: FakeOpenRouter, via: str) -> None:
    await fake.hang(MODEL, times=1)
    async with make_client(fake.base_url, first_token_timeout=0.2) as llm:
        with pytest.raises(e.FirstTokenTimeout):
            await read(llm, ask(), via)
    [call] = await fake.wait_for_calls(MODEL, 1, timeout=2, finished=True)
    assert call.outcome == "hang" and call.client_disconnected


async def test_a_slow_first_token_within_the_timeout_is_fine(fake: FakeOpenRouter, via: str) -> None:
    await fake.first_token_delay(MODEL, 0.1, times=1)
    async with make_client(fake.base_url, first_token_timeout=2) as llm:
        result, _ = await read(llm, ask(), via)
    assert result.ttft_seconds is not None and result.ttft_seconds >= 0.1
    assert result.text.startswith("Echo:")


async def test_an_answer_longer_than_the_first_token_timeout_is_fine(fake: FakeOpenRouter, via: str) -> None:
    await fake.script(MODEL, "word " * 20)
    await fake.tokens_per_second(MODEL, 40)  # 100 characters in 4-character tokens: 0.6 s
    async with make_client(fake.base_url, first_token_timeout=0.3, total_timeout=5) as llm:
        result, pieces = await read(llm, ask(), via)
    assert result.text == "word " * 20 == "".join(pieces)
    assert result.latency_seconds > 0.3


async def test_total_timeout_keeps_the_partial_text_and_cancels_the_request(fake: FakeOpenRouter, via: str) -> None:
    await fake.script(MODEL, "word " * 200)
    # 1000 characters in 4-character tokens: 12.5 s. The total timeout leaves a busy machine
    # a second for the first tokens (0.3 s once saw none in CI).
    await fake.tokens_per_second(MODEL, 20)
    async with make_client(fake.base_url, first_token_timeout=1, total_timeout=1.2) as llm:
        with pytest.raises(e.TotalTimeout) as caught:
            await read(llm, ask(), via)
    partial = caught.value.partial_text
    assert partial and ("word " * 200).startswith(partial) and len(partial) < 1000
    [call] = await fake.wait_for_calls(MODEL, 1, timeout=2, finished=True)
    assert call.client_disconnected and call.outcome == "disconnected"


async def test_a_first_token_timeout_longer_than_the_total_yields_to_the_total(fake: FakeOpenRouter, via: str) -> None:
    await fake.hang(MODEL, times=1)
    async with make_client(fake.base_url, first_token_timeout=5, total_timeout=0.2) as llm:
        with pytest.raises(e.TotalTimeout):
            await read(llm, ask(), via)


async def test_leaving_early_closes_the_connection(fake: FakeOpenRouter, client: LLMClient) -> None:
    await fake.tokens_per_second(MODEL, 20)
    async with client.stream(ask()) as completion:
        async for _ in completion.deltas():
            break  # the user pressed stop
    assert not completion.finished
    [call] = await fake.wait_for_calls(MODEL, 1, timeout=2, finished=True)
    assert call.client_disconnected
    with pytest.raises(RuntimeError):
        _ = completion.result


async def test_cancelling_the_caller_closes_the_connection(fake: FakeOpenRouter, client: LLMClient, via: str) -> None:
    await fake.tokens_per_second(MODEL, 20)
    got_text = anyio.Event()

    async def consume() -> None:
        async with client.stream(ask()) as completion:
            if via == "stream_into":
                await completion.stream_into(lambda _: got_text.set())
            async for _ in completion.deltas():
                got_text.set()

    async with anyio.create_task_group() as group:
        group.start_soon(consume)
        with anyio.fail_after(2):
            await got_text.wait()
        group.cancel_scope.cancel()  # the hedge lost
    [call] = await fake.wait_for_calls(MODEL, 1, timeout=2, finished=True)
    assert call.client_disconnected


def test_nonsense_timeouts_are_refused() -> None:
    with pytest.raises(ValueError):
        make_client("http://127.0.0.1:1/api/v1", total_timeout=0)
