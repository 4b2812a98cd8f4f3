"""A fake OpenRouter on 127.0.0.1 and a client pointed at it, with small timeouts."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest

from actors.llm import ChatMessage, ChatRequest, CompletionResult, LLMClient, ModelEndpoint
from tests.fakes.openrouter import FakeOpenRouter

KEY = "sk-or-v1-test-0123456789abcdef"
MODEL = "vendor/model-a"
APP_URL = "https://github.com/example/assistant"
APP_TITLE = "Assistant Test"


def ask(text: str = "hello", model: str = MODEL, history: int = 0) -> ChatRequest:
    """A request with a system prompt, ``history`` earlier exchanges and ``text`` last."""
    messages = [ChatMessage("system", "You are helpful.")]
    for i in range(history):
        messages += [ChatMessage("user", f"question {i}"), ChatMessage("assistant", f"answer {i}")]
    return ChatRequest(model, [*messages, ChatMessage("user", text)], max_tokens=64, temperature=0.5)


@pytest.fixture
async def fake() -> AsyncIterator[FakeOpenRouter]:
    async with FakeOpenRouter(api_key=KEY, keepalive_interval=0.02) as server:
        yield server


def make_client(
    base_url: str,
    key: str = KEY,
    *,
    connect_timeout: float = 1.0,
    first_token_timeout: float = 2.0,
    total_timeout: float = 4.0,
) -> LLMClient:
    return LLMClient(
        ModelEndpoint(base_url, key),
        connect_timeout=connect_timeout,
        first_token_timeout=first_token_timeout,
        total_timeout=total_timeout,
        app_url=APP_URL,
        app_title=APP_TITLE,
    )


@pytest.fixture
async def client(fake: FakeOpenRouter) -> AsyncIterator[LLMClient]:
    async with make_client(fake.base_url) as llm:
        yield llm


@pytest.fixture(params=["deltas", "stream_into"])
def via(request: pytest.FixtureRequest) -> str:
    """The two ways to read an answer: iterating its deltas, or handing them to a callback."""
    return str(request.param)


async def read(
    llm: LLMClient, request: ChatRequest, via: str, pieces: list[str] | None = None
) -> tuple[CompletionResult, list[str]]:
    """Ask and read the whole answer ``via`` deltas() or stream_into(); the result and the pieces received
    (also appended to ``pieces`` as they come, for a caller that wants them when the answer fails)."""
    pieces = [] if pieces is None else pieces
    async with llm.stream(request) as completion:
        if via == "deltas":
            async for delta in completion.deltas():
                pieces.append(delta)
        else:
            await completion.stream_into(pieces.append)
    return completion.result, pieces
