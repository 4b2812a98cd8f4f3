"""What can go wrong when asking a model, and what each failure means.

Every failure the client raises is a subclass of :class:`LLMError` carrying the
model name and a short message that never contains the API key. Each class has
an :class:`Outcome` (stored as ``llm_calls.outcome``); :data:`POLICY` says, per
outcome, what it means for the model's health and whether the same user request
may go to the other model.
"""

from __future__ import annotations

import asyncio
import enum
from collections.abc import Mapping
from dataclasses import dataclass
from types import MappingProxyType
from typing import ClassVar, Final

import anyio

from actors.llm.schema import Usage


class Outcome(enum.Enum):
    """How one call to one model ended; the value is stored in ``llm_calls.outcome``."""

    OK = "ok"
    SERVER_ERROR = "server_error"
    TIMEOUT = "timeout"
    CONNECTION_ERROR = "connection_error"
    MALFORMED = "malformed"
    STREAM_BROKEN = "stream_broken"
    EMPTY = "empty"
    RATE_LIMITED = "rate_limited"
    PAYMENT_REQUIRED = "payment_required"
    AUTH_FAILED = "auth_failed"
    MODERATED = "moderated"
    CONTEXT_TOO_LONG = "context_too_long"
    BAD_REQUEST = "bad_request"
    CANCELLED = "cancelled"


class HealthEffect(enum.Enum):
    """What an outcome tells the circuit breaker about the model."""

    SUCCESS = "success"
    """The model works: closes a half-open breaker, resets the failure run."""
    FAILURE = "failure"
    """The model failed: counts towards opening the breaker."""
    RATE_LIMITED = "rate_limited"
    """Route away until Retry-After (or a default); not a failure."""
    MISCONFIGURED = "misconfigured"
    """Bad key or no credits: route away for a long time and tell the operator loudly."""
    NEUTRAL = "neutral"
    """Says nothing about the model's health."""
    TRIM_AND_RETRY = "trim_and_retry"
    """The prompt is too long: trim the context and ask the same model again."""


@dataclass(frozen=True, slots=True)
class OutcomePolicy:
    """What to do after an outcome: the health effect and whether to try the other model."""

    effect: HealthEffect
    retry_elsewhere: bool
    meaning: str


_P = OutcomePolicy
_H = HealthEffect

# The table the router and the breaker live by. Read a row as: "after <outcome>,
# the model's health <effect>; the user's request <may / may not> go to the other model".
POLICY: Final[Mapping[Outcome, OutcomePolicy]] = MappingProxyType(
    {
        Outcome.OK: _P(_H.SUCCESS, False, "answered"),
        Outcome.SERVER_ERROR: _P(_H.FAILURE, True, "5xx/408 or provider down"),
        Outcome.TIMEOUT: _P(_H.FAILURE, True, "connect, first-token or total timeout; silent and beaten by a hedge"),
        Outcome.CONNECTION_ERROR: _P(_H.FAILURE, True, "could not reach the server"),
        Outcome.MALFORMED: _P(_H.FAILURE, True, "the response broke the protocol"),
        Outcome.STREAM_BROKEN: _P(_H.FAILURE, True, "the stream stopped before its end"),
        Outcome.EMPTY: _P(_H.FAILURE, True, "an empty completion (cold start; still billed)"),
        Outcome.RATE_LIMITED: _P(_H.RATE_LIMITED, True, "429: wait for Retry-After"),
        # 402 *with* Retry-After is an in-flight budget limit: see health_effect().
        Outcome.PAYMENT_REQUIRED: _P(_H.MISCONFIGURED, True, "402: no credits"),
        Outcome.AUTH_FAILED: _P(_H.MISCONFIGURED, True, "401: bad or disabled key"),
        # Never route around moderation to the other model.
        Outcome.MODERATED: _P(_H.NEUTRAL, False, "403: moderation or a guardrail blocked it"),
        Outcome.CONTEXT_TOO_LONG: _P(_H.TRIM_AND_RETRY, False, "the prompt exceeds the context"),
        Outcome.BAD_REQUEST: _P(_H.NEUTRAL, False, "400: the request is invalid"),
        Outcome.CANCELLED: _P(_H.NEUTRAL, False, "stopped before hedge_after of silence (user, or a lost hedge)"),
    }
)


class LLMError(Exception):
    """Base class of every failure of a call to a model.

    ``partial_text`` is the text received before the failure; ``usage`` and
    ``generation_id`` are kept when the server reported them (a failed call may
    still be billed). ``status`` is the HTTP status or the error body's code.
    """

    outcome: ClassVar[Outcome] = Outcome.SERVER_ERROR

    def __init__(
        self,
        model: str,
        message: str,
        *,
        status: int | None = None,
        partial_text: str = "",
        usage: Usage | None = None,
        generation_id: str | None = None,
    ) -> None:
        super().__init__(f"{model}: {message}")
        self.model = model
        self.reason = message
        self.status = status
        self.partial_text = partial_text
        self.usage = usage
        self.generation_id = generation_id

    def __repr__(self) -> str:
        return f"{type(self).__name__}({self.model!r}, {self.reason!r}, status={self.status})"


