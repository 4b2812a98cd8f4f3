"""Crashes, restarts, restart intensity and escalation up the supervision tree."""

from __future__ import annotations

import logging
import time
from typing import Any

import anyio
import pytest

from runtime import ActorCrashed, ActorStopped, ActorSystem, EscalationError, Observer, Registry, RestartPolicy
from tests.runtime.actors import Journal, Recorder
from tests.runtime.test_actors import wait_until

pytestmark = pytest.mark.anyio

QUICK = RestartPolicy(max_restarts=3, within=10, backoff_initial=0, backoff_max=0)


async def test_a_crash_restarts_the_actor_with_fresh_state_and_does_not_retry_the_message() -> None:
    journal = Journal()
    async with ActorSystem() as system:
        ref = system.spawn(lambda: Recorder(journal), kind="a", policy=QUICK)
        assert await ref.ask("one", timeout=1) == 1
        assert await ref.ask("two", timeout=1) == 2
        ref.tell("boom")
        # A fresh instance: its counter starts again, and "boom" was not handled again.
        assert await ref.ask("three", timeout=1) == 1
    assert journal.handled == ["one", "two", "three"]
    assert journal.starts == 2
    assert journal.stops == 2  # the crashed instance was stopped too


async def test_messages_queued_behind_the_crash_are_still_handled() -> None:
    journal = Journal()
    async with ActorSystem() as system:
        ref = system.spawn(lambda: Recorder(journal), kind="a", policy=QUICK)
        for message in ["a", "boom", "b", "c"]:
            ref.tell(message)
        await ref.ask("d", timeout=1)
    assert journal.handled == ["a", "b", "c", "d"]


async def test_a_crash_in_one_actor_never_touches_another() -> None:
    crashing, steady = Journal(), Journal()
    async with ActorSystem() as system:
        bad = system.spawn(lambda: Recorder(crashing), kind="bad", policy=QUICK)
        good = system.spawn(lambda: Recorder(steady), kind="good")
        for i in range(3):
            good.tell(i)
            bad.tell("boom")
        assert await good.ask("still here", timeout=1) == 4
    assert steady.handled == [0, 1, 2, "still here"]
    assert steady.starts == 1


async def test_restarts_wait_for_the_backoff() -> None:
    journal = Journal()
    policy = RestartPolicy(max_restarts=5, within=10, backoff_initial=0.05, backoff_max=0.1)
    async with ActorSystem() as system:
        ref = system.spawn(lambda: Recorder(journal), kind="a", policy=policy)
        started = time.monotonic()
        ref.tell("boom")
        ref.tell("boom")
        await ref.ask("after", timeout=5)
        elapsed = time.monotonic() - started
    assert elapsed >= 0.05 + 0.1 * 0.9  # first restart waits 0.05 s, the second 0.1 s


async def test_exceeding_the_restart_intensity_at_the_top_stops_the_service(
    caplog: pytest.LogCaptureFixture,
) -> None:
    journal, bystander = Journal(), Journal()
    with pytest.raises(EscalationError) as info:
        async with ActorSystem() as system:
            ref = system.spawn(lambda: Recorder(journal), kind="fragile", policy=QUICK)
            other = system.spawn(lambda: Recorder(bystander), kind="bystander")
            for _ in range(4):
                ref.tell("boom")
            await system.wait_stopped()
    assert isinstance(info.value.__cause__, ValueError)
    assert "fragile" in str(info.value)
    assert journal.starts == 4  # started, then restarted three times, then gave up
    assert bystander.stops == 1  # the rest of the service stopped gracefully
    assert any(r.levelno == logging.CRITICAL and "stopping the service" in r.message for r in caplog.records)
    del other


async def test_a_failing_on_start_counts_as_a_crash() -> None:
    attempts = 0

    class FlakyStart(Recorder):
        async def on_start(self) -> None:
            nonlocal attempts
            attempts += 1
            if attempts < 3:
                raise ConnectionError("storage not ready")
            await super().on_start()

    journal = Journal()
    async with ActorSystem() as system:
        ref = system.spawn(lambda: FlakyStart(journal), kind="a", policy=QUICK)
        assert await ref.ask("hello", timeout=1) == 1
    assert attempts == 3


async def test_a_registry_child_that_gives_up_is_replaced_on_its_next_message() -> None:
    journal = Journal()
    async with ActorSystem() as system:
        chats: Registry[int, Any, Any] = system.registry(
            lambda key: Recorder(journal, name=str(key)),
            kind="chat",
            policy=RestartPolicy(max_restarts=1, within=10, backoff_initial=0, backoff_max=0),
        )
        chats.tell(1, "boom")
        chats.tell(1, "boom")  # second crash within the window: the child gives up
        with pytest.raises((ActorCrashed, ActorStopped)):
            await chats.ask(1, "lost with the actor", timeout=1)
        await wait_until(lambda: 1 not in chats, system)
        assert await chats.ask(1, "fresh", timeout=1) == 1
        assert await chats.ask(2, "neighbour", timeout=1) == 1
    assert journal.handled == ["fresh", "neighbour"]


