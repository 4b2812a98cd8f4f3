"""The circuit breaker's rules, one by one, with an explicit clock."""

from __future__ import annotations

import pytest

from actors.llm.breaker import BreakerConfig, BreakerState, CircuitBreaker, Permit
from actors.llm.errors import HealthEffect
from assistant.settings import Settings

OK = HealthEffect.SUCCESS
FAIL = HealthEffect.FAILURE


def call(breaker: CircuitBreaker, effect: HealthEffect, now: float, retry_after: float | None = None) -> Permit:
    permit = breaker.try_acquire(now)
    assert permit is not None, f"refused at {now}"
    breaker.record(permit, effect, now, retry_after=retry_after, reason=effect.value)
    return permit


def open_breaker(breaker: CircuitBreaker, now: float = 0.0) -> None:
    for _ in range(breaker.config.consecutive_failures):
        call(breaker, FAIL, now)
    assert breaker.state is BreakerState.OPEN


def test_three_consecutive_failures_open_it() -> None:
    breaker = CircuitBreaker()
    call(breaker, FAIL, 0)
    call(breaker, FAIL, 1)
    assert breaker.state is BreakerState.CLOSED
    permit = breaker.try_acquire(2)
    assert permit is not None
    [transition] = breaker.record(permit, FAIL, 2, reason="server_error")
    assert (transition.from_state, transition.to_state, transition.at) == (BreakerState.CLOSED, BreakerState.OPEN, 2)
    assert "3 consecutive failures" in transition.reason and "server_error" in transition.reason
    assert breaker.snapshot().last_error_reason == "server_error"


def test_a_success_breaks_the_run() -> None:
    breaker = CircuitBreaker()
    for effect in (OK, OK, OK, OK, OK, FAIL, FAIL, OK, FAIL, FAIL):  # 40%: below the rate threshold
        call(breaker, effect, 0)
    assert breaker.state is BreakerState.CLOSED
    assert breaker.snapshot().consecutive_failures == 2


def test_a_high_failure_rate_opens_it_without_a_run() -> None:
    breaker = CircuitBreaker()
    # F S F S: 50% but only four calls, below the five needed to judge.
    for effect in (FAIL, OK, FAIL, OK):
        call(breaker, effect, 0)
    assert breaker.state is BreakerState.CLOSED
    permit = breaker.try_acquire(0)
    assert permit is not None
    [transition] = breaker.record(permit, FAIL, 0)
    assert transition.to_state is BreakerState.OPEN
    assert "failure rate 60%" in transition.reason


def test_a_low_failure_rate_keeps_it_closed() -> None:
    breaker = CircuitBreaker()
    for i in range(60):
        call(breaker, FAIL if i % 3 == 0 else OK, float(i))  # 33%
    assert breaker.state is BreakerState.CLOSED
    assert breaker.snapshot().window_calls == 20


def test_open_refuses_until_the_break_is_over_then_lets_exactly_one_probe() -> None:
    breaker = CircuitBreaker()
    open_breaker(breaker, now=100)
    assert breaker.try_acquire(114.9) is None
    assert breaker.available_at(101) == 115
    probe = breaker.try_acquire(115)
    assert probe is not None and probe.probe
    assert [(t.from_state, t.to_state) for t in probe.transitions] == [(BreakerState.OPEN, BreakerState.HALF_OPEN)]
    assert breaker.state is BreakerState.HALF_OPEN
    assert breaker.try_acquire(116) is None  # the probe is still out


def test_a_probe_success_closes_and_clears_the_window() -> None:
    breaker = CircuitBreaker()
    open_breaker(breaker)
    probe = breaker.try_acquire(15)
    assert probe is not None
    [transition] = breaker.record(probe, OK, 16)
    assert (transition.from_state, transition.to_state) == (BreakerState.HALF_OPEN, BreakerState.CLOSED)
    snapshot = breaker.snapshot()
    assert (snapshot.window_calls, snapshot.consecutive_failures, snapshot.break_time) == (0, 0, 15)
    assert breaker.try_acquire(16) is not None and breaker.try_acquire(16) is not None


