"""Messages, mailboxes and ask: ordering, overflow policies, backpressure, timeouts."""

from __future__ import annotations

from typing import Any

import anyio
import anyio.lowlevel
import pytest

from runtime import (
    ActorCrashed,
    ActorStopped,
    ActorSystem,
    AskTimeout,
    MailboxFull,
    MessageDropped,
    Observer,
    Overflow,
)
from tests.runtime.actors import Journal, Recorder, occupy

pytestmark = pytest.mark.anyio


class CountingObserver(Observer):
    def __init__(self) -> None:
        self.rejected = 0
        self.dropped = 0
        self.processed = 0
        self.failed = 0

    def message_rejected(self, kind: str) -> None:
        self.rejected += 1

    def message_dropped(self, kind: str) -> None:
        self.dropped += 1

    def message_processed(self, kind: str, seconds: float, *, failed: bool) -> None:
        self.processed += 1
        self.failed += failed


async def test_messages_are_handled_one_at_a_time_in_order() -> None:
    journal = Journal()
    active = 0
    overlaps = 0

    class Slow(Recorder):
        async def receive(self, message: Any) -> Any:
            nonlocal active, overlaps
            active += 1
            overlaps += active > 1
            await anyio.lowlevel.checkpoint()  # give a second handler every chance to overlap
            active -= 1
            return await super().receive(message)

    async with ActorSystem() as system:
        ref = system.spawn(lambda: Slow(journal), kind="slow", capacity=1000)
        for i in range(500):
            ref.tell(i)
        assert await ref.ask("last", timeout=5) == 501
    assert journal.handled == [*range(500), "last"]
    assert overlaps == 0


async def test_order_is_kept_per_producer_with_many_concurrent_producers() -> None:
    journal = Journal()
    async with ActorSystem() as system:
        ref = system.spawn(lambda: Recorder(journal), kind="sink", capacity=16)

        async def produce(producer: int) -> None:
            for i in range(200):
                await ref.send((producer, i))

        async with anyio.create_task_group() as tg:
            for producer in range(10):
                tg.start_soon(produce, producer)
        await ref.ask("sync", timeout=5)
    for producer in range(10):
        mine = [i for (p, i) in journal.handled[:-1] if p == producer]
        assert mine == list(range(200))


async def test_reject_policy_raises_mailbox_full_and_loses_only_the_refused_message() -> None:
    journal = Journal()
    observer = CountingObserver()
    async with ActorSystem(observer=observer) as system:
        ref = system.spawn(lambda: Recorder(journal), kind="r", capacity=3, overflow=Overflow.REJECT)
        hold = await occupy(ref)
        for i in range(3):
            ref.tell(i)
        with pytest.raises(MailboxFull):
            ref.tell("refused")
        hold.release.set()
        await ref.ask("sync", timeout=5)
    assert journal.handled[1:] == [0, 1, 2, "sync"]
    assert observer.rejected == 1


async def test_drop_oldest_policy_keeps_the_newest_messages() -> None:
    journal = Journal()
    observer = CountingObserver()
    async with ActorSystem(observer=observer) as system:
        ref = system.spawn(lambda: Recorder(journal), kind="d", capacity=3, overflow=Overflow.DROP_OLDEST)
        hold = await occupy(ref)
        for i in range(10):
            ref.tell(i)  # never raises
        hold.release.set()
        await wait_until(lambda: len(journal.handled) == 4, system)
    assert journal.handled[1:] == [7, 8, 9]
    assert observer.dropped == 7


async def test_an_ask_dropped_from_a_full_mailbox_fails_instead_of_hanging() -> None:
    outcome: list[BaseException] = []
    async with ActorSystem() as system:
        ref = system.spawn(lambda: Recorder(Journal()), kind="d", capacity=1, overflow=Overflow.DROP_OLDEST)
        hold = await occupy(ref)

        async def asker() -> None:
            try:
                await ref.ask("dropped", timeout=5)
            except MessageDropped as exc:
                outcome.append(exc)

        async with anyio.create_task_group() as tg:
            tg.start_soon(asker)
            await wait_until(lambda: len(ref._cell.mailbox) == 1, system)
            ref.tell("newer")
        hold.release.set()
    assert len(outcome) == 1


