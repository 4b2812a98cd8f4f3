"""Benchmark of the stats API on a big history, over real HTTP.

    uv run python -m bench.stats_api [--messages 10000000] [--server URL] [--reuse]

1. Creates a scratch database ``bench_stats`` on ``--server`` (default: the
   system PostgreSQL at 127.0.0.1:5432, or ``BENCH_POSTGRES_URL``; ``embedded``
   uses the embedded server), migrates it, and fills it with ``assistant seed``'s
   generator: rows/s of the seed, rollups included. ``--reuse`` keeps a
   database seeded by an earlier run.
2. Starts ``assistant api`` (uvicorn, one process) on a free port and measures,
   one request at a time, p50/p95/p99 latency of the summary, the time series
   (hour buckets over 30 days, minute buckets over a day, day buckets over 90
   days in UTC and in Europe/Moscow) and the dialog list (first page by each
   sort, the chats active in the last day and month, a name search, a deep
   page, and a message-text search), and the model report (its latest failures).
3. Measures requests per second with ``--concurrency`` clients for ``--seconds``.

Prints a table and appends it, with the machine's description, to
``bench/RESULTS.md``. The load generator runs on the same machine as the API
and the database, so it competes with them for the CPUs.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import platform
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

import asyncpg
import httpx
from sqlalchemy.engine import make_url

from db.connect import to_asyncpg_dsn
from db.migrate import upgrade
from db.seed import SeedPlan, SeedReport, seed

ROOT = Path(__file__).resolve().parent.parent
RESULTS = ROOT / "bench" / "RESULTS.md"
DATABASE = "bench_stats"
TOKEN = "bench-token-not-secret-0123456789"
GOALS_MS = {"summary": 100, "timeseries": 100, "dialogs": 50}
DAY = timedelta(days=1)


@dataclass(frozen=True)
class Case:
    name: str
    path: str
    params: dict[str, str]
    goal: str  # which goal applies: summary, timeseries, dialogs, or "" for none


def cases(now: datetime) -> list[Case]:
    def at(delta: timedelta) -> str:
        return (now - delta).isoformat()

    end = now.isoformat()
    return [
        Case("summary, last 24 h", "/api/v1/summary", {}, "summary"),
        Case("summary, last 30 days", "/api/v1/summary", {"from": at(timedelta(days=30)), "to": end}, "summary"),
        Case(
            "series, hours over 30 days",
            "/api/v1/timeseries",
            {"from": at(timedelta(days=30)), "to": end, "bucket": "hour"},
            "timeseries",
        ),
        Case(
            "series, minutes over 1 day",
            "/api/v1/timeseries",
            {"from": at(timedelta(days=1)), "to": end, "bucket": "minute"},
            "timeseries",
        ),
        Case(
            "series, days over 90 days",
            "/api/v1/timeseries",
            {"from": at(timedelta(days=90)), "to": end, "bucket": "day"},
            "timeseries",
        ),
        Case(
            "series, days over 90 days, Moscow",
            "/api/v1/timeseries",
            {"from": at(timedelta(days=90)), "to": end, "bucket": "day", "tz": "Europe/Moscow"},
            "timeseries",
        ),
        Case("dialogs, first page", "/api/v1/dialogs", {"limit": "50"}, "dialogs"),
        Case("dialogs, most messages first", "/api/v1/dialogs", {"limit": "50", "sort": "messages"}, "dialogs"),
        Case("dialogs, cheapest first", "/api/v1/dialogs", {"limit": "50", "sort": "cost", "order": "asc"}, "dialogs"),
        Case(
            "dialogs, active in the last 24 h",
            "/api/v1/dialogs",
            {"limit": "25", "from": at(DAY), "to": end},
            "dialogs",
        ),
        Case(
            "dialogs, active in 30 days, by cost",
            "/api/v1/dialogs",
            {"limit": "25", "from": at(30 * DAY), "to": end, "sort": "cost"},
            "dialogs",
        ),
        Case("dialogs, name search", "/api/v1/dialogs", {"limit": "50", "q": "anna"}, "dialogs"),
        Case("top users, 30 days", "/api/v1/users/top", {"from": at(timedelta(days=30)), "to": end}, ""),
        Case("models, 30 days", "/api/v1/models", {"from": at(timedelta(days=30)), "to": end}, ""),
        Case("roles, 30 days", "/api/v1/roles", {"from": at(timedelta(days=30)), "to": end}, ""),
    ]


def percentile(values: list[float], percent: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, round(percent / 100 * len(ordered) + 0.5) - 1))]


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def server_url(argument: str) -> str:
    if argument != "embedded":
        return argument
    from db.embedded import EmbeddedPostgres

    return EmbeddedPostgres(ROOT / ".data" / "bench-postgres", keep_running=False).url("postgres")


async def prepare_database(admin_url: str, plan: SeedPlan, *, reuse: bool) -> tuple[str, SeedReport | None]:
    """The scratch database's URL, seeded unless ``reuse`` finds it already seeded."""
    admin = await asyncpg.connect(to_asyncpg_dsn(admin_url))
    try:
        exists = await admin.fetchval("SELECT 1 FROM pg_database WHERE datname = $1", DATABASE)
        if exists and not reuse:
            await admin.execute(f'DROP DATABASE "{DATABASE}" WITH (FORCE)')
        if not exists or not reuse:
            await admin.execute(f'CREATE DATABASE "{DATABASE}"')
    finally:
        await admin.close()
    url = make_url(admin_url).set(database=DATABASE).render_as_string(hide_password=False)
    await asyncio.to_thread(upgrade, url)
    dsn = to_asyncpg_dsn(url)
    connection = await asyncpg.connect(dsn)
    try:
        seeded = await connection.fetchval("SELECT count(*) FROM messages")
    finally:
        await connection.close()
    if reuse and seeded:
        print(f"reusing {DATABASE} with {seeded:,} messages")
        return url, None
    print(f"seeding {plan.messages:,} messages over {plan.days} days ...", flush=True)
    report = await seed(dsn, plan, progress=lambda line: print("  " + line, flush=True))
    connection = await asyncpg.connect(dsn)
    try:
        await connection.execute("VACUUM ANALYZE")  # what autovacuum would have done by the time anyone looks
    finally:
        await connection.close()
    return url, report


