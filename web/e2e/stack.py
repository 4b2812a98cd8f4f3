"""The real back end of the dashboard's end-to-end tests: PostgreSQL, seeded data and the stats API.

Run from the repository root with ``uv run python web/e2e/stack.py``. It

1. finds PostgreSQL the way the Python tests do: ``DATABASE_URL`` when set, else the embedded
   server (its data under ``.data/web-e2e-postgres``, apart from the Python tests' own);
2. creates two uniquely named databases, migrates both with Alembic: one seeded with synthetic
   history (``db.seed``, through ``COPY``, rolled up as it goes) plus a known dialog, and one
   left empty (a fresh install);
3. starts the real stats API (``assistant api``) on a free port against the seeded database;
4. prints one JSON line (the API's URL and token, and a control URL), then serves a small
   control API the browser tests use to change the world:
     POST /message          {"text": ...} → a question and its answer in the known dialog, now
     POST /api/stop         stop the stats API
     POST /api/start        {"token": ..., "database": "seeded"|"empty"} → start it again
     POST /truth            {"from": ..., "to": ...} → figures of the range counted from the raw rows
5. on end of stdin, SIGTERM or SIGINT: stops the API, drops both databases, stops the embedded server.
"""

from __future__ import annotations

import asyncio
import json
import os
import secrets
import signal
import socket
import subprocess
import sys
import threading
import time
import urllib.request
import uuid
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import asyncpg
from sqlalchemy.engine import make_url

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))

from db.connect import ensure_database, to_asyncpg_dsn  # noqa: E402
from db.engine import async_url  # noqa: E402
from db.migrate import upgrade  # noqa: E402
from db.seed import SeedPlan, seed  # noqa: E402

PRIMARY = "openai/gpt-4o-mini"
FALLBACK = "anthropic/claude-3.5-haiku"
KNOWN_CHAT = 4242
KNOWN_USER = {"id": KNOWN_CHAT, "username": "erin_e2e", "first_name": "Erin", "last_name": "Tester"}


def log(message: str) -> None:
    print(f"[stack] {message}", file=sys.stderr, flush=True)


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


class Postgres:
    """The server: DATABASE_URL's, or an embedded one this process owns."""

    def __init__(self) -> None:
        self.embedded = None
        env_url = os.environ.get("DATABASE_URL")
        if env_url:
            self.admin_url = async_url(env_url)
        else:
            from db.embedded import EmbeddedPostgres

            self.embedded = EmbeddedPostgres(ROOT / ".data" / "web-e2e-postgres")
            self.admin_url = self.embedded.url("postgres")

    def url(self, database: str) -> str:
        return make_url(self.admin_url).set(database=database).render_as_string(hide_password=False)

    async def create(self, prefix: str) -> str:
        name = f"{prefix}_{os.getpid()}_{uuid.uuid4().hex[:8]}"
        await ensure_database(self.admin_url, name)
        return name

    async def drop(self, name: str) -> None:
        connection = await asyncpg.connect(to_asyncpg_dsn(self.admin_url))
        try:
            await connection.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        finally:
            await connection.close()


