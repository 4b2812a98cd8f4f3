"""Faults a test can ask for: failing the next calls of a method, and Telegram-like flood control."""

from __future__ import annotations

import math
from collections import deque
from dataclasses import dataclass

_DEFAULT_DESCRIPTIONS = {
    400: "Bad Request: simulated failure",
    401: "Unauthorized",
    403: "Forbidden: bot was blocked by the user",
    404: "Not Found",
    409: "Conflict: terminated by other getUpdates request; make sure that only one bot instance is running",
    500: "Internal Server Error",
    502: "Bad Gateway",
    503: "Service Unavailable",
    504: "Gateway Timeout",
}


@dataclass(frozen=True)
class PlannedFailure:
    """How one upcoming call of a method fails."""

    status: int
    description: str
    retry_after: int | None = None
    raw_body: str | None = None
    """A non-JSON body to send instead (e.g. the HTML page nginx answers with on 502)."""
    after_effect: bool = False
    """Perform the call first, then answer with the error: the answer was lost, the effect was not."""


def describe_status(status: int, retry_after: int | None) -> str:
    """Telegram's usual description for an error status."""
    if status == 429:
        return f"Too Many Requests: retry after {retry_after or 1}"
    return _DEFAULT_DESCRIPTIONS.get(status, f"Error {status}")


class FailurePlan:
    """Per-method queues of failures for the next calls."""

    def __init__(self) -> None:
        self._queues: dict[str, deque[PlannedFailure]] = {}

    def add(self, method: str, failure: PlannedFailure, times: int = 1) -> None:
        queue = self._queues.setdefault(method.lower(), deque())
        queue.extend([failure] * times)

    def take(self, method: str) -> PlannedFailure | None:
        """The failure planned for this call of ``method``, if any (consumed)."""
        queue = self._queues.get(method.lower())
        return queue.popleft() if queue else None


class FloodControl:
    """Telegram's undocumented rate limits: per chat, per group per minute, and per bot overall.

    Per chat is a token bucket (``burst`` messages, refilled at ``per_chat_per_second``);
    groups (negative chat ids) and the whole bot use sliding windows.
    """

    def __init__(self) -> None:
        self.enabled = False
        self.per_chat_per_second = 1.0
        self.burst = 3
        self.per_group_per_minute = 20
        self.global_per_second = 30
        self._buckets: dict[int, tuple[float, float]] = {}
        self._group_sends: dict[int, deque[float]] = {}
        self._all_sends: deque[float] = deque()

    def configure(
        self,
        *,
        enabled: bool,
        per_chat_per_second: float,
        burst: int,
        per_group_per_minute: int,
        global_per_second: int,
    ) -> None:
        self.enabled = enabled
        self.per_chat_per_second = per_chat_per_second
        self.burst = burst
        self.per_group_per_minute = per_group_per_minute
        self.global_per_second = global_per_second
        self._buckets.clear()
        self._group_sends.clear()
        self._all_sends.clear()

    def admit(self, chat_id: int, now: float) -> int | None:
        """Count a send to ``chat_id`` at ``now`` and return None, or return the retry_after seconds if over a limit.

        A refused send is not counted.
        """
        if not self.enabled:
            return None
        tokens, last = self._buckets.get(chat_id, (float(self.burst), now))
        tokens = min(float(self.burst), tokens + (now - last) * self.per_chat_per_second)
        waits = [0.0]
        if tokens < 1.0:
            waits.append((1.0 - tokens) / self.per_chat_per_second)
        group = self._group_sends.setdefault(chat_id, deque()) if chat_id < 0 else None
        if group is not None:
            _forget_before(group, now - 60.0)
            if len(group) >= self.per_group_per_minute:
                waits.append(group[0] + 60.0 - now)
        _forget_before(self._all_sends, now - 1.0)
        if len(self._all_sends) >= self.global_per_second:
            waits.append(self._all_sends[0] + 1.0 - now)
        wait = max(waits)
        if wait > 0:
            return max(1, math.ceil(wait))
        self._buckets[chat_id] = (tokens - 1.0, now)
        if group is not None:
            group.append(now)
        self._all_sends.append(now)
        return None


def _forget_before(times: deque[float], cutoff: float) -> None:
    while times and times[0] <= cutoff:
        times.popleft()
