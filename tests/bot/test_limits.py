"""Per-user rate limits."""

from __future__ import annotations

import pytest

from actors.limits import Allowed, Limited, UserRateLimiter

DAY = 86_400.0


def test_the_minute_limit_refuses_the_extra_message_and_says_when_to_retry() -> None:
    limiter = UserRateLimiter(per_minute=3, per_day=100)
    start = 10 * DAY
    assert [limiter.check(1, start + i) for i in range(3)] == [Allowed()] * 3
    refused = limiter.check(1, start + 10)
    assert isinstance(refused, Limited)
    assert refused.window == "minute"
    assert refused.retry_after == pytest.approx(50)
    assert limiter.check(2, start + 10) == Allowed(), "other users are not affected"
    assert limiter.check(1, start + 60) == Allowed()


def test_only_the_first_refusal_in_a_row_asks_for_an_explanation() -> None:
    limiter = UserRateLimiter(per_minute=1, per_day=100)
    limiter.check(1, 0.0)
    refusals = [limiter.check(1, 1.0 + i / 100) for i in range(50)]
    assert [r.first for r in refusals if isinstance(r, Limited)] == [True] + [False] * 49
    assert limiter.check(1, 61.0) == Allowed()
    again = limiter.check(1, 62.0)
    assert isinstance(again, Limited) and again.first


def test_the_day_limit_resets_at_utc_midnight() -> None:
    limiter = UserRateLimiter(per_minute=1000, per_day=2)
    evening = 5 * DAY + 23 * 3600
    assert limiter.check(1, evening) == Allowed()
    assert limiter.check(1, evening + 1) == Allowed()
    refused = limiter.check(1, evening + 2)
    assert isinstance(refused, Limited) and refused.window == "day"
    assert refused.retry_after == pytest.approx(3600 - 2)
    assert limiter.check(1, 6 * DAY + 1) == Allowed()


def test_memory_stays_bounded_with_many_users() -> None:
    limiter = UserRateLimiter(per_minute=5, per_day=50, max_users=100)
    for user in range(1000):
        limiter.check(user, float(user * 61))
    assert len(limiter._users) <= 100
