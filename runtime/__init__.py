"""A small actor/supervisor runtime on anyio (asyncio or trio).

Actors handle one message at a time from a bounded mailbox; supervisors restart
them within a restart intensity and escalate beyond it; registries spawn actors
by key and passivate idle ones; the system stops everything gracefully. Nothing
here knows about Telegram, LLMs or databases.
"""

from runtime.actor import Actor, ActorRef, Context, PendingReply
from runtime.errors import (
    ActorCrashed,
    ActorStopped,
    AskTimeout,
    EscalationError,
    MailboxFull,
    MessageDropped,
    RuntimeFailure,
)
from runtime.mailbox import Overflow
from runtime.observer import Observer
from runtime.registry import Registry
from runtime.signals import shutdown_on_signals
from runtime.supervision import RestartPolicy
from runtime.system import ActorSystem, KindStats, Timer

__all__ = [
    "Actor",
    "ActorCrashed",
    "ActorRef",
    "ActorStopped",
    "ActorSystem",
    "AskTimeout",
    "Context",
    "EscalationError",
    "KindStats",
    "MailboxFull",
    "MessageDropped",
    "Observer",
    "Overflow",
    "PendingReply",
    "Registry",
    "RestartPolicy",
    "RuntimeFailure",
    "Timer",
    "shutdown_on_signals",
]
