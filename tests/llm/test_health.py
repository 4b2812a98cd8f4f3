"""The model-health actor: no model event is lost to a recorder that is busy for a while."""

from __future__ import annotations

import pytest

from actors.llm.breaker import BreakerConfig, Permit
from actors.llm.errors import HealthEffect
from actors.llm.health import Acquire, ModelHealthActor, NoModelAvailable, Report, Snapshot
from actors.persistence.records import ModelEventRecord
from runtime import ActorSystem

pytestmark = pytest.mark.anyio


async def test_events_the_recorder_cannot_take_are_kept_and_offered_again_in_order() -> None:
    taken: list[ModelEventRecord] = []
    busy = True

    def recorder(record: ModelEventRecord) -> bool:
        if busy:
            return False  # its mailbox is full
        taken.append(record)
        return True

    async with ActorSystem() as system:
        health = system.spawn(lambda: ModelHealthActor(BreakerConfig(), recorder), kind="model-health")
        for _ in range(3):
            permit = await health.ask(Acquire("m"), timeout=5)
            assert isinstance(permit, Permit)
            health.tell(Report("m", permit, HealthEffect.FAILURE, reason="server_error"))
        await health.ask(NoModelAvailable(("m",)), timeout=5)
        assert taken == []
        busy = False
        await health.ask(Snapshot(), timeout=5)  # its next message, whatever it is, offers them again
    assert [(e.event, e.to_state) for e in taken] == [("breaker", "open"), ("both_down", None)]