def test_each_failed_probe_doubles_the_break_up_to_the_cap() -> None:
    breaker = CircuitBreaker(BreakerConfig(break_time=15, max_break_time=100))
    open_breaker(breaker)
    now, breaks = 0.0, []
    for _ in range(5):
        now += breaker.break_time
        probe = breaker.try_acquire(now)
        assert probe is not None and probe.probe
        [transition] = breaker.record(probe, FAIL, now)
        assert transition.to_state is BreakerState.OPEN
        breaks.append(breaker.break_time)
        assert breaker.try_acquire(now + breaker.break_time - 0.01) is None
    assert breaks == [30, 60, 100, 100, 100]


def test_the_break_resets_after_a_success_closes_it() -> None:
    breaker = CircuitBreaker()
    open_breaker(breaker)
    probe = breaker.try_acquire(15)
    assert probe is not None
    breaker.record(probe, FAIL, 15)  # break 30
    probe = breaker.try_acquire(45)
    assert probe is not None
    breaker.record(probe, OK, 45)
    open_breaker(breaker, now=50)
    assert breaker.try_acquire(64) is None and breaker.try_acquire(65) is not None


def test_an_abandoned_probe_frees_its_slot() -> None:
    breaker = CircuitBreaker()
    open_breaker(breaker)
    probe = breaker.try_acquire(15)
    assert probe is not None and breaker.try_acquire(15) is None
    breaker.release(probe, 16)  # the user pressed stop
    second = breaker.try_acquire(16)
    assert second is not None and second.probe
    # The first probe's late result no longer decides anything.
    assert breaker.record(probe, FAIL, 17) == []
    assert breaker.state is BreakerState.HALF_OPEN


def test_a_lost_probe_is_replaced_after_the_probe_timeout() -> None:
    breaker = CircuitBreaker(BreakerConfig(probe_timeout=60))
    open_breaker(breaker)
    assert breaker.try_acquire(15) is not None
    assert breaker.available_at(20) == 75
    assert breaker.try_acquire(74) is None
    replacement = breaker.try_acquire(75)
    assert replacement is not None and replacement.probe


@pytest.mark.parametrize("effect", [HealthEffect.NEUTRAL, HealthEffect.TRIM_AND_RETRY])
def test_neutral_outcomes_change_nothing_but_free_the_probe(effect: HealthEffect) -> None:
    breaker = CircuitBreaker()
    call(breaker, FAIL, 0)
    call(breaker, FAIL, 0)
    for _ in range(10):
        call(breaker, effect, 0)
    assert breaker.snapshot().consecutive_failures == 2 and breaker.state is BreakerState.CLOSED
    breaker = CircuitBreaker()
    open_breaker(breaker)
    probe = breaker.try_acquire(15)
    assert probe is not None
    assert breaker.record(probe, effect, 15) == []
    assert breaker.state is BreakerState.HALF_OPEN
    assert breaker.try_acquire(15) is not None  # a new probe may go


def test_stale_results_from_before_a_state_change_are_ignored() -> None:
    breaker = CircuitBreaker()
    slow = breaker.try_acquire(0)
    assert slow is not None
    open_breaker(breaker)
    probe = breaker.try_acquire(15)
    assert probe is not None
    breaker.record(probe, OK, 15)
    # A call begun before the breaker opened reports its failure now: old news.
    assert breaker.record(slow, FAIL, 16) == []
    assert breaker.snapshot().consecutive_failures == 0


