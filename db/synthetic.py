"""Months of a bot's life, generated: the rows ``assistant seed`` loads (pure; no database here).

Users who join over time and write with a daily rhythm, private chats and
groups, questions and answers, requests to the primary model, failovers to the
fallback during outages (with the breaker transitions they cause), hedged
requests, incidents when both models are down, role switches, tokens and costs,
as the bot would have written them (see ``docs/data-contract.md``). The same
``seed`` gives the same rows, to the last millisecond, for the same ``end``.
"""

from __future__ import annotations

import bisect
import math
import random
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import Any, TypeVar

T = TypeVar("T")
MESSAGE_COLUMNS = (
    "dedup_key",
    "chat_id",
    "user_id",
    "direction",
    "text",
    "author",
    "created_at",
    "update_id",
    "telegram_message_id",
    "reply_to_key",
    "role",
    "model",
    "is_fallback",
    "latency_ms",
    "cost",
)
CALL_COLUMNS = (
    "dedup_key",
    "chat_id",
    "user_id",
    "model",
    "outcome",
    "is_fallback",
    "is_hedge",
    "started_at",
    "latency_ms",
    "ttft_ms",
    "prompt_tokens",
    "completion_tokens",
    "cost",
    "generation_id",
    "error",
    "role",
)
ROLES = ("assistant", "translator", "coder", "teacher", "pirate")
DEFAULT_ROLE = "assistant"  # what the bot records for chats that never chose a role
FIRST_NAMES = ("Anna", "Boris", "Chen", "Dmitri", "Elena", "Fatima", "George", "Hana", "Ivan", "Julia", "Kofi", "Lena")
LAST_NAMES = ("Ivanova", "Smith", "Garcia", "Kim", "Petrov", "Müller", "Rossi", "Novak", None, None)
VOCABULARY = (
    "how do I write a function that sorts numbers in python please explain the difference between list and tuple "
    "translate this sentence into english what is the capital of france tell me a story about pirates and the sea "
    "why does my code raise an error when I call the method recipe for dinner tonight with potatoes and cheese "
    "summarize the article about climate change in three sentences what time zone is moscow in today"
)
FAILURES = ("server_error", "timeout", "rate_limited", "connection_error")
MILLISECOND = timedelta(milliseconds=1)  # MILLISECOND * n is n ms, and cheaper than timedelta(milliseconds=n)
MINUTE = timedelta(minutes=1)
GROUP_SHARE = 0.08
HEDGE_SHARE = 0.02
RANDOM_FAILURE_SHARE = 0.004


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
    messages: list[tuple[Any, ...]] = field(default_factory=list)
    calls: list[tuple[Any, ...]] = field(default_factory=list)


class Outages:
    """Periods during which a model fails every request, sorted, not overlapping."""

    def __init__(self, rng: random.Random, start: datetime, end: datetime, every_hours: float, minutes: float) -> None:
        self.spans: list[tuple[datetime, datetime]] = []
        moment = start + timedelta(hours=rng.expovariate(1 / every_hours))
        while moment < end:
            length = timedelta(minutes=1 + rng.expovariate(1 / minutes))
            self.spans.append((moment, moment + length))
            moment += length + timedelta(hours=rng.expovariate(1 / every_hours))
        self._starts = [span[0] for span in self.spans]

    def at(self, moment: datetime) -> tuple[datetime, datetime] | None:
        position = bisect.bisect_right(self._starts, moment) - 1
        if position >= 0 and moment < self.spans[position][1]:
            return self.spans[position]
        return None


