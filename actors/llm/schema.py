"""The values that go into and come out of a chat completion.

Plain immutable data: no I/O. ``ModelEndpoint`` keeps its API key in a
``SecretStr`` so that neither ``repr`` nor a log line can print it.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any, Literal

from pydantic import SecretStr

Role = Literal["system", "user", "assistant"]


@dataclass(frozen=True, slots=True)
class ChatMessage:
    """One message of the conversation sent to the model.

    ``name`` tells the model who wrote a user message (in group chats).
    """

    role: Role
    content: str
    name: str | None = None

    def to_json(self) -> dict[str, str]:
        """The OpenAI wire form of this message."""
        data = {"role": self.role, "content": self.content}
        if self.name:
            data["name"] = self.name
        return data


@dataclass(frozen=True, slots=True)
class ChatRequest:
    """What to ask which model: the whole prompt and the answer's limits."""

    model: str
    messages: tuple[ChatMessage, ...]
    max_tokens: int | None = None
    temperature: float | None = None

    def __init__(
        self,
        model: str,
        messages: tuple[ChatMessage, ...] | list[ChatMessage],
        max_tokens: int | None = None,
        temperature: float | None = None,
    ) -> None:
        # A list is accepted for convenience and frozen into a tuple.
        object.__setattr__(self, "model", model)
        object.__setattr__(self, "messages", tuple(messages))
        object.__setattr__(self, "max_tokens", max_tokens)
        object.__setattr__(self, "temperature", temperature)

    @property
    def prompt_chars(self) -> int:
        """Characters of message content: a cheap proxy for the prompt's size."""
        return sum(len(message.content) for message in self.messages)


@dataclass(frozen=True, slots=True)
class ModelEndpoint:
    """Where a model is served: an OpenAI-compatible base URL and its key.

    ``extra_headers`` are sent with every request; ``extra_body`` is merged into
    every request body (e.g. OpenRouter's ``provider`` preferences). The key
    never appears in ``repr``.
    """

    base_url: str
    api_key: SecretStr
    extra_headers: Mapping[str, str] = field(default_factory=dict)
    extra_body: Mapping[str, Any] = field(default_factory=dict)

    def __init__(
        self,
        base_url: str,
        api_key: str | SecretStr,
        extra_headers: Mapping[str, str] | None = None,
        extra_body: Mapping[str, Any] | None = None,
    ) -> None:
        object.__setattr__(self, "base_url", str(base_url).rstrip("/"))
        object.__setattr__(self, "api_key", api_key if isinstance(api_key, SecretStr) else SecretStr(api_key))
        object.__setattr__(self, "extra_headers", dict(extra_headers or {}))
        object.__setattr__(self, "extra_body", dict(extra_body or {}))

    @property
    def chat_completions_url(self) -> str:
        return f"{self.base_url}/chat/completions"


@dataclass(frozen=True, slots=True)
class Usage:
    """Tokens and cost of one generation, as the server reported them (``None``: not reported)."""

    prompt_tokens: int | None = None
    completion_tokens: int | None = None
    cost: Decimal | None = None


@dataclass(frozen=True, slots=True)
class CompletionResult:
    """A finished answer and what it cost.

    ``model`` is the model that answered as the server named it (it may differ
    from the requested one); ``ttft_seconds`` is the time from sending the
    request to the first text; ``latency_seconds`` to the end of the answer.
    """

    text: str
    model: str
    generation_id: str | None
    prompt_tokens: int | None
    completion_tokens: int | None
    cost: Decimal | None
    finish_reason: str | None
    ttft_seconds: float | None
    latency_seconds: float
