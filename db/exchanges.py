"""The exchanges of a synthetic history, a chunk at a time with numpy (pure; no I/O).

An exchange is a question, the requests to the models it took (one or two)
and the answer, unless both models failed. Exchange ``k`` is the seed's k-th
question in time; chunk ``n`` holds exchanges ``n * CHUNK`` onwards and draws
every random number from a stream of its own, seeded by ``(seed, n)``, so a
chunk's rows depend only on the seed, the chunk and what earlier chunks left
behind (the chats' roles, whether an incident is open).

Times are integers: microseconds since 2000-01-01 UTC (PostgreSQL's epoch),
durations in milliseconds as the tables keep them.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from functools import cached_property
from typing import Any

import numpy as np
import numpy.typing as npt

from db import copy_binary as cb

CHUNK = 16_384
GROUP_SHARE = 0.08
HEDGE_SHARE = 0.02
RANDOM_FAILURE_SHARE = 0.004
ROLE_CHANGE_SHARE = 0.002
OUTCOMES = ("ok", "cancelled", "server_error", "timeout", "rate_limited", "connection_error")
OK, CANCELLED, FIRST_FAILURE, TIMEOUT = 0, 1, 2, 3
MS = 1_000  # microseconds
BREAKER_OPENS_AFTER = 60_000 * MS  # the primary is not asked at all from a minute into its outage

Ints = npt.NDArray[np.int64]
Floats = npt.NDArray[np.float64]
Mask = npt.NDArray[np.bool_]


@dataclass(frozen=True)
class World:
    """What stays the same for a whole seed."""

    seed: int
    prefix: str
    exchanges: int  # how many the plan expects: positions in time are k / exchanges
    start: int
    span: int
    days: int
    rhythm: Floats  # db.synthetic._daily_rhythm_table
    user_ids: Ints  # in order of joining
    cumulative: Floats  # running sum of the users' weights, in the same order
    group_ids: Ints
    members: Ints  # per group, indexes into user_ids (padded)
    member_counts: Ints
    primary_down: tuple[Ints, Ints]  # outages: starts, ends
    fallback_down: tuple[Ints, Ints]
    models: tuple[str, str]  # primary, fallback
    roles: Sequence[str]  # the first is the default
    first_names: Sequence[str]
    texts: Sequence[str]  # 4,000 questions, then 4,000 answers

    @cached_property
    def chat_ids(self) -> Ints:
        """Every chat's id by its index: the users' private chats, then the groups."""
        ids: Ints = np.concatenate((self.user_ids, self.group_ids))
        return ids


@dataclass(frozen=True)
class MessageRows:
    """Per message row, in the table's order (a question, then its answer if any): what the rows say."""

    k: Ints  # the exchange
    is_answer: Mask
    time: Ints
    chat: Ints  # index of the chat: users' private chats first, then the groups
    writer: Ints  # index into user_ids (the asker, for an answer)
    chat_id: Ints
    user_id: Ints
    is_group: Mask
    role: Ints  # answers: index into roles
    model: Ints  # answers: 0 primary, 1 fallback
    latency: Ints  # answers
    nanos: Ints  # answers: cost in hundred-millionths
    text: Ints  # index into texts


@dataclass(frozen=True)
class CallRows:
    """Per request row, in the order they were made."""

    k: Ints
    slot: Ints  # 0 the first request of its exchange, 1 the second
    chat: Ints
    writer: Ints
    chat_id: Ints
    user_id: Ints
    model: Ints
    outcome: Ints  # index into OUTCOMES
    is_hedge: Mask
    started: Ints
    latency: Ints
    ttft: Ints  # ok ones only
    prompt: Ints  # ok ones only
    completion: Ints  # ok ones only
    nanos: Ints  # ok ones only
    role: Ints


@dataclass(frozen=True)
class Chunk:
    messages: MessageRows
    calls: CallRows
    role_changes: list[tuple[int, int, int, int, int, int]]  # k, chat index, user id, chat id, role, time
    incidents: list[tuple[str, int]]  # ("both_down" or "both_down_end", time)
    both_down: bool  # an incident is still open at the end


def _nothing() -> Ints:
    return np.zeros(0, dtype=np.int64)


def _none() -> Mask:
    return np.zeros(0, dtype=np.bool_)


