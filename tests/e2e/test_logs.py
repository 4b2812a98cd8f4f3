"""What the bot logs at INFO during real dialogs: chat ids, never what people wrote or secrets."""

from __future__ import annotations

import logging

import pytest

from assistant.logs import RedactSecrets, secret_values
from tests.e2e.harness import API_KEY, PRIMARY, Running
from tests.fakes.telegram import User

pytestmark = pytest.mark.anyio

CAROL = User(id=5551, first_name="Carol", language_code="en")
QUESTION = "my secret plan is zebra-quartz-77"


async def test_info_logs_name_the_chat_but_never_the_texts_or_secrets(
    bot: Running, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO)
    await bot.llm.script(PRIMARY, "the answer mentions walrus-opal-13")
    await bot.tg.send_message(CAROL.id, QUESTION, user=CAROL)
    await bot.tg.wait_for_bot_messages(CAROL.id, 1)
    await bot.answered(1, chat_id=CAROL.id)
    # Telegram refusing the formatting makes the bot log (and retry as plain text).
    await bot.llm.script(PRIMARY, "**bold** walrus-opal-13")
    await bot.tg.refuse_entities(1)
    await bot.tg.send_message(CAROL.id, "second question about zebra-quartz-77", user=CAROL)
    await bot.tg.wait_for_bot_messages(CAROL.id, 2)

    # What the handler of the service would write: the redacting filter applied to each line.
    redact = RedactSecrets(secret_values(bot.settings))
    lines = [redact.redact(record.getMessage()) for record in caplog.records if record.levelno >= logging.INFO]
    logged = "\n".join(lines)
    assert f"chat {CAROL.id}" in logged, "operators need to see which chat an answer went to"
    assert "walrus-opal-13" not in logged
    assert "refused the formatting" in logged
    assert "zebra-quartz-77" not in logged
    assert bot.tg.token not in logged
    assert API_KEY not in logged
