"""Small actors used by the runtime tests."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import anyio

from runtime import Actor, ActorRef


@dataclass
class Journal:
    """What the actors under test did, shared across restarts."""

    handled: list[Any] = field(default_factory=list)
    starts: int = 0
    stops: int = 0
    events: list[str] = field(default_factory=list)


class Hold:
    """A message that keeps its actor busy until released."""

    def __init__(self) -> None:
        self.entered = anyio.Event()
        self.release = anyio.Event()


async def occupy(ref: ActorRef[Any, Any]) -> Hold:
    """Make ``ref``'s actor busy with a :class:`Hold` and return once it is inside the handler."""
    hold = Hold()
    ref.tell(hold)
    await hold.entered.wait()
    return hold


class Recorder(Actor[Any, Any]):
    """Records every message; ``"boom"`` crashes it, ``("sleep", s)`` sleeps, a :class:`Hold` blocks."""

    def __init__(self, journal: Journal, name: str = "") -> None:
        self.journal = journal
        self.name = name
        self.count = 0

    async def on_start(self) -> None:
        self.journal.starts += 1
        self.journal.events.append(f"start {self.name}")

    async def receive(self, message: Any) -> Any:
        if message == "boom":
            raise ValueError("boom")
        if isinstance(message, tuple) and message[0] == "sleep":
            await anyio.sleep(message[1])
        if isinstance(message, Hold):
            message.entered.set()
            await message.release.wait()
        self.count += 1
        self.journal.handled.append(message)
        return self.count

    async def on_stop(self) -> None:
        self.journal.stops += 1
        self.journal.events.append(f"stop {self.name}")
