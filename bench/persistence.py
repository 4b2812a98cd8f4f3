"""Benchmark of the persistence actor against one INSERT and commit per message.

    uv run python -m bench.persistence [--server postgresql://postgres@127.0.0.1:5432/postgres] [--quick]

Prints rows per second persisted through the actor (one ``INSERT ... SELECT
FROM unnest`` per table, one transaction per batch) next to the naive way,
measured in the same run on the same server, and what persistence adds to a
reply: end to end, the bot with its database against the bot without
(:mod:`bench.persistence_e2e`), and where the time goes, with the actor alone
under many chats: handing a question's records to the actor (on the reply's
path), the inbox record becoming durable (long polling: while the answer is
being made, before the next getUpdates; webhook: before the update is
dispatched, so on the path), and the answer's done mark becoming durable
(after delivery, off the path). Uses a scratch database that it drops at the
end. Default server: DATABASE_URL, else the local PostgreSQL on 127.0.0.1:5432
if it answers, else the embedded one.
"""

from __future__ import annotations

import argparse
import os
import platform
import statistics
import time
import uuid
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from tempfile import TemporaryDirectory

import anyio
import asyncpg

from actors.persistence.actor import Durable, PersistenceActor, PersistenceStatus
from actors.persistence.records import ChatSeen, InboxDone, InboxReceived, MessageRecord, UserSeen
from actors.persistence.spill import SpillFile
from assistant.gc_tuning import tune_gc
from bench.persistence_e2e import compare, lines
from db.connect import ensure_database, to_asyncpg_dsn
from db.engine import async_url, create_engine
from db.migrate import upgrade
from runtime import ActorSystem


def pick_server(argument: str | None) -> str:
    if argument:
        return async_url(argument)
    if os.environ.get("DATABASE_URL"):
        return async_url(os.environ["DATABASE_URL"])
    try:
        import socket

        with socket.create_connection(("127.0.0.1", 5432), timeout=0.5):
            return "postgresql+asyncpg://postgres@127.0.0.1:5432/postgres"
    except OSError:
        from db.embedded import EmbeddedPostgres

        return EmbeddedPostgres(Path(__file__).resolve().parent.parent / ".data" / "bench-postgres").url("postgres")


def with_database(url: str, name: str) -> str:
    from sqlalchemy.engine import make_url

    return make_url(url).set(database=name).render_as_string(hide_password=False)


def message(i: int, run: str) -> MessageRecord:
    return MessageRecord(
        dedup_key=f"{run}:{i}", chat_id=i % 1000, user_id=i % 1000, direction="in", text=f"message number {i} " * 4
    )


async def through_the_actor(database_url: str, count: int) -> float:
    engine = create_engine(database_url, pool_size=4)
    status = PersistenceStatus()
    run = uuid.uuid4().hex[:8]
    with TemporaryDirectory() as spill_dir:
        async with ActorSystem() as system:
            ref = system.spawn(
                lambda: PersistenceActor(engine, SpillFile(Path(spill_dir) / "spill"), status),
                kind="persistence",
                capacity=20_000,
            )
            started = time.perf_counter()
            for i in range(count):
                await ref.send(message(i, run))
            await ref.ask(Durable(()), timeout=120)
            elapsed = time.perf_counter() - started
    await engine.dispose()
    assert status.rows == count, f"{status.rows} of {count} written"
    return count / elapsed


async def one_insert_per_message(database_url: str, count: int) -> float:
    connection = await asyncpg.connect(to_asyncpg_dsn(database_url))
    run = uuid.uuid4().hex[:8]
    started = time.perf_counter()
    for i in range(count):
        record = message(i, run)
        async with connection.transaction():
            await connection.execute(
                "INSERT INTO messages (dedup_key, chat_id, user_id, direction, text, created_at) "
                "VALUES ($1, $2, $3, $4, $5, $6) ON CONFLICT (dedup_key) DO NOTHING",
                record.dedup_key,
                record.chat_id,
                record.user_id,
                record.direction,
                record.text,
                record.at,
            )
    elapsed = time.perf_counter() - started
    await connection.close()
    return count / elapsed


@dataclass
class Overhead:
    """Seconds per reply: records handed over, inbox record durable, done mark durable."""

    hand_over: list[float] = field(default_factory=list)
    inbox: list[float] = field(default_factory=list)
    done_mark: list[float] = field(default_factory=list)


