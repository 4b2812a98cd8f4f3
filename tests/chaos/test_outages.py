"""Chaos under load: the models and Telegram go away for a minute; a chat floods.

(The database's outages are in test_database_outages.py.)

Each test ends with an exact count of the questions lost and answered twice,
which must both be zero. OUTAGE_SECONDS (default 60) sets how long each outage
lasts.
"""

from __future__ import annotations

import os
from pathlib import Path

import anyio
import pytest
from sqlalchemy.ext.asyncio import AsyncEngine

from tests.chaos.load import ChatLoad
from tests.e2e.harness import FALLBACK, PRIMARY, running_bot
from tests.fakes.telegram import User

OUTAGE = float(os.environ.get("OUTAGE_SECONDS", "60"))

pytestmark = [pytest.mark.anyio, pytest.mark.timeout(int(OUTAGE) + 300)]


async def test_models_flapping_then_both_down_for_a_minute(
    clean_db: AsyncEngine, database_url: str, tmp_path: Path
) -> None:
    options = {
        "breaker_open_seconds": 2.0,
        "breaker_open_max_seconds": 8.0,
        "deferred_answer_window": OUTAGE * 3,
        "rate_limit_per_minute": 1000,
    }
    async with running_bot(database_url, tmp_path, **options) as bot:
        # A question every few seconds per user: people told "both models are down" do not ask 40 more a minute,
        # and each chat keeps at most 50 questions for later.
        load = ChatLoad(bot.tg, chats=5, every=3.0)

        async def chaos() -> None:
            for _ in range(4):  # the primary fails for seconds at a time
                await bot.llm.fail(PRIMARY, 503)
                await anyio.sleep(3)
                await bot.llm.clear(PRIMARY)
                await anyio.sleep(3)
            await bot.llm.fail(None, 503)  # both down
            await anyio.sleep(OUTAGE)
            await bot.llm.clear()

        async with anyio.create_task_group() as tasks:
            tasks.start_soon(load.run, 24 + OUTAGE)
            tasks.start_soon(chaos)
        tally = await load.wait_until_answered(60)
        print(f"flapping primary, then both models down {OUTAGE:.0f} s:", tally)
        for question in tally.lost[:3]:
            chat = int(question.split()[1])
            print("lost:", question, "; the chat shows:", [(m.text or "")[:40] for m in await bot.tg.messages(chat)])
        assert not tally.lost and not tally.repeated
        told = 0
        for chat in load.questions:
            shown = await bot.tg.bot_messages(chat)
            told += sum((m.text or "").startswith("Both of my language models") for m in shown)
        assert told > 0, "users were told while both models were down"
        assert len(await bot.llm.calls(FALLBACK)) > 0


async def test_telegram_throttling_then_unreachable_for_a_minute(
    clean_db: AsyncEngine, database_url: str, tmp_path: Path
) -> None:
    async with running_bot(database_url, tmp_path, rate_limit_per_minute=1000) as bot:
        # A human pace: everything asked during the outage must fit the chat's mailbox when Telegram is back.
        load = ChatLoad(bot.tg, chats=5, every=4.0)

        async def chaos() -> None:
            await anyio.sleep(3)
            await bot.tg.fail_next("sendMessage", 15, status=429, retry_after=2)
            await anyio.sleep(5)
            await bot.tg.fail_next("sendMessage", 10, status=502)
            await bot.tg.fail_next("getUpdates", 5, status=500)
            await anyio.sleep(5)
            await bot.tg.go_down()
            await anyio.sleep(OUTAGE)
            await bot.tg.come_up()

        async with anyio.create_task_group() as tasks:
            tasks.start_soon(load.run, 13 + OUTAGE + 5)
            tasks.start_soon(chaos)
        tally = await load.wait_until_answered(90)
        print(f"Telegram throttling, errors, then unreachable {OUTAGE:.0f} s:", tally)
        assert not tally.lost and not tally.repeated


async def test_a_flooding_chat_is_rate_limited_and_others_are_not_slowed(
    clean_db: AsyncEngine, database_url: str, tmp_path: Path
) -> None:
    async with running_bot(database_url, tmp_path, rate_limit_per_minute=10) as bot:
        flooder = User(id=8001, first_name="Flood")
        calm = ChatLoad(bot.tg, chats=3, every=0.7, first_chat=8100)
        latencies: list[float] = []

        async def flood() -> None:
            for n in range(300):
                await bot.tg.send_message(flooder.id, f"spam {n}", user=flooder)

        async def measure_calm() -> None:
            person = User(id=8200, first_name="Calm")
            for n in range(5):
                started = anyio.current_time()
                await bot.tg.send_message(person.id, f"calm {n}", user=person)
                await bot.tg.wait_for_bot_messages(person.id, n + 1, timeout=30)
                latencies.append(anyio.current_time() - started)

        async with anyio.create_task_group() as tasks:
            tasks.start_soon(flood)
            tasks.start_soon(calm.run, 5.0)
            tasks.start_soon(measure_calm)
        tally = await calm.wait_until_answered(30)
        print(f"flood of 300 messages: other chats {tally}; their answer times {[round(x, 2) for x in latencies]} s")
        assert not tally.lost and not tally.repeated
        assert max(latencies) < 5, "other chats answer promptly during the flood"
        await bot.tg.wait_for_no_pending_updates(timeout=30)
        flood_texts = [m.text or "" for m in await bot.tg.bot_messages(flooder.id)]
        slow_down = [t for t in flood_texts if t.startswith("You're writing faster than I can answer.")]
        answered = [t for t in flood_texts if t.startswith("Echo: spam")]
        print(f"the flooder got {len(answered)} answers and {len(slow_down)} 'slow down' replies")
        assert len(slow_down) == 1, "one clear explanation, not one per message"
        assert len(answered) <= 10