class KnownDialog:
    """A private chat with known messages: one answer from the primary, one from the fallback after a failure."""

    def __init__(self, dsn: str) -> None:
        self.dsn = dsn
        self.counter = 0
        self.lock = asyncio.Lock()

    async def create(self, now: datetime) -> dict[str, Any]:
        connection = await asyncpg.connect(self.dsn)
        try:
            async with connection.transaction():
                await connection.execute(
                    """INSERT INTO users (id, username, first_name, last_name, language_code,
                                          first_seen_at, last_seen_at)
                       VALUES ($1, $2, $3, $4, 'en', $5, $5)""",
                    KNOWN_USER["id"],
                    KNOWN_USER["username"],
                    KNOWN_USER["first_name"],
                    KNOWN_USER["last_name"],
                    now - timedelta(minutes=40),
                )
                await connection.execute(
                    """INSERT INTO chats (id, type, title, role, created_at, last_activity_at)
                       VALUES ($1, 'private', NULL, NULL, $2, $2)""",
                    KNOWN_CHAT,
                    now - timedelta(minutes=40),
                )
            first = await self._exchange(
                connection,
                "How do I reset my router to factory settings?",
                "Hold the reset button for ten seconds until the lights blink, then wait for it to restart.",
                now - timedelta(minutes=30),
                fallback=False,
            )
            second = await self._exchange(
                connection,
                "And where do I find the Wi-Fi password afterwards?",
                "It is printed on the sticker under the router, next to the network name.",
                now - timedelta(minutes=20),
                fallback=True,
            )
        finally:
            await connection.close()
        return {"chat_id": KNOWN_CHAT, "user": KNOWN_USER, "exchanges": [first, second]}

    async def add(self, question: str, answer: str) -> dict[str, Any]:
        connection = await asyncpg.connect(self.dsn)
        try:
            return await self._exchange(connection, question, answer, datetime.now(UTC), fallback=False)
        finally:
            await connection.close()

    async def _exchange(
        self, connection: Any, question: str, answer: str, at: datetime, *, fallback: bool
    ) -> dict[str, Any]:
        """Rows as the bot writes them: the question, the requests, the answer; the chat's activity."""
        async with self.lock:
            self.counter += 1
            key = f"e2e-{self.counter}-{uuid.uuid4().hex[:6]}"
        latency = 5230 if fallback else 1840
        cost = Decimal("0.00091") if fallback else Decimal("0.00042")
        answered = at + timedelta(milliseconds=latency)
        async with connection.transaction():
            await connection.execute(
                """INSERT INTO messages (dedup_key, chat_id, user_id, direction, text, created_at, update_id,
                                         telegram_message_id)
                   VALUES ($1, $2, $2, 'in', $3, $4, $5, $5)""",
                f"{key}-in",
                KNOWN_CHAT,
                question,
                at,
                900_000_000 + self.counter,
            )
            calls: list[tuple[str, str, bool, Decimal | None]] = []
            if fallback:
                calls.append((PRIMARY, "server_error", False, None))
            calls.append((FALLBACK if fallback else PRIMARY, "ok", fallback, cost))
            for j, (model, outcome, is_fallback, call_cost) in enumerate(calls):
                ok = outcome == "ok"
                await connection.execute(
                    """INSERT INTO llm_calls (dedup_key, chat_id, user_id, model, outcome, is_fallback, is_hedge,
                                              started_at, latency_ms, ttft_ms, prompt_tokens, completion_tokens,
                                              cost, error)
                       VALUES ($1, $2, $2, $3, $4, $5, false, $6, $7, $8, $9, $10, $11, $12)""",
                    f"{key}-c{j}",
                    KNOWN_CHAT,
                    model,
                    outcome,
                    is_fallback,
                    at + timedelta(milliseconds=50),
                    latency - 200 if ok else 900,
                    600 if ok else None,
                    420 if ok else None,
                    160 if ok else None,
                    call_cost,
                    None if ok else f"{outcome} from {model}",
                )
            await connection.execute(
                """INSERT INTO messages (dedup_key, chat_id, user_id, direction, text, created_at,
                                         telegram_message_id, reply_to_key, model, is_fallback, latency_ms, cost)
                   VALUES ($1, $2, $2, 'out', $3, $4, $5, $6, $7, $8, $9, $10)""",
                f"{key}-out",
                KNOWN_CHAT,
                answer,
                answered,
                800_000_000 + self.counter,
                f"{key}-in",
                FALLBACK if fallback else PRIMARY,
                fallback,
                latency,
                cost,
            )
            await connection.execute(
                "UPDATE chats SET last_activity_at = $2 WHERE id = $1 AND last_activity_at < $2", KNOWN_CHAT, answered
            )
            await connection.execute(
                "UPDATE users SET last_seen_at = $2 WHERE id = $1 AND last_seen_at < $2", KNOWN_CHAT, at
            )
        return {
            "question": question,
            "answer": answer,
            "model": FALLBACK if fallback else PRIMARY,
            "is_fallback": fallback,
            "latency_ms": latency,
            "cost_usd": float(cost),
        }


