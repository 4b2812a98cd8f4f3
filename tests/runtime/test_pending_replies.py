"""Replies given later: an actor answers an ask after handling other messages (group commit, say)."""

from __future__ import annotations

from typing import Any

import anyio
import anyio.lowlevel
import pytest

from runtime import Actor, ActorStopped, ActorSystem, PendingReply

pytestmark = pytest.mark.anyio


class Batcher(Actor[Any, Any]):
    """Collects ``("add", x)`` asks and answers all of them at ``"commit"`` with the batch they were part of.

    ``"size"`` answers how many are waiting for the commit; ``("probe", seen, event)`` notes in ``seen``
    how many messages wait behind it and sets ``event``; ``"crash"`` raises with replies still owed.
    """

    def __init__(self, settle_on_stop: bool = False) -> None:
        self.owed: list[PendingReply[Any]] = []
        self.batch: list[Any] = []
        self.settle_on_stop = settle_on_stop

    async def receive(self, message: Any) -> Any:
        if message == "commit":
            batch, owed = tuple(self.batch), self.owed
            self.batch, self.owed = [], []
            for reply in owed:
                reply.resolve(batch)
            return len(batch)
        if message == "size":
            return len(self.batch)
        if isinstance(message, tuple) and message[0] == "probe":
            message[1].append(self.context.queued)
            message[2].set()
            return None
        if message == "crash":
            raise RuntimeError("crash")
        if message == "now":
            pending: PendingReply[Any] = PendingReply()
            pending.resolve("settled before it was returned")
            return pending
        self.batch.append(message[1])
        pending = PendingReply()
        self.owed.append(pending)
        return pending

    async def on_stop(self) -> None:
        if self.settle_on_stop:
            for pending in self.owed:
                pending.resolve("flushed on stop")


async def test_asks_answered_later_get_the_value_given_then() -> None:
    async with ActorSystem() as system:
        ref = system.spawn(Batcher, kind="batcher")
        answers: dict[int, Any] = {}

        async def add(x: int) -> None:
            answers[x] = await ref.ask(("add", x), timeout=5)

        async with anyio.create_task_group() as tasks:
            for x in range(3):
                tasks.start_soon(add, x)
            while await waiting(ref) < 3:
                pass
            assert await ref.ask("commit", timeout=5) == 3
    # Every ask got the same batch, the one committed with it (in whatever order the tasks ran).
    assert len(set(answers.values())) == 1 and sorted(answers[0]) == [0, 1, 2]


async def waiting(ref: Any) -> int:
    """How many adds wait for the commit (after letting the other tasks run)."""
    await anyio.lowlevel.checkpoint()
    return await ref.ask("size", timeout=5)  # type: ignore[no-any-return]


async def test_a_reply_settled_before_it_is_returned_still_arrives() -> None:
    async with ActorSystem() as system:
        ref = system.spawn(Batcher, kind="batcher")
        assert await ref.ask("now", timeout=5) == "settled before it was returned"


@pytest.mark.parametrize("how", ["crash", "stop"])
async def test_replies_still_owed_when_the_actor_ends_fail_instead_of_hanging(how: str) -> None:
    async with ActorSystem() as system:
        ref = system.spawn(Batcher, kind="batcher")
        outcome: list[BaseException] = []

        async def add() -> None:
            try:
                await ref.ask(("add", 1), timeout=30)
            except ActorStopped as error:
                outcome.append(error)

        with anyio.fail_after(5):  # far below the ask's own timeout
            async with anyio.create_task_group() as tasks:
                tasks.start_soon(add)
                while not await waiting(ref):
                    pass
                if how == "crash":
                    ref.tell("crash")
                else:
                    ref.stop()
    assert [type(error) for error in outcome] == [ActorStopped]


async def test_on_stop_may_still_settle_what_is_owed() -> None:
    async with ActorSystem() as system:
        ref = system.spawn(lambda: Batcher(settle_on_stop=True), kind="batcher")
        async with anyio.create_task_group() as tasks:
            answers: list[Any] = []

            async def add() -> None:
                answers.append(await ref.ask(("add", 1), timeout=5))

            tasks.start_soon(add)
            while not await waiting(ref):
                pass
            ref.stop()
    assert answers == ["flushed on stop"]


async def test_an_actor_sees_how_many_messages_wait_behind_the_current_one() -> None:
    seen: list[int] = []
    first, last = anyio.Event(), anyio.Event()
    async with ActorSystem() as system:
        ref = system.spawn(Batcher, kind="batcher")
        # Told without awaiting in between: all four are queued before the actor runs.
        ref.tell(("probe", seen, first))
        ref.tell(("add", 1))  # a pending reply returned to a tell goes nowhere
        ref.tell(("add", 2))
        ref.tell(("probe", seen, last))
        await last.wait()
        assert seen == [3, 0]
        assert await ref.ask("commit", timeout=5) == 2