class _RetryAfterError(LLMError):
    """An error that may say how long to wait (``retry_after`` seconds, ``None``: not said)."""

    def __init__(
        self,
        model: str,
        message: str,
        *,
        retry_after: float | None = None,
        status: int | None = None,
        partial_text: str = "",
        usage: Usage | None = None,
        generation_id: str | None = None,
    ) -> None:
        super().__init__(
            model, message, status=status, partial_text=partial_text, usage=usage, generation_id=generation_id
        )
        self.retry_after = retry_after


class RateLimited(_RetryAfterError):
    """429: too many requests; ``retry_after`` from Retry-After or X-RateLimit-Reset."""

    outcome = Outcome.RATE_LIMITED


class PaymentRequired(_RetryAfterError):
    """402: with ``retry_after`` a temporary in-flight budget limit, without it no credits."""

    outcome = Outcome.PAYMENT_REQUIRED


class AuthenticationFailed(LLMError):
    """401: the API key is wrong or disabled."""

    outcome = Outcome.AUTH_FAILED


class ModerationBlocked(LLMError):
    """403: moderation or a guardrail blocked the request. The key is fine."""

    outcome = Outcome.MODERATED


class ContextTooLong(LLMError):
    """400 (or 413) saying the prompt does not fit the model's context."""

    outcome = Outcome.CONTEXT_TOO_LONG


class BadRequest(LLMError):
    """Any other 4xx: the request itself is wrong; retrying will not help."""

    outcome = Outcome.BAD_REQUEST


class ProviderUnavailable(_RetryAfterError):
    """5xx, 408, 404 (no endpoint for the model) or an error before the first token."""

    outcome = Outcome.SERVER_ERROR


class LLMTimeout(LLMError):
    """Base class of the three timeouts."""

    outcome = Outcome.TIMEOUT


class ConnectTimeout(LLMTimeout):
    """No connection to the server within the connect timeout."""


class FirstTokenTimeout(LLMTimeout):
    """No text arrived within the first-token timeout of sending the request."""


class TotalTimeout(LLMTimeout):
    """The whole answer did not arrive within the total timeout."""


class ConnectionFailed(LLMError):
    """The server could not be reached, or dropped the connection before answering."""

    outcome = Outcome.CONNECTION_ERROR


class MalformedResponse(LLMError):
    """The response broke the protocol: bad JSON, missing fields, an unexpected shape."""

    outcome = Outcome.MALFORMED


class EmptyCompletion(MalformedResponse):
    """The model finished without any text. Still billed: ``usage`` is kept when known."""

    outcome = Outcome.EMPTY


class StreamBroken(LLMError):
    """The stream ended without ``[DONE]`` or a finish reason, or carried an error mid-way."""

    outcome = Outcome.STREAM_BROKEN


def _is_cancellation(error: BaseException) -> bool:
    if isinstance(error, asyncio.CancelledError):
        return True
    try:
        return isinstance(error, anyio.get_cancelled_exc_class())
    except RuntimeError:  # no async library running (sniffio's AsyncLibraryNotFoundError)
        return False


def classify(error: BaseException) -> Outcome:
    """The outcome to record for a call that raised ``error``.

    Accepts every :class:`LLMError` and the async library's cancellation
    exception (the user pressed stop, or the hedge lost). Anything else is a bug
    in the caller or the client and raises ``TypeError`` rather than being
    recorded under a wrong name.
    """
    if isinstance(error, LLMError):
        return error.outcome
    if _is_cancellation(error):
        return Outcome.CANCELLED
    raise TypeError(f"not an LLM call failure: {type(error).__name__}")


def health_effect(error: BaseException | None) -> HealthEffect:
    """What ``error`` (``None``: a success) means for the model's health.

    Follows :data:`POLICY`, refined for 402: with Retry-After it is a temporary
    in-flight budget limit, i.e. :attr:`HealthEffect.RATE_LIMITED`.
    """
    if error is None:
        return HealthEffect.SUCCESS
    if isinstance(error, PaymentRequired) and error.retry_after is not None:
        return HealthEffect.RATE_LIMITED
    return POLICY[classify(error)].effect


def retry_elsewhere(error: BaseException) -> bool:
    """Whether the same user request may be sent to the other model after ``error``."""
    return POLICY[classify(error)].retry_elsewhere


def retry_after(error: BaseException) -> float | None:
    """Seconds the server asked us to wait, when it said so."""
    return error.retry_after if isinstance(error, _RetryAfterError) else None