async def add_incident(dsn: str, now: datetime) -> None:
    """A recent both-down incident with the breaker transitions around it, for the timelines."""
    start = now - timedelta(hours=3, minutes=10)
    rows = [
        (PRIMARY, "breaker", "closed", "open", "3 consecutive failures", start - timedelta(seconds=40)),
        (FALLBACK, "breaker", "closed", "open", "3 consecutive failures", start - timedelta(seconds=5)),
        ("*", "both_down", None, None, "no model could answer", start),
        (FALLBACK, "breaker", "open", "half_open", "probing after the open period", start + timedelta(minutes=4)),
        (FALLBACK, "breaker", "half_open", "closed", "probe succeeded", start + timedelta(minutes=4, seconds=2)),
        ("*", "both_down_end", None, None, "a model answered again", start + timedelta(minutes=4, seconds=3)),
        (PRIMARY, "breaker", "open", "half_open", "probing after the open period", start + timedelta(minutes=6)),
        (PRIMARY, "breaker", "half_open", "closed", "probe succeeded", start + timedelta(minutes=6, seconds=2)),
    ]
    connection = await asyncpg.connect(dsn)
    try:
        await connection.executemany(
            """INSERT INTO model_events (dedup_key, model, kind, from_state, to_state, reason, at)
               VALUES ($1, $2, $3, $4, $5, $6, $7)""",
            [(f"e2e-incident-{i}", *row) for i, row in enumerate(rows)],
        )
    finally:
        await connection.close()


async def truth(dsn: str, start: datetime, end: datetime) -> dict[str, Any]:
    """Figures of ``[start, end)`` straight from the raw rows, for checking the dashboard without the API."""
    connection = await asyncpg.connect(dsn)
    try:
        row = await connection.fetchrow(
            """SELECT count(*) FILTER (WHERE direction = 'in') AS incoming,
                      count(*) FILTER (WHERE direction = 'out') AS answers,
                      count(*) FILTER (WHERE direction = 'out' AND is_fallback) AS by_fallback,
                      avg(latency_ms) FILTER (WHERE direction = 'out')::float8 AS latency_mean_ms
               FROM messages WHERE created_at >= $1 AND created_at < $2""",
            start,
            end,
        )
    finally:
        await connection.close()
    return dict(row)


class StatsApi:
    """The real stats API in a child process (``python -m assistant.cli api``)."""

    def __init__(self, port: int, token: str, urls: dict[str, str]) -> None:
        self.port = port
        self.token = token
        self.urls = urls
        self.process: subprocess.Popen[bytes] | None = None
        self.lock = threading.Lock()

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def start(self, token: str | None = None, database: str = "seeded") -> None:
        with self.lock:
            self._stop()
            env = {
                **os.environ,
                "DATABASE_URL": self.urls[database],
                "STATS_API_TOKEN": token or self.token,
                "API_HOST": "127.0.0.1",
                "API_PORT": str(self.port),
                "LLM_PRIMARY_MODEL": PRIMARY,
                "LLM_FALLBACK_MODEL": FALLBACK,
                "LOG_FORMAT": "text",
                "LOG_LEVEL": "WARNING",
            }
            self.process = subprocess.Popen(
                [sys.executable, "-m", "assistant.cli", "api"], cwd=ROOT, env=env, stdout=sys.stderr
            )
            deadline = time.monotonic() + 60
            while time.monotonic() < deadline:
                if self.process.poll() is not None:
                    raise RuntimeError(f"the stats API exited with {self.process.returncode}")
                try:
                    with urllib.request.urlopen(f"{self.base_url}/readyz", timeout=2) as response:
                        if response.status == 200:
                            return
                except OSError:
                    pass
                time.sleep(0.1)
            raise RuntimeError("the stats API did not become ready within 60 s")

    def stop(self) -> None:
        with self.lock:
            self._stop()

    def _stop(self) -> None:
        if self.process is None:
            return
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        self.process = None


