"""The bot's own /metrics, /healthz and /readyz, and how it carries on without its database."""

from __future__ import annotations

from pathlib import Path

import httpx
import pytest
from prometheus_client.parser import text_string_to_metric_families
from sqlalchemy.ext.asyncio import AsyncEngine

from tests.e2e.harness import FALLBACK, PRIMARY, Running, running_bot
from tests.fakes.telegram import User
from tests.support.tcp_proxy import TcpProxy
from tests.support.waiting import eventually, scalar

pytestmark = pytest.mark.anyio

ALICE = User(id=1001, first_name="Alice")


def base(bot: Running) -> str:
    return f"http://127.0.0.1:{bot.settings.bot_http_port}"


async def metrics(bot: Running) -> dict[str, float]:
    async with httpx.AsyncClient() as client:
        response = await client.get(f"{base(bot)}/metrics")
    assert response.status_code == 200
    values: dict[str, float] = {}
    for family in text_string_to_metric_families(response.text):
        for sample in family.samples:
            labels = ",".join(f"{k}={v}" for k, v in sorted(sample.labels.items()))
            values[f"{sample.name}{{{labels}}}"] = sample.value
    return values


async def readiness(bot: Running) -> tuple[int, dict[str, object]]:
    async with httpx.AsyncClient() as client:
        response = await client.get(f"{base(bot)}/readyz")
    return response.status_code, response.json()


async def test_health_and_readiness(bot: Running) -> None:
    async with httpx.AsyncClient() as client:
        alive = await client.get(f"{base(bot)}/healthz")
    assert alive.status_code == 200
    code, body = await readiness(bot)
    assert (code, body["status"]) == (200, "ready")


async def test_metrics_count_what_happened(bot: Running) -> None:
    await bot.llm.fail(PRIMARY, 500, times=1)
    await bot.tg.send_message(ALICE.id, "hello", user=ALICE)
    await bot.answered(1)
    await bot.tg.send_message(ALICE.id, "again", user=ALICE)
    await bot.answered(2)
    found = await metrics(bot)
    assert found["assistant_updates_received_total{type=message}"] == 2
    assert found["assistant_replies_sent_total{source=fallback}"] == 1
    assert found["assistant_replies_sent_total{source=primary}"] == 1
    assert found["assistant_failovers_total{}"] == 1
    assert found[f"assistant_llm_calls_total{{model={PRIMARY},outcome=server_error}}"] == 1
    assert found[f"assistant_llm_calls_total{{model={PRIMARY},outcome=ok}}"] == 1
    assert found[f"assistant_llm_calls_total{{model={FALLBACK},outcome=ok}}"] == 1
    assert found["assistant_answer_latency_seconds_count{}"] == 2
    assert found[f"assistant_breaker_state{{model={PRIMARY}}}"] == 0
    assert found["assistant_live_actors{kind=chat}"] == 1
    assert "assistant_mailbox_depth{kind=chat}" in found
    assert found["assistant_persistence_degraded{}"] == 0
    assert found["assistant_actor_messages_total{kind=chat}"] >= 2


async def test_metrics_tell_how_busy_the_event_loop_is(bot: Running) -> None:
    async def measured() -> bool:  # the first second measured (even a bot waiting for updates does a little)
        return (await metrics(bot)).get("assistant_event_loop_busy_ratio{}", 0) > 0

    await eventually(measured, 5)
    # (Here the bot shares its event loop with the fakes and the test: how busy it is depends on them.)
    assert 0 < (await metrics(bot))["assistant_event_loop_busy_ratio{}"] <= 1


async def test_an_open_breaker_shows_in_metrics(bot: Running) -> None:
    await bot.llm.fail(PRIMARY, 503)
    for i in range(3):
        await bot.tg.send_message(ALICE.id, f"q{i}", user=ALICE)
        await bot.answered(i + 1)

    async def opened() -> bool:
        return (await metrics(bot)).get(f"assistant_breaker_state{{model={PRIMARY}}}") == 2

    await eventually(opened, 5)
    found = await metrics(bot)
    assert found[f"assistant_breaker_transitions_total{{model={PRIMARY},to=open}}"] == 1


async def test_without_its_database_the_bot_keeps_answering_and_says_it_is_degraded(
    clean_db: AsyncEngine, database_url: str, tmp_path: Path
) -> None:
    proxy = TcpProxy.for_database(database_url)
    await proxy.start()
    try:
        async with running_bot(proxy.url_for(database_url), tmp_path, persist_batch_ms=10) as bot:
            await bot.tg.send_message(ALICE.id, "before", user=ALICE)
            await bot.tg.wait_for_bot_messages(ALICE.id, 1)
            await proxy.cut()
            for i in range(5):
                await bot.tg.send_message(ALICE.id, f"during {i}", user=ALICE)
                await bot.tg.wait_for_bot_messages(ALICE.id, 2 + i, timeout=20)

            async def degraded() -> bool:
                code, body = await readiness(bot)
                return code == 200 and body["status"] == "degraded"

            await eventually(degraded, 10)
            answers = [m.text for m in await bot.tg.bot_messages(ALICE.id)]
            assert answers[-1] == "Echo: during 4 [messages: 12]", "the dialog went on from memory"
            await proxy.restore()

            async def ready() -> bool:
                return (await readiness(bot))[1]["status"] == "ready"

            await eventually(ready, 20)
            await eventually(lambda: _count(clean_db, 12), 20)
        assert await scalar(clean_db, "SELECT count(DISTINCT dedup_key) FROM messages") == 12
        assert await scalar(clean_db, "SELECT count(*) FROM inbox WHERE done_at IS NULL") == 0
    finally:
        await proxy.aclose()


async def _count(engine: AsyncEngine, expected: int) -> bool:
    return bool(await scalar(engine, "SELECT count(*) FROM messages") == expected)
