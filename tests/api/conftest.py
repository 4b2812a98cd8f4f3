"""Fixtures of the stats API tests: a database holding the generated history, the app, a client."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Iterator
from typing import Any

import httpx
import pytest
from fastapi import FastAPI

from api.app import create_app
from assistant.settings import Settings
from db.engine import create_engine
from db.migrate import upgrade
from tests.api.dataset import History, make_history, write_history
from tests.conftest import PostgresServer, create_test_database, drop_test_database
from tests.support.settings import settings_for_test

TOKEN = "test-token-0123456789abcdef"
DASHBOARD = "https://dashboard.example"


def api_settings(**overrides: object) -> Settings:
    values: dict[str, Any] = {
        "stats_api_token": TOKEN,
        "dashboard_origin": DASHBOARD,
        "llm_primary_model": "openai/gpt-4o-mini",
        "llm_fallback_model": "anthropic/claude-3.5-haiku",
        **overrides,
    }
    return settings_for_test(**values)


@pytest.fixture(scope="session")
def history() -> History:
    return make_history()


@pytest.fixture(scope="session")
def stats_url(postgres: PostgresServer, history: History) -> Iterator[str]:
    """A database of its own holding the history (other tests truncate the shared one)."""
    name = create_test_database(postgres, prefix="stats")
    url = postgres.url(name)
    upgrade(url)

    async def fill() -> None:
        engine = create_engine(url, pool_size=1)
        try:
            await write_history(engine, url, history)
        finally:
            await engine.dispose()

    asyncio.run(fill())
    yield url
    drop_test_database(postgres, name)


@pytest.fixture
async def app(stats_url: str) -> AsyncIterator[FastAPI]:
    application = create_app(api_settings(), stats_url)
    yield application
    await application.state.engine.dispose()


@pytest.fixture
async def client(app: FastAPI) -> AsyncIterator[httpx.AsyncClient]:
    transport = httpx.ASGITransport(app=app)
    headers = {"Authorization": f"Bearer {TOKEN}"}
    async with httpx.AsyncClient(transport=transport, base_url="http://testserver", headers=headers) as http:
        yield http
