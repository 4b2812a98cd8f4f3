"""The statistics rollups of a seed, figured from the rows it generated (numpy; no I/O).

When ``assistant seed`` fills an empty database whose rollups are empty too,
it fills the rollup tables itself, with ``COPY``, from the rows it made rather
than by reading millions of them back: the same tables ``stats_catch_up``
(migrations 0002, 0005 and 0007) would leave, figure for figure.
``tests/api/test_seed.py`` compares every row of every rollup table with what
``stats_catch_up`` makes of the same data; a change to the rollups (a new
migration) must be made here too, and that test says where they differ.

:class:`RollupBuilder` keeps the columns the rollups read of each batch (about
70 bytes per row; with the arithmetic's own arrays the seed of 10 million
messages was seen at 4.3 GB); :meth:`RollupBuilder.tables` then gives each
rollup table's rows, in the order of its primary key.

Two details of the SQL that show in the rows: ``date_trunc`` in UTC is a floor
division of the time since 2000-01-01 00:00 UTC (PostgreSQL's epoch, itself
on a day's start), and a sum of costs that saw no cost at all is written
``0`` while one that did keeps the column's 8 decimals.
"""

from __future__ import annotations

from dataclasses import dataclass, fields

import numpy as np
import numpy.typing as npt

from api.histogram import lower_edges
from db import copy_binary as cb
from db import grouping
from db.exchanges import OK, OUTCOMES, CallRows, MessageRows, World
from db.rollups import BITMAP_BITS, CHATS_KIND, USERS_KIND

Ints = npt.NDArray[np.int64]
Mask = npt.NDArray[np.bool_]

ROLLUP_TABLES = (
    "stats_users",
    "stats_chats",
    "stats_chat_users",
    "stats_activity_bits",
    "stats_activity",
    "stats_messages",
    "stats_calls",
    "stats_roles",
)
MINUTE = 60_000_000  # microseconds
GRAINS = ((1, MINUTE), (60, 60 * MINUTE), (1440, 1440 * MINUTE))
BIN_EDGES = np.array(lower_edges()[1:], dtype=np.int64)  # stats_latency_bin: width_bucket over these


def latency_bins(ms: Ints) -> Ints:
    """``stats_latency_bin``: how many of the edges are at most ``ms``."""
    bins: Ints = np.searchsorted(BIN_EDGES, ms, side="right").astype(np.int64)
    return bins


@dataclass(frozen=True)
class _Messages:
    time: Ints
    chat: Ints
    writer: Ints
    is_answer: Mask
    role: Ints
    is_fallback: Mask
    latency: Ints


@dataclass(frozen=True)
class _Calls:
    time: Ints
    chat: Ints
    writer: Ints
    model: Ints
    outcome: Ints
    role: Ints
    ttft: Ints
    prompt: Ints
    completion: Ints
    nanos: Ints

    @property
    def ok(self) -> Mask:
        ok: Mask = self.outcome == OK
        return ok


