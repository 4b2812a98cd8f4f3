"""Keyed actors: get-or-spawn, passivation and respawn, many actors at once."""

from __future__ import annotations

from typing import Any

import anyio
import pytest

from runtime import Actor, ActorStopped, ActorSystem, Registry
from tests.runtime.actors import Journal, Recorder, occupy
from tests.runtime.test_actors import wait_until

pytestmark = pytest.mark.anyio


class Counter(Actor[str, int]):
    """Keeps a per-key count in a shared 'database' and reloads it on start."""

    def __init__(self, key: int, storage: dict[int, int], journal: Journal) -> None:
        self.key = key
        self.storage = storage
        self.journal = journal
        self.value = 0

    async def on_start(self) -> None:
        self.value = self.storage.get(self.key, 0)
        self.journal.starts += 1

    async def receive(self, message: str) -> int:
        self.value += 1
        self.storage[self.key] = self.value
        return self.value

    async def on_stop(self) -> None:
        self.journal.stops += 1


async def test_one_actor_per_key() -> None:
    journal = Journal()
    async with ActorSystem() as system:
        chats: Registry[int, Any, Any] = system.registry(lambda key: Recorder(journal, name=str(key)), kind="chat")
        assert await chats.ask(1, "a", timeout=1) == 1
        assert await chats.ask(1, "b", timeout=1) == 2
        assert await chats.ask(2, "c", timeout=1) == 1
        assert chats.get(1) == chats.get(1)
        assert len(chats) == 2
    assert journal.starts == 2


async def test_idle_actors_are_passivated_and_respawn_with_their_state() -> None:
    storage: dict[int, int] = {}
    journal = Journal()
    async with ActorSystem() as system:
        chats: Registry[int, str, int] = system.registry(
            lambda key: Counter(key, storage, journal), kind="chat", idle_timeout=60
        )
        assert await chats.ask(7, "hi", timeout=1) == 1
        assert await chats.ask(8, "hi", timeout=1) == 1
        assert chats.passivate_idle() == 0  # not idle long enough
        assert chats.passivate_idle(older_than=0) == 2
        assert len(chats) == 0
        await wait_until(lambda: journal.stops == 2, system)
        # The next message starts a fresh actor, which reloads the count.
        assert await chats.ask(7, "again", timeout=1) == 2
    assert journal.starts == 3


async def test_the_sweeper_passivates_on_its_own() -> None:
    journal = Journal()
    async with ActorSystem() as system:
        chats: Registry[int, str, int] = system.registry(
            lambda key: Counter(key, {}, journal), kind="chat", idle_timeout=0.05
        )
        for key in range(20):
            await chats.ask(key, "hi", timeout=1)
        await wait_until(lambda: journal.stops == 20, system)
        assert len(chats) == 0


async def test_busy_actors_and_actors_with_queued_messages_are_not_passivated() -> None:
    journal = Journal()
    async with ActorSystem() as system:
        chats: Registry[int, Any, Any] = system.registry(lambda key: Recorder(journal), kind="chat", idle_timeout=60)
        await chats.ask(1, "idle one", timeout=1)
        hold = await occupy(chats.get(2))
        chats.tell(2, "queued")
        hold_3 = await occupy(chats.get(3))  # busy, nothing queued
        assert chats.passivate_idle(older_than=0) == 1
        assert 2 in chats and 3 in chats and 1 not in chats
        hold.release.set()
        await chats.ask(2, "sync", timeout=2)
        assert journal.handled[-2:] == ["queued", "sync"]
        hold_3.release.set()


async def test_no_message_is_lost_to_passivation_under_constant_churn() -> None:
    storage: dict[int, int] = {}
    journal = Journal()
    async with ActorSystem() as system:
        chats: Registry[int, str, int] = system.registry(
            lambda key: Counter(key, storage, journal), kind="chat", idle_timeout=0.001
        )

        async def chatter(key: int) -> None:
            for _ in range(50):
                chats.tell(key, "m")
                await anyio.sleep(0.002 * (key % 3))

        async with anyio.create_task_group() as tg:
            for key in range(30):
                tg.start_soon(chatter, key)
        for key in range(30):
            await chats.ask(key, "last", timeout=2)
    assert storage == {key: 51 for key in range(30)}
    assert journal.starts > 30  # actors really were passivated and respawned along the way


async def test_thousands_of_actors_at_once() -> None:
    storage: dict[int, int] = {}
    journal = Journal()
    async with ActorSystem() as system:
        chats: Registry[int, str, int] = system.registry(
            lambda key: Counter(key, storage, journal), kind="chat", capacity=10
        )
        for _ in range(3):
            for key in range(5000):
                chats.tell(key, "m")
        replies = []
        for key in range(0, 5000, 250):
            replies.append(await chats.ask(key, "m", timeout=5))
        assert len(chats) == 5000
        snapshot = {s.kind: s for s in system.snapshot()}
        assert snapshot["chat"].live == 5000
    assert replies == [4] * 20
    assert len(storage) == 5000
    assert sum(storage.values()) == 5000 * 3 + 20
    assert journal.stops == 5000


async def test_live_actors_are_bounded_by_activity_not_by_keys_ever_seen() -> None:
    journal = Journal()
    async with ActorSystem() as system:
        chats: Registry[int, str, int] = system.registry(
            lambda key: Counter(key, {}, journal), kind="chat", idle_timeout=60
        )
        for wave in range(5):
            for key in range(wave * 200, wave * 200 + 200):
                await chats.ask(key, "m", timeout=1)
            chats.passivate_idle(older_than=0)
            assert len(chats) == 0
        assert journal.starts == 1000


async def test_a_closed_registry_refuses_new_keys() -> None:
    async with ActorSystem() as system:
        chats: Registry[int, Any, Any] = system.registry(lambda key: Recorder(Journal()), kind="chat")
        await chats.ask(1, "hi", timeout=1)
        chats.close()
        with pytest.raises(ActorStopped):
            chats.tell(2, "too late")


async def test_a_timer_wakes_a_passivated_actor() -> None:
    journal = Journal()

    class Reminder(Recorder):
        async def receive(self, message: Any) -> Any:
            if message == "remind me":
                self.context.tell_later(0.05, "reminder")
            return await super().receive(message)

    async with ActorSystem() as system:
        chats: Registry[int, Any, Any] = system.registry(lambda key: Reminder(journal), kind="chat", idle_timeout=60)
        await chats.ask(1, "remind me", timeout=1)
        chats.passivate_idle(older_than=0)
        assert 1 not in chats
        await wait_until(lambda: "reminder" in journal.handled, system)
    assert journal.starts == 2
