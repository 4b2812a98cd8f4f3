"""Per-user rate limits and the cooldown of repeated notices."""

from __future__ import annotations

import pytest

from actors.limits import Allowed, Cooldown, Limited, UserRateLimiter

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


def test_a_cooldown_lets_one_event_per_key_and_period_through() -> None:
    cooldown = Cooldown(10.0)
    assert cooldown.ready(1, 0.0)
    assert not cooldown.ready(1, 9.9)
    assert cooldown.ready(2, 9.9), "other keys are not affected"
    assert cooldown.ready(1, 10.0)


def test_a_cooldown_forgets_keys_whose_period_is_over() -> None:
    cooldown = Cooldown(10.0)
    for chat in range(100_000):
        cooldown.ready(chat, chat * 0.01)  # 100 new chats a second, for 1000 seconds
    assert len(cooldown) <= 1000, "only the chats of the last 10 seconds are kept"
