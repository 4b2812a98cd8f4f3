"""Logs: one JSON object per line in containers, readable text on a terminal, never a secret."""

from __future__ import annotations

import json
import logging
from collections.abc import Iterator
from typing import Any

import pytest

from assistant.logs import JsonFormatter, RedactSecrets, setup_logging
from assistant.settings import LogFormat, Settings
from tests.support.settings import settings_for_test

TOKEN = "123456789:AAHfakeFAKEfakeFAKEfakeFAKEfake0123"
KEY = "sk-or-v1-0123456789abcdef"


def settings(**values: object) -> Settings:
    base: dict[str, Any] = {"telegram_bot_token": TOKEN, "openrouter_api_key": KEY}
    base.update(values)
    return settings_for_test(**base)


class Captured:
    def __init__(self, capsys: pytest.CaptureFixture[str]) -> None:
        self._capsys = capsys

    def getvalue(self) -> str:
        return self._capsys.readouterr().err


@pytest.fixture
def captured(capsys: pytest.CaptureFixture[str]) -> Iterator[Captured]:
    """What the root logger writes to stderr (not a terminal here), with the root logger restored afterwards."""
    root = logging.getLogger()
    handlers, level = root.handlers[:], root.level
    yield Captured(capsys)
    root.handlers[:] = handlers
    root.setLevel(level)


def test_json_logs_are_one_object_per_line_with_the_usual_fields(captured: Captured) -> None:
    setup_logging(settings(log_format=LogFormat.JSON), service="bot")
    log = logging.getLogger("actors.chat")
    log.info("answered chat %s in %d ms", 42, 130)
    log.warning("line one\nline two")
    lines = captured.getvalue().splitlines()
    assert len(lines) == 2, "a message with a newline must stay on one line"
    first, second = (json.loads(line) for line in lines)
    assert first["level"] == "info"
    assert first["logger"] == "actors.chat"
    assert first["message"] == "answered chat 42 in 130 ms"
    assert first["ts"].endswith("+00:00")
    assert second["message"] == "line one\nline two"


def test_text_logs_name_the_service(captured: Captured) -> None:
    setup_logging(settings(log_format=LogFormat.TEXT), service="api")
    logging.getLogger("api.app").warning("database unreachable")
    [line] = captured.getvalue().splitlines()
    assert " api WARNING " in line
    assert line.endswith("api.app: database unreachable")


def test_auto_format_writes_json_when_stderr_is_not_a_terminal(captured: Captured) -> None:
    setup_logging(settings(log_format=LogFormat.AUTO), service="bot")
    logging.getLogger("x").info("hello")
    assert json.loads(captured.getvalue())["message"] == "hello"


@pytest.mark.parametrize("fmt", [LogFormat.JSON, LogFormat.TEXT])
def test_secrets_are_masked_in_messages_arguments_and_tracebacks(captured: Captured, fmt: LogFormat) -> None:
    setup_logging(settings(log_format=fmt, stats_api_token="stats-token-xyz"), service="bot")
    log = logging.getLogger("leaky")
    log.error("calling https://api.telegram.org/bot%s/getMe", TOKEN)
    log.warning("key is %s, stats token %s", KEY, "stats-token-xyz")
    try:
        raise RuntimeError(f"refused: Authorization: Bearer {KEY}")
    except RuntimeError:
        log.exception("request failed")
    output = captured.getvalue()
    for secret in (TOKEN, KEY, "stats-token-xyz", "AAHfakeFAKE"):
        assert secret not in output
    assert output.count("***") >= 4
    assert "RuntimeError: refused: Authorization: Bearer ***" in output.replace("\\n", "\n")


def test_a_token_shaped_string_is_masked_even_when_not_configured() -> None:
    redact = RedactSecrets([])
    other = "987654321:BBHotherOTHERotherOTHERotherOTHER99"
    assert redact.redact(f"url /bot{other}/sendMessage") == "url /bot***/sendMessage"
    assert redact.redact("chat 987654321 said hi") == "chat 987654321 said hi"


def test_short_values_are_not_treated_as_secrets() -> None:
    # A one-letter "secret" would blank out half of every line.
    redact = RedactSecrets(["a", "abc"])
    assert redact.redact("a cat sat") == "a cat sat"


def test_the_json_formatter_keeps_non_ascii_readable() -> None:
    record = logging.LogRecord("x", logging.INFO, __file__, 1, "роль %s", ("переводчик",), None)
    assert json.loads(JsonFormatter().format(record))["message"] == "роль переводчик"
    assert "переводчик" in JsonFormatter().format(record)
