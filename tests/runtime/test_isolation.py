"""The runtime is generic: importing it loads nothing of Telegram, LLM clients, the database or the services.

ruff bans such imports in runtime/ (TID251, see pyproject.toml); this test also
catches one that arrives indirectly, through another package.
"""

from __future__ import annotations

import json
import subprocess
import sys

FORBIDDEN = ("aiogram", "httpx", "sqlalchemy", "asyncpg", "actors", "db", "api", "assistant", "prometheus_client")


def test_importing_the_runtime_loads_no_service_code() -> None:
    probe = (
        "import json, sys, runtime, runtime.cell, runtime.crashlog; "
        "print(json.dumps(sorted({name.split('.')[0] for name in sys.modules})))"
    )
    loaded = json.loads(subprocess.run([sys.executable, "-c", probe], check=True, capture_output=True).stdout)
    assert "runtime" in loaded and "anyio" in loaded  # the probe really imported it
    assert [name for name in FORBIDDEN if name in loaded] == []
