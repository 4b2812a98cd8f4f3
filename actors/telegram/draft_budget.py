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
"""

from __future__ import annotations

import math


class DraftBudget:
    """About ``per_second`` draft updates a second for the whole bot (``math.inf``: no limit).

    An answer calls :meth:`first` when its first draft went out, :meth:`spacing`
    after each draft for the pause until its next one, and :meth:`finished`
    when it ends (only if it called :meth:`first`).
    """

    def __init__(self, per_second: float = math.inf) -> None:
        if not per_second > 0:
            raise ValueError("per_second must be > 0")
        self.per_second = per_second
        self.streaming = 0
        """Answers that showed a first draft and have not ended."""

    def first(self) -> None:
        """An answer's first draft went out: from now on it shares the budget."""
        self.streaming += 1

    def spacing(self, interval: float) -> float:
        """Seconds a streaming answer waits before its next draft: ``interval``, or its share of the budget."""
        return max(interval, self.streaming / self.per_second)

    def finished(self) -> None:
        """A streaming answer ended: its share goes to the others."""
        self.streaming = max(0, self.streaming - 1)
