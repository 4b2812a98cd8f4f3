"""`assistant up` for real: embedded PostgreSQL, migrations, bot and API as children, against the fakes.

The bot talks to the fake Telegram and the fake OpenRouter (each in its own process); `up`
runs in a scratch folder inside the project (the embedded PostgreSQL must not live under a
home directory) with a `.env` of its own, so nothing of the developer's configuration leaks in.
"""

from __future__ import annotations

import os
import re
import shutil
import signal
import socket
import stat
import subprocess
import sys
import uuid
from collections.abc import AsyncIterator, Iterator
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from functools import partial
from pathlib import Path

import anyio
import anyio.abc
import httpx
import pytest

from assistant.settings import Settings
from assistant.up import SECRETS_FILE_NAME, WEB_DIR, read_env_file, web_build_needed, web_install_needed
from tests.deploy.tools import ROOT
from tests.fakes.telegram.process import FakeTelegramProcess
from tests.support.waiting import eventually

pytestmark = [pytest.mark.anyio, pytest.mark.slow]

LLM_KEY = "up-test-openrouter-key"
START_TIMEOUT = 90.0
STOP_TIMEOUT = 60.0


def free_port() -> int:
    # tests/e2e/harness.py has the same, but importing it imports aiogram (seconds) for four lines.
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def hermetic_env(**values: str) -> dict[str, str]:
    """The test's environment without any of our settings (a developer's or CI's), plus ``values``."""
    ours = {name.upper() for name in Settings.model_fields}
    env = {name: value for name, value in os.environ.items() if name not in ours}
    env.update(values)
    return env


def web_build_ready() -> bool:
    """A current dashboard build exists (then `up` runs it; building one here would take minutes)."""
    return (
        shutil.which("npm") is not None
        and (WEB_DIR / ".next" / "standalone" / "server.js").is_file()
        and not web_install_needed(WEB_DIR)
        and not web_build_needed(WEB_DIR)
    )


@pytest.fixture
def workdir() -> Iterator[Path]:
    path = ROOT / ".data" / f"test-up-{uuid.uuid4().hex[:8]}"
    path.mkdir(parents=True)
    yield path
    shutil.rmtree(path, ignore_errors=True)


@dataclass
class Up:
    """A running `assistant up`, its output collected line by line."""

    process: anyio.abc.Process
    lines: list[str] = field(default_factory=list)

    @property
    def output(self) -> str:
        return "\n".join(self.lines)

    async def line(self, pattern: str, *, after: int = 0, timeout: float = START_TIMEOUT) -> tuple[int, re.Match[str]]:
        """The first line from index ``after`` on that matches ``pattern`` (waits for it)."""

        def find() -> tuple[int, re.Match[str]] | None:
            for index in range(after, len(self.lines)):
                found = re.search(pattern, self.lines[index])
                if found:
                    return index, found
            if self.process.returncode is not None:
                raise AssertionError(f"`up` exited ({self.process.returncode}) before {pattern!r}:\n{self.output}")
            return None

        found: tuple[int, re.Match[str]] = await eventually(find, timeout, pattern)
        return found


