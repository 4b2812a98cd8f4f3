"""Restart intensity and backoff: when to restart a failed actor, and when to give up.

Pure logic with an injected clock (no I/O, no sleeping), so the rules are tested
directly. The runtime asks :meth:`RestartTracker.record_failure` after each crash
and either restarts after the returned delay or escalates to the parent.
"""

from __future__ import annotations

from collections import deque
from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class RestartPolicy:
    """One-for-one restart rules, as in Erlang/OTP supervisors.

    At most ``max_restarts`` restarts within ``within`` seconds; one failure more
    escalates to the parent. Restarts wait ``backoff_initial`` seconds, doubling
    with each restart still inside the window, up to ``backoff_max``.
    """

    max_restarts: int = 5
    within: float = 10.0
    backoff_initial: float = 0.01
    backoff_max: float = 1.0

    def __post_init__(self) -> None:
        if self.max_restarts < 0:
            raise ValueError("max_restarts must be >= 0")
        if self.within <= 0:
            raise ValueError("within must be > 0")
        if self.backoff_initial < 0 or self.backoff_max < self.backoff_initial:
            raise ValueError("need 0 <= backoff_initial <= backoff_max")


@dataclass(frozen=True, slots=True)
class Restart:
    """Restart the actor after ``delay`` seconds."""

    delay: float


@dataclass(frozen=True, slots=True)
class Escalate:
    """Give up: the actor failed more often than its policy allows."""

    restarts: int
    within: float


Decision = Restart | Escalate


class RestartTracker:
    """Remembers recent failures of one actor and decides what each new one means."""

    __slots__ = ("_failures", "policy")

    def __init__(self, policy: RestartPolicy) -> None:
        self.policy = policy
        self._failures: deque[float] = deque()

    def record_failure(self, now: float) -> Decision:
        """Record a failure at time ``now`` (seconds) and decide the response."""
        policy = self.policy
        while self._failures and now - self._failures[0] >= policy.within:
            self._failures.popleft()
        self._failures.append(now)
        restarts = len(self._failures)
        if restarts > policy.max_restarts:
            return Escalate(restarts=policy.max_restarts, within=policy.within)
        delay = min(policy.backoff_initial * 2 ** (restarts - 1), policy.backoff_max)
        return Restart(delay=delay)