@contextmanager
def api_server(database_url: str) -> Iterator[str]:
    port = free_port()
    environment = {
        **os.environ,
        "DATABASE_URL": database_url,
        "STATS_API_TOKEN": TOKEN,
        "API_HOST": "127.0.0.1",
        "API_PORT": str(port),
        "LOG_LEVEL": "WARNING",
    }
    process = subprocess.Popen([sys.executable, "-m", "assistant.cli", "api"], env=environment, cwd=ROOT)
    base = f"http://127.0.0.1:{port}"
    try:
        for _ in range(200):
            try:
                if httpx.get(f"{base}/readyz", timeout=1).status_code == 200:
                    break
            except httpx.TransportError:
                pass
            time.sleep(0.1)
        else:
            raise RuntimeError("the API did not become ready")
        yield base
    finally:
        process.terminate()
        process.wait(timeout=30)


async def latencies(client: httpx.AsyncClient, case: Case, requests: int) -> list[float]:
    for _ in range(3):  # warm the connection pool and the prepared statements
        (await client.get(case.path, params=case.params)).raise_for_status()
    timings = []
    for _ in range(requests):
        started = time.perf_counter()
        response = await client.get(case.path, params=case.params)
        timings.append((time.perf_counter() - started) * 1000)
        response.raise_for_status()
    return timings


async def throughput(base: str, mix: list[Case], clients: int, seconds: float) -> tuple[float, list[float]]:
    deadline = time.perf_counter() + seconds
    timings: list[float] = []
    headers = {"Authorization": f"Bearer {TOKEN}"}
    limits = httpx.Limits(max_connections=clients)
    async with httpx.AsyncClient(base_url=base, headers=headers, timeout=60, limits=limits) as client:

        async def worker(offset: int) -> None:
            n = offset
            while time.perf_counter() < deadline:
                case = mix[n % len(mix)]
                n += 1
                started = time.perf_counter()
                (await client.get(case.path, params=case.params)).raise_for_status()
                timings.append((time.perf_counter() - started) * 1000)

        started = time.perf_counter()
        await asyncio.gather(*(worker(i) for i in range(clients)))
        elapsed = time.perf_counter() - started
    return len(timings) / elapsed, timings


