"""Turning the fakes' records into per-answer timings, and the figures the load benchmark prints.

Every time here is ``time.monotonic()`` read by the process where the event
happened (the fake Telegram, the fake OpenRouter); one clock for the whole
machine, so differences across processes are meaningful.

Per answered message:

- reply time: the update became available in the fake Telegram -> the bot's
  final ``sendMessage`` for it had been read by the fake;
- model time: the fake OpenRouter received the call -> it had written the end
  of the stream;
- overhead = reply time - model time, for answers served by exactly one call;
  split into *before the model* (update available -> call received; of which
  *long poll*: update available -> a getUpdates answer carried it) and *after
  the model* (end of stream -> sendMessage read);
- time to first visible text: the fake OpenRouter wrote the first token -> the
  first ``sendMessageDraft`` with text for that answer had been read.
"""

from __future__ import annotations

import math
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

from tests.fakes.openrouter import CallTiming as ModelCall
from tests.fakes.telegram import CallTiming, UpdateTiming


@dataclass(frozen=True, slots=True)
class Offered:
    """A message the benchmark wrote: its update id, chat, position in the chat, and text."""

    update_id: int
    chat_id: int
    number: int
    text: str


@dataclass(frozen=True, slots=True)
class Answered:
    update_id: int
    chat_id: int
    number: int
    created: float
    delivered: float | None
    model_received: float
    first_token: float
    last_chunk: float
    first_draft: float | None
    sent: float

    @property
    def reply(self) -> float:
        return self.sent - self.created

    @property
    def model(self) -> float:
        return self.last_chunk - self.model_received

    @property
    def overhead(self) -> float:
        return self.reply - self.model

    @property
    def before_model(self) -> float:
        return self.model_received - self.created

    @property
    def after_model(self) -> float:
        return self.sent - self.last_chunk

    @property
    def long_poll(self) -> float | None:
        return None if self.delivered is None else self.delivered - self.created

    @property
    def first_visible(self) -> float | None:
        return None if self.first_draft is None else self.first_draft - self.first_token


@dataclass
class Matched:
    """The answers that could be timed, and what could not be (with counts, never silently)."""

    answered: list[Answered] = field(default_factory=list)
    unanswered: int = 0
    several_calls: int = 0
    failed_calls: int = 0
    other_messages: int = 0
    """sendMessage calls to the benchmark's chats that were not the expected answer (notices, errors)."""
    failed_sends: int = 0
    """sendMessage or sendMessageDraft calls the fake refused (not 200)."""


def match(
    offered: Sequence[Offered],
    updates: Iterable[UpdateTiming],
    telegram_calls: Iterable[CallTiming],
    model_calls: Iterable[ModelCall],
    answer_chars: int,
) -> Matched:
    """Pair each offered message with its model call, its first draft and its final message.

    A chat answers its messages one at a time, in order, so the n-th answer
    (a sendMessage of the answer's length) in a chat is the answer to the
    chat's n-th message. Drafts carry the update id as their draft_id.
    """
    result = Matched()
    update_at = {u.update_id: u for u in updates}
    chats = {o.chat_id for o in offered}
    calls_for: dict[str, list[ModelCall]] = defaultdict(list)
    for model_call in model_calls:
        calls_for[model_call.last_user_message].append(model_call)
    sends: dict[int, list[float]] = defaultdict(list)
    first_draft: dict[tuple[int, int], float] = {}
    for tg_call in sorted(telegram_calls, key=lambda c: c.index):
        if tg_call.method not in ("sendMessage", "sendMessageDraft") or tg_call.chat_id not in chats:
            continue
        if tg_call.status != 200:
            result.failed_sends += 1
            continue
        if tg_call.method == "sendMessage":
            if tg_call.text_chars == answer_chars:
                sends[tg_call.chat_id].append(tg_call.at)
            else:
                result.other_messages += 1
        elif tg_call.text_chars:
            first_draft.setdefault((tg_call.chat_id, tg_call.draft_id), tg_call.at)
    by_chat: dict[int, list[Offered]] = defaultdict(list)
    for message in offered:
        by_chat[message.chat_id].append(message)
    for chat_id, messages in by_chat.items():
        messages.sort(key=lambda m: m.update_id)
        delivered = sends.get(chat_id, [])
        for position, message in enumerate(messages):
            if position >= len(delivered):
                result.unanswered += 1
                continue
            calls = calls_for.get(message.text, [])
            if len(calls) != 1:
                result.several_calls += len(calls) > 1
                result.unanswered += not calls
                continue
            [call] = calls
            if call.outcome != "ok" or None in (call.received_at, call.first_token_at, call.last_chunk_at):
                result.failed_calls += 1
                continue
            assert call.received_at is not None and call.first_token_at is not None
            assert call.last_chunk_at is not None
            update = update_at[message.update_id]
            result.answered.append(
                Answered(
                    update_id=message.update_id,
                    chat_id=chat_id,
                    number=message.number,
                    created=update.created_at,
                    delivered=update.delivered_at,
                    model_received=call.received_at,
                    first_token=call.first_token_at,
                    last_chunk=call.last_chunk_at,
                    first_draft=first_draft.get((chat_id, message.update_id % 2_000_000_000 or 1)),
                    sent=delivered[position],
                )
            )
    return result


def percentile(values: Sequence[float], p: float) -> float:
    """Nearest rank: the smallest value with at least ``p`` percent of the values at or below it."""
    if not values:
        return math.nan
    ordered = sorted(values)
    return ordered[max(0, math.ceil(p / 100 * len(ordered)) - 1)]


def spread(values: Sequence[float], scale: float = 1000.0) -> str:
    """p50 / p95 / p99 / max in milliseconds."""
    if not values:
        return "n/a"
    figures = [percentile(values, p) * scale for p in (50, 95, 99)] + [max(values) * scale]
    return " / ".join(f"{figure:8.1f}" for figure in figures)


def rate(times: Sequence[float]) -> float:
    """Events per second between the first and the last of ``times``."""
    if len(times) < 2:
        return math.nan
    return (len(times) - 1) / (max(times) - min(times))
