from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from sqlalchemy.ext.asyncio import AsyncEngine

from tests.e2e.harness import Running, running_bot


@pytest.fixture
async def bot(clean_db: AsyncEngine, database_url: str, tmp_path: Path) -> AsyncIterator[Running]:
    async with running_bot(database_url, tmp_path) as running:
        yield running
