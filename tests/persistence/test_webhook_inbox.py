"""Webhook mode: Telegram delivers over parallel connections and retries, so updates come out of
order and more than once. Each must be recorded before its 200 and answered exactly once."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import anyio
import httpx
import pytest
from sqlalchemy.ext.asyncio import AsyncEngine

from assistant.settings import UpdatesMode
from tests.e2e.harness import BotOverrides, free_port, running_bot
from tests.support.waiting import eventually, scalar

pytestmark = pytest.mark.anyio

SECRET = "webhook-secret_1"
CHAT_BASE = 7000


def webhook_options() -> tuple[str, BotOverrides]:
    """The webhook's URL on a free local port, and the bot's settings to serve it."""
    port = free_port()
    url = f"http://127.0.0.1:{port}/hook"
    options: BotOverrides = {
        "updates_mode": UpdatesMode.WEBHOOK,
        "webhook_url": url,
        "webhook_secret": SECRET,
        "webhook_host": "127.0.0.1",
        "webhook_port": port,
    }
    return url, options


def update(update_id: int) -> dict[str, Any]:
    chat = CHAT_BASE + update_id
    person = {"id": chat, "is_bot": False, "first_name": f"U{update_id}"}
    return {
        "update_id": update_id,
        "message": {
            "message_id": 1,
            "date": 1_780_000_000,
            "chat": {"id": chat, "type": "private", "first_name": f"U{update_id}"},
            "from": person,
            "text": f"question {update_id}",
        },
    }


async def test_out_of_order_and_repeated_deliveries_are_recorded_before_200_and_answered_once(
    clean_db: AsyncEngine, database_url: str, tmp_path: Path
) -> None:
    url, options = webhook_options()
    async with (
        running_bot(database_url, tmp_path, wait_for="setWebhook", **options) as bot,
        httpx.AsyncClient(timeout=30) as client,
    ):
        not_recorded: list[int] = []

        async def deliver(update_id: int) -> None:
            response = await client.post(
                url, json=update(update_id), headers={"X-Telegram-Bot-Api-Secret-Token": SECRET}
            )
            assert response.status_code == 200
            # The 200 promises the update is in the inbox: the row is there the moment the answer arrives.
            if await scalar(clean_db, "SELECT count(*) FROM inbox WHERE update_id = :id", id=update_id) != 1:
                not_recorded.append(update_id)

        # Later updates first, earlier ones after them, some of them again (a retry after a lost 200).
        for update_id in (105, 101, 105, 103, 100, 104, 101, 102, 100):
            await deliver(update_id)
        # Parallel connections: the same update on two of them at once, beside others.
        async with anyio.create_task_group() as connections:
            for update_id in (107, 106, 106, 108, 107, 106):
                connections.start_soon(deliver, update_id)
        assert not_recorded == []

        expected = range(100, 109)

        async def all_done() -> bool:
            open_ = await scalar(clean_db, "SELECT count(*) FROM inbox WHERE done_at IS NULL")
            total = await scalar(clean_db, "SELECT count(*) FROM inbox")
            return bool(total == len(expected) and open_ == 0)

        await eventually(all_done, 30, "every update answered and marked done")
        for update_id in expected:
            answers = [m.text or "" for m in await bot.tg.bot_messages(CHAT_BASE + update_id)]
            assert [t for t in answers if t.startswith(f"Echo: question {update_id} [")] != [], update_id
            assert len(answers) == 1, (update_id, answers)
        stored = await scalar(clean_db, "SELECT count(*) FROM messages WHERE direction = 'in'")
        assert stored == len(expected)


async def test_an_update_aiogram_cannot_read_gets_200_is_kept_and_the_next_is_answered(
    clean_db: AsyncEngine, database_url: str, tmp_path: Path
) -> None:
    url, options = webhook_options()
    headers = {"X-Telegram-Bot-Api-Secret-Token": SECRET}
    broken = {"update_id": 200, "message": {"message_id": "one", "date": 1, "text": "no chat"}}
    future_kind = {"update_id": 201, "some_future_update_kind": {"x": 1}}
    async with (
        running_bot(database_url, tmp_path, wait_for="setWebhook", **options) as bot,
        httpx.AsyncClient(timeout=30) as client,
    ):
        # A 400 would make Telegram send them again and again: they are accepted, kept and skipped.
        for payload in (broken, future_kind):
            assert (await client.post(url, json=payload, headers=headers)).status_code == 200
        assert (await client.post(url, json={"no": "update_id"}, headers=headers)).status_code == 400
        assert (await client.post(url, json=update(202), headers=headers)).status_code == 200
        await bot.tg.wait_for_bot_messages(CHAT_BASE + 202, 1)

        async def kept_and_done() -> bool:
            sql = "SELECT count(*) FROM inbox WHERE update_id IN (200, 201, 202) AND done_at IS NOT NULL"
            return bool(await scalar(clean_db, sql) == 3)

        await eventually(kept_and_done, 10, "the unreadable updates kept in the inbox and marked done")