@dataclass
class Exchanges:
    """One value per exchange of the chunk (a slot is a request: 0 the first, 1 the second if any)."""

    k: Ints
    at: Ints
    writer: Ints
    chat: Ints
    user_id: Ints
    chat_id: Ints
    is_group: Mask
    question: Ints  # index into texts
    answer_text: Ints
    # Filled in by _requests:
    two: Mask = field(default_factory=_none)  # a second request was made
    model: Ints = field(default_factory=_nothing)  # (2, n): 0 primary, 1 fallback
    outcome: Ints = field(default_factory=_nothing)  # (2, n)
    hedge: Mask = field(default_factory=_none)  # the second request was a hedge
    started: Ints = field(default_factory=_nothing)  # (2, n)
    latency: Ints = field(default_factory=_nothing)  # (2, n)
    ttft: Ints = field(default_factory=_nothing)  # (2, n)
    prompt: Ints = field(default_factory=_nothing)  # (2, n)
    completion: Ints = field(default_factory=_nothing)  # (2, n)
    nanos: Ints = field(default_factory=_nothing)  # (2, n) cost in hundred-millionths
    answered: Mask = field(default_factory=_none)
    answer_model: Ints = field(default_factory=_nothing)
    answer_latency: Ints = field(default_factory=_nothing)
    # And by _roles:
    role: Ints = field(default_factory=_nothing)  # index into roles

    def take(self, count: int) -> None:
        """Keep the first ``count`` exchanges."""
        for name, value in vars(self).items():
            setattr(self, name, value[..., :count])


def make_chunk(world: World, number: int, chat_role: Ints, both_down: bool, remaining: int) -> Chunk:
    """Chunk ``number``, cut where it reaches ``remaining`` message rows; ``chat_role`` as earlier chunks left it."""
    rng = np.random.default_rng((world.seed, number))
    uniform = rng.random((24, CHUNK))
    normal = rng.standard_normal((2, CHUNK))
    x = _who_and_when(world, number, uniform)
    _requests(world, x, uniform, normal)
    messages = 1 + x.answered.astype(np.int64)
    total = np.cumsum(messages)
    last_answer = True
    if total[-1] >= remaining:
        kept = int(np.searchsorted(total, remaining)) + 1
        last_answer = bool(total[kept - 1] == remaining)  # else the question alone reaches the count
        x.take(kept)
    role_changes = _roles(world, x, chat_role, uniform)
    unanswered = ~x.answered
    before = np.concatenate(([both_down], unanswered[:-1]))
    incidents = [
        ("both_down" if unanswered[i] else "both_down_end", int(x.at[i])) for i in np.flatnonzero(unanswered != before)
    ]
    answers = x.answered.copy()
    answers[-1] &= last_answer
    return Chunk(
        messages=_message_rows(x, answers),
        calls=_call_rows(x),
        role_changes=role_changes,
        incidents=incidents,
        both_down=bool(unanswered[-1]),
    )


def _who_and_when(world: World, number: int, u: Floats) -> Exchanges:
    k = number * CHUNK + np.arange(CHUNK, dtype=np.int64)
    position = np.minimum((k + u[0]) / world.exchanges, 0.999999)
    at = world.start + np.rint(world.span * _warp(position, world.days, world.rhythm)).astype(np.int64)
    # Users join over time: at the start 30 % of them are around, at the end all; the weights pick who writes.
    users = len(world.user_ids)
    joined = np.maximum(1, (users * (0.3 + 0.7 * position)).astype(np.int64))
    draw = u[1] * world.cumulative[joined - 1]
    user = np.minimum(np.searchsorted(world.cumulative, draw), joined - 1)
    is_group = u[2] < GROUP_SHARE
    group = user % len(world.group_ids)
    member = world.members[group, (u[3] * world.member_counts[group]).astype(np.int64)]
    writer = np.where(is_group, member, user)
    chat = np.where(is_group, users + group, user)
    return Exchanges(
        k=k,
        at=at,
        writer=writer,
        chat=chat,
        user_id=world.user_ids[writer],
        chat_id=world.chat_ids[chat],
        is_group=is_group,
        question=(u[9] * 4000).astype(np.int64),
        answer_text=4000 + (u[10] * 4000).astype(np.int64),
    )


def _warp(position: Floats, days: int, table: Floats) -> Floats:
    """Map uniform positions in [0, 1) to ones with the daily rhythm; monotonic, so order is kept."""
    day_float = position * days
    day = np.floor(day_float)
    scaled = (day_float - day) * (len(table) - 1)
    step = scaled.astype(np.int64)
    low, high = table[step], table[np.minimum(step + 1, len(table) - 1)]
    result: Floats = (day + low + (high - low) * (scaled - step)) / days
    return result


def _outage(down: tuple[Ints, Ints], at: Ints) -> tuple[Mask, Ints]:
    """Whether each moment falls in an outage, and since when (microseconds; meaningless outside one)."""
    starts, ends = down
    if len(starts) == 0:
        return np.zeros(len(at), dtype=np.bool_), np.zeros(len(at), dtype=np.int64)
    index = np.searchsorted(starts, at, side="right") - 1
    safe = np.maximum(index, 0)
    return (index >= 0) & (at < ends[safe]), at - starts[safe]