async def measure(base: str, now: datetime, requests: int, clients: int, seconds: float) -> list[str]:
    headers = {"Authorization": f"Bearer {TOKEN}"}
    lines = ["| request | p50 ms | p95 ms | p99 ms | goal (p95) |", "|---|---:|---:|---:|---|"]
    async with httpx.AsyncClient(base_url=base, headers=headers, timeout=120) as client:
        all_cases = cases(now)
        for case in all_cases:
            timings = await latencies(client, case, requests)
            lines.append(row(case, timings))
            print(lines[-1], flush=True)
        cursor = None
        for _ in range(10):  # the cursor of the 11th page, or of the last one if there are fewer
            params = {"limit": "50", **({"cursor": cursor} if cursor else {})}
            following = (await client.get("/api/v1/dialogs", params=params)).json()["next_cursor"]
            if following is None:
                break
            cursor = following
        deep = Case(
            "dialogs, 11th page (cursor)", "/api/v1/dialogs", {"limit": "50", "cursor": cursor or ""}, "dialogs"
        )
        lines.append(row(deep, await latencies(client, deep, requests)))
        print(lines[-1], flush=True)
        text = Case("dialogs, message-text search", "/api/v1/dialogs", {"limit": "50", "text": "pirates"}, "")
        lines.append(row(text, await latencies(client, text, max(3, requests // 20))))
        print(lines[-1], flush=True)
    mix = [case for case in cases(now) if case.goal]
    rate, timings = await throughput(base, mix, clients, seconds)
    lines += [
        "",
        f"Under load: {clients} concurrent clients for {seconds:.0f} s, cycling through the requests with a goal: "
        f"**{rate:,.0f} requests/s**, latency p50 {percentile(timings, 50):.1f} ms, "
        f"p95 {percentile(timings, 95):.1f} ms, p99 {percentile(timings, 99):.1f} ms.",
    ]
    print(lines[-1], flush=True)
    return lines


def row(case: Case, timings: list[float]) -> str:
    p95 = percentile(timings, 95)
    goal = GOALS_MS.get(case.goal)
    verdict = "" if goal is None else (f"< {goal} ms: {'met' if p95 < goal else 'MISSED'}")
    return f"| {case.name} | {percentile(timings, 50):.1f} | {p95:.1f} | {percentile(timings, 99):.1f} | {verdict} |"


def describe_host() -> tuple[str, float]:
    """CPU model and memory in GB (Linux; falls back to what ``platform`` knows)."""
    try:
        cpuinfo = Path("/proc/cpuinfo").read_text().splitlines()
        meminfo = Path("/proc/meminfo").read_text().splitlines()
    except OSError:
        return platform.processor() or "unknown CPU", 0.0
    cpu = next((line.split(":", 1)[1].strip() for line in cpuinfo if line.startswith("model name")), "unknown CPU")
    kilobytes = next((int(line.split()[1]) for line in meminfo if line.startswith("MemTotal")), 0)
    return cpu, kilobytes / 2**20


async def machine(database_url: str) -> str:
    connection = await asyncpg.connect(to_asyncpg_dsn(database_url))
    try:
        version = (await connection.fetchval("SHOW server_version")).split()[0]
        shared_buffers = await connection.fetchval("SHOW shared_buffers")
        sizes = await connection.fetch(
            "SELECT relname, pg_total_relation_size(oid) AS bytes FROM pg_class "
            "WHERE relname IN ('messages', 'llm_calls') OR relname LIKE 'stats\\_%' AND relkind = 'r' ORDER BY 2 DESC"
        )
    finally:
        await connection.close()
    cpu, memory_gb = describe_host()
    tables = ", ".join(f"{r['relname']} {r['bytes'] / 2**20:,.0f} MB" for r in sizes)
    load = ", ".join(f"{value:.1f}" for value in os.getloadavg())
    return (
        f"{os.cpu_count()} × {cpu}, {memory_gb:.0f} GB RAM, {platform.system()} {platform.release()}, "
        f"Python {platform.python_version()}, PostgreSQL {version} (shared_buffers {shared_buffers}). "
        f"Load average when measuring started: {load} (other work on the machine shares its CPUs). Sizes: {tables}."
    )


async def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument(
        "--server", default=os.environ.get("BENCH_POSTGRES_URL", "postgresql://postgres@127.0.0.1:5432/postgres")
    )
    parser.add_argument("--messages", type=int, default=10_000_000)
    parser.add_argument("--days", type=int, default=90)
    parser.add_argument("--requests", type=int, default=200, help="requests per latency measurement")
    parser.add_argument("--concurrency", type=int, default=20)
    parser.add_argument("--seconds", type=float, default=20)
    parser.add_argument("--reuse", action="store_true", help="keep a database seeded by an earlier run")
    parser.add_argument("--no-record", action="store_true", help="do not append to bench/RESULTS.md")
    parser.add_argument("--seed-only", action="store_true", help="prepare the database, measure nothing")
    args = parser.parse_args()

    now = datetime.now(UTC).replace(second=0, microsecond=0)
    plan = SeedPlan(messages=args.messages, days=args.days, seed=1, end=now)
    url, report = await prepare_database(server_url(args.server), plan, reuse=args.reuse)
    lines = [f"### Stats API, {args.messages:,} messages ({datetime.now(UTC):%Y-%m-%d})", ""]
    lines.append(await machine(url))
    lines.append("")
    if report is not None:
        counts = ", ".join(f"{n:,} {t}" for t, n in report.rows.items())
        lines.append(f"Seed ({counts}): {report.summary()}.")
        lines.append("")
    print("\n".join(lines), flush=True)
    if args.seed_only:
        return
    with api_server(url) as base:
        lines += await measure(base, now, args.requests, args.concurrency, args.seconds)
    print("\n".join(lines))
    if not args.no_record:
        if not RESULTS.exists():
            RESULTS.write_text("# Benchmark results\n")
        with RESULTS.open("a") as results:
            results.write("\n" + "\n".join(lines) + "\n")


if __name__ == "__main__":
    asyncio.run(main())
