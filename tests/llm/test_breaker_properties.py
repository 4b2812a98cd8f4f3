"""Property tests of the breaker's invariants over random call histories."""

from __future__ import annotations

import copy

from hypothesis import settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, initialize, invariant, precondition, rule

from actors.llm.breaker import BreakerConfig, BreakerState, CircuitBreaker, Permit
from actors.llm.errors import HealthEffect

EFFECTS = st.sampled_from(list(HealthEffect))
RETRY_AFTER = st.one_of(st.none(), st.floats(min_value=0.1, max_value=5000))
STEPS = st.one_of(st.just(0.0), st.floats(min_value=0, max_value=20), st.floats(min_value=0, max_value=400))


class BreakerMachine(RuleBasedStateMachine):
    """Random interleavings of time passing, acquiring, recording and releasing."""

    @initialize(
        consecutive=st.integers(min_value=1, max_value=5),
        window=st.integers(min_value=5, max_value=20),
        rate=st.sampled_from([0.3, 0.5, 0.8, 1.0]),
        max_break=st.sampled_from([15.0, 40.0, 300.0]),
    )
    def setup(self, consecutive: int, window: int, rate: float, max_break: float) -> None:
        self.config = BreakerConfig(
            consecutive_failures=consecutive,
            window_size=window,
            window_min_calls=5,
            failure_rate=rate,
            max_break_time=max_break,
        )
        self.breaker = CircuitBreaker(self.config)
        self.now = 0.0
        self.outstanding: list[Permit] = []
        self.live_probe: Permit | None = None

    def probe_is_live(self) -> bool:
        probe = self.live_probe
        return probe is not None and self.now < probe.issued_at + self.config.probe_timeout

    @rule(dt=STEPS)
    def advance(self, dt: float) -> None:
        self.now += dt

    @rule()
    def acquire(self) -> None:
        breaker = self.breaker
        before = breaker.snapshot()
        routed_away = self.now < before.route_away_until
        permit = breaker.try_acquire(self.now)
        if routed_away:
            assert permit is None, "let through while routed away"
        if before.state is BreakerState.OPEN and before.opened_at is not None:
            if self.now < before.opened_at + before.break_time:
                assert permit is None, "let through while open before the break time"
            elif not routed_away:
                assert permit is not None and permit.probe, "no probe after the break time"
        if before.state is BreakerState.CLOSED and not routed_away:
            assert permit is not None and not permit.probe
        if before.state is BreakerState.HALF_OPEN and not routed_away:
            assert (permit is None) == self.probe_is_live(), "half-open must let exactly one probe out"
        if permit is not None:
            if permit.probe:
                assert not self.probe_is_live(), "a second probe while one is out"
                self.live_probe = permit
            self.outstanding.append(permit)

    @precondition(lambda self: bool(self.outstanding))
    @rule(data=st.data(), effect=EFFECTS, retry_after=RETRY_AFTER)
    def record(self, data: st.DataObject, effect: HealthEffect, retry_after: float | None) -> None:
        permit = self.outstanding.pop(data.draw(st.integers(min_value=0, max_value=len(self.outstanding) - 1)))
        breaker = self.breaker
        before = breaker.snapshot()
        was_live_probe = permit is self.live_probe and self.probe_is_live() and before.state is BreakerState.HALF_OPEN
        if permit is self.live_probe:
            self.live_probe = None
        breaker.record(permit, effect, self.now, retry_after=retry_after)
        after = breaker.snapshot()
        if effect in (HealthEffect.RATE_LIMITED, HealthEffect.MISCONFIGURED):
            # Never a failure: state and counters untouched, yet no call until its time.
            assert (after.state, after.consecutive_failures, after.window_calls) == (
                before.state,
                before.consecutive_failures,
                before.window_calls,
            )
            if effect is HealthEffect.MISCONFIGURED:
                wait = self.config.misconfigured_for
            else:
                wait = self.config.rate_limited_default if retry_after is None else retry_after
                wait = min(wait, self.config.rate_limited_max)
            assert breaker.available_at(self.now) >= self.now + wait
            assert copy.deepcopy(breaker).try_acquire(self.now) is None
        if was_live_probe and effect is HealthEffect.SUCCESS:
            assert after.state is BreakerState.CLOSED, "a probe's success must close"
            assert after.break_time == self.config.break_time
        if was_live_probe and effect is HealthEffect.FAILURE:
            assert after.state is BreakerState.OPEN, "a probe's failure must re-open"
            assert after.break_time == min(before.break_time * 2, self.config.max_break_time)

    @precondition(lambda self: bool(self.outstanding))
    @rule(data=st.data())
    def release(self, data: st.DataObject) -> None:
        permit = self.outstanding.pop(data.draw(st.integers(min_value=0, max_value=len(self.outstanding) - 1)))
        if permit is self.live_probe:
            self.live_probe = None
        self.breaker.release(permit, self.now)

    @invariant()
    def counters_stay_in_range(self) -> None:
        snapshot = self.breaker.snapshot()
        assert 0.0 <= snapshot.window_failure_rate <= 1.0
        assert snapshot.window_calls <= self.config.window_size
        assert self.config.break_time <= snapshot.break_time <= self.config.max_break_time

    @invariant()
    def available_at_tells_the_truth(self) -> None:
        at = self.breaker.available_at(self.now)
        assert at >= self.now
        if copy.deepcopy(self.breaker).try_acquire(self.now) is None:
            assert at > self.now
            assert copy.deepcopy(self.breaker).try_acquire(at) is not None
        else:
            assert at == self.now

    @invariant()
    def never_stuck(self) -> None:
        """However it got here, enough time and one success close the breaker."""
        breaker = copy.deepcopy(self.breaker)
        later = breaker.available_at(self.now)
        permit = breaker.try_acquire(later)
        assert permit is not None
        breaker.record(permit, HealthEffect.SUCCESS, later)
        assert breaker.state is BreakerState.CLOSED


TestBreakerMachine = BreakerMachine.TestCase
TestBreakerMachine.settings = settings(max_examples=150, stateful_step_count=60, deadline=None)
