"""All configuration in one typed object, read from the environment and `.env`.

Every field is documented in `.env.example`. Secrets are ``SecretStr``: they print
as ``**********`` and reach code only through ``.get_secret_value()``.
"""

from __future__ import annotations

import re
from enum import StrEnum
from functools import cached_property
from pathlib import Path
from typing import Annotated

from pydantic import AnyHttpUrl, Field, SecretStr, field_validator
from pydantic_settings import BaseSettings, NoDecode, SettingsConfigDict

PROJECT_ROOT = Path(__file__).resolve().parent.parent
WEBHOOK_SECRET = re.compile(r"[A-Za-z0-9_-]{1,256}")
"""What Telegram accepts as a webhook's ``secret_token``."""


class UpdatesMode(StrEnum):
    POLLING = "polling"
    WEBHOOK = "webhook"


class LogFormat(StrEnum):
    AUTO = "auto"  # readable text on a terminal, JSON otherwise
    TEXT = "text"
    JSON = "json"


class Settings(BaseSettings):
    """The whole configuration of every service; unknown variables are ignored."""

    # Empty values count as unset: `.env.example` copied to `.env` leaves optional ones blank.
    # Errors never echo the value given: it may be a secret.
    model_config = SettingsConfigDict(
        env_file=".env", env_file_encoding="utf-8", extra="ignore", env_ignore_empty=True, hide_input_in_errors=True
    )

    # -- Telegram ------------------------------------------------------------
    telegram_bot_token: SecretStr | None = None
    telegram_api_url: AnyHttpUrl | None = None
    updates_mode: UpdatesMode = UpdatesMode.POLLING
    webhook_url: AnyHttpUrl | None = None
    webhook_secret: SecretStr | None = None
    webhook_host: str = "0.0.0.0"
    webhook_port: int = 8443
    allowed_user_ids: Annotated[frozenset[int], NoDecode] = frozenset()
    rate_limit_per_minute: int = Field(20, ge=1)
    rate_limit_per_day: int = Field(500, ge=1)
    max_message_chars: int = Field(16_000, ge=1)
    telegram_global_per_second: float = Field(30.0, gt=0)
    telegram_chat_per_second: float = Field(1.0, gt=0)
    telegram_group_per_minute: float = Field(20.0, gt=0)
    stream_draft_interval: float = Field(0.25, ge=0)
    stream_draft_budget: float = Field(100.0, gt=0)
    stream_edit_interval: float = Field(1.0, ge=0)

    # -- Models (OpenRouter or any OpenAI-compatible server) -------------------
    openrouter_api_key: SecretStr | None = None
    openrouter_base_url: AnyHttpUrl = AnyHttpUrl("https://openrouter.ai/api/v1")
    llm_primary_model: str = "openai/gpt-4o-mini"
    llm_fallback_model: str = "anthropic/claude-3.5-haiku"
    llm_fallback_base_url: AnyHttpUrl | None = None
    llm_fallback_api_key: SecretStr | None = None
    llm_connect_timeout: float = Field(5.0, gt=0)
    llm_first_token_timeout: float = Field(20.0, gt=0)
    llm_total_timeout: float = Field(120.0, gt=0)
    llm_hedge_after: float = Field(8.0, gt=0)
    llm_context_tokens: int = Field(8_000, ge=256)
    llm_max_answer_tokens: int = Field(2_000, ge=16)
    app_url: str = "https://github.com/assistant-bot/assistant"
    app_title: str = "assistant"

    # -- Circuit breaker ---------------------------------------------------------
    breaker_consecutive_failures: int = Field(3, ge=1)
    breaker_window: int = Field(20, ge=1)
    breaker_min_calls: int = Field(5, ge=1)
    breaker_failure_rate: float = Field(0.5, gt=0, le=1)
    breaker_open_seconds: float = Field(15.0, gt=0)
    breaker_open_max_seconds: float = Field(300.0, gt=0)
    rate_limited_default_seconds: float = Field(30.0, gt=0)
    misconfigured_open_seconds: float = Field(600.0, gt=0)
    deferred_answer_window: float = Field(600.0, ge=0)
    fallback_note: bool = False

    # -- Roles ---------------------------------------------------------------------
    system_prompt: str | None = None
    roles_file: Path | None = None

    # -- Storage -----------------------------------------------------------------
    database_url: SecretStr | None = None
    data_dir: Path = PROJECT_ROOT / ".data"
    persist_batch_rows: int = Field(500, ge=1)
    persist_batch_ms: float = Field(50.0, gt=0)
    persist_queue_size: int = Field(20_000, ge=1)
    retention_days: int | None = Field(None, ge=1)

    # -- Runtime ---------------------------------------------------------------
    chat_mailbox_size: int = Field(20, ge=1)
    chat_idle_seconds: float = Field(900.0, gt=0)
    shutdown_deadline: float = Field(8.0, gt=0)

    # -- HTTP services ---------------------------------------------------------
    bot_http_host: str = "127.0.0.1"
    bot_http_port: int = 8081
    api_host: str = "127.0.0.1"
    api_port: int = 8000
    stats_api_token: SecretStr | None = None
    stats_api_allow_open: bool = False
    dashboard_origin: str = "http://localhost:3000"
    stats_api_url: str = "http://127.0.0.1:8000"
    web_port: int = 3000
    dashboard_refresh_seconds: float = Field(5.0, gt=0)
    dashboard_password: SecretStr | None = None
    dashboard_session_secret: SecretStr | None = None
    # Read by the dashboard's server; here so that it is documented and validated with the rest.
    dashboard_trusted_proxies: int = Field(0, ge=0, le=10)

    # -- Logging -----------------------------------------------------------------
    log_level: str = "INFO"
    log_format: LogFormat = LogFormat.AUTO

    @field_validator("allowed_user_ids", mode="before")
    @classmethod
    def _parse_ids(cls, value: object) -> object:
        if isinstance(value, str):
            return frozenset(int(part) for part in value.replace(",", " ").split())
        if isinstance(value, int):
            return frozenset({value})
        return value

    @field_validator("webhook_secret")
    @classmethod
    def _check_webhook_secret(cls, value: SecretStr | None) -> SecretStr | None:
        if value is not None and not WEBHOOK_SECRET.fullmatch(value.get_secret_value()):
            raise ValueError("must be 1 to 256 characters, each a letter A-Z or a-z, a digit, _ or - (Telegram's rule)")
        return value

    @cached_property
    def embedded_postgres_dir(self) -> Path:
        """Where the embedded PostgreSQL keeps its data when DATABASE_URL is unset."""
        return self.data_dir / "postgres"

    def missing_for_bot(self) -> list[str]:
        """Names of the variables the bot cannot start without."""
        missing = []
        if not _filled(self.telegram_bot_token):
            missing.append("TELEGRAM_BOT_TOKEN")
        if not _filled(self.openrouter_api_key):
            missing.append("OPENROUTER_API_KEY")
        if self.updates_mode is UpdatesMode.WEBHOOK:
            if self.webhook_url is None:
                missing.append("WEBHOOK_URL")
            if not _filled(self.webhook_secret):
                missing.append("WEBHOOK_SECRET")
        return missing


def _filled(secret: SecretStr | None) -> bool:
    return secret is not None and bool(secret.get_secret_value().strip())


def load_settings(**overrides: object) -> Settings:
    """Read the configuration (environment, then `.env`), with explicit overrides on top."""
    return Settings(**overrides)  # type: ignore[arg-type]