@asynccontextmanager
async def running_up(arguments: list[str], env: dict[str, str], cwd: Path) -> AsyncIterator[Up]:
    command = [sys.executable, "-m", "assistant.cli", "up", *arguments]
    process = await anyio.open_process(command, env=env, cwd=cwd, stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
    running = Up(process)

    async def collect() -> None:
        assert process.stdout is not None
        buffer = b""
        async for chunk in process.stdout:
            buffer += chunk
            *complete, buffer = buffer.split(b"\n")
            running.lines += [line.decode(errors="replace") for line in complete]

    try:
        async with anyio.create_task_group() as tg:
            tg.start_soon(collect)
            yield running
            if process.returncode is None:
                await process.wait()
    finally:
        if process.returncode is None:  # the test failed midway: do not leave the system running
            process.send_signal(signal.SIGTERM)
            with anyio.move_on_after(STOP_TIMEOUT):
                await process.wait()
            if process.returncode is None:
                process.kill()
        await process.aclose()


@asynccontextmanager
async def fake_openrouter() -> AsyncIterator[str]:
    """The fake OpenRouter in its own process; yields its base URL."""
    command = [sys.executable, "-m", "tests.fakes.openrouter", "--port", "0", "--api-key", LLM_KEY]
    process = await anyio.open_process(command, cwd=ROOT, stdout=subprocess.PIPE, stderr=None)
    try:
        assert process.stdout is not None
        with anyio.fail_after(30):
            first = (await process.stdout.receive()).decode()
        assert first.startswith("listening on "), first
        yield f"http://127.0.0.1:{int(first.split()[2])}/api/v1"
    finally:
        process.terminate()
        with anyio.move_on_after(10):
            await process.wait()
        if process.returncode is None:
            process.kill()
        await process.aclose()


async def answers(url: str, status: int = 200, **headers: str) -> bool:
    try:
        async with httpx.AsyncClient(timeout=2) as http:
            return (await http.get(url, headers=headers)).status_code == status
    except httpx.HTTPError:
        return False


def gone(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return True
    status = Path(f"/proc/{pid}/stat")
    return status.exists() and status.read_text().split(")")[-1].split()[0] == "Z"


async def test_up_runs_the_system_restarts_a_crashed_service_and_stops_cleanly(workdir: Path) -> None:
    data = workdir / "data"
    bot_port, api_port, web_port = free_port(), free_port(), free_port()
    with_web = web_build_ready()
    async with FakeTelegramProcess() as telegram, fake_openrouter() as llm_url:
        # The secrets come from `.env` in the folder `up` runs in, as an operator would write them.
        (workdir / ".env").write_text(
            f"TELEGRAM_BOT_TOKEN={telegram.token}\nOPENROUTER_API_KEY={LLM_KEY}\n# a comment\nSYSTEM_PROMPT=\n"
        )
        env = hermetic_env(
            TELEGRAM_API_URL=telegram.url,
            OPENROUTER_BASE_URL=llm_url,
            DATA_DIR=str(data),
            BOT_HTTP_PORT=str(bot_port),
            API_PORT=str(api_port),
            WEB_PORT=str(web_port),
            SHUTDOWN_DEADLINE="5",
        )
        async with running_up([] if with_web else ["--no-web"], env, workdir) as up:
            _, bot = await up.line(r"started bot \(pid (\d+)\)")
            _, api = await up.line(r"started api \(pid (\d+)\)")
            bot_pid, api_pid = int(bot.group(1)), int(api.group(1))

            api_url = f"http://127.0.0.1:{api_port}"
            await eventually(lambda: answers(f"{api_url}/readyz"), START_TIMEOUT, "the API's /readyz")
            await eventually(lambda: answers(f"http://127.0.0.1:{bot_port}/healthz"), START_TIMEOUT, "the bot")

            # A user writes; the bot answers through the fake OpenRouter.
            await telegram.send_message(1001, "hello through assistant up")
            [reply] = await telegram.wait_for_bot_messages(1001, 1, timeout=30)
            assert "hello through assistant up" in (reply.text or "")
            await eventually(lambda: answers(f"http://127.0.0.1:{bot_port}/readyz"), 30, "the bot's /readyz")

            # The API's token was generated, kept private, and protects the API.
            secrets_file = data / SECRETS_FILE_NAME
            assert stat.S_IMODE(secrets_file.stat().st_mode) == 0o600
            token = read_env_file(secrets_file)["STATS_API_TOKEN"]
            assert await answers(f"{api_url}/api/v1/summary", 401)
            assert await answers(f"{api_url}/api/v1/summary", 200, Authorization=f"Bearer {token}")

            if with_web:
                await eventually(lambda: answers(f"http://127.0.0.1:{web_port}/login"), START_TIMEOUT, "dashboard")

            # A service that dies is restarted.
            os.kill(api_pid, signal.SIGKILL)
            index, _ = await up.line(r"api exited with signal SIGKILL; restarting")
            _, restarted = await up.line(r"started api \(pid (\d+)\)", after=index)
            new_api_pid = int(restarted.group(1))
            assert new_api_pid != api_pid
            await eventually(lambda: answers(f"{api_url}/readyz"), START_TIMEOUT, "the restarted API")

            # Ctrl-C: everything stops (the children get SIGTERM), and `up` says so and exits 0.
            up.process.send_signal(signal.SIGINT)
            with anyio.fail_after(STOP_TIMEOUT):
                code = await up.process.wait()

    assert code == 0, up.output
    assert up.lines[-1].endswith("| stopped"), up.output
    for pid in (bot_pid, api_pid, new_api_pid):
        await eventually(partial(gone, pid), 5, f"process {pid} gone")
    assert not (data / "postgres" / "postmaster.pid").exists(), "the embedded PostgreSQL is still running"
    assert any(line.startswith("bot |") for line in up.lines)
    assert any(line.startswith("api |") for line in up.lines)
    assert token not in up.output, "a generated secret reached the output"
    assert "received SIGTERM: stopping gracefully" in up.output, "the bot was not stopped gracefully"


async def test_up_without_a_token_says_what_to_set_and_starts_nothing(workdir: Path) -> None:
    data = workdir / "data"
    result = await anyio.run_process(
        [sys.executable, "-m", "assistant.cli", "up", "--no-web"],
        env=hermetic_env(DATA_DIR=str(data)),
        cwd=workdir,
        check=False,
    )
    message = result.stderr.decode()
    assert result.returncode == 2, message
    assert re.search(r"^\s+TELEGRAM_BOT_TOKEN\s", message, flags=re.MULTILINE), message
    assert re.search(r"^\s+OPENROUTER_API_KEY\s", message, flags=re.MULTILINE), message
    assert str(workdir / ".env") in message
    assert not data.exists(), "nothing may start, or be written, before the configuration is complete"
