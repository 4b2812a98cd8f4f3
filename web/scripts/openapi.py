"""Print the stats API's OpenAPI schema (JSON) without a database: the dashboard's types are generated from it.

Run from the repository root: ``uv run python web/scripts/openapi.py``.
"""

from __future__ import annotations

import json
import sys

from pydantic import SecretStr

from api.app import create_app
from assistant.settings import Settings

# A placeholder token and URL: building the app neither connects nor serves.
settings = Settings(stats_api_token=SecretStr("schema-only"))
app = create_app(settings, "postgresql+asyncpg://schema@/schema?host=/nonexistent")
json.dump(app.openapi(), sys.stdout, indent=2, sort_keys=True)
sys.stdout.write("\n")
