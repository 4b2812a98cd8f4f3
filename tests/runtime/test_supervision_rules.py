"""The restart-intensity rules, as pure logic with an explicit clock."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from runtime.supervision import Escalate, Restart, RestartPolicy, RestartTracker


def test_restarts_back_off_exponentially_up_to_the_cap() -> None:
    tracker = RestartTracker(RestartPolicy(max_restarts=10, within=100, backoff_initial=0.1, backoff_max=0.5))
    delays = [tracker.record_failure(now=float(i)) for i in range(5)]
    assert delays == [Restart(0.1), Restart(0.2), Restart(0.4), Restart(0.5), Restart(0.5)]


def test_one_failure_more_than_allowed_within_the_window_escalates() -> None:
    tracker = RestartTracker(RestartPolicy(max_restarts=3, within=10))
    decisions = [tracker.record_failure(now=t) for t in (0.0, 1.0, 2.0, 3.0)]
    assert all(isinstance(d, Restart) for d in decisions[:3])
    assert decisions[3] == Escalate(restarts=3, within=10)


def test_failures_older_than_the_window_are_forgotten() -> None:
    tracker = RestartTracker(RestartPolicy(max_restarts=2, within=10, backoff_initial=1, backoff_max=8))
    assert tracker.record_failure(0.0) == Restart(1)
    assert tracker.record_failure(5.0) == Restart(2)
    # At t=10 the failure at t=0 has left the window: two in the window again, and the backoff relaxes.
    assert tracker.record_failure(10.0) == Restart(2)
    assert isinstance(tracker.record_failure(11.0), Escalate)


def test_zero_restarts_escalates_at_once() -> None:
    assert isinstance(RestartTracker(RestartPolicy(max_restarts=0)).record_failure(0.0), Escalate)


@pytest.mark.parametrize(
    "kwargs",
    [{"max_restarts": -1}, {"within": 0}, {"backoff_initial": 2, "backoff_max": 1}, {"backoff_initial": -1}],
)
def test_nonsense_policies_are_refused(kwargs: dict[str, float]) -> None:
    with pytest.raises(ValueError):
        RestartPolicy(**kwargs)  # type: ignore[arg-type]


@given(
    max_restarts=st.integers(min_value=0, max_value=20),
    within=st.floats(min_value=0.1, max_value=100),
    gaps=st.lists(st.floats(min_value=0, max_value=50), min_size=1, max_size=60),
)
def test_escalates_exactly_when_the_window_holds_too_many_failures(
    max_restarts: int, within: float, gaps: list[float]
) -> None:
    tracker = RestartTracker(RestartPolicy(max_restarts=max_restarts, within=within))
    now, times = 0.0, []
    for gap in gaps:
        now += gap
        times.append(now)
        decision = tracker.record_failure(now)
        in_window = [t for t in times if now - t < within]
        if len(in_window) > max_restarts:
            assert isinstance(decision, Escalate)
            return  # the actor is gone; nothing more to record
        assert isinstance(decision, Restart)
        assert 0 <= decision.delay <= tracker.policy.backoff_max
