"""Webhook mode, start-up checks, and a role's own model."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import httpx
import pytest
from sqlalchemy.ext.asyncio import AsyncEngine

from assistant.settings import UpdatesMode
from tests.e2e.harness import FALLBACK, PRIMARY, free_port, running_bot
from tests.fakes.telegram import User

pytestmark = pytest.mark.anyio

ROOT = Path(__file__).resolve().parents[2]
ALICE = User(id=1001, first_name="Alice")


async def test_webhook_mode_answers_and_refuses_requests_without_the_secret(
    clean_db: AsyncEngine, database_url: str, tmp_path: Path
) -> None:
    port = free_port()
    url = f"http://127.0.0.1:{port}/telegram/hook"
    async with running_bot(
        database_url,
        tmp_path,
        updates_mode=UpdatesMode.WEBHOOK,
        webhook_url=url,
        webhook_secret="s3cret-token_value",
        webhook_host="127.0.0.1",
        webhook_port=port,
        wait_for="setWebhook",
    ) as bot:
        await bot.tg.send_message(ALICE.id, "via webhook", user=ALICE)
        await bot.answered(1)
        [answer] = await bot.tg.bot_messages(ALICE.id)
        assert answer.text == "Echo: via webhook [messages: 2]"
        [delivery] = await bot.tg.webhook_deliveries()
        assert delivery.status == 200
        async with httpx.AsyncClient() as client:
            forged = {
                "update_id": 999999,
                "message": {"message_id": 1, "date": 0, "chat": {"id": 5, "type": "private"}},
            }
            refused = await client.post(url, json=forged)
            wrong = await client.post(url, json=forged, headers={"X-Telegram-Bot-Api-Secret-Token": "guess"})
        assert refused.status_code == 401
        assert wrong.status_code == 401


async def test_a_role_can_use_its_own_model(clean_db: AsyncEngine, database_url: str, tmp_path: Path) -> None:
    roles = tmp_path / "roles.yaml"
    roles.write_text(
        "roles:\n  - name: poet\n    prompt: Answer in verse.\n    model: poet/model\n    temperature: 1.1\n"
    )
    async with running_bot(database_url, tmp_path, roles_file=roles) as bot:
        await bot.tg.send_message(ALICE.id, "a poem please", user=ALICE)
        await bot.answered(1)
        [call] = await bot.llm.calls()
        assert call.model == "poet/model"
        assert call.temperature == 1.1
        assert call.messages[0]["content"] == "Answer in verse."
        assert await bot.llm.calls(PRIMARY) == [] and await bot.llm.calls(FALLBACK) == []


def run_assistant(*args: str, env: dict[str, str], cwd: Path) -> subprocess.CompletedProcess[str]:
    clean = {k: v for k, v in os.environ.items() if not k.startswith(("TELEGRAM_", "OPENROUTER_", "DATABASE_URL"))}
    return subprocess.run(
        [sys.executable, "-c", "import sys; from assistant.cli import main; sys.exit(main())", *args],
        cwd=cwd,  # an empty folder: no .env
        env={**clean, **env},
        capture_output=True,
        text=True,
        timeout=60,
    )


def test_the_bot_says_exactly_what_is_missing(tmp_path: Path) -> None:
    result = run_assistant("bot", env={}, cwd=tmp_path)
    assert result.returncode != 0
    assert "TELEGRAM_BOT_TOKEN" in result.stderr and "OPENROUTER_API_KEY" in result.stderr
    result = run_assistant("bot", env={"TELEGRAM_BOT_TOKEN": "123:abc"}, cwd=tmp_path)
    assert "OPENROUTER_API_KEY" in result.stderr and "TELEGRAM_BOT_TOKEN" not in result.stderr


def test_a_broken_roles_file_stops_the_bot_with_the_reason(tmp_path: Path) -> None:
    roles = tmp_path / "roles.yaml"
    roles.write_text("roles:\n  - name: x\n")
    env = {"TELEGRAM_BOT_TOKEN": "123:abc", "OPENROUTER_API_KEY": "k", "ROLES_FILE": str(roles)}
    result = run_assistant("bot", env=env, cwd=tmp_path)
    assert result.returncode != 0
    assert "roles.0.prompt" in result.stderr


def test_invalid_settings_name_the_variable(tmp_path: Path) -> None:
    result = run_assistant("bot", env={"BREAKER_FAILURE_RATE": "7"}, cwd=tmp_path)
    assert result.returncode != 0
    assert "BREAKER_FAILURE_RATE" in result.stderr
