"""Both-down incidents from the ``model_events`` rows that mark them (pure logic)."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime

STARTS = "both_down"
ENDS = "both_down_end"


@dataclass(frozen=True)
class Outage:
    """A period during which no model could answer; ``end`` is None while it lasts."""

    start: datetime
    end: datetime | None

    def seconds_within(self, start: datetime, end: datetime) -> float:
        """How long the outage overlaps ``[start, end)``; an open one lasts until ``end``."""
        stop = min(self.end, end) if self.end is not None else end
        return max(0.0, (stop - max(self.start, start)).total_seconds())


def pair_events(events: Iterable[tuple[datetime, str]]) -> list[Outage]:
    """Incidents from ``(at, kind)`` events in time order.

    A ``both_down`` starts an incident unless one is already open (the bot records one
    per unanswered request); the next ``both_down_end`` closes it. An end without a
    start (its start lies before the events given) is ignored.
    """
    outages: list[Outage] = []
    opened: datetime | None = None
    for at, kind in events:
        if kind == STARTS and opened is None:
            opened = at
        elif kind == ENDS and opened is not None:
            outages.append(Outage(opened, at))
            opened = None
    if opened is not None:
        outages.append(Outage(opened, None))
    return outages
