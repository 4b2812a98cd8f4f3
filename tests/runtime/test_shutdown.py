"""Graceful shutdown: draining, order, the deadline, cancellation mid-message, signals."""

from __future__ import annotations

import os
import signal
import sys
from functools import partial
from typing import Any

import anyio
import pytest

from runtime import ActorStopped, ActorSystem, Registry, shutdown_on_signals
from tests.runtime.actors import Hold, Journal, Recorder, occupy
from tests.runtime.test_actors import wait_until

pytestmark = pytest.mark.anyio


async def test_shutdown_drains_every_mailbox_before_stopping() -> None:
    journal = Journal()
    async with ActorSystem() as system:
        ref = system.spawn(lambda: Recorder(journal), kind="a", capacity=1000)
        chats: Registry[int, Any, Any] = system.registry(lambda key: Recorder(journal, name=f"chat{key}"), kind="chat")
        for i in range(300):
            ref.tell(i)
            chats.tell(i % 7, ("chat", i))
    assert len(journal.handled) == 600
    assert journal.stops == 1 + 7
    assert journal.events[-1] == "stop "  # on_stop runs after the last message


async def test_newest_actors_stop_first_while_older_ones_still_serve_them() -> None:
    """Like a bot: chats (spawned last) drain first and can still write to storage (spawned first)."""
    storage = Journal()

    class Chat(Recorder):
        async def on_stop(self) -> None:
            await store.send(("final write of", self.name))
            await super().on_stop()

    journal = Journal()
    async with ActorSystem() as system:
        store = system.spawn(lambda: Recorder(storage, name="store"), kind="store")
        chats: Registry[int, Any, Any] = system.registry(lambda key: Chat(journal, name=str(key)), kind="chat")
        for key in range(5):
            chats.tell(key, "hello")
    assert sorted(m for m in storage.handled if isinstance(m, tuple)) == [("final write of", str(k)) for k in range(5)]
    assert storage.events[-1] == "stop store"


async def test_messages_told_during_shutdown_are_refused() -> None:
    journal = Journal()
    async with ActorSystem() as system:
        ref = system.spawn(lambda: Recorder(journal), kind="a")
        hold = await occupy(ref)
        async with anyio.create_task_group() as tg:
            tg.start_soon(system.shutdown)
            await wait_until(lambda: system.stopping and not ref.alive, system)
            with pytest.raises(ActorStopped):
                ref.tell("too late")
            with pytest.raises(ActorStopped):
                system.spawn(lambda: Recorder(journal), kind="b")
            hold.release.set()
    assert "too late" not in journal.handled


async def run_system(ready: anyio.Event, holder: list[ActorSystem], **options: Any) -> None:
    """Run a system in its own task, so that askers can live outside its cancel scope."""
    async with ActorSystem(**options) as system:
        holder.append(system)
        ready.set()
        await system.wait_stopped()


async def test_the_deadline_cancels_a_stuck_actor_and_on_stop_still_runs() -> None:
    journal, quick = Journal(), Journal()
    outcome: list[BaseException] = []
    ready = anyio.Event()
    holder: list[ActorSystem] = []
    with anyio.fail_after(5):
        async with anyio.create_task_group() as outside:
            outside.start_soon(lambda: run_system(ready, holder, shutdown_deadline=0.2))
            await ready.wait()
            system = holder[0]
            stuck = system.spawn(lambda: Recorder(journal), kind="stuck")
            fast = system.spawn(lambda: Recorder(quick), kind="fast")
            for i in range(10):
                fast.tell(i)

            hold = Hold()  # never released

            async def asker() -> None:
                try:
                    await stuck.ask(hold, timeout=60)
                except ActorStopped as exc:
                    outcome.append(exc)

            outside.start_soon(asker)
            await hold.entered.wait()
            await system.shutdown()
    assert journal.stops == 1, "on_stop must run even for a cancelled actor"
    assert quick.handled == list(range(10))
    assert len(outcome) == 1, "the asker of the cancelled message is told, not left hanging"


async def test_cancellation_in_the_middle_of_a_message_fails_queued_asks_and_spares_others() -> None:
    journal, other = Journal(), Journal()
    failures: list[BaseException] = []
    ready = anyio.Event()
    holder: list[ActorSystem] = []
    async with anyio.create_task_group() as outside:
        outside.start_soon(lambda: run_system(ready, holder))
        await ready.wait()
        system = holder[0]
        ref = system.spawn(lambda: Recorder(journal), kind="a")
        neighbour = system.spawn(lambda: Recorder(other), kind="b")
        await occupy(ref)

        async def asker(message: Any) -> None:
            try:
                await ref.ask(message, timeout=10)
            except ActorStopped as exc:
                failures.append(exc)

        for i in range(3):
            outside.start_soon(asker, i)
        await wait_until(lambda: len(ref._cell.mailbox) == 3, system)
        assert await neighbour.ask("fine", timeout=1) == 1
        system.cancel()
    assert len(failures) == 3
    assert journal.stops == 1 and other.stops == 1
    assert journal.handled == []


async def test_shutdown_is_idempotent() -> None:
    journal = Journal()
    async with ActorSystem() as system:
        system.spawn(lambda: Recorder(journal), kind="a")
        async with anyio.create_task_group() as tg:
            tg.start_soon(system.shutdown)
            tg.start_soon(system.shutdown)
    assert journal.stops == 1


@pytest.mark.skipif(sys.platform == "win32", reason="POSIX signals")
async def test_sigterm_drains_and_stops_gracefully() -> None:
    journal = Journal()
    async with ActorSystem() as system:
        ref = system.spawn(lambda: Recorder(journal), kind="a", capacity=500)
        await system._task_group.start(shutdown_on_signals, system)
        for i in range(200):
            ref.tell(i)
        os.kill(os.getpid(), signal.SIGTERM)
        with anyio.fail_after(5):
            await system.wait_stopped()
    assert journal.handled == list(range(200))
    assert journal.stops == 1


@pytest.mark.skipif(sys.platform == "win32", reason="POSIX signals")
async def test_a_second_sigterm_stops_at_once() -> None:
    journal = Journal()
    first: list[str] = []
    with anyio.fail_after(10):
        async with ActorSystem(shutdown_deadline=60) as system:
            stuck = system.spawn(lambda: Recorder(journal), kind="stuck")
            await occupy(stuck)  # never released: a graceful stop would wait the whole deadline

            def graceful() -> None:
                first.append("graceful")
                system.request_shutdown()

            await system._task_group.start(partial(shutdown_on_signals, system, on_first=graceful))
            os.kill(os.getpid(), signal.SIGTERM)
            await wait_until(lambda: system.stopping, system)
            os.kill(os.getpid(), signal.SIGTERM)
            await system.wait_stopped()
    assert first == ["graceful"]
    assert journal.stops == 1  # cancelled, and on_stop still ran
