"""Chaos under load: the models and Telegram go away for a minute; a chat floods.

(The database's outages are in test_database_outages.py.)

Each test ends with an exact count of the questions lost and answered twice,
which must both be zero. OUTAGE_SECONDS (default 60) sets how long each outage
lasts.
"""

from __future__ import annotations

import math
import os
from pathlib import Path

import anyio
import pytest
from sqlalchemy.ext.asyncio import AsyncEngine

from tests.chaos.load import ChatLoad
from tests.e2e.harness import FALLBACK, PRIMARY, BotOverrides, running_bot
from tests.fakes.telegram import FakeTelegram, User

OUTAGE = float(os.environ.get("OUTAGE_SECONDS", "60"))

pytestmark = [pytest.mark.anyio, pytest.mark.timeout(int(OUTAGE) + 300)]


async def test_models_flapping_then_both_down_for_a_minute(
    clean_db: AsyncEngine, database_url: str, tmp_path: Path
) -> None:
    options: BotOverrides = {
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


FLOOD = 300
FLOOD_SECONDS = 1.0
PER_MINUTE = 10


async def test_a_flooding_chat_is_rate_limited_and_others_are_not_slowed(
    clean_db: AsyncEngine, database_url: str, tmp_path: Path
) -> None:
    async with running_bot(database_url, tmp_path, rate_limit_per_minute=PER_MINUTE) as bot:
        await bot.llm.first_token_delay(PRIMARY, 0.2)  # a model that takes a moment, as real ones do
        baseline = await _calm_latencies(bot.tg, range(8100, 8108), "before")
        flooder = User(id=8001, first_name="Flood")
        flood_ids: dict[int, str] = {}

        async def post(n: int) -> None:
            await anyio.sleep(n * FLOOD_SECONDS / FLOOD)
            flood_ids[await bot.tg.send_message(flooder.id, f"spam {n}", user=flooder)] = f"spam {n}"

        during: list[float] = []

        async def calm() -> None:
            during.extend(await _calm_latencies(bot.tg, range(8200, 8208), "during"))

        async with anyio.create_task_group() as tasks:
            for n in range(FLOOD):
                tasks.start_soon(post, n)
            tasks.start_soon(calm)
        created = [t.created_at for t in await bot.tg.update_timings() if t.update_id in flood_ids]
        flood_span = max(created) - min(created)
        print(
            f"{FLOOD} messages in {flood_span:.2f} s; other chats' answer times p95 {_p95(baseline):.2f} s before, "
            f"{_p95(during):.2f} s during the flood (max {max(baseline):.2f} / {max(during):.2f} s)"
        )
        assert flood_span < FLOOD_SECONDS * 1.5, "the flood arrived within about a second"
        assert _p95(during) <= _p95(baseline) + 1.0, "other chats are not slowed by the flood"

        await bot.tg.wait_for_no_pending_updates(timeout=30)
        allowed = [flood_ids[u] for u in sorted(flood_ids)[:PER_MINUTE]]  # the limiter counts in update order
        await bot.answered(PER_MINUTE, chat_id=flooder.id, timeout=60)
        flood_texts = [m.text or "" for m in await bot.tg.bot_messages(flooder.id)]
        slow_down = [t for t in flood_texts if t.startswith("You're writing faster than I can answer.")]
        answered = [t.split(" [")[0].removeprefix("Echo: ") for t in flood_texts if t.startswith("Echo: ")]
        print(f"the flooder got {len(answered)} answers and {len(slow_down)} 'slow down' replies")
        assert len(slow_down) == 1, "one clear explanation, not one per message"
        assert sorted(answered) == sorted(allowed), "every question within the limit answered once, no other"


async def _calm_latencies(tg: FakeTelegram, chats: range, tag: str) -> list[float]:
    """Users who each ask three questions, reading each answer before the next; the answer times."""
    latencies: list[float] = []

    async def user(chat: int) -> None:
        person = User(id=chat, first_name=f"Calm {chat}")
        for n in range(3):
            started = anyio.current_time()
            await tg.send_message(chat, f"{tag} {chat} {n}", user=person)
            [*_, answer] = await tg.wait_for_bot_messages(chat, n + 1, timeout=30)
            latencies.append(anyio.current_time() - started)
            assert (answer.text or "").startswith(f"Echo: {tag} {chat} {n} [")
            await anyio.sleep(0.2)

    async with anyio.create_task_group() as tasks:
        for chat in chats:
            tasks.start_soon(user, chat)
    return latencies


def _p95(values: list[float]) -> float:
    ordered = sorted(values)
    return ordered[math.ceil(0.95 * len(ordered)) - 1]