def test_rate_limited_routes_away_until_retry_after_without_counting_as_failure() -> None:
    breaker = CircuitBreaker()
    call(breaker, FAIL, 0)
    permit = breaker.try_acquire(1)
    assert permit is not None
    [transition] = breaker.record(permit, HealthEffect.RATE_LIMITED, 1, retry_after=20, reason="rate_limited")
    assert transition.from_state == transition.to_state == BreakerState.CLOSED
    assert transition.until == 21 and "rate limited" in transition.reason
    assert breaker.try_acquire(20.9) is None
    assert breaker.available_at(5) == 21
    assert breaker.snapshot().consecutive_failures == 1 and breaker.state is BreakerState.CLOSED
    assert breaker.try_acquire(21) is not None


def test_rate_limited_without_retry_after_uses_the_default_and_long_ones_are_capped() -> None:
    breaker = CircuitBreaker(BreakerConfig(rate_limited_default=30, rate_limited_max=600))
    call(breaker, HealthEffect.RATE_LIMITED, 0)
    assert breaker.available_at(0) == 30
    call(breaker, HealthEffect.RATE_LIMITED, 30, retry_after=86_400)  # a daily cap
    assert breaker.available_at(30) == 630


def test_misconfigured_routes_away_for_long_and_is_reported_even_during_a_rate_limit() -> None:
    breaker = CircuitBreaker(BreakerConfig(misconfigured_for=900))
    call(breaker, HealthEffect.RATE_LIMITED, 0, retry_after=5)
    permit = breaker.try_acquire(10)
    assert permit is not None
    [transition] = breaker.record(permit, HealthEffect.MISCONFIGURED, 10, reason="auth_failed")
    assert "misconfigured" in transition.reason and transition.until == 910
    assert transition.route_away == "misconfigured"
    assert breaker.try_acquire(909) is None and breaker.try_acquire(910) is not None
    assert breaker.snapshot().route_away_reason == "misconfigured"
    assert breaker.state is BreakerState.CLOSED


def test_a_bad_key_routes_away_for_the_ten_minutes_the_settings_and_readme_promise() -> None:
    setting = Settings.model_fields["misconfigured_open_seconds"].default
    assert BreakerConfig().misconfigured_for == setting == 600
    breaker = CircuitBreaker()
    call(breaker, HealthEffect.MISCONFIGURED, 0)
    assert breaker.available_at(0) == 600


def test_repeated_rate_limits_in_one_period_report_once() -> None:
    breaker = CircuitBreaker()
    permits = [breaker.try_acquire(0) for _ in range(3)]  # three calls in flight
    reports = [breaker.record(p, HealthEffect.RATE_LIMITED, 1, retry_after=10) for p in permits if p]
    assert [len(r) for r in reports] == [1, 0, 0]


def test_a_rate_limited_probe_frees_the_slot_and_the_probe_waits_for_the_limit() -> None:
    breaker = CircuitBreaker()
    open_breaker(breaker)
    probe = breaker.try_acquire(15)
    assert probe is not None
    breaker.record(probe, HealthEffect.RATE_LIMITED, 15, retry_after=10)
    assert breaker.state is BreakerState.HALF_OPEN
    assert breaker.try_acquire(24) is None
    second = breaker.try_acquire(25)
    assert second is not None and second.probe


def test_snapshot_reports_the_failure_rate() -> None:
    breaker = CircuitBreaker()
    for effect in (OK, FAIL, OK, OK):
        call(breaker, effect, 0)
    snapshot = breaker.snapshot()
    assert (snapshot.state, snapshot.window_calls, snapshot.window_failure_rate) == (BreakerState.CLOSED, 4, 0.25)
    assert snapshot.opened_at is None


@pytest.mark.parametrize(
    "kwargs",
    [
        {"consecutive_failures": 0},
        {"window_min_calls": 30},
        {"failure_rate": 0},
        {"break_time": 400},
        {"misconfigured_for": 0},
    ],
)
def test_nonsense_configs_are_refused(kwargs: dict[str, float]) -> None:
    with pytest.raises(ValueError):
        BreakerConfig(**kwargs)  # type: ignore[arg-type]