async def reply_overhead(database_url: str, chats: int, replies: int, model_seconds: float) -> Overhead:
    """The persistence actor alone under ``chats`` chats, each doing what a chat and the intake do per reply."""
    engine = create_engine(database_url, pool_size=4)
    status = PersistenceStatus()
    overhead = Overhead()
    run = uuid.uuid4().hex[:8]
    with TemporaryDirectory() as spill_dir:
        async with ActorSystem() as system:
            ref = system.spawn(
                lambda: PersistenceActor(engine, SpillFile(Path(spill_dir) / "spill"), status),
                kind="persistence",
                capacity=20_000,
            )

            async def chat(chat_id: int) -> None:
                # Chats start spread over one answer's time, as real ones do, not all in one instant.
                await anyio.sleep(model_seconds * chat_id / chats)
                for n in range(replies):
                    update_id = chat_id * 100_000 + n
                    t0 = time.perf_counter()
                    # The intake queues the inbox record, and waits for it before the next getUpdates.
                    await ref.send(InboxReceived(update_id, {"update_id": update_id}))
                    await ref.ask(Durable(()), timeout=60)
                    overhead.inbox.append(time.perf_counter() - t0)
                    t0 = time.perf_counter()
                    # What a chat actor hands over before it asks the model (see ChatActor._record_question).
                    await ref.send(UserSeen(chat_id, first_name="U"))
                    await ref.send(ChatSeen(chat_id, "private"))
                    await ref.send(message(update_id, run))
                    overhead.hand_over.append(time.perf_counter() - t0)
                    await anyio.sleep(model_seconds)  # the model and Telegram
                    t1 = time.perf_counter()
                    answer = MessageRecord(
                        dedup_key=f"{run}:out:{update_id}",
                        chat_id=chat_id,
                        user_id=chat_id,
                        direction="out",
                        text="an answer",
                        at=datetime.now(UTC),
                    )
                    await ref.ask(Durable([answer, InboxDone(update_id)]), timeout=60)
                    overhead.done_mark.append(time.perf_counter() - t1)

            async with anyio.create_task_group() as tg:
                for chat_id in range(1, chats + 1):
                    tg.start_soon(chat, chat_id)
    await engine.dispose()
    return overhead


def pct(values: list[float], p: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(len(ordered) * p))]


async def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--server", help="a PostgreSQL URL to create the scratch database on")
    parser.add_argument("--quick", action="store_true")
    parser.add_argument(
        "--model-seconds", type=float, default=0.5, help="each chat's wait between question and answer (default 0.5)"
    )
    parser.add_argument("--no-e2e", action="store_true", help="skip the end-to-end comparison (the bot on and off)")
    args = parser.parse_args()
    server = pick_server(args.server)
    count, naive, chats, replies = (20_000, 1_000, 20, 10) if args.quick else (200_000, 5_000, 100, 20)
    e2e_chats, e2e_replies, e2e_rounds = (10, 5, 2) if args.quick else (20, 15, 4)
    name = f"bench_persistence_{uuid.uuid4().hex[:8]}"
    await ensure_database(server, name)
    database_url = with_database(server, name)
    await anyio.to_thread.run_sync(upgrade, database_url)
    tune_gc()
    try:
        batched = await through_the_actor(database_url, count)
        single = await one_insert_per_message(database_url, naive)
        overhead = await reply_overhead(database_url, chats, replies, args.model_seconds)
        compared = None
        if not args.no_e2e:
            compared = await compare(database_url, chats=e2e_chats, per_chat=e2e_replies, rounds=e2e_rounds)
    finally:
        connection = await asyncpg.connect(to_asyncpg_dsn(server))
        await connection.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        await connection.close()
    print(f"machine: {describe_machine()}")
    print(f"server: {server.split('@')[-1]}\n")
    print(f"persisted through the actor   {batched:>12,.0f} messages/s  ({count:,} messages)")
    print(f"one INSERT + commit each      {single:>12,.0f} messages/s  ({naive:,} messages)")
    print(f"speed-up                      {batched / single:>12.1f}x\n")
    if compared is not None:
        print("\n".join(lines(*compared, e2e_chats)) + "\n")
    print(
        f"the actor alone, {chats} chats x {replies} replies, {args.model_seconds:g} s per answer "
        f"(about {chats / args.model_seconds:,.0f} replies/s):"
    )
    print(f"  records handed over before the model is asked (on the path): {spread(overhead.hand_over, 3)}")
    print(f"  inbox record durable (polling: overlaps the answer; webhook: on the path): {spread(overhead.inbox)}")
    print(f"  done mark durable after delivery (off the path): {spread(overhead.done_mark)}")


def spread(values: list[float], digits: int = 1) -> str:
    return (
        f"p50 {pct(values, 0.5) * 1e3:.{digits}f} ms, p99 {pct(values, 0.99) * 1e3:.{digits}f} ms, "
        f"mean {statistics.mean(values) * 1e3:.{digits}f} ms"
    )


def describe_machine() -> str:
    load = os.getloadavg()
    return (
        f"{platform.machine()}, {os.cpu_count()} cores, python {platform.python_version()}, "
        f"load average {load[0]:.1f} / {load[1]:.1f} / {load[2]:.1f} when done"
    )


if __name__ == "__main__":
    anyio.run(main)
