"""When the next message may go to Telegram: pure logic with an explicit clock, no sleeping.

Telegram's limits are not officially fixed: about one message a second per
chat (short bursts tolerated), at most 20 a minute in a group, about 30 a
second for the whole bot. Over them it answers 429. :class:`Pacer` books each
outgoing message the earliest moment that keeps every limit, and the caller
sleeps until then. Bookings may lie in the future (a busy chat queues up), and
a booking for one chat never waits behind another chat's future bookings
unless a shared limit really is full.
"""

from __future__ import annotations

import bisect
import math
from dataclasses import dataclass

PACE_MARGIN = 0.95
"""Pace at 95% of each limit: requests reach Telegram with jitter, and a few early
milliseconds would otherwise cost a 429 and a whole ``retry_after``."""

MAX_TRACKED_CHATS = 10_000
"""Above this many chats, the idle ones are forgotten (their limits are at rest anyway)."""


@dataclass(frozen=True, slots=True)
class Limits:
    global_per_second: float = 30.0
    chat_per_second: float = 1.0
    chat_burst: float = 3.0
    group_per_minute: float = 20.0


class Bucket:
    """``rate`` messages a second with bursts of ``burst`` (a token bucket kept as its
    theoretical arrival time, the GCRA form, so that future bookings are simple).

    ``hold(until)`` blocks it until a moment (Telegram said "retry after").
    """

    __slots__ = ("_tat", "blocked_until", "interval", "tolerance")

    def __init__(self, rate: float, burst: float) -> None:
        if rate <= 0 or burst < 1:
            raise ValueError("need rate > 0 and burst >= 1")
        self.interval = 1.0 / rate
        self.tolerance = (burst - 1.0) * self.interval
        self._tat = -math.inf
        self.blocked_until = -math.inf

    def earliest(self, t: float) -> float:
        """The first moment at or after ``t`` a message fits."""
        return max(t, self._tat - self.tolerance, self.blocked_until)

    def book(self, t: float) -> None:
        self._tat = max(self._tat, t) + self.interval

    def hold(self, until: float) -> None:
        self.blocked_until = max(self.blocked_until, until)

    def idle(self, now: float) -> bool:
        """True when the bucket is full and unblocked, i.e. it can be forgotten."""
        return self._tat <= now and self.blocked_until <= now


class Window:
    """At most ``limit`` messages in any ``period`` seconds (a sliding window, as Telegram counts).

    Booked moments are kept sorted; a booking may land between two earlier ones.
    """

    __slots__ = ("limit", "period", "times")

    def __init__(self, limit: int, period: float) -> None:
        if limit < 1 or period <= 0:
            raise ValueError("need limit >= 1 and period > 0")
        self.limit = limit
        self.period = period
        self.times: list[float] = []

    def earliest(self, t: float) -> float:
        """The first moment at or after ``t`` whose booking leaves no window over the limit."""
        while True:
            later = self._violation(t)
            if later is None:
                return t
            t = later

    def _violation(self, t: float) -> float | None:
        """None if ``t`` fits; else the earliest moment that could (past the crowd it falls into).

        With ``t`` inserted, every run of ``limit + 1`` consecutive bookings must span
        at least ``period``. A run that does not contains ``limit`` bookings besides
        ``t``; no moment before the first of them plus ``period`` can escape it.
        """
        times, limit = self.times, self.limit
        at = bisect.bisect_right(times, t)
        escape: float | None = None
        # Runs of limit other bookings around t: times[start : start + limit].
        for start in range(max(0, at - limit), min(at, len(times) - limit) + 1):
            first, last = times[start], times[start + limit - 1]
            # Compared as a sum, exactly as the escape is computed: no rounding can keep t inside.
            if max(last, t) < min(first, t) + self.period:
                escape = first + self.period if escape is None else max(escape, first + self.period)
        return escape

    def book(self, t: float) -> None:
        bisect.insort(self.times, t)

    def forget(self, now: float) -> None:
        """Drop bookings too old to matter for any moment from ``now`` on."""
        cut = bisect.bisect_left(self.times, now - self.period)
        if cut:
            del self.times[:cut]

    def idle(self, now: float) -> bool:
        return not self.times or self.times[-1] <= now - self.period


class Pacer:
    """Books outgoing messages within the overall, per-chat and per-group limits."""

    def __init__(self, limits: Limits | None = None, *, margin: float = PACE_MARGIN) -> None:
        self.limits = limits or Limits()
        self.margin = margin
        self._global = _window(self.limits.global_per_second * margin, 1.0)
        self._chats: dict[int, Bucket] = {}
        self._groups: dict[int, Window] = {}
        self._next_sweep = -math.inf

    def reserve(self, chat_id: int, now: float) -> float:
        """Book the earliest moment at or after ``now`` for a message to ``chat_id``; return the wait."""
        self._global.forget(now)
        limits: list[Bucket | Window] = [self._global, self._chat(chat_id, now)]
        if chat_id < 0:  # groups, supergroups and channels have negative ids
            group = self._group(chat_id)
            group.forget(now)
            limits.append(group)
        t = now
        while True:  # each limit may push the moment later; stop when all agree
            later = max(limit.earliest(t) for limit in limits)
            if later <= t:
                break
            t = later
        for limit in limits:
            limit.book(t)
        return t - now

    def hold(self, chat_id: int, now: float, until: float) -> None:
        """Telegram said to wait: nothing goes to ``chat_id`` before ``until``."""
        self._chat(chat_id, now).hold(until)

    def _chat(self, chat_id: int, now: float) -> Bucket:
        bucket = self._chats.get(chat_id)
        if bucket is None:
            if len(self._chats) >= MAX_TRACKED_CHATS and now >= self._next_sweep:
                self._forget_idle(now)
                self._next_sweep = now + 1.0  # at most one sweep a second, even if none was idle
            bucket = self._chats[chat_id] = Bucket(self.limits.chat_per_second * self.margin, self.limits.chat_burst)
        return bucket

    def _group(self, chat_id: int) -> Window:
        window = self._groups.get(chat_id)
        if window is None:
            window = self._groups[chat_id] = _window(self.limits.group_per_minute * self.margin, 60.0)
        return window

    def _forget_idle(self, now: float) -> None:
        for chat_id in [c for c, bucket in self._chats.items() if bucket.idle(now)]:
            del self._chats[chat_id]
        for chat_id in [c for c, window in self._groups.items() if window.idle(now)]:
            del self._groups[chat_id]

    @property
    def tracked_chats(self) -> int:
        return len(self._chats)


def _window(per_period: float, period: float) -> Window:
    """At most ``per_period`` (already lowered by the margin) in any ``period``: whole messages, never more."""
    if per_period >= 1:
        return Window(math.floor(per_period), period)
    return Window(1, period / per_period)