class HistoryGenerator:
    """Deterministic rows of a bot's history; pure (no I/O)."""

    def __init__(self, plan: SeedPlan) -> None:
        self.plan = plan
        self.rng = random.Random(plan.seed)
        rng = self.rng
        self.prefix = f"seed{plan.seed}"
        base = 100_000_000 + (plan.seed % 1000) * 1_000_000
        count = plan.user_count
        self.user_ids = [base + i for i in range(count)]
        # Zipf-like activity, in a random order of joining: a few users write most of the messages.
        weights = [1 / (rank + 1) ** 0.9 for rank in range(count)]
        rng.shuffle(weights)
        self.cumulative = list(_accumulate(weights))
        self.groups = [-(1_001_000_000_000 + (plan.seed % 1000) * 100_000 + g) for g in range(max(1, count // 40))]
        self.members = {g: rng.sample(range(count), min(count, rng.randint(3, 25))) for g in self.groups}
        self.primary_down = Outages(rng, plan.start, plan.end, every_hours=60, minutes=12)
        self.fallback_down = Outages(rng, plan.start, plan.end, every_hours=200, minutes=8)
        words = VOCABULARY.split()
        self.sentences = [" ".join(rng.choices(words, k=rng.randint(3, 14))) for _ in range(4000)]
        self.answers = [" ".join(rng.choices(words, k=rng.randint(15, 60))) for _ in range(4000)]
        self.roles: dict[int, str | None] = {}
        self.first_seen: dict[int, datetime] = {}
        self.last_seen: dict[int, datetime] = {}
        self.chat_first: dict[int, datetime] = {}
        self.chat_last: dict[int, datetime] = {}
        self.role_changes: list[tuple[Any, ...]] = []
        self.both_down_open: datetime | None = None
        self.events: list[tuple[Any, ...]] = []
        self.produced = 0
        self._costs: dict[int, Decimal] = {}

    # -- the exchanges ------------------------------------------------------------------------

    def batches(self, exchanges_per_batch: int) -> Iterator[Batch]:
        """Batches in time order until ``plan.messages`` message rows were produced."""
        plan = self.plan
        expected_exchanges = max(1, plan.messages // 2)
        start = plan.start
        span = (plan.end - start).total_seconds()
        rhythm = _daily_rhythm_table()
        k = 0
        while self.produced < plan.messages:
            batch = Batch()
            for _ in range(exchanges_per_batch):
                if self.produced >= plan.messages:
                    break
                position = min((k + self.rng.random()) / expected_exchanges, 0.999999)
                at = start + timedelta(seconds=span * _warp(position, plan.days, rhythm))
                self._exchange(batch, k, at, position)
                k += 1
            yield batch
        self._close_events()

    def _pick_user(self, position: float) -> int:
        # Users join over time: at the start 30 % of them are around, at the end all.
        joined = max(1, int(len(self.user_ids) * (0.3 + 0.7 * position)))
        draw = self.rng.random() * self.cumulative[joined - 1]
        return bisect.bisect_left(self.cumulative, draw, 0, joined - 1)

    def _exchange(self, batch: Batch, k: int, at: datetime, position: float) -> None:
        rng = self.rng
        user_index = self._pick_user(position)
        user_id = self.user_ids[user_index]
        chat_id, author = user_id, None
        if rng.random() < GROUP_SHARE:
            chat_id = self.groups[user_index % len(self.groups)]
            user_id = self.user_ids[_pick(rng, self.members[chat_id])]
            author = FIRST_NAMES[user_id % len(FIRST_NAMES)]
        if rng.random() < 0.002:
            role = _pick(rng, ROLES)
            self.roles[chat_id] = role
            self.role_changes.append((f"{self.prefix}-{k}-r", chat_id, user_id, role, at))
        role = self.roles.get(chat_id) or DEFAULT_ROLE
        key = f"{self.prefix}-{k}"
        question = f"{key}-in"
        text = _pick(rng, self.sentences)
        batch.messages.append(
            (
                question,
                chat_id,
                user_id,
                "in",
                text,
                author,
                at,
                500_000_000 + k,
                k,
                None,
                None,
                None,
                False,
                None,
                None,
            )
        )
        self.produced += 1
        # What _seen does, inline (twice per exchange, it adds up over millions of rows).
        if user_id not in self.first_seen:
            self.first_seen[user_id] = at
        self.last_seen[user_id] = at
        if chat_id not in self.chat_first:
            self.chat_first[chat_id] = at
        self.chat_last[chat_id] = at
        answer = self._answer(batch, key, chat_id, user_id, role, at)
        if answer is None or self.produced >= self.plan.messages:
            return
        answered_at = at + MILLISECOND * answer[2]
        text = _pick(rng, self.answers)
        batch.messages.append(
            (f"{key}-out", chat_id, user_id, "out", text, None, answered_at, None, k, question, role, *answer)
        )
        self.produced += 1
        self.last_seen[user_id] = answered_at
        self.chat_last[chat_id] = answered_at

    def _answer(
        self, batch: Batch, key: str, chat_id: int, user_id: int, role: str | None, at: datetime
    ) -> tuple[str, bool, int, Decimal] | None:
        """Make the requests for one question; the answer's (model, is_fallback, latency, cost) or None."""
        rng, plan = self.rng, self.plan
        primary_outage, fallback_outage = self.primary_down.at(at), self.fallback_down.at(at)
        calls: list[tuple[str, str, bool, bool, int, int]] = []  # model, outcome, fallback, hedge, latency, cost
        primary_fails = primary_outage is not None or rng.random() < RANDOM_FAILURE_SHARE
        # While the primary's breaker is open (from a minute into an outage) it is not asked at all.
        skip_primary = primary_outage is not None and at - primary_outage[0] > MINUTE
        if not skip_primary:
            if primary_fails:
                calls.append(self._failed_call(plan.primary_model, fallback=False))
            elif rng.random() < HEDGE_SHARE:
                return self._hedged(batch, key, chat_id, user_id, role, at)
            else:
                calls.append(self._ok_call(plan.primary_model, fallback=False, hedge=False))
        if primary_fails:
            if fallback_outage is not None:
                calls.append(self._failed_call(plan.fallback_model, fallback=True))
            else:
                calls.append(self._ok_call(plan.fallback_model, fallback=True, hedge=False))
        self._write_calls(batch, key, chat_id, user_id, role, at, calls)
        if calls[-1][1] != "ok":
            if self.both_down_open is None:
                self.both_down_open = at
                self.events.append(("*", "both_down", None, None, "no model could answer", at))
            return None
        if self.both_down_open is not None:
            self.events.append(("*", "both_down_end", None, None, "a model answered again", at))
            self.both_down_open = None
        latency = sum(call[4] for call in calls) + _between(rng, 80, 900)
        cost = sum(call[5] for call in calls)
        return calls[-1][0], calls[-1][2], latency, self._cost(cost)

    def _hedged(
        self, batch: Batch, key: str, chat_id: int, user_id: int, role: str | None, at: datetime
    ) -> tuple[str, bool, int, Decimal]:
        plan, rng = self.plan, self.rng
        slow = self._ok_call(plan.primary_model, fallback=False, hedge=False)
        hedge = self._ok_call(plan.fallback_model, fallback=True, hedge=True)
        hedge_wins = rng.random() < 0.6
        loser = hedge if not hedge_wins else slow
        cancelled = (loser[0], "cancelled", loser[2], loser[3], loser[4] // 2, 0)
        calls = [slow, cancelled] if not hedge_wins else [cancelled, hedge]
        self._write_calls(batch, key, chat_id, user_id, role, at, calls)  # fills in each call's cost
        winner = calls[1] if hedge_wins else calls[0]
        return winner[0], hedge_wins, 8_000 + winner[4] + _between(rng, 80, 900), self._cost(winner[5])

    def _cost(self, nanos: int) -> Decimal:
        """``nanos`` hundred-millionths of a dollar as a Decimal with 8 places (the same object per amount)."""
        cost = self._costs.get(nanos)
        if cost is None:
            cost = self._costs[nanos] = Decimal(nanos).scaleb(-8)
        return cost

    def _ok_call(self, model: str, *, fallback: bool, hedge: bool) -> tuple[str, str, bool, bool, int, int]:
        latency = int(self.rng.lognormvariate(math.log(3_500 if fallback else 2_500), 0.55))
        return (model, "ok", fallback, hedge, latency, 0)

    def _failed_call(self, model: str, *, fallback: bool) -> tuple[str, str, bool, bool, int, int]:
        outcome = _pick(self.rng, FAILURES)
        latency = 20_000 if outcome == "timeout" else _between(self.rng, 150, 2_000)
        return (model, outcome, fallback, False, latency, 0)

    def _write_calls(
        self,
        batch: Batch,
        key: str,
        chat_id: int,
        user_id: int,
        role: str | None,
        at: datetime,
        calls: list[tuple[str, str, bool, bool, int, int]],
    ) -> None:
        random = self.rng.random
        append = batch.calls.append
        started = at + MILLISECOND * (20 + int(random() * 101))  # _between(rng, 20, 120), inline
        usage: tuple[Any, ...]  # ttft, prompt and completion tokens, cost, generation id, error
        for j, (model, outcome, fallback, hedge, latency, _) in enumerate(calls):
            if outcome == "ok":
                # _between(rng, 150, 4_000), _between(rng, 20, 900), then the share of the latency, in this order.
                prompt = 150 + int(random() * 3_851)
                completion = 20 + int(random() * 881)
                ttft = int(latency * (0.08 + 0.27 * random()))
                nanos = prompt * 15 + completion * 60 if fallback else prompt * 8 + completion * 30
                calls[j] = (model, outcome, fallback, hedge, latency, nanos)
                usage = (ttft, prompt, completion, self._cost(nanos), f"gen-{key}-{j}", None)
            else:
                usage = (None, None, None, None, None, f"{outcome} from {model}")
            append((f"{key}-c{j}", chat_id, user_id, model, outcome, fallback, hedge, started, latency, *usage, role))
            if not hedge:
                started += MILLISECOND * latency

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
        for user_id, first in self.first_seen.items():
            first_name = FIRST_NAMES[user_id % len(FIRST_NAMES)]
            last_name = LAST_NAMES[user_id % len(LAST_NAMES)]
            username = f"{first_name.lower()}_{user_id % 100_000}" if user_id % 3 else None
            language = "ru" if user_id % 2 else "en"
            rows.append((user_id, username, first_name, last_name, language, first, self.last_seen[user_id]))
        return rows

    def chat_rows(self) -> list[tuple[Any, ...]]:
        rows = []
        for chat_id, first in self.chat_first.items():
            kind = "private" if chat_id > 0 else "supergroup"
            title = None if chat_id > 0 else f"Group {-chat_id % 100_000}"
            rows.append((chat_id, kind, title, self.roles.get(chat_id), first, self.chat_last[chat_id]))
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


def _warp(position: float, days: int, table: list[float]) -> float:
    """Map a uniform position in [0, 1) to one with the daily rhythm; monotonic, so order is kept."""
    day_float = position * days
    day = int(day_float)
    scaled = (day_float - day) * (len(table) - 1)
    step = int(scaled)
    low, high = table[step], table[min(step + 1, len(table) - 1)]
    return (day + low + (high - low) * (scaled - step)) / days


def _pick(rng: random.Random, items: Sequence[T]) -> T:
    # random.choice and randrange are several times slower than this, and it adds up over millions of rows.
    return items[int(rng.random() * len(items))]


def _between(rng: random.Random, low: int, high: int) -> int:
    """A uniform integer in [low, high]."""
    return low + int(rng.random() * (high - low + 1))


def _accumulate(weights: list[float]) -> Iterator[float]:
    total = 0.0
    for weight in weights:
        total += weight
        yield total