def _requests(world: World, x: Exchanges, u: Floats, z: Floats) -> None:
    """Which models were asked, what came of it, and the answer; as the bot's router would have done it."""
    n = len(x.k)
    primary_out, since = _outage(world.primary_down, x.at)
    fallback_out, _ = _outage(world.fallback_down, x.at)
    skip = primary_out & (since > BREAKER_OPENS_AFTER)  # the primary's breaker is open: only the fallback
    primary_fails = primary_out | (u[6] < RANDOM_FAILURE_SHARE)
    hedge = ~primary_fails & (u[7] < HEDGE_SHARE)
    failover = ~skip & primary_fails
    two = hedge | failover
    hedge_wins = u[8] < 0.6
    model = np.stack((skip.astype(np.int64), np.ones(n, dtype=np.int64)))
    ok_latency = np.exp(np.log(np.where(model == 1, 3_500.0, 2_500.0)) + 0.55 * z).astype(np.int64)
    failure = FIRST_FAILURE + (u[[13, 15]] * 4).astype(np.int64)
    failed_latency = np.where(failure == TIMEOUT, 20_000, 150 + (u[[14, 16]] * 1_851).astype(np.int64))
    # The first request fails when the primary does, or (asked only the fallback) when the fallback is down.
    first_fails = np.where(skip, fallback_out, primary_fails)
    outcome = np.stack((np.where(first_fails, failure[0], OK), np.where(fallback_out & failover, failure[1], OK)))
    outcome[0, hedge & hedge_wins] = CANCELLED
    outcome[1, hedge & ~hedge_wins] = CANCELLED
    latency = np.where(outcome == OK, ok_latency, failed_latency)
    latency = np.where(outcome == CANCELLED, ok_latency // 2, latency)
    ok = outcome == OK
    prompt = 150 + (u[[17, 20]] * 3_851).astype(np.int64)
    completion = 20 + (u[[18, 21]] * 881).astype(np.int64)
    ttft = (latency * (0.08 + 0.27 * u[[19, 22]])).astype(np.int64)
    nanos = np.where(model == 1, prompt * 15 + completion * 60, prompt * 8 + completion * 30) * ok
    first_start = x.at + (20 + (u[12] * 101).astype(np.int64)) * MS
    winner = np.where(hedge_wins, ok_latency[1], ok_latency[0])
    extra = 80 + (u[11] * 821).astype(np.int64)
    x.two, x.model, x.outcome, x.hedge = two, model, outcome, hedge
    x.started = np.stack((first_start, first_start + latency[0] * MS))
    x.latency, x.ttft, x.prompt, x.completion, x.nanos = latency, ttft, prompt, completion, nanos
    x.answered = np.where(two, ok[1] | (hedge & ok[0]), ok[0])
    x.answer_model = np.where(hedge, hedge_wins.astype(np.int64), np.where(two, 1, model[0]))
    x.answer_latency = np.where(hedge, 8_000 + winner, latency[0] + np.where(two, latency[1], 0)) + extra


def _roles(world: World, x: Exchanges, chat_role: Ints, u: Floats) -> list[tuple[int, int, int, int, int, int]]:
    """Each exchange's role index (a chat's /role choice holds from that exchange on); the choices made."""
    n = len(x.k)
    role = chat_role[x.chat]
    changes = []
    for i in np.flatnonzero(u[4, :n] < ROLE_CHANGE_SHARE).tolist():
        choice = int(u[5, i] * len(world.roles))
        role[i:][x.chat[i:] == x.chat[i]] = choice
        changes.append((int(x.k[i]), int(x.chat[i]), int(x.user_id[i]), int(x.chat_id[i]), choice, int(x.at[i])))
    x.role = np.maximum(role, 0)  # the default role until a chat picks one
    return changes


def _interleave(first: npt.NDArray[Any], second: npt.NDArray[Any], keep_second: Mask) -> npt.NDArray[Any]:
    """Rows of ``first`` each followed by that of ``second`` where ``keep_second``."""
    both = np.stack((first, second), axis=1).reshape(-1)
    keep = np.stack((np.ones(len(keep_second), dtype=np.bool_), keep_second), axis=1).reshape(-1)
    kept: npt.NDArray[Any] = both[keep]
    return kept


def _message_rows(x: Exchanges, answers: Mask) -> MessageRows:
    """The question of every exchange, each followed by its answer if it has one."""
    zeros = np.zeros(len(x.k), dtype=np.int64)

    def rows(question: npt.NDArray[Any], answer: npt.NDArray[Any]) -> npt.NDArray[Any]:
        return _interleave(question, answer, answers)

    return MessageRows(
        k=rows(x.k, x.k),
        is_answer=rows(zeros, zeros + 1).astype(np.bool_),
        time=rows(x.at, x.at + x.answer_latency * MS),
        chat=rows(x.chat, x.chat),
        writer=rows(x.writer, x.writer),
        chat_id=rows(x.chat_id, x.chat_id),
        user_id=rows(x.user_id, x.user_id),
        is_group=rows(x.is_group, x.is_group),
        role=rows(zeros, x.role),
        model=rows(zeros, x.answer_model),
        latency=rows(zeros, x.answer_latency),
        nanos=rows(zeros, x.nanos[0] + x.nanos[1] * x.two),
        text=rows(x.question, x.answer_text),
    )


def _call_rows(x: Exchanges) -> CallRows:
    def rows(values: npt.NDArray[Any]) -> npt.NDArray[Any]:
        """Per-request rows of a (2, n) array, or of a per-exchange one (the same for both requests)."""
        pair = values if values.ndim == 2 else np.stack((values, values))
        return _interleave(pair[0], pair[1], x.two)

    slot = rows(np.stack((np.zeros(len(x.k), dtype=np.int64), np.ones(len(x.k), dtype=np.int64))))
    return CallRows(
        k=rows(x.k),
        slot=slot,
        chat=rows(x.chat),
        writer=rows(x.writer),
        chat_id=rows(x.chat_id),
        user_id=rows(x.user_id),
        model=rows(x.model),
        outcome=rows(x.outcome),
        is_hedge=(slot == 1) & rows(x.hedge),
        started=rows(x.started),
        latency=rows(x.latency),
        ttft=rows(x.ttft),
        prompt=rows(x.prompt),
        completion=rows(x.completion),
        nanos=rows(x.nanos),
        role=rows(x.role),
    )


def message_table(world: World, rows: MessageRows) -> cb.Table:
    """The rows of ``messages`` to COPY."""
    answer = rows.is_answer
    question = ~answer
    return cb.Table(
        {
            "dedup_key": cb.numbered(f"{world.prefix}-", rows.k, ("-in", "-out"), answer),
            "chat_id": cb.bigint(rows.chat_id),
            "user_id": cb.bigint(rows.user_id),
            "direction": cb.strings(("in", "out"), answer),
            "author": cb.strings(
                world.first_names, rows.user_id % len(world.first_names), null=answer | ~rows.is_group
            ),
            "created_at": cb.timestamptz(rows.time),
            "update_id": cb.bigint(500_000_000 + rows.k, null=answer),
            "telegram_message_id": cb.bigint(rows.k),
            "reply_to_key": cb.numbered(f"{world.prefix}-", rows.k, ("-in",), np.zeros(len(rows.k)), null=question),
            "role": cb.strings(world.roles, rows.role, null=question),
            "model": cb.strings(world.models, rows.model, null=question),
            "is_fallback": cb.boolean(answer & (rows.model == 1)),
            "latency_ms": cb.integer(rows.latency, null=question),
            "cost": cb.numeric8(rows.nanos, null=question),
            "text": cb.pooled(world.texts, rows.text),
        }
    )


def call_table(world: World, rows: CallRows) -> cb.Table:
    """The rows of ``llm_calls`` to COPY."""
    failed = rows.outcome != OK
    errors = [f"{name} from {model_name}" for name in OUTCOMES for model_name in world.models]
    return cb.Table(
        {
            "dedup_key": cb.numbered(f"{world.prefix}-", rows.k, ("-c0", "-c1"), rows.slot),
            "chat_id": cb.bigint(rows.chat_id),
            "user_id": cb.bigint(rows.user_id),
            "model": cb.strings(world.models, rows.model),
            "outcome": cb.strings(OUTCOMES, rows.outcome),
            "is_fallback": cb.boolean(rows.model == 1),
            "is_hedge": cb.boolean(rows.is_hedge),
            "started_at": cb.timestamptz(rows.started),
            "latency_ms": cb.integer(rows.latency),
            "ttft_ms": cb.integer(rows.ttft, null=failed),
            "prompt_tokens": cb.integer(rows.prompt, null=failed),
            "completion_tokens": cb.integer(rows.completion, null=failed),
            "cost": cb.numeric8(rows.nanos, null=failed),
            "generation_id": cb.numbered(f"gen-{world.prefix}-", rows.k, ("-0", "-1"), rows.slot, null=failed),
            "error": cb.strings(errors, rows.outcome * len(world.models) + rows.model, null=~failed),
            "role": cb.strings(world.roles, rows.role),
        }
    )
