"""Per-user rate limits as pure logic with an explicit clock.

:class:`UserRateLimiter` protects cost and fairness (messages per user per
minute and per day); :class:`Cooldown` keeps a repeated notice to one per
chat and period. Neither sleeps. The bot's own pace towards Telegram lives
in :mod:`actors.telegram.pacing`.
"""

from __future__ import annotations

from collections import deque
from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class Allowed:
    pass


@dataclass(frozen=True, slots=True)
class Limited:
    """Over a limit: ``window`` is ``"minute"`` or ``"day"``; retry after ``retry_after`` seconds.

    ``first`` is True for the first refusal in a row, so the bot answers a flood
    with one explanation rather than hundreds.
    """

    window: str
    retry_after: float
    first: bool


Decision = Allowed | Limited


class _UserWindow:
    __slots__ = ("day", "day_count", "notified", "recent")

    def __init__(self) -> None:
        self.recent: deque[float] = deque()
        self.day = -1
        self.day_count = 0
        self.notified = False


class UserRateLimiter:
    """At most ``per_minute`` messages in any 60 s and ``per_day`` per UTC day, per user."""

    def __init__(self, per_minute: int, per_day: int, *, max_users: int = 100_000) -> None:
        self.per_minute = per_minute
        self.per_day = per_day
        self._max_users = max_users
        self._users: dict[int, _UserWindow] = {}

    def check(self, user_id: int, now: float) -> Decision:
        """Count a message from ``user_id`` at wall-clock time ``now`` (epoch seconds) if allowed."""
        window = self._users.get(user_id)
        if window is None:
            if len(self._users) >= self._max_users:
                self._forget_idle(now)
            window = self._users[user_id] = _UserWindow()
        day = int(now // 86_400)
        if day != window.day:
            window.day, window.day_count = day, 0
        while window.recent and now - window.recent[0] >= 60:
            window.recent.popleft()
        if window.day_count >= self.per_day:
            return self._refuse(window, "day", (day + 1) * 86_400 - now)
        if len(window.recent) >= self.per_minute:
            return self._refuse(window, "minute", 60 - (now - window.recent[0]))
        window.recent.append(now)
        window.day_count += 1
        window.notified = False
        return Allowed()

    @staticmethod
    def _refuse(window: _UserWindow, kind: str, retry_after: float) -> Limited:
        first = not window.notified
        window.notified = True
        return Limited(window=kind, retry_after=max(retry_after, 0.0), first=first)

    def _forget_idle(self, now: float) -> None:
        # Users silent for a minute only lose their minute window, which is empty anyway;
        # their day count is lost too, a deliberate trade for bounded memory.
        for user_id in [u for u, w in self._users.items() if not w.recent or now - w.recent[-1] >= 60]:
            del self._users[user_id]


class Cooldown:
    """At most one event per key every ``every`` seconds. Time is monotonic seconds.

    Memory holds only the keys still cooling down: a key is forgotten once
    its period is over, however many keys were ever seen.
    """

    def __init__(self, every: float) -> None:
        self.every = every
        self._since: dict[int, float] = {}  # insertion order is time order: entries are only ever added at "now"

    def ready(self, key: int, now: float) -> bool:
        """True (and the period starts) if ``key`` had no event in the last ``every`` seconds."""
        self._expire(now)
        if key in self._since:
            return False
        self._since[key] = now
        return True

    def _expire(self, now: float) -> None:
        while self._since:
            key, since = next(iter(self._since.items()))
            if now - since < self.every:
                return
            del self._since[key]

    def __len__(self) -> int:
        return len(self._since)
