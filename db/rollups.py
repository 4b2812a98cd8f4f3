"""Rollup tables of the stats API, caught up in bulk by ``stats_catch_up`` (migration 0004).

The bot only inserts into ``messages`` and ``llm_calls``; each row records the
transaction that inserted it (``insert_xid``). ``stats_catch_up`` adds the rows
of finished transactions past a watermark (``stats_progress``) into these tables
with the statements of migration 0002 (which ran them as triggers on the write
path); migration 0004 explains why the watermark is a transaction id and not a
row id. A replayed batch under ``ON CONFLICT DO NOTHING`` inserts no row, so it
counts nothing. The stats API catches up every second and before each request
(``api.catch_up``); /forget catches up before it deletes. Nothing is
subtracted on ``DELETE`` or ``UPDATE``: statistics survive /forget and retention.

Time-keyed rollups hold one row per UTC period and key, for three grains
(``period_minutes`` = 1, 60 or 1440), so any whole-minute range is the sum of a
few day, hour and minute rows (see ``api.timeranges.tile_span``).

Histograms (``*_hist``) are ``bigint[]`` whose elements are ``bin << 40 | count``
over the latency bins of ``api.histogram`` (computed in SQL by
``stats_latency_bin``); ``stats_hist_merge`` adds two of them.

Distinct counts (active users, active chats) cannot be summed across periods.
Every user and chat gets a dense number (``idx``), and ``stats_activity_bits``
keeps, per hour and day, a bitmap of the numbers that wrote: the distinct count
over any set of periods is the popcount of their OR. Minute rows of
``stats_messages`` list the numbers instead (a minute has few writers).
"""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal

from sqlalchemy import BigInteger, Column, DateTime, Identity, Index, Integer, Numeric, SmallInteger, String, text
from sqlalchemy.dialects.postgresql import ARRAY, BIT
from sqlalchemy.dialects.postgresql.base import ischema_names
from sqlalchemy.orm import Mapped, mapped_column
from sqlalchemy.types import UserDefinedType

from db.models import Base, Chat, LLMCall, Message

BITMAP_BITS = 4096
"""Users (or chats) per bitmap chunk: ``idx // 4096`` is the chunk, ``idx % 4096`` the bit."""

USERS_KIND = 1
CHATS_KIND = 2


class XID8(UserDefinedType[int]):
    """PostgreSQL's 64-bit transaction id, which SQLAlchemy has no type for."""

    cache_ok = True

    def get_col_spec(self, **kw: object) -> str:
        return "XID8"


ischema_names["xid8"] = XID8  # so reflection (alembic's schema comparison) knows it


def _counter() -> Mapped[int]:
    return mapped_column(BigInteger, server_default=text("0"))


def _money() -> Mapped[Decimal]:
    return mapped_column(Numeric, server_default=text("0"))


def _histogram() -> Mapped[list[int]]:
    return mapped_column(ARRAY(BigInteger), server_default=text("'{}'::bigint[]"))


class StatsUser(Base):
    """Every user who ever wrote, with a dense number for the activity bitmaps."""

    __tablename__ = "stats_users"

    user_id: Mapped[int] = mapped_column(BigInteger, primary_key=True, autoincrement=False)
    idx: Mapped[int] = mapped_column(Integer, Identity(start=0, minvalue=0), unique=True)
    first_seen_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    """Time of the user's first ``in`` message."""

    __table_args__ = (Index(None, "first_seen_at"),)


class StatsChat(Base):
    """Every chat with messages or model requests, its dense number and its totals ever."""

    __tablename__ = "stats_chats"

    chat_id: Mapped[int] = mapped_column(BigInteger, primary_key=True, autoincrement=False)
    idx: Mapped[int] = mapped_column(Integer, Identity(start=0, minvalue=0), unique=True)
    first_seen_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    """Time of the chat's first ``in`` message (NULL if it only has model requests)."""
    messages_in: Mapped[int] = _counter()
    messages_out: Mapped[int] = _counter()
    calls: Mapped[int] = _counter()
    cost: Mapped[Decimal] = _money()

    __table_args__ = (
        Index(None, "first_seen_at"),
        # The dialog list's keyset orders (migration 0006): by messages ever, and by cost ever.
        Index("ix_stats_chats_messages_chat_id", text("(messages_in + messages_out)"), "chat_id"),
        Index(None, "cost", "chat_id"),
    )


class StatsChatUser(Base):
    """Who wrote (or was answered) in which chat: finds a user's dialogs by name or id."""

    __tablename__ = "stats_chat_users"

    chat_id: Mapped[int] = mapped_column(BigInteger, primary_key=True, autoincrement=False)
    user_id: Mapped[int] = mapped_column(BigInteger, primary_key=True, autoincrement=False)

    __table_args__ = (Index(None, "user_id"),)


class StatsActivity(Base):
    """Per period, chat and user (0 when unknown): messages, requests, tokens and cost."""

    __tablename__ = "stats_activity"

    period_minutes: Mapped[int] = mapped_column(SmallInteger, primary_key=True)
    period_start: Mapped[datetime] = mapped_column(DateTime(timezone=True), primary_key=True)
    chat_id: Mapped[int] = mapped_column(BigInteger, primary_key=True, autoincrement=False)
    user_id: Mapped[int] = mapped_column(BigInteger, primary_key=True, autoincrement=False)
    messages_in: Mapped[int] = _counter()
    messages_out: Mapped[int] = _counter()
    calls: Mapped[int] = _counter()
    tokens: Mapped[int] = _counter()
    cost: Mapped[Decimal] = _money()


