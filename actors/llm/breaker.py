"""A circuit breaker for one model: a pure state machine with an injected clock.

States: ``closed`` (calls flow), ``open`` (calls refused for a break time),
``half_open`` (exactly one probe call at a time decides). The breaker opens on
a run of consecutive failures or on a high failure rate over a sliding window
of recent calls. Each re-open doubles the break time up to a cap; a probe's
success closes the breaker and resets it.

Independently of the state, rate limits and misconfiguration (a bad key, no
credits) *route the model away* until a given time: no call is let through,
yet nothing counts as a failure.

Every call goes ``permit = try_acquire(now)`` → the call → ``record(permit,
effect, now)`` (or ``release(permit, now)`` if the call was abandoned). Results
of calls that started in an earlier state (a stale permit) do not change the
state: a slow failure that began before the breaker closed says nothing about
the model now.
"""

from __future__ import annotations

import enum
from collections import deque
from dataclasses import dataclass

from actors.llm.errors import HealthEffect


class BreakerState(enum.Enum):
    CLOSED = "closed"
    OPEN = "open"
    HALF_OPEN = "half_open"


@dataclass(frozen=True, slots=True)
class BreakerConfig:
    """Thresholds and durations (seconds). The defaults suit a chat bot with two models."""

    consecutive_failures: int = 3
    """Open after this many failures in a row."""
    window_size: int = 20
    """The sliding window of recent calls for the failure rate."""
    window_min_calls: int = 5
    """The failure rate is judged only once the window holds this many calls."""
    failure_rate: float = 0.5
    """Open when at least this share of the window failed."""
    break_time: float = 15.0
    """The first break; doubles on each re-open from half-open."""
    max_break_time: float = 300.0
    rate_limited_default: float = 30.0
    """Route away this long after a rate limit without Retry-After."""
    rate_limited_max: float = 3600.0
    """Never trust a Retry-After longer than this."""
    misconfigured_for: float = 600.0
    """Route away this long after a bad key or missing credits (MISCONFIGURED_OPEN_SECONDS, 10 minutes)."""
    probe_timeout: float = 180.0
    """A probe that never reported is presumed lost after this long, and another may go."""

    def __post_init__(self) -> None:
        if self.consecutive_failures < 1:
            raise ValueError("consecutive_failures must be >= 1")
        if not 1 <= self.window_min_calls <= self.window_size:
            raise ValueError("need 1 <= window_min_calls <= window_size")
        if not 0 < self.failure_rate <= 1:
            raise ValueError("failure_rate must be in (0, 1]")
        if not 0 < self.break_time <= self.max_break_time:
            raise ValueError("need 0 < break_time <= max_break_time")
        if min(self.rate_limited_default, self.rate_limited_max, self.misconfigured_for, self.probe_timeout) <= 0:
            raise ValueError("durations must be > 0")


@dataclass(frozen=True, slots=True)
class Transition:
    """A change the caller may record as a model event.

    A state change has ``from_state != to_state``. Routing the model away keeps
    the state (``from_state == to_state``) and sets ``until``.
    """

    from_state: BreakerState
    to_state: BreakerState
    reason: str
    at: float
    until: float | None = None
    route_away: str | None = None
    """For routing away: ``"rate limited"`` or ``"misconfigured"`` (a bad key or no credits)."""


@dataclass(frozen=True, slots=True)
class Permit:
    """Leave to make one call. ``probe``: the half-open trial whose result decides the state."""

    serial: int
    epoch: int
    probe: bool
    issued_at: float
    transitions: tuple[Transition, ...] = ()
    """State changes acquiring caused (open → half_open)."""


@dataclass(frozen=True, slots=True)
class BreakerSnapshot:
    """The breaker's state for metrics and dashboards."""

    state: BreakerState
    opened_at: float | None
    break_time: float
    consecutive_failures: int
    window_calls: int
    window_failure_rate: float
    last_error_reason: str | None
    route_away_until: float
    route_away_reason: str | None


