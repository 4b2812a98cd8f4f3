"""Months of a bot's life, generated: the rows ``assistant seed`` loads (pure; no database here).

Users who join over time and write with a daily rhythm, private chats and
groups, questions and answers, requests to the primary model, failovers to the
fallback during outages (with the breaker transitions they cause), hedged
requests, incidents when both models are down, role switches, tokens and costs,
as the bot would have written them (see ``docs/data-contract.md``). The same
``seed`` gives the same rows, to the microsecond, for the same ``end``, however
they are batched.

The exchanges (a question, the requests it took, the answer) are made
:data:`CHUNK` at a time with numpy, each chunk from a random stream of its own,
and come out as :class:`db.copy_binary.Table` columns ready to ``COPY``: at
millions of rows, making them one Python object at a time would cost many
times more than the server takes to store them (:mod:`db.exchanges` does the
arithmetic). The few other rows (users, chats, events, role changes) are tuples.
"""

from __future__ import annotations

import math
import random
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

import numpy as np

from db.copy_binary import Table
from db.exchanges import CHUNK, CallRows, Chunk, MessageRows, World, call_table, make_chunk, message_table

__all__ = ["CHUNK", "Batch", "HistoryGenerator", "SeedPlan"]

ROLES = ("assistant", "translator", "coder", "teacher", "pirate")  # the first is the default role
FIRST_NAMES = ("Anna", "Boris", "Chen", "Dmitri", "Elena", "Fatima", "George", "Hana", "Ivan", "Julia", "Kofi", "Lena")
LAST_NAMES = ("Ivanova", "Smith", "Garcia", "Kim", "Petrov", "Müller", "Rossi", "Novak", None, None)
VOCABULARY = (
    "how do I write a function that sorts numbers in python please explain the difference between list and tuple "
    "translate this sentence into english what is the capital of france tell me a story about pirates and the sea "
    "why does my code raise an error when I call the method recipe for dinner tonight with potatoes and cheese "
    "summarize the article about climate change in three sentences what time zone is moscow in today"
)
POSTGRES_EPOCH = datetime(2000, 1, 1, tzinfo=UTC)
MICROSECOND = timedelta(microseconds=1)
NOT_YET = np.iinfo(np.int64).max  # the first time of someone not seen (yet)


