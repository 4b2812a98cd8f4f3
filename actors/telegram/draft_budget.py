"""How often each streaming answer may update its draft: pure logic, no clock, no sleeping.

A draft update costs a Bot API request. With hundreds of answers streaming at
once, drafts every quarter second would be most of the bot's traffic and CPU.
:class:`DraftBudget` keeps draft updates for the whole bot at about
``per_second`` by sharing it fairly: with ``n`` answers streaming, each one
waits ``n / per_second`` seconds between its drafts (never less than the
configured interval). The first draft of an answer goes at once whatever the
load (it is the user's first sight of the answer) and the final message is
never delayed, so the bot's drafts stay within ``per_second`` plus the rate at
which answers start. Under light load nothing changes; under heavy load each
answer's later drafts come further apart.

Drafts are also what the bot can most easily give up when its event loop has
no time to spare: every answer in flight waits for a busy loop, and a reply
late by tens of milliseconds matters more than a preview shown a little less
often. :meth:`DraftBudget.observe_busy` takes how busy the loop was over the
last second: above ``busy_threshold`` the budget shrinks step by step (down
to :data:`FLOOR` of it), and once the loop is calm again it grows back.
"""

from __future__ import annotations

import math

SHRINK = 0.7
"""Each busy second multiplies the usable budget by this."""
GROW = 1.25
"""Each calm second multiplies it by this, up to the whole budget."""
FLOOR = 0.1
"""The share of the budget always kept, however busy the loop."""
CALM_MARGIN = 0.15
"""The loop counts as calm this far below the threshold (between the two the budget holds)."""


class DraftBudget:
    """About ``per_second`` draft updates a second for the whole bot (``math.inf``: no limit).

    An answer calls :meth:`first` when its first draft went out, :meth:`spacing`
    after each draft for the pause until its next one, and :meth:`finished`
    when it ends (only if it called :meth:`first`).
    """

    def __init__(self, per_second: float = math.inf, *, busy_threshold: float = 1.0) -> None:
        if not per_second > 0:
            raise ValueError("per_second must be > 0")
        if not 0 < busy_threshold <= 1:
            raise ValueError("busy_threshold must be in (0, 1]")
        self.per_second = per_second
        self.busy_threshold = busy_threshold
        """Above this share of its time spent working, the loop is too busy for the whole budget (1: never)."""
        self.share = 1.0
        """The part of the budget usable now (:data:`FLOOR` to 1)."""
        self.streaming = 0
        """Answers that showed a first draft and have not ended."""

    @property
    def allowed_per_second(self) -> float:
        """Draft updates a second for the whole bot as things stand."""
        return self.per_second * self.share

    def first(self) -> None:
        """An answer's first draft went out: from now on it shares the budget."""
        self.streaming += 1

    def spacing(self, interval: float) -> float:
        """Seconds a streaming answer waits before its next draft: ``interval``, or its share of the budget."""
        return max(interval, self.streaming / self.allowed_per_second)

    def observe_busy(self, busy: float) -> None:
        """The event loop spent ``busy`` (0 to 1) of the last second working: thin drafts out, or restore them."""
        if busy > self.busy_threshold:
            self.share = max(FLOOR, self.share * SHRINK)
        elif busy < self.busy_threshold - CALM_MARGIN:
            self.share = min(1.0, self.share * GROW)

    def finished(self) -> None:
        """A streaming answer ended: its share goes to the others."""
        self.streaming = max(0, self.streaming - 1)
