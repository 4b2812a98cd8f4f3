"""Outcomes and what they mean for a model's health and for the user's request."""

from __future__ import annotations

import asyncio

import anyio
import pytest

from actors.llm import errors as e
from actors.llm.errors import POLICY, HealthEffect, Outcome, classify, health_effect, retry_after, retry_elsewhere

M = "vendor/model"

CASES: list[tuple[e.LLMError, Outcome, HealthEffect, bool]] = [
    (e.ProviderUnavailable(M, "503"), Outcome.SERVER_ERROR, HealthEffect.FAILURE, True),
    (e.ConnectTimeout(M, "t"), Outcome.TIMEOUT, HealthEffect.FAILURE, True),
    (e.FirstTokenTimeout(M, "t"), Outcome.TIMEOUT, HealthEffect.FAILURE, True),
    (e.TotalTimeout(M, "t"), Outcome.TIMEOUT, HealthEffect.FAILURE, True),
    (e.ConnectionFailed(M, "refused"), Outcome.CONNECTION_ERROR, HealthEffect.FAILURE, True),
    (e.MalformedResponse(M, "bad json"), Outcome.MALFORMED, HealthEffect.FAILURE, True),
    (e.EmptyCompletion(M, "nothing"), Outcome.EMPTY, HealthEffect.FAILURE, True),
    (e.StreamBroken(M, "cut"), Outcome.STREAM_BROKEN, HealthEffect.FAILURE, True),
    (e.RateLimited(M, "429", retry_after=3), Outcome.RATE_LIMITED, HealthEffect.RATE_LIMITED, True),
    (e.PaymentRequired(M, "402 budget", retry_after=5), Outcome.PAYMENT_REQUIRED, HealthEffect.RATE_LIMITED, True),
    (e.PaymentRequired(M, "402 no credits"), Outcome.PAYMENT_REQUIRED, HealthEffect.MISCONFIGURED, True),
    (e.AuthenticationFailed(M, "401"), Outcome.AUTH_FAILED, HealthEffect.MISCONFIGURED, True),
    (e.ModerationBlocked(M, "403"), Outcome.MODERATED, HealthEffect.NEUTRAL, False),
    (e.BadRequest(M, "400"), Outcome.BAD_REQUEST, HealthEffect.NEUTRAL, False),
    (e.ContextTooLong(M, "400 context"), Outcome.CONTEXT_TOO_LONG, HealthEffect.TRIM_AND_RETRY, False),
]


@pytest.mark.parametrize(("error", "outcome", "effect", "elsewhere"), CASES, ids=lambda v: type(v).__name__)
def test_each_error_has_its_outcome_health_effect_and_retry_rule(
    error: e.LLMError, outcome: Outcome, effect: HealthEffect, elsewhere: bool
) -> None:
    assert isinstance(error, e.LLMError)
    assert classify(error) is outcome
    assert health_effect(error) is effect
    assert retry_elsewhere(error) is elsewhere


def test_every_outcome_has_a_policy_row_and_values_fit_the_database_column() -> None:
    assert set(POLICY) == set(Outcome)
    assert all(len(outcome.value) <= 32 for outcome in Outcome)
    assert health_effect(None) is HealthEffect.SUCCESS


def test_moderation_is_never_routed_around_and_never_hurts_health() -> None:
    # The upstream facts: 403 is moderation, not a bad key (unlike 401).
    blocked = e.ModerationBlocked(M, "flagged")
    assert (health_effect(blocked), retry_elsewhere(blocked)) == (HealthEffect.NEUTRAL, False)
    bad_key = e.AuthenticationFailed(M, "bad key")
    assert (health_effect(bad_key), retry_elsewhere(bad_key)) == (HealthEffect.MISCONFIGURED, True)


def test_retry_after_is_read_only_from_errors_that_carry_it() -> None:
    assert retry_after(e.RateLimited(M, "429", retry_after=2.5)) == 2.5
    assert retry_after(e.ProviderUnavailable(M, "503", retry_after=1)) == 1
    assert retry_after(e.AuthenticationFailed(M, "401")) is None


@pytest.mark.anyio
async def test_cancellation_is_classified_as_cancelled() -> None:
    caught: list[BaseException] = []
    with anyio.CancelScope() as scope:
        scope.cancel()
        try:
            await anyio.sleep(1)
        except anyio.get_cancelled_exc_class() as exc:
            caught.append(exc)
            raise
    assert [classify(exc) for exc in caught] == [Outcome.CANCELLED]
    assert health_effect(caught[0]) is HealthEffect.NEUTRAL
    assert classify(asyncio.CancelledError()) is Outcome.CANCELLED


def test_an_unrelated_exception_is_refused_rather_than_misfiled() -> None:
    with pytest.raises(TypeError):
        classify(ValueError("a bug"))


def test_messages_name_the_model_and_reason() -> None:
    error = e.RateLimited(M, "429 slow down", retry_after=1, partial_text="Hel", generation_id="gen-1")
    assert str(error) == f"{M}: 429 slow down"
    assert (error.model, error.partial_text, error.generation_id) == (M, "Hel", "gen-1")
    assert "RateLimited" in repr(error)