async def test_children_giving_up_too_often_escalate_the_registry_and_stop_the_service() -> None:
    journal = Journal()
    never = RestartPolicy(max_restarts=0, within=10)
    with pytest.raises(EscalationError) as info:
        async with ActorSystem() as system:
            chats: Registry[int, Any, Any] = system.registry(
                lambda key: Recorder(journal),
                kind="chat",
                policy=never,
                escalation=RestartPolicy(max_restarts=2, within=10),
            )
            for key in range(3):
                chats.tell(key, "boom")
            await system.wait_stopped()
    assert "chat" in str(info.value)


async def test_the_crash_log_names_the_message_type_but_not_its_content(caplog: pytest.LogCaptureFixture) -> None:
    class Parser(Recorder):
        async def receive(self, message: Any) -> Any:
            try:
                int(message)
            except ValueError as exc:  # the usual way user text ends up in an error message
                raise RuntimeError(f"cannot parse {message!r}") from exc

    caplog.set_level(logging.DEBUG, logger="runtime")
    async with ActorSystem() as system:
        ref = system.spawn(lambda: Parser(Journal()), kind="a", policy=QUICK)
        with pytest.raises(ActorCrashed):
            await ref.ask("my password is hunter2", timeout=1)
        ref.tell("told: hunter2")
        await wait_until(lambda: caplog.text.count("crashed while handling") == 2, system)
    formatter = logging.Formatter()
    shown = [formatter.format(r) for r in caplog.records if r.levelno >= logging.INFO]
    assert all("hunter2" not in line for line in shown)
    crash = next(line for line in shown if "crashed while handling a str message" in line)
    # What it does say: the error's type, its cause's, and where they were raised.
    assert "RuntimeError" in crash and "ValueError" in crash and "in receive" in crash
    debug = "\n".join(formatter.format(r) for r in caplog.records if r.levelno == logging.DEBUG)
    assert "hunter2" in debug  # for a developer who turns DEBUG on


async def test_escalation_during_work_elsewhere_cancels_nothing_half_done() -> None:
    """The service stop after an escalation is graceful: queued work elsewhere still completes."""
    steady = Journal()
    with pytest.raises(EscalationError):
        async with ActorSystem() as system:
            worker = system.spawn(lambda: Recorder(steady), kind="worker")
            fragile = system.spawn(lambda: Recorder(Journal()), kind="fragile", policy=QUICK)
            for i in range(100):
                worker.tell(i)
            for _ in range(4):
                fragile.tell("boom")
            with anyio.fail_after(5):
                await system.wait_stopped()
    assert steady.handled == list(range(100))


class Watcher(Observer):
    """Records what the runtime reports, in order."""

    def __init__(self) -> None:
        self.events: list[tuple[str, str]] = []
        self.seconds: list[float] = []

    def actor_restarted(self, kind: str) -> None:
        self.events.append(("restarted", kind))

    def message_processed(self, kind: str, seconds: float, *, failed: bool) -> None:
        self.events.append(("failed" if failed else "processed", kind))
        self.seconds.append(seconds)


async def test_the_observer_hears_of_every_crash_and_restart() -> None:
    watcher = Watcher()
    async with ActorSystem(observer=watcher) as system:
        ref = system.spawn(lambda: Recorder(Journal()), kind="fragile", policy=QUICK)
        ref.tell("boom")
        ref.tell("boom")
        assert await ref.ask("after", timeout=1) == 1
    assert watcher.events == [
        ("failed", "fragile"),
        ("restarted", "fragile"),
        ("failed", "fragile"),
        ("restarted", "fragile"),
        ("processed", "fragile"),
    ]


async def test_processing_times_count_the_handling_not_the_wait_before_it() -> None:
    watcher = Watcher()
    async with ActorSystem(observer=watcher) as system:
        ref = system.spawn(lambda: Recorder(Journal()), kind="a")
        ref.tell(("sleep", 0.1))
        ref.tell("quick")
        await ref.ask("sync", timeout=1)
        await anyio.sleep(0.3)  # idle: this time belongs to no message
        ref.tell("after a pause")
        await ref.ask("sync", timeout=1)
    slow, quick, _, after_pause, _ = watcher.seconds
    assert slow >= 0.1
    assert quick < 0.1  # the slow one's time is not counted twice
    assert after_pause < 0.3
