"""Questions kept while both models were down, to answer once one is back.

Pure bookkeeping (no I/O): the chat actor asks which questions to answer, which
to give up on, and whether a timer is still current; and what to tell the user.
"""

from __future__ import annotations

from collections import deque
from dataclasses import dataclass

from actors import texts
from actors.chat.messages import Incoming
from actors.i18n import Translator

SHORT_WAIT = 10.0
"""Below this many seconds "try again in about N s" would mislead: the wait is 0 when no breaker is open yet
(the models only just stopped answering, so nobody knows for how long), and a few seconds is a probe or a
short Retry-After whose outcome nobody knows either."""


def both_down_text(translate: Translator, wait: float, window: float, language: str) -> str:
    """The notice that both models are unavailable: when to try again and, if ``window`` > 0, that the question
    is kept for that long."""
    soon = wait < SHORT_WAIT
    when = translate.duration(wait, language)
    if window <= 0:
        if soon:
            return translate(texts.BOTH_MODELS_DOWN_SOON_NO_DEFER, language)
        return translate(texts.BOTH_MODELS_DOWN_NO_DEFER, language, wait=when)
    kept = translate.duration(window, language)
    if soon:
        return translate(texts.BOTH_MODELS_DOWN_SOON, language, window=kept)
    return translate(texts.BOTH_MODELS_DOWN, language, wait=when, window=kept)


@dataclass(slots=True)
class Deferred:
    incoming: Incoming
    deadline: float


class DeferredQuestions:
    """Oldest first, at most ``limit``; each expires ``window`` seconds after it was kept."""

    def __init__(self, window: float, limit: int = 50) -> None:
        self.window = window
        self.limit = limit
        self._queue: deque[Deferred] = deque()
        self.token = 0
        """The generation of the retry timer: a timer with an older token is stale."""

    def __len__(self) -> int:
        return len(self._queue)

    def keep(self, incoming: Incoming, now: float) -> Incoming | None:
        """Keep ``incoming``; returns the oldest question if it had to make room for it."""
        if any(d.incoming.update_id == incoming.update_id for d in self._queue):
            return None
        self._queue.append(Deferred(incoming, now + self.window))
        return self._queue.popleft().incoming if len(self._queue) > self.limit else None

    def expired(self, now: float) -> list[Incoming]:
        """Remove and return the questions whose window has passed."""
        gone = [d.incoming for d in self._queue if d.deadline < now]
        self._queue = deque(d for d in self._queue if d.deadline >= now)
        return gone

    def first(self) -> Incoming | None:
        return self._queue[0].incoming if self._queue else None

    def answered(self, update_id: int) -> None:
        self._queue = deque(d for d in self._queue if d.incoming.update_id != update_id)

    def new_timer(self) -> int:
        """A token for a new retry timer; every earlier timer becomes stale."""
        self.token += 1
        return self.token
