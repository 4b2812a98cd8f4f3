"""What every chat actor needs, bundled once at start-up."""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

import anyio

from actors.i18n import Translator
from actors.llm.router import ModelRouter
from actors.persistence.store import DialogStore
from actors.roles import Roles
from actors.telegram.courier import Courier
from actors.telegram.draft_budget import DraftBudget
from runtime import ActorRef


class Generations:
    """The answers being streamed right now, so that a stop button can cancel one.

    The stop arrives as its own update while the chat actor is busy streaming,
    so it cannot wait in the actor's mailbox: the handler cancels the
    generation's scope directly.
    """

    def __init__(self) -> None:
        self._running: dict[int, tuple[int, anyio.CancelScope]] = {}

    @contextmanager
    def running(self, chat_id: int, draft_id: int) -> Iterator[anyio.CancelScope]:
        with anyio.CancelScope() as scope:
            self._running[chat_id] = (draft_id, scope)
            try:
                yield scope
            finally:
                if self._running.get(chat_id, (None, None))[1] is scope:
                    del self._running[chat_id]

    def stop(self, chat_id: int, draft_id: int) -> bool:
        """Cancel the answer streaming in ``chat_id`` under ``draft_id``; False if there is none."""
        running = self._running.get(chat_id)
        if running is None or running[0] != draft_id:
            return False
        running[1].cancel()
        return True


@dataclass
class ChatDeps:
    courier: Courier
    router: ModelRouter
    persistence: ActorRef[Any, Any]
    store: DialogStore | None
    roles: Roles
    translate: Translator
    generations: Generations
    answer_button: Callable[[str, str | None], Awaitable[None]]
    context_tokens: int = 8000
    draft_interval: float = 0.25
    draft_budget: DraftBudget = field(default_factory=DraftBudget)
    edit_interval: float = 1.0
    defer_window: float = 600.0
    fallback_note: bool = False
    on_answer: Callable[[float, bool, bool], None] = lambda latency, fallback, stopped: None

    def stream_interval(self, by_edits: bool) -> float:
        return self.edit_interval if by_edits else self.draft_interval
