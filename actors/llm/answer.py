"""What a routed request takes and gives: the request, the events streamed back, the answer, the call records.

Plain data (no I/O), shared by :mod:`actors.llm.router` and its callers.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from typing import TYPE_CHECKING

from actors.llm.errors import Outcome
from actors.llm.schema import ChatMessage

if TYPE_CHECKING:
    from actors.llm.attempt import ModelClient


@dataclass(frozen=True, slots=True)
class ModelSlot:
    """A model and the client that reaches it; ``fallback`` marks the backup model."""

    model: str
    client: ModelClient
    fallback: bool = False


@dataclass(frozen=True, slots=True)
class AnswerRequest:
    """What to answer: ``prompt(trim_level)`` builds the messages (tighter for higher levels)."""

    prompt: Callable[[int], Sequence[ChatMessage]]
    chat_id: int | None = None
    user_id: int | None = None
    role: str | None = None
    model: str | None = None
    """A role's own model, replacing the primary model for this request."""
    temperature: float | None = None
    max_tokens: int | None = None


@dataclass(frozen=True, slots=True)
class TextDelta:
    text: str


@dataclass(frozen=True, slots=True)
class Restart:
    """Discard the text shown so far: another model answers from the start."""

    reason: str


@dataclass(frozen=True, slots=True)
class Stalled:
    """No model has started to answer for long enough that the user should be told both are unavailable.

    The request goes on: text may still follow (then it is the answer the user
    was promised), or it ends with :class:`ModelsUnavailable`. ``retry_after``:
    seconds until a model accepts calls again, as far as the breakers know (0:
    unknown, none of them is open).
    """

    retry_after: float


Event = TextDelta | Restart | Stalled


@dataclass(frozen=True, slots=True)
class CallReport:
    """One call to one model, for the database and the metrics."""

    dedup_key: str
    model: str
    outcome: Outcome
    is_fallback: bool
    is_hedge: bool
    latency: float
    ttft: float | None
    prompt_tokens: int | None
    completion_tokens: int | None
    cost: Decimal | None
    generation_id: str | None
    error: str | None
    chat_id: int | None
    user_id: int | None
    role: str | None


@dataclass(slots=True)
class Answer:
    """The answer a request got (or the part of it written before a stop)."""

    text: str = ""
    model: str | None = None
    is_fallback: bool = False
    is_hedge: bool = False
    cost: Decimal | None = None
    calls: list[CallReport] = field(default_factory=list)
    complete: bool = False


class ModelsUnavailable(Exception):
    """No model may be called now, or every model failed; ``retry_after`` seconds until one may (0: unknown)."""

    def __init__(self, retry_after: float) -> None:
        super().__init__(f"no model available; retry in {retry_after:.0f} s")
        self.retry_after = retry_after


class RequestRefused(Exception):
    """The request itself was refused (moderation, invalid): another model would not help."""

    def __init__(self, outcome: Outcome) -> None:
        super().__init__(outcome.value)
        self.outcome = outcome
