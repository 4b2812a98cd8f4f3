"""The settings object: documented, secret-safe, and clear about what is missing."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from assistant.settings import Settings, UpdatesMode

ROOT = Path(__file__).resolve().parents[2]


def documented_variables() -> set[str]:
    text = (ROOT / ".env.example").read_text()
    return set(re.findall(r"^([A-Z][A-Z0-9_]*)=", text, flags=re.MULTILINE))


def test_every_setting_is_documented_in_env_example_and_nothing_else() -> None:
    fields = {name.upper() for name in Settings.model_fields}
    assert documented_variables() == fields


def test_secrets_never_print(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("TELEGRAM_BOT_TOKEN", "123456:ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghi")
    monkeypatch.setenv("OPENROUTER_API_KEY", "sk-or-v1-very-secret")
    settings = Settings(_env_file=None)
    dumped = repr(settings) + str(settings) + settings.model_dump_json()
    assert "very-secret" not in dumped
    assert "ABCDEFGHIJ" not in dumped
    assert settings.openrouter_api_key is not None
    assert settings.openrouter_api_key.get_secret_value() == "sk-or-v1-very-secret"


def test_the_bot_names_exactly_what_is_missing(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("TELEGRAM_BOT_TOKEN", raising=False)
    monkeypatch.setenv("OPENROUTER_API_KEY", "  ")
    settings = Settings(_env_file=None)
    assert settings.missing_for_bot() == ["TELEGRAM_BOT_TOKEN", "OPENROUTER_API_KEY"]
    webhook = Settings(_env_file=None, telegram_bot_token="t", openrouter_api_key="k", updates_mode=UpdatesMode.WEBHOOK)
    assert webhook.missing_for_bot() == ["WEBHOOK_URL", "WEBHOOK_SECRET"]


def test_allowed_user_ids_accept_commas_and_spaces(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("ALLOWED_USER_IDS", "1, 2 3")
    assert Settings(_env_file=None).allowed_user_ids == {1, 2, 3}


def test_nonsense_values_are_refused_with_the_variable_named(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("BREAKER_FAILURE_RATE", "2")
    with pytest.raises(ValueError, match="breaker_failure_rate"):
        Settings(_env_file=None)


@pytest.mark.parametrize("secret", ["has space", "ünïcode", "x" * 257, "semi;colon"])
def test_a_webhook_secret_telegram_would_refuse_is_refused_without_echoing_it(
    monkeypatch: pytest.MonkeyPatch, secret: str
) -> None:
    monkeypatch.setenv("WEBHOOK_SECRET", secret)
    with pytest.raises(ValueError, match="webhook_secret") as refused:
        Settings(_env_file=None)
    assert "1 to 256 characters" in str(refused.value)
    assert secret not in str(refused.value)


def test_a_webhook_secret_of_telegrams_alphabet_is_accepted(monkeypatch: pytest.MonkeyPatch) -> None:
    secret = "Abc_123-xyz" * 20
    monkeypatch.setenv("WEBHOOK_SECRET", secret[:256])
    settings = Settings(_env_file=None)
    assert settings.webhook_secret is not None and settings.webhook_secret.get_secret_value() == secret[:256]