@dataclass(frozen=True)
class SeedPlan:
    """What to generate: ``messages`` rows spread over the ``days`` before ``end``."""

    messages: int
    days: int = 90
    users: int | None = None
    seed: int = 1
    end: datetime = field(default_factory=lambda: datetime.now(UTC).replace(second=0, microsecond=0))
    primary_model: str = "openai/gpt-4o-mini"
    fallback_model: str = "anthropic/claude-3.5-haiku"

    @property
    def user_count(self) -> int:
        """Default: one user per 500 messages, between 10 and 200,000."""
        return self.users if self.users is not None else max(10, min(200_000, self.messages // 500))

    @property
    def start(self) -> datetime:
        return self.end - timedelta(days=self.days)


@dataclass
class Batch:
    """Rows of consecutive exchanges, in time order, chunk by chunk."""

    world: World
    messages: list[MessageRows] = field(default_factory=list)
    calls: list[CallRows] = field(default_factory=list)

    @property
    def message_count(self) -> int:
        return sum(len(rows.k) for rows in self.messages)

    @property
    def call_count(self) -> int:
        return sum(len(rows.k) for rows in self.calls)

    def message_tables(self) -> list[Table]:
        return [message_table(self.world, rows) for rows in self.messages]

    def call_tables(self) -> list[Table]:
        return [call_table(self.world, rows) for rows in self.calls]


class Outages:
    """Periods during which a model fails every request, sorted, not overlapping."""

    def __init__(self, rng: random.Random, start: datetime, end: datetime, every_hours: float, minutes: float) -> None:
        self.spans: list[tuple[datetime, datetime]] = []
        moment = start + timedelta(hours=rng.expovariate(1 / every_hours))
        while moment < end:
            length = timedelta(minutes=1 + rng.expovariate(1 / minutes))
            self.spans.append((moment, moment + length))
            moment += length + timedelta(hours=rng.expovariate(1 / every_hours))

    def micros(self) -> tuple[np.ndarray[Any, np.dtype[np.int64]], np.ndarray[Any, np.dtype[np.int64]]]:
        """The starts and ends, in microseconds since PostgreSQL's epoch."""
        starts = [to_micros(start) for start, _ in self.spans]
        ends = [to_micros(end) for _, end in self.spans]
        return np.array(starts, dtype=np.int64), np.array(ends, dtype=np.int64)


def to_micros(moment: datetime) -> int:
    return (moment - POSTGRES_EPOCH) // MICROSECOND


def from_micros(micros: int) -> datetime:
    return POSTGRES_EPOCH + MICROSECOND * micros


class HistoryGenerator:
    """Deterministic rows of a bot's history; pure (no I/O)."""

    def __init__(self, plan: SeedPlan) -> None:
        self.plan = plan
        rng = random.Random(plan.seed)
        self.prefix = f"seed{plan.seed}"
        base = 100_000_000 + (plan.seed % 1000) * 1_000_000
        count = plan.user_count
        # Zipf-like activity, in a random order of joining: a few users write most of the messages.
        weights = [1 / (rank + 1) ** 0.9 for rank in range(count)]
        rng.shuffle(weights)
        groups = [-(1_001_000_000_000 + (plan.seed % 1000) * 100_000 + g) for g in range(max(1, count // 40))]
        members = [rng.sample(range(count), min(count, rng.randint(3, 25))) for _ in groups]
        self.primary_down = Outages(rng, plan.start, plan.end, every_hours=60, minutes=12)
        self.fallback_down = Outages(rng, plan.start, plan.end, every_hours=200, minutes=8)
        words = VOCABULARY.split()
        sentences = [" ".join(rng.choices(words, k=rng.randint(3, 14))) for _ in range(4000)]
        answers = [" ".join(rng.choices(words, k=rng.randint(15, 60))) for _ in range(4000)]
        padded = np.zeros((len(groups), max(len(m) for m in members)), dtype=np.int64)
        for g, chosen in enumerate(members):
            padded[g, : len(chosen)] = chosen
        self.world = World(
            seed=plan.seed,
            prefix=self.prefix,
            exchanges=max(1, plan.messages // 2),
            start=to_micros(plan.start),
            span=to_micros(plan.end) - to_micros(plan.start),
            days=plan.days,
            rhythm=np.array(_daily_rhythm_table()),
            user_ids=np.array([base + i for i in range(count)], dtype=np.int64),
            cumulative=np.cumsum(np.array(weights)),
            group_ids=np.array(groups, dtype=np.int64),
            members=padded,
            member_counts=np.array([len(m) for m in members], dtype=np.int64),
            primary_down=self.primary_down.micros(),
            fallback_down=self.fallback_down.micros(),
            models=(plan.primary_model, plan.fallback_model),
            roles=ROLES,
            first_names=FIRST_NAMES,
            texts=(*sentences, *answers),
        )
        chats = count + len(groups)
        self.chat_role = np.full(chats, -1, dtype=np.int64)  # index into ROLES; -1 until a chat picks one
        # First and last times a user (a chat) was seen; NOT_YET and its opposite until they are.
        self.first_seen = np.full(count, NOT_YET, dtype=np.int64)
        self.last_seen = np.full(count, -NOT_YET, dtype=np.int64)
        self.chat_first = np.full(chats, NOT_YET, dtype=np.int64)
        self.chat_last = np.full(chats, -NOT_YET, dtype=np.int64)
        self.both_down = False
        self.role_changes: list[tuple[Any, ...]] = []
        self.events: list[tuple[Any, ...]] = []
        self.produced = 0

    def batches(self, exchanges_per_batch: int) -> Iterator[Batch]:
        """Batches in time order until ``plan.messages`` message rows were produced.

        A batch holds whole chunks (as many as make about ``exchanges_per_batch`` exchanges, at least one),
        so the rows are the same whatever the batch size.
        """
        per_batch = max(1, round(exchanges_per_batch / CHUNK))
        number = 0
        while self.produced < self.plan.messages:
            batch = Batch(self.world)
            for _ in range(per_batch):
                if self.produced >= self.plan.messages:
                    break
                chunk = make_chunk(
                    self.world, number, self.chat_role, self.both_down, self.plan.messages - self.produced
                )
                self._remember(chunk)
                batch.messages.append(chunk.messages)
                batch.calls.append(chunk.calls)
                number += 1
            yield batch
        self._close_events()

    def _remember(self, chunk: Chunk) -> None:
        """Carry what outlives a chunk: who wrote when, the chats' roles, open incidents, the rare rows."""
        seen = chunk.messages
        self.produced += len(seen.k)
        np.minimum.at(self.first_seen, seen.writer, seen.time)
        np.maximum.at(self.last_seen, seen.writer, seen.time)
        np.minimum.at(self.chat_first, seen.chat, seen.time)
        np.maximum.at(self.chat_last, seen.chat, seen.time)
        for k, chat, user_id, chat_id, role, at in chunk.role_changes:
            self.chat_role[chat] = role
            self.role_changes.append((f"{self.prefix}-{k}-r", chat_id, user_id, ROLES[role], from_micros(at)))
        for kind, at in chunk.incidents:
            reason = "no model could answer" if kind == "both_down" else "a model answered again"
            self.events.append(("*", kind, None, None, reason, from_micros(at)))
        self.both_down = chunk.both_down

    # -- the rest, once the exchanges are done ----------------------------------------------------

    def _close_events(self) -> None:
        for model, outages in (
            (self.plan.primary_model, self.primary_down),
            (self.plan.fallback_model, self.fallback_down),
        ):
            for start, end in outages.spans:
                self.events.extend(_breaker_events(model, start, end, self.plan.end))

    def user_rows(self) -> list[tuple[Any, ...]]:
        rows = []
        for index in np.flatnonzero(self.first_seen != NOT_YET).tolist():
            user_id = int(self.world.user_ids[index])
            first_name = FIRST_NAMES[user_id % len(FIRST_NAMES)]
            last_name = LAST_NAMES[user_id % len(LAST_NAMES)]
            username = f"{first_name.lower()}_{user_id % 100_000}" if user_id % 3 else None
            language = "ru" if user_id % 2 else "en"
            first, last = from_micros(int(self.first_seen[index])), from_micros(int(self.last_seen[index]))
            rows.append((user_id, username, first_name, last_name, language, first, last))
        return rows

    def chat_rows(self) -> list[tuple[Any, ...]]:
        rows = []
        chat_ids = self.world.chat_ids
        for index in np.flatnonzero(self.chat_first != NOT_YET).tolist():
            chat_id = int(chat_ids[index])
            kind = "private" if chat_id > 0 else "supergroup"
            title = None if chat_id > 0 else f"Group {-chat_id % 100_000}"
            role = ROLES[self.chat_role[index]] if self.chat_role[index] >= 0 else None
            first, last = from_micros(int(self.chat_first[index])), from_micros(int(self.chat_last[index]))
            rows.append((chat_id, kind, title, role, first, last))
        return rows

    def event_rows(self) -> list[tuple[Any, ...]]:
        ordered = sorted(self.events, key=lambda event: event[5])
        return [(f"{self.prefix}-e{i}", *event) for i, event in enumerate(ordered)]


def _breaker_events(model: str, start: datetime, end: datetime, horizon: datetime) -> Iterator[tuple[Any, ...]]:
    """Breaker transitions of one outage: open, failed half-open probes with a doubling wait, closed."""
    moment = start + timedelta(seconds=5)
    yield (model, "breaker", "closed", "open", "3 consecutive failures", moment)
    wait = 15.0
    while moment < horizon:
        moment += timedelta(seconds=wait)
        if moment >= horizon:
            return
        yield (model, "breaker", "open", "half_open", "probing after the open period", moment)
        if moment >= end:
            yield (model, "breaker", "half_open", "closed", "probe succeeded", moment + timedelta(seconds=2))
            return
        moment += timedelta(seconds=1)
        yield (model, "breaker", "half_open", "open", "probe failed", moment)
        wait = min(wait * 2, 300.0)


def _daily_rhythm_table(steps: int = 1440) -> list[float]:
    """Where the i-th of ``steps`` equal shares of a day's traffic ends, as a fraction of the day.

    Traffic follows 1 + 0.6 sin(2π(x - 0.375)): a peak mid-afternoon UTC, a trough at night.
    """
    fine = 100_000
    density = [1 + 0.6 * math.sin(2 * math.pi * (i / fine - 0.375)) for i in range(fine)]
    total = sum(density)
    table, seen, target = [0.0], 0.0, 1
    for i, value in enumerate(density):
        seen += value
        while target < steps and seen >= total * target / steps:
            table.append((i + 1) / fine)
            target += 1
    table.append(1.0)
    return table