class CircuitBreaker:
    """The health of one model. Not thread-safe; no I/O; every method takes ``now``."""

    def __init__(self, config: BreakerConfig | None = None) -> None:
        self.config = config or BreakerConfig()
        self._state = BreakerState.CLOSED
        self._epoch = 0  # bumped on every state change; permits from older epochs are stale
        self._serial = 0
        self._window: deque[bool] = deque(maxlen=self.config.window_size)  # True: a failure
        self._consecutive = 0
        self._break = self.config.break_time
        self._opened_at: float | None = None
        self._probe: int | None = None  # serial of the outstanding probe
        self._probe_at = 0.0
        self._route_away_until = float("-inf")
        self._route_away_reason: str | None = None
        self._last_error: str | None = None

    @property
    def state(self) -> BreakerState:
        return self._state

    @property
    def break_time(self) -> float:
        """The length of the current (or next) open period."""
        return self._break

    def try_acquire(self, now: float) -> Permit | None:
        """A permit for one call, or ``None`` when the model must not be called now."""
        if now < self._route_away_until:
            return None
        transitions: tuple[Transition, ...] = ()
        if self._state is BreakerState.OPEN:
            if self._opened_at is None or now < self._opened_at + self._break:
                return None
            transitions = (self._move(BreakerState.HALF_OPEN, "break time over: probing", now),)
        if self._state is BreakerState.HALF_OPEN:
            if self._probe is not None and now < self._probe_at + self.config.probe_timeout:
                return None
            self._serial += 1
            self._probe, self._probe_at = self._serial, now
            return Permit(self._serial, self._epoch, probe=True, issued_at=now, transitions=transitions)
        self._serial += 1
        return Permit(self._serial, self._epoch, probe=False, issued_at=now)

    def release(self, permit: Permit, now: float) -> None:
        """The call was abandoned (cancelled) before it said anything about the model: free its probe slot."""
        if permit.probe and self._probe == permit.serial:
            self._probe = None

    def record(
        self,
        permit: Permit,
        effect: HealthEffect,
        now: float,
        retry_after: float | None = None,
        reason: str | None = None,
    ) -> list[Transition]:
        """Record how the call under ``permit`` went; return the transitions it caused.

        ``retry_after`` (seconds) applies to :attr:`HealthEffect.RATE_LIMITED`;
        ``reason`` (e.g. the outcome) is kept as the last error for snapshots.
        """
        if effect in (HealthEffect.RATE_LIMITED, HealthEffect.MISCONFIGURED):
            self.release(permit, now)
            return self._route_away(effect, now, retry_after, reason)
        if effect in (HealthEffect.NEUTRAL, HealthEffect.TRIM_AND_RETRY):
            self.release(permit, now)
            return []
        if permit.epoch != self._epoch:
            return []  # a stale call: it started before the current state
        if effect is HealthEffect.FAILURE:
            self._last_error = reason or "failure"
            return self._failure(permit, now)
        return self._success(permit, now)

    def available_at(self, now: float) -> float:
        """When the breaker will next accept a call (``now`` if it would now); for "try again in N s"."""
        at = now
        if self._state is BreakerState.OPEN and self._opened_at is not None:
            at = max(at, self._opened_at + self._break)
        elif self._state is BreakerState.HALF_OPEN and self._probe is not None:
            at = max(at, self._probe_at + self.config.probe_timeout)
        return max(at, self._route_away_until)

    def snapshot(self) -> BreakerSnapshot:
        window = len(self._window)
        return BreakerSnapshot(
            state=self._state,
            opened_at=self._opened_at,
            break_time=self._break,
            consecutive_failures=self._consecutive,
            window_calls=window,
            window_failure_rate=(sum(self._window) / window) if window else 0.0,
            last_error_reason=self._last_error,
            route_away_until=self._route_away_until,
            route_away_reason=self._route_away_reason,
        )

    # -- rules -------------------------------------------------------------

    def _failure(self, permit: Permit, now: float) -> list[Transition]:
        if self._state is BreakerState.HALF_OPEN:
            if permit.serial != self._probe:
                return []
            self._break = min(self._break * 2, self.config.max_break_time)
            return [self._open(f"probe failed ({self._last_error}); break {self._break:g} s", now)]
        self._consecutive += 1
        self._window.append(True)
        config = self.config
        if self._consecutive >= config.consecutive_failures:
            return [self._open(f"{self._consecutive} consecutive failures ({self._last_error})", now)]
        calls = len(self._window)
        rate = sum(self._window) / calls
        if calls >= config.window_min_calls and rate >= config.failure_rate:
            return [self._open(f"failure rate {rate:.0%} over the last {calls} calls", now)]
        return []

    def _success(self, permit: Permit, now: float) -> list[Transition]:
        if self._state is BreakerState.HALF_OPEN:
            if permit.serial != self._probe:
                return []
            self._break = self.config.break_time
            self._opened_at = None
            return [self._move(BreakerState.CLOSED, "probe succeeded", now)]
        self._consecutive = 0
        self._window.append(False)
        return []

    def _open(self, reason: str, now: float) -> Transition:
        self._opened_at = now
        return self._move(BreakerState.OPEN, reason, now)

    def _move(self, to: BreakerState, reason: str, now: float) -> Transition:
        transition = Transition(self._state, to, reason, now)
        self._state = to
        self._epoch += 1
        self._probe = None
        if to is BreakerState.CLOSED:
            # A fresh start; while open or half-open the counters keep what opened it, for snapshots.
            self._consecutive = 0
            self._window.clear()
        return transition

    def _route_away(
        self, effect: HealthEffect, now: float, retry_after: float | None, reason: str | None
    ) -> list[Transition]:
        config = self.config
        if effect is HealthEffect.MISCONFIGURED:
            until, kind = now + config.misconfigured_for, "misconfigured"
        else:
            wait = config.rate_limited_default if retry_after is None else retry_after
            until, kind = now + min(max(wait, 0.0), config.rate_limited_max), "rate limited"
        escalated = kind == "misconfigured" and self._route_away_reason != kind
        if until <= self._route_away_until and not escalated:
            return []
        new_period = now >= self._route_away_until or escalated
        self._route_away_until = max(until, self._route_away_until)
        if new_period or self._route_away_reason is None:
            self._route_away_reason = kind
        if not new_period:
            return []
        text = f"{kind}: {reason}" if reason else kind
        return [Transition(self._state, self._state, text, now, until=self._route_away_until, route_away=kind)]