def control_server(api: StatsApi, dialog: KnownDialog, loop: asyncio.AbstractEventLoop) -> ThreadingHTTPServer:
    class Handler(BaseHTTPRequestHandler):
        def log_message(self, format: str, *args: Any) -> None:
            pass

        def _reply(self, status: int, body: object) -> None:
            data = json.dumps(body).encode()
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

        def do_POST(self) -> None:
            length = int(self.headers.get("Content-Length") or 0)
            payload = json.loads(self.rfile.read(length) or b"{}")
            try:
                if self.path == "/message":
                    question = str(payload.get("text") or f"live question {uuid.uuid4().hex[:6]}")
                    answer = str(payload.get("answer") or f"Answer to: {question}")
                    future = asyncio.run_coroutine_threadsafe(dialog.add(question, answer), loop)
                    self._reply(200, future.result(timeout=30))
                elif self.path == "/truth":
                    window = [datetime.fromisoformat(payload[name].replace("Z", "+00:00")) for name in ("from", "to")]
                    future = asyncio.run_coroutine_threadsafe(truth(dialog.dsn, *window), loop)
                    self._reply(200, future.result(timeout=30))
                elif self.path == "/api/stop":
                    api.stop()
                    self._reply(200, {"stopped": True})
                elif self.path == "/api/start":
                    api.start(token=payload.get("token"), database=payload.get("database", "seeded"))
                    self._reply(200, {"started": True})
                else:
                    self._reply(404, {"error": "no such control"})
            except Exception as error:  # a failed control must answer, not hang the test
                self._reply(500, {"error": f"{type(error).__name__}: {error}"})

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server


async def main() -> int:
    started = time.perf_counter()
    postgres = Postgres()
    names: list[str] = []
    api: StatsApi | None = None
    server: ThreadingHTTPServer | None = None
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(sig, stop.set)
    try:
        seeded = await postgres.create("web_e2e")
        names.append(seeded)
        empty = await postgres.create("web_e2e_empty")
        names.append(empty)
        urls = {"seeded": postgres.url(seeded), "empty": postgres.url(empty)}
        for url in urls.values():
            await asyncio.to_thread(upgrade, url)
        now = datetime.now(UTC).replace(second=0, microsecond=0)
        messages = int(os.environ.get("E2E_SEED_MESSAGES", "8000"))
        plan = SeedPlan(
            messages=messages,
            days=14,
            users=60,
            seed=7,
            end=now - timedelta(minutes=45),
            primary_model=PRIMARY,
            fallback_model=FALLBACK,
        )
        report = await seed(to_asyncpg_dsn(urls["seeded"]), plan)
        dialog = KnownDialog(to_asyncpg_dsn(urls["seeded"]))
        known = await dialog.create(now)
        await add_incident(to_asyncpg_dsn(urls["seeded"]), now)
        log(f"seeded {report.rows} in {report.seconds:.1f} s")

        api = StatsApi(free_port(), secrets.token_urlsafe(24), urls)
        await asyncio.to_thread(api.start)
        server = control_server(api, dialog, loop)
        ready = {
            "api_url": api.base_url,
            "api_token": api.token,
            "control_url": f"http://127.0.0.1:{server.server_address[1]}",
            "known_dialog": known,
            "seeded_messages": report.rows["messages"],
            "seconds": round(time.perf_counter() - started, 1),
        }
        print(json.dumps(ready), flush=True)

        # Until the test runner closes our stdin (or signals us).
        # A daemon thread: a blocked read must not keep the process alive after a signal.
        threading.Thread(target=lambda: (sys.stdin.read(), loop.call_soon_threadsafe(stop.set)), daemon=True).start()
        await stop.wait()
        return 0
    finally:
        if server is not None:
            server.shutdown()
        if api is not None:
            await asyncio.to_thread(api.stop)
        for name in names:
            try:
                await postgres.drop(name)
            except Exception as error:
                log(f"could not drop {name}: {error}")
        # The embedded server stops by itself when the last process using it exits (cleanup_mode="stop").
        log("stopped")


if __name__ == "__main__":
    os.chdir(ROOT)
    sys.exit(asyncio.run(main()))