class RollupBuilder:
    """The rollups of every batch :meth:`add` was given."""

    def __init__(self, world: World) -> None:
        self.world = world
        self.chat_ids = world.chat_ids
        self._messages: list[_Messages] = []
        self._calls: list[_Calls] = []

    def add(self, messages: list[MessageRows], calls: list[CallRows]) -> None:
        for m in messages:
            answer = m.is_answer
            self._messages.append(
                _Messages(m.time, m.chat, m.writer, answer, m.role, answer & (m.model == 1), m.latency)
            )
        for c in calls:
            self._calls.append(
                _Calls(c.started, c.chat, c.writer, c.model, c.outcome, c.role, c.ttft, c.prompt, c.completion, c.nanos)
            )

    def tables(self) -> dict[str, cb.Table]:
        """Every rollup table's rows (:data:`ROLLUP_TABLES`, in that order)."""
        m = _Messages(*(np.concatenate([getattr(part, name) for part in self._messages]) for name in _names(_Messages)))
        c = _Calls(*(np.concatenate([getattr(part, name) for part in self._calls]) for name in _names(_Calls)))
        users, user_idx = self._users(m)
        chats, chat_idx = self._chats(m, c)
        return {
            "stats_users": users,
            "stats_chats": chats,
            "stats_chat_users": self._chat_users(m),
            "stats_activity_bits": _activity_bits(m, user_idx, chat_idx),
            "stats_activity": self._activity(m, c),
            "stats_messages": _messages(m, user_idx, chat_idx),
            "stats_calls": self._calls_table(c),
            "stats_roles": self._roles(m, c),
        }

    # -- who: users, chats and who wrote where ------------------------------------------------------

    def _users(self, m: _Messages) -> tuple[cb.Table, Ints]:
        """stats_users in user_id order (their ``idx`` follows it); also each writer's idx."""
        user_ids = self.world.user_ids[m.writer]
        listed, row = np.unique(user_ids, return_inverse=True)
        first = grouping.first(row, len(listed), m.time, ~m.is_answer)
        writers = np.zeros(len(self.world.user_ids), dtype=np.int64)
        writers[m.writer] = row
        table = cb.Table(
            {
                "user_id": cb.bigint(listed),
                "idx": cb.integer(np.arange(len(listed))),
                "first_seen_at": cb.timestamptz(first, null=first == grouping.NEVER),
            }
        )
        return table, writers

    def _chats(self, m: _Messages, c: _Calls) -> tuple[cb.Table, Ints]:
        """stats_chats: the chats of messages in chat_id order, then those only requests name; also each chat's idx."""
        with_messages = np.unique(self.chat_ids[m.chat])
        only_calls = np.setdiff1d(np.unique(self.chat_ids[c.chat]), with_messages)
        listed = np.concatenate((with_messages, only_calls))
        order = np.argsort(listed)
        row_of = np.empty(len(listed), dtype=np.int64)
        row_of[order] = np.arange(len(listed))  # position in sorted order -> row

        def rows(chats: Ints) -> Ints:
            found: Ints = row_of[np.searchsorted(listed[order], self.chat_ids[chats])]
            return found

        m_row, c_row = rows(m.chat), rows(c.chat)
        ok = c.ok
        incoming = ~m.is_answer
        first = grouping.first(m_row, len(listed), m.time, incoming)
        costs = grouping.add(c_row, len(listed), c.nanos)
        chat_idx = np.zeros(len(self.chat_ids), dtype=np.int64)
        chat_idx[m.chat] = m_row
        chat_idx[c.chat] = c_row
        table = cb.Table(
            {
                "chat_id": cb.bigint(listed),
                "idx": cb.integer(np.arange(len(listed))),
                "first_seen_at": cb.timestamptz(first, null=first == grouping.NEVER),
                "messages_in": cb.bigint(grouping.count(m_row, len(listed), incoming)),
                "messages_out": cb.bigint(grouping.count(m_row, len(listed), m.is_answer)),
                "calls": cb.bigint(grouping.count(c_row, len(listed))),
                "cost": cb.numeric8(costs, scale=_scale(grouping.count(c_row, len(listed), ok))),
            }
        )
        return table, chat_idx

    def _chat_users(self, m: _Messages) -> cb.Table:
        (chat_id, user_id), _, _ = grouping.groups(self.chat_ids[m.chat], self.world.user_ids[m.writer])
        return cb.Table({"chat_id": cb.bigint(chat_id), "user_id": cb.bigint(user_id)})

    # -- figures per period ---------------------------------------------------------------------------

    def _activity(self, m: _Messages, c: _Calls) -> cb.Table:
        """stats_activity: per period, chat and user: messages in and out, requests, tokens, cost."""
        ok = c.ok
        time = np.concatenate((m.time, c.time))
        chat_id = np.concatenate((self.chat_ids[m.chat], self.chat_ids[c.chat]))
        user_id = np.concatenate((self.world.user_ids[m.writer], self.world.user_ids[c.writer]))
        zeros = np.zeros(len(m.time), dtype=np.int64)
        incoming = np.concatenate((~m.is_answer, np.zeros(len(c.time), dtype=np.bool_)))
        outgoing = np.concatenate((m.is_answer, np.zeros(len(c.time), dtype=np.bool_)))
        request = np.concatenate((np.zeros(len(m.time), dtype=np.bool_), np.ones(len(c.time), dtype=np.bool_)))
        tokens = np.concatenate((zeros, (c.prompt + c.completion) * ok))
        nanos = np.concatenate((zeros, c.nanos))
        costed = np.concatenate((np.zeros(len(m.time), dtype=np.bool_), ok))
        parts = []
        for minutes, unit in GRAINS:
            (start, chat, user), row, count = grouping.groups(time // unit * unit, chat_id, user_id)
            parts.append(
                {
                    "period_minutes": np.full(count, minutes),
                    "period_start": start,
                    "chat_id": chat,
                    "user_id": user,
                    "messages_in": grouping.count(row, count, incoming),
                    "messages_out": grouping.count(row, count, outgoing),
                    "calls": grouping.count(row, count, request),
                    "tokens": grouping.add(row, count, tokens),
                    "cost": grouping.add(row, count, nanos),
                    "scale": _scale(grouping.count(row, count, costed)),
                }
            )
        a = _stack(parts)
        return cb.Table(
            {
                "period_minutes": cb.smallint(a["period_minutes"]),
                "period_start": cb.timestamptz(a["period_start"]),
                "chat_id": cb.bigint(a["chat_id"]),
                "user_id": cb.bigint(a["user_id"]),
                "messages_in": cb.bigint(a["messages_in"]),
                "messages_out": cb.bigint(a["messages_out"]),
                "calls": cb.bigint(a["calls"]),
                "tokens": cb.bigint(a["tokens"]),
                "cost": cb.numeric8(a["cost"], scale=a["scale"]),
            }
        )

    def _roles(self, m: _Messages, c: _Calls) -> cb.Table:
        """stats_roles: per period and role: answers, requests, tokens, cost."""
        ok = c.ok
        answers = m.is_answer
        time = np.concatenate((m.time[answers], c.time))
        role = np.concatenate((m.role[answers], c.role))
        n_answers = int(answers.sum())
        zeros = np.zeros(n_answers, dtype=np.int64)
        is_answer = np.concatenate((np.ones(n_answers, dtype=np.bool_), np.zeros(len(c.time), dtype=np.bool_)))
        prompt = np.concatenate((zeros, c.prompt * ok))
        completion = np.concatenate((zeros, c.completion * ok))
        nanos = np.concatenate((zeros, c.nanos))
        costed = np.concatenate((zeros.astype(np.bool_), ok))
        parts = []
        for minutes, unit in GRAINS:
            (start, kind), row, count = grouping.groups(time // unit * unit, role)
            parts.append(
                {
                    "period_minutes": np.full(count, minutes),
                    "period_start": start,
                    "role": kind,
                    "answers": grouping.count(row, count, is_answer),
                    "calls": grouping.count(row, count, ~is_answer),
                    "prompt_tokens": grouping.add(row, count, prompt),
                    "completion_tokens": grouping.add(row, count, completion),
                    "cost": grouping.add(row, count, nanos),
                    "scale": _scale(grouping.count(row, count, costed)),
                }
            )
        r = _stack(parts)
        return cb.Table(
            {
                "period_minutes": cb.smallint(r["period_minutes"]),
                "period_start": cb.timestamptz(r["period_start"]),
                "role": cb.strings(self.world.roles, r["role"]),
                "answers": cb.bigint(r["answers"]),
                "calls": cb.bigint(r["calls"]),
                "prompt_tokens": cb.bigint(r["prompt_tokens"]),
                "completion_tokens": cb.bigint(r["completion_tokens"]),
                "cost": cb.numeric8(r["cost"], scale=r["scale"]),
            }
        )

    def _calls_table(self, c: _Calls) -> cb.Table:
        """stats_calls: per period, model and outcome: requests, tokens, cost, time-to-first-token histogram."""
        ok = c.ok
        ttft = c.ttft * ok
        bins = latency_bins(c.ttft)
        parts = []
        for minutes, unit in GRAINS:
            start = c.time // unit * unit
            (t, model, outcome), row, count = grouping.groups(start, c.model, c.outcome)
            hist, hist_counts = grouping.histograms(row, count, bins, ok)
            parts.append(
                {
                    "period_minutes": np.full(count, minutes),
                    "period_start": t,
                    "model": model,
                    "outcome": outcome,
                    "calls": grouping.count(row, count),
                    "prompt_tokens": grouping.add(row, count, c.prompt * ok),
                    "completion_tokens": grouping.add(row, count, c.completion * ok),
                    "cost": grouping.add(row, count, c.nanos),
                    "scale": _scale(grouping.count(row, count, ok)),
                    "ttft_sum": grouping.add(row, count, ttft),
                    "ttft_count": grouping.count(row, count, ok),
                    "hist": hist,
                    "hist_counts": hist_counts,
                }
            )
        s = _stack(parts)
        return cb.Table(
            {
                "period_minutes": cb.smallint(s["period_minutes"]),
                "period_start": cb.timestamptz(s["period_start"]),
                "model": cb.strings(self.world.models, s["model"]),
                "outcome": cb.strings(OUTCOMES, s["outcome"]),
                "calls": cb.bigint(s["calls"]),
                "prompt_tokens": cb.bigint(s["prompt_tokens"]),
                "completion_tokens": cb.bigint(s["completion_tokens"]),
                "cost": cb.numeric8(s["cost"], scale=s["scale"]),
                "ttft_hist": cb.int_arrays(s["hist"], s["hist_counts"], "bigint"),
                "ttft_sum": cb.bigint(s["ttft_sum"]),
                "ttft_count": cb.bigint(s["ttft_count"]),
            }
        )


def _messages(m: _Messages, user_idx: Ints, chat_idx: Ints) -> cb.Table:
    """stats_messages: per period: messages in and out, failovers, the answers' latency histogram and sums,
    and (per minute only) the dense numbers of the users and chats that wrote."""
    incoming = ~m.is_answer
    latency = m.latency * m.is_answer
    bins = latency_bins(m.latency)
    parts = []
    for minutes, unit in GRAINS:
        (start,), row, count = grouping.groups(m.time // unit * unit)
        hist, hist_counts = grouping.histograms(row, count, bins, m.is_answer)
        if minutes == 1:
            users, user_counts = grouping.distinct(row, count, user_idx[m.writer], incoming)
            chats, chat_counts = grouping.distinct(row, count, chat_idx[m.chat], incoming)
        else:
            users = chats = np.zeros(0, dtype=np.int64)
            user_counts = chat_counts = np.zeros(count, dtype=np.int64)
        parts.append(
            {
                "period_minutes": np.full(count, minutes),
                "period_start": start,
                "messages_in": grouping.count(row, count, incoming),
                "messages_out": grouping.count(row, count, m.is_answer),
                "failovers": grouping.count(row, count, m.is_fallback),
                "hist": hist,
                "hist_counts": hist_counts,
                "users": users,
                "users_counts": user_counts,
                "chats": chats,
                "chats_counts": chat_counts,
                "latency_sum": grouping.add(row, count, latency),
                "latency_count": grouping.count(row, count, m.is_answer),
            }
        )
    s = _stack(parts)
    return cb.Table(
        {
            "period_minutes": cb.smallint(s["period_minutes"]),
            "period_start": cb.timestamptz(s["period_start"]),
            "messages_in": cb.bigint(s["messages_in"]),
            "messages_out": cb.bigint(s["messages_out"]),
            "failovers": cb.bigint(s["failovers"]),
            "latency_hist": cb.int_arrays(s["hist"], s["hist_counts"], "bigint"),
            "users": cb.int_arrays(s["users"], s["users_counts"], "integer"),
            "chats": cb.int_arrays(s["chats"], s["chats_counts"], "integer"),
            "latency_sum": cb.bigint(s["latency_sum"]),
            "latency_count": cb.bigint(s["latency_count"]),
        }
    )


def _activity_bits(m: _Messages, user_idx: Ints, chat_idx: Ints) -> cb.Table:
    """stats_activity_bits: per hour and day, a bit per user (kind 1) and per chat (kind 2) that wrote."""
    incoming = ~m.is_answer
    hour = m.time[incoming] // GRAINS[1][1] * GRAINS[1][1]
    kinds, grains, starts, numbers = [], [], [], []
    for which, idx in ((USERS_KIND, user_idx[m.writer[incoming]]), (CHATS_KIND, chat_idx[m.chat[incoming]])):
        for minutes, unit in GRAINS[1:]:
            (at, number), _, found = grouping.groups(hour // unit * unit, idx)
            kinds.append(np.full(found, which))
            grains.append(np.full(found, minutes))
            starts.append(at)
            numbers.append(number)
    kind_all, grain_all = np.concatenate(kinds), np.concatenate(grains)
    start_all, number_all = np.concatenate(starts), np.concatenate(numbers)
    (kind, grain, start, chunk), row, count = grouping.groups(kind_all, grain_all, start_all, number_all // BITMAP_BITS)
    bitmaps = np.zeros((count, BITMAP_BITS // 8), dtype=np.uint8)
    bit = number_all % BITMAP_BITS
    np.bitwise_or.at(bitmaps, (row, bit // 8), (0x80 >> (bit % 8)).astype(np.uint8))
    return cb.Table(
        {
            "kind": cb.smallint(kind),
            "period_minutes": cb.smallint(grain),
            "period_start": cb.timestamptz(start),
            "chunk": cb.integer(chunk),
            "bits": cb.bits(bitmaps, BITMAP_BITS),
        }
    )


def _scale(costed: Ints) -> Ints:
    """The scale of a sum of costs: 8 decimals if any cost was added, else the ``0`` of coalesce(sum, 0)."""
    scale: Ints = np.where(costed > 0, 8, 0)
    return scale


def _stack(parts: list[dict[str, Ints]]) -> dict[str, Ints]:
    """The grains' columns one after the other (a ragged column's flat values and its counts alike)."""
    return {name: np.concatenate([part[name] for part in parts]) for name in parts[0]}


def _names(kind: type[_Messages] | type[_Calls]) -> list[str]:
    return [field.name for field in fields(kind)]