class StatsActivityBits(Base):
    """Per hour or day (UTC): which users (kind 1) or chats (kind 2) wrote, as bitmaps of their ``idx``."""

    __tablename__ = "stats_activity_bits"

    kind: Mapped[int] = mapped_column(SmallInteger, primary_key=True)
    period_minutes: Mapped[int] = mapped_column(SmallInteger, primary_key=True)
    period_start: Mapped[datetime] = mapped_column(DateTime(timezone=True), primary_key=True)
    chunk: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    bits: Mapped[str] = mapped_column(BIT(BITMAP_BITS))


class StatsMessages(Base):
    """Per period: messages, failovers, the answer latency histogram and the latencies' sum."""

    __tablename__ = "stats_messages"

    period_minutes: Mapped[int] = mapped_column(SmallInteger, primary_key=True)
    period_start: Mapped[datetime] = mapped_column(DateTime(timezone=True), primary_key=True)
    messages_in: Mapped[int] = _counter()
    messages_out: Mapped[int] = _counter()
    failovers: Mapped[int] = _counter()
    latency_hist: Mapped[list[int]] = _histogram()
    latency_sum: Mapped[int] = _counter()
    """Sum of the answer latencies in milliseconds (for the mean; migration 0005)."""
    latency_count: Mapped[int] = _counter()
    """How many answers ``latency_sum`` adds up (answers without a latency are left out)."""
    users: Mapped[list[int]] = mapped_column(ARRAY(Integer), server_default=text("'{}'::integer[]"))
    """Minute rows only: the sorted ``idx`` of the users who wrote (hours and days keep bitmaps)."""
    chats: Mapped[list[int]] = mapped_column(ARRAY(Integer), server_default=text("'{}'::integer[]"))
    """Minute rows only: the sorted ``idx`` of the chats with a user message."""


class StatsCalls(Base):
    """Per period, model and outcome: requests, tokens, cost and the time-to-first-token histogram."""

    __tablename__ = "stats_calls"

    period_minutes: Mapped[int] = mapped_column(SmallInteger, primary_key=True)
    period_start: Mapped[datetime] = mapped_column(DateTime(timezone=True), primary_key=True)
    model: Mapped[str] = mapped_column(String(128), primary_key=True)
    outcome: Mapped[str] = mapped_column(String(32), primary_key=True)
    calls: Mapped[int] = _counter()
    prompt_tokens: Mapped[int] = _counter()
    completion_tokens: Mapped[int] = _counter()
    cost: Mapped[Decimal] = _money()
    ttft_hist: Mapped[list[int]] = _histogram()
    ttft_sum: Mapped[int] = _counter()
    """Sum of the times to first token of the ``ok`` requests, in milliseconds."""
    ttft_count: Mapped[int] = _counter()


class StatsRoles(Base):
    """Per period and role ('' when the row has none): answers, requests, tokens and cost."""

    __tablename__ = "stats_roles"

    period_minutes: Mapped[int] = mapped_column(SmallInteger, primary_key=True)
    period_start: Mapped[datetime] = mapped_column(DateTime(timezone=True), primary_key=True)
    role: Mapped[str] = mapped_column(String(64), primary_key=True)
    answers: Mapped[int] = _counter()
    calls: Mapped[int] = _counter()
    prompt_tokens: Mapped[int] = _counter()
    completion_tokens: Mapped[int] = _counter()
    cost: Mapped[Decimal] = _money()


class StatsProgress(Base):
    """How far each source table has been rolled up: every row with ``insert_xid <= through_xid``."""

    __tablename__ = "stats_progress"

    source: Mapped[str] = mapped_column(String(32), primary_key=True)
    through_xid: Mapped[int] = mapped_column(XID8, server_default=text("'0'::xid8"))


# The dialog list pages through chats by (last_activity_at, id), newest first.
Index("ix_chats_last_activity_at_id", Chat.last_activity_at, Chat.id)

# The transaction that inserted each row, which the catch-up goes by (the ORM never sets it). Rows from
# before migration 0004 have none: the migration rolled all of them up, and the index leaves them out.
for _source in (Base.metadata.tables[Message.__tablename__], Base.metadata.tables[LLMCall.__tablename__]):
    _column = Column("insert_xid", XID8(), server_default=text("pg_current_xact_id()"))
    _source.append_column(_column)
    Index(f"ix_{_source.name}_insert_xid", _column, postgresql_where=text("insert_xid IS NOT NULL"))

# Each model's latest failed request, for the model report (migration 0006).
Index(
    "ix_llm_calls_failures",
    LLMCall.model,
    LLMCall.started_at,
    postgresql_where=text("outcome NOT IN ('ok', 'cancelled')"),
)

ROLLUP_TABLES = [
    StatsUser.__tablename__,
    StatsChat.__tablename__,
    StatsChatUser.__tablename__,
    StatsActivity.__tablename__,
    StatsActivityBits.__tablename__,
    StatsMessages.__tablename__,
    StatsCalls.__tablename__,
    StatsRoles.__tablename__,
    StatsProgress.__tablename__,
]