async def test_send_waits_for_room_instead_of_failing() -> None:
    journal = Journal()
    async with ActorSystem() as system:
        ref = system.spawn(lambda: Recorder(journal), kind="s", capacity=2)
        hold = await occupy(ref)
        ref.tell(1)
        ref.tell(2)
        sent = False

        async def sender() -> None:
            nonlocal sent
            await ref.send(3)
            sent = True

        async with anyio.create_task_group() as tg:
            tg.start_soon(sender)
            await anyio.sleep(0.05)
            assert not sent, "send returned although the mailbox was full"
            hold.release.set()
        assert sent
        await ref.ask("sync", timeout=5)
    assert journal.handled[1:] == [1, 2, 3, "sync"]


async def test_ask_returns_the_reply() -> None:
    async with ActorSystem() as system:
        ref = system.spawn(lambda: Recorder(Journal()), kind="a")
        assert await ref.ask("x", timeout=1) == 1
        assert await ref.ask("y", timeout=1) == 2


async def test_ask_times_out_when_the_actor_is_too_slow() -> None:
    async with ActorSystem() as system:
        ref = system.spawn(lambda: Recorder(Journal()), kind="a")
        with pytest.raises(AskTimeout):
            await ref.ask(("sleep", 10), timeout=0.05)
        system.cancel()


async def test_ask_times_out_while_waiting_for_mailbox_room() -> None:
    async with ActorSystem() as system:
        ref = system.spawn(lambda: Recorder(Journal()), kind="a", capacity=1)
        hold = await occupy(ref)
        ref.tell("fills the mailbox")
        with pytest.raises(AskTimeout):
            await ref.ask("no room", timeout=0.05)
        hold.release.set()


async def test_ask_reports_a_crash_with_its_cause() -> None:
    async with ActorSystem() as system:
        ref = system.spawn(lambda: Recorder(Journal()), kind="a")
        with pytest.raises(ActorCrashed) as info:
            await ref.ask("boom", timeout=1)
        assert isinstance(info.value.__cause__, ValueError)


async def test_a_stopped_actor_refuses_messages() -> None:
    journal = Journal()
    async with ActorSystem() as system:
        ref = system.spawn(lambda: Recorder(journal), kind="a")
        ref.tell("before")
        ref.stop()
        assert not ref.alive
        with pytest.raises(ActorStopped):
            ref.tell("after")
        with pytest.raises(ActorStopped):
            await ref.send("after")
        with pytest.raises(ActorStopped):
            await ref.ask("after", timeout=1)
        await wait_until(lambda: journal.stops == 1, system)
    assert journal.handled == ["before"]


async def test_timers_deliver_later_and_can_be_cancelled() -> None:
    journal = Journal()

    class Scheduler(Recorder):
        async def receive(self, message: Any) -> Any:
            if message == "schedule":
                self.context.tell_later(0.02, "fired")
                self.context.tell_later(0.01, "cancelled").cancel()
            return await super().receive(message)

    async with ActorSystem() as system:
        ref = system.spawn(lambda: Scheduler(journal), kind="t")
        ref.tell("schedule")
        await wait_until(lambda: "fired" in journal.handled, system)
        await anyio.sleep(0.05)
    assert journal.handled == ["schedule", "fired"]


async def wait_until(condition: Any, system: ActorSystem, timeout: float = 5.0) -> None:
    """Poll ``condition`` on every scheduler turn until it holds (fails the test after ``timeout``)."""
    with anyio.fail_after(timeout):
        while not condition():
            await anyio.sleep(0.001)
