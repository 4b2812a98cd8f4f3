"""The processes of the load benchmark: the fakes, the bot, a scratch database, and watching them (RSS, CPU).

Every service runs in its own process, as in production: the fake Telegram
(``python -m tests.fakes.telegram``), the fake OpenRouter (``python -m
tests.fakes.openrouter``) and the bot (``assistant bot``, started like the
chaos tests start it). The benchmark's own process only offers messages,
samples memory and reads the fakes' records.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import sys
import time
import uuid
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import anyio
import asyncpg
import httpx
import psutil  # type: ignore[import-untyped]

from bench.persistence import pick_server, with_database
from db.connect import ensure_database, to_asyncpg_dsn
from tests.chaos.process import BotProcess
from tests.e2e.harness import API_KEY, FALLBACK, PRIMARY, free_port
from tests.fakes.openrouter import RemoteFakeOpenRouter
from tests.fakes.telegram import FakeTelegramClient, FakeTelegramProcess

ROOT = Path(__file__).resolve().parent.parent
BOT_COMMAND = "import sys; from assistant.cli import main; sys.exit(main(['bot']))"


# -- the scratch database ---------------------------------------------------------------


@contextlib.asynccontextmanager
async def scratch_database(server: str | None) -> AsyncIterator[str]:
    """A fresh, empty database on the chosen server (the bot migrates it); dropped at the end."""
    admin = pick_server(server)
    name = f"bench_load_{uuid.uuid4().hex[:10]}"
    await ensure_database(admin, name)
    try:
        yield with_database(admin, name)
    finally:
        connection = await asyncpg.connect(to_asyncpg_dsn(admin))
        try:
            await connection.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        finally:
            await connection.close()


def server_label(server: str | None) -> str:
    return pick_server(server).split("@")[-1]


# -- the fakes ----------------------------------------------------------------------------


@dataclass
class ModelShape:
    """How the fake model answers: the first token after ``first_token`` seconds, then ``tokens_per_second``."""

    first_token: float
    tokens_per_second: float
    answer: str

    @property
    def seconds(self) -> float:
        pieces = -(-len(self.answer) // 4)  # the fake streams pieces of four characters
        return self.first_token + max(pieces - 1, 0) / self.tokens_per_second


@contextlib.asynccontextmanager
async def fake_openrouter(
    shape: ModelShape | None, keepalive: float
) -> AsyncIterator[tuple[RemoteFakeOpenRouter, int]]:
    """The fake OpenRouter in its own process, answering every call with ``shape`` (None: its echo,
    at its own pace); yields it and its pid."""
    process = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "tests.fakes.openrouter",
        "--port",
        "0",
        "--api-key",
        API_KEY,
        "--keepalive-interval",
        str(keepalive),
        cwd=ROOT,
        stdout=asyncio.subprocess.PIPE,
    )
    try:
        assert process.stdout is not None
        line = (await asyncio.wait_for(process.stdout.readline(), 30)).decode()
        if not line.startswith("listening on "):
            raise RuntimeError(f"the fake OpenRouter did not start: {line!r}")
        async with RemoteFakeOpenRouter(f"http://127.0.0.1:{int(line.split()[-1])}") as llm:
            if shape is not None:
                await llm.script(None, shape.answer)
                await llm.first_token_delay(None, shape.first_token)
                await llm.tokens_per_second(None, shape.tokens_per_second)
            yield llm, process.pid
    finally:
        if process.returncode is None:
            process.terminate()
            try:
                await asyncio.wait_for(process.wait(), 10)
            except TimeoutError:
                process.kill()
                await process.wait()


@contextlib.asynccontextmanager
async def fake_telegram() -> AsyncIterator[tuple[FakeTelegramClient, int]]:
    """The fake Telegram in its own process (no flood control unless asked); yields its client and pid."""
    runner = FakeTelegramProcess()
    client = await runner.start()
    try:
        assert runner.process is not None
        yield client, runner.process.pid
    finally:
        await runner.stop()


# -- the bot ------------------------------------------------------------------------------


def bot_environment(
    tg: FakeTelegramClient,
    llm: RemoteFakeOpenRouter,
    database_url: str,
    data_dir: Path,
    idle_seconds: float,
    extra: dict[str, str] | None = None,
) -> tuple[dict[str, str], int]:
    """The bot's environment for a load test, and its metrics port.

    The product's defaults, except: Telegram's global pacing and the per-user
    rate limits are lifted (the load comes from few machines, not from
    Telegram's limits or abusive users), logs are at WARNING, and chats
    passivate after ``idle_seconds``. ``extra`` settings come last (``--bot-env``).
    """
    keep = {k: v for k, v in os.environ.items() if k in ("PATH", "HOME", "LANG", "LC_ALL", "TMPDIR", "VIRTUAL_ENV")}
    port = free_port()
    settings = {
        "TELEGRAM_BOT_TOKEN": tg.token,
        "TELEGRAM_API_URL": tg.url,
        "OPENROUTER_API_KEY": API_KEY,
        "OPENROUTER_BASE_URL": llm.base_url,
        "LLM_PRIMARY_MODEL": PRIMARY,
        "LLM_FALLBACK_MODEL": FALLBACK,
        "DATABASE_URL": database_url,
        "DATA_DIR": str(data_dir),
        "BOT_HTTP_PORT": str(port),
        "LOG_LEVEL": "WARNING",
        "LOG_FORMAT": "text",
        "TELEGRAM_GLOBAL_PER_SECOND": "100000",
        "RATE_LIMIT_PER_MINUTE": "1000000",
        "RATE_LIMIT_PER_DAY": "1000000",
        "CHAT_IDLE_SECONDS": f"{idle_seconds:g}",
    }
    return {**keep, **settings, **(extra or {})}, port


@dataclass
class Bot:
    process: BotProcess
    metrics_url: str
    http: httpx.AsyncClient

    @property
    def pid(self) -> int:
        assert self.process.process is not None
        return self.process.process.pid

    async def metrics(self) -> dict[str, float]:
        """The bot's /metrics as {'name{labels}': value}."""
        text = (await self.http.get(self.metrics_url)).text
        values: dict[str, float] = {}
        for line in text.splitlines():
            if line and not line.startswith("#"):
                series, _, value = line.rpartition(" ")
                values[series] = float(value)
        return values

    async def live_actors(self, kind: str = "chat") -> int:
        """Live actors of ``kind``, from the bot's /metrics."""
        return int((await self.metrics()).get(f'assistant_live_actors{{kind="{kind}"}}', 0.0))


@contextlib.asynccontextmanager
async def running_bot(
    tg: FakeTelegramClient,
    llm: RemoteFakeOpenRouter,
    database_url: str,
    workdir: Path,
    idle_seconds: float,
    extra_env: dict[str, str] | None = None,
) -> AsyncIterator[Bot]:
    """``assistant bot`` as a child process in ``workdir`` (no .env there); up once it long-polls."""
    env, port = bot_environment(tg, llm, database_url, workdir / "data", idle_seconds, extra_env)
    process = BotProcess(env, workdir, workdir / "bot.log")
    process.start()
    try:
        await tg.wait_for_polling(timeout=90)
        async with httpx.AsyncClient(timeout=10) as http:
            yield Bot(process, f"http://127.0.0.1:{port}/metrics", http)
    finally:
        if process.alive():
            code = await process.stop(timeout=60)
            if code != 0:
                print(f"warning: the bot exited with {code}; its log:\n{process.output()[-3000:]}", file=sys.stderr)
        else:
            print(f"warning: the bot had stopped on its own; its log:\n{process.output()[-3000:]}", file=sys.stderr)


def lower_priority(pids: list[int], niceness: int) -> None:
    """Give the harness's processes ``niceness`` (0: leave them be) so the bot is not pre-empted by them.

    On a real deployment Telegram and OpenRouter are not on the bot's machine; here
    the fakes take about half a core of the bot's two. Nicer, they still use the
    CPU they need, but when the bot and a fake are both ready to run the bot goes
    first. Any delay this causes the fakes is counted against the bot: the times
    are taken in the fakes (an update is "available" when the fake Telegram has
    stored it, a reply "arrives" when it has read it).
    """
    if niceness == 0:
        return
    for pid in pids:
        os.setpriority(os.PRIO_PROCESS, pid, niceness)


# -- watching the processes ---------------------------------------------------------------


@dataclass
class Sampler:
    """Samples the bot's RSS every ``interval`` seconds (in this process; /proc reads are cheap)."""

    pid: int
    interval: float = 0.1
    samples: list[tuple[float, int]] = field(default_factory=list)

    def rss(self) -> int:
        return int(psutil.Process(self.pid).memory_info().rss)

    async def run(self) -> None:
        process = psutil.Process(self.pid)
        while True:
            self.samples.append((time.monotonic(), int(process.memory_info().rss)))
            await anyio.sleep(self.interval)

    def peak(self, since: float = 0.0, until: float = float("inf")) -> int:
        return max((rss for at, rss in self.samples if since <= at <= until), default=0)

    async def settled(self, seconds: float = 1.0, count: int = 5) -> int:
        """The median of ``count`` readings over ``seconds``."""
        readings = []
        for _ in range(count):
            readings.append(self.rss())
            await anyio.sleep(seconds / count)
        return sorted(readings)[len(readings) // 2]


def cpu_seconds(pids: dict[str, int]) -> dict[str, float]:
    """User + system CPU seconds so far, per named process."""
    found: dict[str, float] = {}
    for name, pid in pids.items():
        try:
            times = psutil.Process(pid).cpu_times()
        except psutil.Error:
            continue
        found[name] = times.user + times.system
    return found


def machine_busy_seconds() -> float:
    """CPU seconds the whole machine spent busy (all cores, every process), so far."""
    times = psutil.cpu_times()
    return float(sum(times) - times.idle - getattr(times, "iowait", 0.0))


def wait_until_quiet(limit: float, busy_below: float = 0.25, window: float = 10.0) -> float:
    """Wait (at most ``limit`` seconds) until the machine is mostly idle: under ``busy_below`` of all cores
    busy over ``window`` seconds. Returns the share busy in the last window (the machine may be shared)."""
    deadline = time.monotonic() + limit
    while True:
        busy = psutil.cpu_percent(interval=window) / 100
        if busy < busy_below or time.monotonic() >= deadline:
            return float(busy)
        print(f"waiting for a quieter machine: {busy:.0%} of the cores busy", flush=True)


async def database_stats(database_url: str) -> dict[str, float]:
    """PostgreSQL's counters for the bot's database (pg_stat_database), read from the server's admin database."""
    from sqlalchemy.engine import make_url

    url = make_url(database_url)
    admin = url.set(database="postgres").render_as_string(hide_password=False)
    connection = await asyncpg.connect(to_asyncpg_dsn(admin))
    try:
        row = await connection.fetchrow(
            "SELECT sessions, xact_commit, xact_rollback, active_time, tup_inserted, tup_updated"
            " FROM pg_stat_database WHERE datname = $1",
            url.database,
        )
    finally:
        await connection.close()
    return {} if row is None else {key: float(value or 0) for key, value in row.items()}


def describe_machine() -> dict[str, Any]:
    import platform

    cpu = platform.processor() or platform.machine()
    with contextlib.suppress(OSError):
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    return {
        "cpu": cpu,
        "cores": os.cpu_count() or 1,
        "memory_gb": psutil.virtual_memory().total / 2**30,
        "python": platform.python_version(),
        "system": f"{platform.system()} {platform.release()}",
    }
