"""The bot as a real child process (`assistant bot`), to kill it for real."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from pathlib import Path
from typing import IO, Any

import anyio

from tests.e2e.harness import API_KEY, FALLBACK, PRIMARY, free_port


def bot_environment(
    tg_url: str, tg_token: str, llm_url: str, database_url: str, data_dir: Path, **extra: Any
) -> dict[str, str]:
    """The child's environment: ours minus anything that could leak in from a developer's setup."""
    keep = {k: v for k, v in os.environ.items() if k in ("PATH", "HOME", "LANG", "LC_ALL", "TMPDIR", "VIRTUAL_ENV")}
    settings = {
        "TELEGRAM_BOT_TOKEN": tg_token,
        "TELEGRAM_API_URL": tg_url,
        "OPENROUTER_API_KEY": API_KEY,
        "OPENROUTER_BASE_URL": llm_url,
        "LLM_PRIMARY_MODEL": PRIMARY,
        "LLM_FALLBACK_MODEL": FALLBACK,
        "DATABASE_URL": database_url,
        "DATA_DIR": str(data_dir),
        "BOT_HTTP_PORT": str(free_port()),
        "STREAM_DRAFT_INTERVAL": "0.1",
        "PERSIST_BATCH_MS": "50",
        "SHUTDOWN_DEADLINE": "8",
        "LOG_FORMAT": "text",
        "CHAT_MAILBOX_SIZE": "50",
        "RATE_LIMIT_PER_MINUTE": "1000",
    }
    settings.update({k.upper(): str(v) for k, v in extra.items()})
    return {**keep, **settings}


class BotProcess:
    """Starts `assistant bot` in a clean folder; kills it (SIGKILL) or stops it (SIGTERM)."""

    def __init__(self, env: dict[str, str], cwd: Path, log: Path) -> None:
        self.env = env
        self.cwd = cwd
        self.log_path = log
        self.process: subprocess.Popen[bytes] | None = None
        self.starts = 0
        self._log: IO[bytes] | None = None

    def start(self) -> None:
        self._log = self.log_path.open("ab")
        self.process = subprocess.Popen(
            [sys.executable, "-c", "import sys; from assistant.cli import main; sys.exit(main(['bot']))"],
            cwd=self.cwd,
            env=self.env,
            stdout=self._log,
            stderr=subprocess.STDOUT,
        )
        self.starts += 1

    def kill(self) -> None:
        """kill -9: no chance to flush anything."""
        assert self.process is not None
        self.process.send_signal(signal.SIGKILL)
        self.process.wait()
        self._close_log()

    async def stop(self, timeout: float = 30.0) -> int:
        """SIGTERM, then wait for the exit code."""
        assert self.process is not None
        self.process.send_signal(signal.SIGTERM)
        with anyio.fail_after(timeout):
            while (code := self.process.poll()) is None:
                await anyio.sleep(0.05)
        self._close_log()
        return code

    def alive(self) -> bool:
        return self.process is not None and self.process.poll() is None

    def _close_log(self) -> None:
        if self._log is not None:
            self._log.close()
            self._log = None

    def output(self) -> str:
        return self.log_path.read_text(errors="replace")
