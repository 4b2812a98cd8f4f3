"""Fixtures of the chaos tests: a PostgreSQL of a test's own, to stop and start for real."""

from __future__ import annotations

import shutil
import uuid
from collections.abc import AsyncIterator
from pathlib import Path

import anyio
import pytest

from db.connect import ensure_database
from db.embedded import EmbeddedPostgres
from db.migrate import upgrade

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture
async def own_postgres() -> AsyncIterator[tuple[EmbeddedPostgres, str]]:
    """A migrated PostgreSQL of this test's own (server and database URL), to stop and start for real."""
    data_dir = ROOT / ".data" / f"chaos-{uuid.uuid4().hex[:8]}"
    server = await anyio.to_thread.run_sync(lambda: EmbeddedPostgres(data_dir))
    await ensure_database(server.url("postgres"), "chaos")
    url = server.url("chaos")
    await anyio.to_thread.run_sync(upgrade, url)
    try:
        yield server, url
    finally:
        await anyio.to_thread.run_sync(server.stop)
        shutil.rmtree(data_dir, ignore_errors=True)
