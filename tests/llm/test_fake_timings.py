"""The fake OpenRouter's call timings (for benchmarks): monotonic arrival, first token and end of stream."""

from __future__ import annotations

import time

import pytest

from actors.llm import errors as e
from tests.fakes.openrouter import FakeOpenRouter, RemoteFakeOpenRouter
from tests.llm.conftest import KEY, ask, make_client

pytestmark = pytest.mark.anyio


async def test_a_streamed_call_records_when_it_arrived_started_and_ended() -> None:
    async with FakeOpenRouter(api_key=KEY, keepalive_interval=0.02) as fake, make_client(fake.base_url) as llm:
        await fake.first_token_delay(None, 0.1)
        await fake.tokens_per_second(None, 50)
        before = time.monotonic()
        async with llm.stream(ask("timed")) as completion:
            async for _ in completion.deltas():
                pass
        after = time.monotonic()
        async with RemoteFakeOpenRouter(fake.url) as remote:
            timings = await remote.call_timings()
            assert timings == await fake.call_timings()
            assert await remote.call_timings(since=1) == []
    [timing] = timings
    assert (timing.index, timing.last_user_message, timing.outcome) == (0, "timed", "ok")
    assert timing.received_at is not None and timing.first_token_at is not None and timing.last_chunk_at is not None
    assert before <= timing.received_at < timing.first_token_at < timing.last_chunk_at <= after
    assert timing.first_token_at - timing.received_at >= 0.1
    [call] = await fake.calls()
    assert (call.received_at, call.first_token_at, call.last_chunk_at) == (
        timing.received_at,
        timing.first_token_at,
        timing.last_chunk_at,
    )


async def test_a_failed_call_has_no_token_times() -> None:
    async with FakeOpenRouter(api_key=KEY) as fake, make_client(fake.base_url) as llm:
        await fake.fail(None, 503, times=1)
        with pytest.raises(e.ProviderUnavailable):
            await llm.complete(ask())
        [timing] = await fake.call_timings()
    assert timing.outcome == "fail:503"
    assert timing.received_at is not None
    assert (timing.first_token_at, timing.last_chunk_at) == (None, None)
