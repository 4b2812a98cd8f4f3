"""FakeTelegramProcess: start ``python -m tests.fakes.telegram`` as a child and control it over HTTP."""

from __future__ import annotations

import asyncio
import json
import signal
import sys
import tempfile
from pathlib import Path
from types import TracebackType

from tests.fakes.telegram.client import FakeTelegramClient
from tests.fakes.telegram.models import DEFAULT_TOKEN

PROJECT_ROOT = Path(__file__).resolve().parents[3]


class FakeTelegramProcessError(RuntimeError):
    """The fake's process did not start, or stopped on its own."""


class FakeTelegramProcess:
    """``async with FakeTelegramProcess() as tg:`` gives a :class:`FakeTelegramClient` for a fake in its own process.

    ``port_file`` is where the child writes its Bot API port (as ``--port-file``); a
    temporary file is used if not given.
    """

    def __init__(self, *, token: str = DEFAULT_TOKEN, port: int = 0, startup_timeout: float = 20.0) -> None:
        self.token = token
        self.port = port
        self.startup_timeout = startup_timeout
        self._directory = tempfile.TemporaryDirectory(prefix="fake-telegram-")
        self.port_file = Path(self._directory.name) / "port"
        self.control_port_file = Path(self._directory.name) / "control-port"
        self.process: asyncio.subprocess.Process | None = None
        self.client: FakeTelegramClient | None = None

    async def start(self) -> FakeTelegramClient:
        self.process = await asyncio.create_subprocess_exec(
            sys.executable,
            "-m",
            "tests.fakes.telegram",
            "--port",
            str(self.port),
            "--port-file",
            str(self.port_file),
            "--control-port-file",
            str(self.control_port_file),
            "--token",
            self.token,
            cwd=PROJECT_ROOT,
            stdout=asyncio.subprocess.PIPE,
        )
        assert self.process.stdout is not None
        try:
            line = await asyncio.wait_for(self.process.stdout.readline(), self.startup_timeout)
        except TimeoutError:
            await self.stop()
            raise FakeTelegramProcessError(f"the fake did not start within {self.startup_timeout}s") from None
        if not line:
            code = await self.process.wait()
            raise FakeTelegramProcessError(f"the fake exited with code {code} before listening")
        ready = json.loads(line)
        self.client = FakeTelegramClient(ready["url"], control_url=ready["control_url"], token=ready["token"])
        return self.client

    async def stop(self) -> int | None:
        """Stop the child with SIGTERM (SIGKILL after 5 s); returns its exit code."""
        if self.client is not None:
            await self.client.aclose()
            self.client = None
        process, self.process = self.process, None
        if process is None:
            return None
        if process.returncode is None:
            process.send_signal(signal.SIGTERM)
            try:
                await asyncio.wait_for(process.wait(), 5.0)
            except TimeoutError:
                process.kill()
        code = await process.wait()
        self._directory.cleanup()
        return code

    async def __aenter__(self) -> FakeTelegramClient:
        return await self.start()

    async def __aexit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        await self.stop()
