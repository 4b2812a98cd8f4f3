"""Hooks through which a service watches its actors (for Prometheus metrics).

The runtime calls these on its hot path, so implementations must be cheap and
must not raise. ``kind`` is the label given at spawn time ("chat", "persistence"),
never a per-actor name, so metric cardinality stays bounded.
"""

from __future__ import annotations


class Observer:
    """Receives runtime events; the base class ignores them all."""

    def actor_started(self, kind: str) -> None:
        """An actor of ``kind`` started (first start, not restarts)."""

    def actor_stopped(self, kind: str) -> None:
        """An actor of ``kind`` stopped for good (stop, passivation or escalation)."""

    def actor_restarted(self, kind: str) -> None:
        """An actor of ``kind`` crashed and was restarted by its supervisor."""

    def message_processed(self, kind: str, seconds: float, *, failed: bool) -> None:
        """An actor of ``kind`` handled one message in ``seconds``; ``failed`` if it raised.

        Timing every message costs a clock read and this call on the hot path,
        so actors time told messages only when the observer overrides this.
        """

    def message_rejected(self, kind: str) -> None:
        """``tell`` to a full ``reject`` mailbox raised :class:`~runtime.MailboxFull`."""

    def message_dropped(self, kind: str) -> None:
        """A full ``drop_oldest`` mailbox discarded its oldest message."""
