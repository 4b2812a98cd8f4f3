"""What persistence adds to a reply, end to end: the bot with its database against the bot without.

The bot runs in this process, in long-polling mode, against the fake Telegram
and the fake OpenRouter, each in a process of its own (real HTTP on
127.0.0.1), as Telegram and OpenRouter are not on the bot's event loop either:
fakes on that loop would wait for whatever else it does, persistence
included, and count that wait as the model's or Telegram's time. "Off" replaces the persistence
actor with one that answers every message at once and writes nothing, and
gives the chats no store to read from; everything else is the product as it
runs. Each chat asks, waits for its answer and pauses (Telegram lets a bot
send about one message a second per chat); a reply's time is from the user's
message to Telegram accepting the answer. The first question of each chat is
left out (a chat starting up reads its history once).
"""

from __future__ import annotations

import statistics
import time
from contextlib import nullcontext
from dataclasses import dataclass
from pathlib import Path
from tempfile import TemporaryDirectory
from typing import Any, cast
from unittest.mock import patch

import anyio

import actors.app
from actors.persistence.actor import RecordUpdates
from db.engine import create_engine
from runtime import Actor
from tests.e2e.harness import BotOverrides, running_bot
from tests.fakes.telegram import User


class NullPersistence(Actor[Any, Any]):
    """Persistence switched off: every write is dropped, every ask answered at once."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        pass

    async def receive(self, message: Any) -> Any:
        return frozenset() if isinstance(message, RecordUpdates) else None


def persistence_off() -> Any:
    """While active, the bot starts with NullPersistence and no store to read from."""
    return patch.multiple(actors.app, PersistenceActor=NullPersistence, DialogStore=lambda *args, **kwargs: None)


@dataclass
class Replies:
    persistence: bool
    seconds: list[float]

    def p(self, fraction: float) -> float:
        ordered = sorted(self.seconds)
        return ordered[min(len(ordered) - 1, int(len(ordered) * fraction))]


async def replies(database_url: str, *, persistence: bool, chats: int, per_chat: int, base: int) -> Replies:
    """Reply times of ``chats`` chats asking ``per_chat`` questions each (after one warm-up question)."""
    measured: list[float] = []
    options: BotOverrides = {
        "rate_limit_per_minute": 1_000_000,
        "rate_limit_per_day": 1_000_000,
        "telegram_global_per_second": 100_000,
        "stream_draft_interval": 30.0,  # no drafts: the answer is one sendMessage, never held by pacing
        "persist_batch_ms": 50,
    }
    from bench.load_procs import fake_openrouter, fake_telegram  # it imports bench.persistence, which imports us

    await forget_updates(database_url)
    with TemporaryDirectory() as data, nullcontext() if persistence else persistence_off():
        async with (
            fake_telegram() as (tg, _),
            fake_openrouter(None, keepalive=15.0) as (llm, _),
            # The remote fakes answer the harness's calls as the in-process ones do.
            running_bot(database_url, Path(data), services=cast(Any, (tg, llm)), **options) as bot,
        ):
            await bot.llm.first_token_delay(None, 0.05)
            await bot.llm.tokens_per_second(None, 2000)

            async def chat(chat_id: int) -> None:
                person = User(id=chat_id, first_name=f"U{chat_id}")
                await anyio.sleep(1.2 * (chat_id - base) / chats)  # spread the chats over a pacing interval
                for number in range(per_chat + 1):
                    started = time.monotonic()
                    await bot.tg.send_message(chat_id, f"question {number}", user=person)
                    shown = await bot.tg.wait_for_bot_messages(chat_id, number + 1, timeout=30)
                    if number > 0:
                        measured.append(shown[number].history[0].at - started)
                    await anyio.sleep(max(0.0, 1.2 - (time.monotonic() - started)))

            async with anyio.create_task_group() as tasks:
                for chat_id in range(base, base + chats):
                    tasks.start_soon(chat, chat_id)
    return Replies(persistence, measured)


async def forget_updates(database_url: str) -> None:
    """Every run has a fresh fake Telegram, whose update_ids start over: the inbox must too."""
    engine = create_engine(database_url, pool_size=1)
    try:
        async with engine.begin() as connection:
            await connection.exec_driver_sql("TRUNCATE inbox, messages")
    finally:
        await engine.dispose()


async def compare(database_url: str, *, chats: int, per_chat: int, rounds: int) -> tuple[Replies, Replies]:
    """Alternate off and on ``rounds`` times, each round in the other order than the one before (so
    machine noise and whatever the first run of a round pays hit both alike); pool each side's replies."""
    off, on = Replies(False, []), Replies(True, [])
    for number in range(rounds):
        base = 1000 + number * 2 * chats
        order = (False, True) if number % 2 == 0 else (True, False)
        for offset, persistence in enumerate(order):
            run = await replies(
                database_url, persistence=persistence, chats=chats, per_chat=per_chat, base=base + offset * chats
            )
            (on if persistence else off).seconds.extend(run.seconds)
    return off, on


def lines(off: Replies, on: Replies, chats: int) -> list[str]:
    def row(name: str, r: Replies) -> str:
        return (
            f"  {name:<16} p50 {r.p(0.5) * 1e3:7.2f} ms  p95 {r.p(0.95) * 1e3:7.2f} ms  "
            f"mean {statistics.mean(r.seconds) * 1e3:7.2f} ms  ({len(r.seconds)} replies)"
        )

    return [
        f"reply time end to end, {chats} chats, a question every 1.2 s each (model: 50 ms to first token):",
        row("persistence off", off),
        row("persistence on", on),
        f"  added by persistence: p50 {(on.p(0.5) - off.p(0.5)) * 1e3:+.2f} ms, "
        f"p95 {(on.p(0.95) - off.p(0.95)) * 1e3:+.2f} ms, mean "
        f"{(statistics.mean(on.seconds) - statistics.mean(off.seconds)) * 1e3:+.2f} ms",
    ]
