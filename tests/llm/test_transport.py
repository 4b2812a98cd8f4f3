"""The client's connection pool, against the fake OpenRouter over real HTTP: connections are kept and reused."""

from __future__ import annotations

from typing import TypedDict, Unpack

import anyio
import httpx
import pytest

from actors.llm import LLMClient, ModelEndpoint
from actors.llm import errors as e
from actors.llm.transport import PooledTransport
from tests.fakes.openrouter import FakeOpenRouter
from tests.llm.conftest import KEY, MODEL, ask

pytestmark = pytest.mark.anyio


class Timeouts(TypedDict, total=False):
    connect_timeout: float
    first_token_timeout: float
    total_timeout: float


def client_with(fake: FakeOpenRouter, transport: PooledTransport, **timeouts: Unpack[Timeouts]) -> LLMClient:
    return LLMClient(ModelEndpoint(fake.base_url, KEY), http=httpx.AsyncClient(transport=transport), **timeouts)


async def test_one_connection_serves_one_call_after_another(fake: FakeOpenRouter) -> None:
    async with PooledTransport() as transport:
        llm = client_with(fake, transport)
        texts = [(await llm.complete(ask(f"question {i}"))).text for i in range(5)]
    assert texts == [f"Echo: question {i} [messages: 2]" for i in range(5)]
    assert transport.opened == 1


async def test_calls_at_once_each_get_a_connection_and_keep_it_for_the_next(fake: FakeOpenRouter) -> None:
    await fake.tokens_per_second(MODEL, 100)  # long enough that the calls overlap

    async def five_at_once() -> None:
        async with anyio.create_task_group() as tg:
            for i in range(5):
                tg.start_soon(llm.complete, ask(f"question {i}"))

    async with PooledTransport() as transport:
        llm = client_with(fake, transport)
        await five_at_once()
        assert transport.opened == 5
        await five_at_once()
    assert transport.opened == 5, "the second round used the first round's connections"


async def test_calls_beyond_the_limit_wait_for_a_connection(fake: FakeOpenRouter) -> None:
    await fake.tokens_per_second(MODEL, 200)
    results: list[str] = []

    async def one(i: int) -> None:
        results.append((await llm.complete(ask(f"question {i}"))).text)

    async with PooledTransport(max_connections=2) as transport:
        llm = client_with(fake, transport)
        async with anyio.create_task_group() as tg:
            for i in range(6):
                tg.start_soon(one, i)
    assert sorted(results) == sorted(f"Echo: question {i} [messages: 2]" for i in range(6))
    assert transport.opened == 2


async def test_no_room_within_the_connect_timeout_is_a_connect_timeout(fake: FakeOpenRouter) -> None:
    await fake.first_token_delay(MODEL, 30, times=1)
    async with PooledTransport(max_connections=1) as transport:
        llm = client_with(fake, transport, connect_timeout=0.2, first_token_timeout=5, total_timeout=5)
        async with llm.stream(ask("slow")):  # its answer holds the only connection
            with pytest.raises(e.ConnectTimeout):
                await llm.complete(ask("waits"))


async def test_an_answer_left_early_gives_up_its_connection(fake: FakeOpenRouter) -> None:
    await fake.tokens_per_second(MODEL, 20)
    async with PooledTransport() as transport:
        llm = client_with(fake, transport)
        async with llm.stream(ask("stop me")) as completion:
            async for _ in completion.deltas():
                break  # the user pressed stop: the rest of the body is never read
        [call] = await fake.wait_for_calls(MODEL, 1, timeout=2, finished=True)
        assert call.client_disconnected
        await fake.tokens_per_second(MODEL, 1000)
        await llm.complete(ask("next"))
    assert transport.opened == 2, "a connection with an unread body is never reused"


async def test_an_idle_connection_expires(fake: FakeOpenRouter) -> None:
    async with PooledTransport(keepalive_expiry=0.1) as transport:
        llm = client_with(fake, transport)
        await llm.complete(ask("first"))
        await anyio.sleep(0.3)  # the expiry itself is what is tested: longer than it, by design
        await llm.complete(ask("second"))
    assert transport.opened == 2
