"""Exceptions raised by the actor runtime.

Every failure a caller can act on has its own class, so callers catch exactly
what they mean (``except MailboxFull`` to answer "one moment, please").
"""

from __future__ import annotations


class RuntimeFailure(Exception):
    """Base class of every exception the runtime raises on purpose."""


class MailboxFull(RuntimeFailure):
    """``tell`` found the mailbox full and the actor's overflow policy is ``reject``."""

    def __init__(self, actor: str) -> None:
        super().__init__(f"mailbox of {actor} is full")
        self.actor = actor


class ActorStopped(RuntimeFailure):
    """The actor is stopped or stopping and accepts no more messages."""

    def __init__(self, actor: str) -> None:
        super().__init__(f"{actor} is stopped")
        self.actor = actor


class AskTimeout(RuntimeFailure, TimeoutError):
    """``ask`` got no reply within its timeout."""

    def __init__(self, actor: str, timeout: float) -> None:
        super().__init__(f"{actor} did not reply within {timeout:g} s")
        self.actor = actor
        self.timeout = timeout


class ActorCrashed(RuntimeFailure):
    """The actor raised while handling the asked message; ``__cause__`` holds its error."""

    def __init__(self, actor: str) -> None:
        super().__init__(f"{actor} crashed while handling the message")
        self.actor = actor


class MessageDropped(RuntimeFailure):
    """The asked message was dropped from a full ``drop_oldest`` mailbox before it ran."""

    def __init__(self, actor: str) -> None:
        super().__init__(f"message to {actor} was dropped: mailbox overflow")
        self.actor = actor


class EscalationError(RuntimeFailure):
    """A failure escalated to the top of the supervision tree and stopped the service.

    ``__cause__`` is the last error of the actor that gave up.
    """

    def __init__(self, actor: str, restarts: int, within: float) -> None:
        super().__init__(
            f"{actor} exceeded its restart intensity ({restarts} restarts in {within:g} s); "
            "the failure reached the top of the supervision tree"
        )
        self.actor = actor
