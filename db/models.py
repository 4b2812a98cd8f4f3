"""The database schema as typed SQLAlchemy 2.0 models.

Times are UTC (`timestamptz`). Rows written by the bot carry a ``dedup_key`` with
a unique index, so a batch that is replayed (after a database outage, or after a
crash re-processed an update) inserts nothing twice: writes use
``ON CONFLICT DO NOTHING``.
"""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import (
    BigInteger,
    Boolean,
    DateTime,
    Index,
    Integer,
    MetaData,
    Numeric,
    SmallInteger,
    String,
    Text,
    func,
)
from sqlalchemy import (
    text as sql,
)
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

NAMING = {
    "ix": "ix_%(table_name)s_%(column_0_N_name)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING)


def _now() -> Any:
    return mapped_column(DateTime(timezone=True), server_default=func.now(), nullable=False)


class User(Base):
    """A Telegram user who wrote to the bot."""

    __tablename__ = "users"

    id: Mapped[int] = mapped_column(BigInteger, primary_key=True, autoincrement=False)
    username: Mapped[str | None] = mapped_column(String(64))
    first_name: Mapped[str | None] = mapped_column(String(256))
    last_name: Mapped[str | None] = mapped_column(String(256))
    language_code: Mapped[str | None] = mapped_column(String(16))
    first_seen_at: Mapped[datetime] = _now()
    last_seen_at: Mapped[datetime] = _now()


class Chat(Base):
    """A private chat or a group; one dialog each."""

    __tablename__ = "chats"

    id: Mapped[int] = mapped_column(BigInteger, primary_key=True, autoincrement=False)
    type: Mapped[str] = mapped_column(String(16))
    title: Mapped[str | None] = mapped_column(String(256))
    role: Mapped[str | None] = mapped_column(String(64))
    context_since: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    """``/reset``: messages created before this moment no longer enter the prompt."""
    created_at: Mapped[datetime] = _now()
    last_activity_at: Mapped[datetime] = _now()

    __table_args__ = (Index(None, "last_activity_at"),)


class Message(Base):
    """One message in a dialog: a user's (``in``) or the assistant's (``out``)."""

    __tablename__ = "messages"

    id: Mapped[int] = mapped_column(BigInteger, primary_key=True)
    dedup_key: Mapped[str] = mapped_column(String(64), unique=True)
    chat_id: Mapped[int] = mapped_column(BigInteger)
    user_id: Mapped[int | None] = mapped_column(BigInteger)
    direction: Mapped[str] = mapped_column(String(3))
    text: Mapped[str | None] = mapped_column(Text)
    """NULL once retention removed it; the row stays for statistics."""
    author: Mapped[str | None] = mapped_column(String(256))
    """Display name of the sender in groups, so the model knows who said what."""
    created_at: Mapped[datetime] = _now()
    update_id: Mapped[int | None] = mapped_column(BigInteger)
    telegram_message_id: Mapped[int | None] = mapped_column(BigInteger)
    reply_to_key: Mapped[str | None] = mapped_column(String(64))
    role: Mapped[str | None] = mapped_column(String(64))
    model: Mapped[str | None] = mapped_column(String(128))
    is_fallback: Mapped[bool] = mapped_column(Boolean, server_default=sql("false"))
    latency_ms: Mapped[int | None] = mapped_column(Integer)
    cost: Mapped[Decimal | None] = mapped_column(Numeric(14, 8))

    __table_args__ = (
        Index(None, "chat_id", "id"),
        Index(None, "user_id", "id"),
        Index(None, "created_at"),
    )


class LLMCall(Base):
    """One request to one model, whatever its outcome."""

    __tablename__ = "llm_calls"

    id: Mapped[int] = mapped_column(BigInteger, primary_key=True)
    dedup_key: Mapped[str] = mapped_column(String(64), unique=True)
    chat_id: Mapped[int | None] = mapped_column(BigInteger)
    user_id: Mapped[int | None] = mapped_column(BigInteger)
    model: Mapped[str] = mapped_column(String(128))
    outcome: Mapped[str] = mapped_column(String(32))
    """``ok`` or a failure class: see actors.llm.errors.Outcome."""
    is_fallback: Mapped[bool] = mapped_column(Boolean, server_default=sql("false"))
    is_hedge: Mapped[bool] = mapped_column(Boolean, server_default=sql("false"))
    started_at: Mapped[datetime] = _now()
    latency_ms: Mapped[int | None] = mapped_column(Integer)
    ttft_ms: Mapped[int | None] = mapped_column(Integer)
    prompt_tokens: Mapped[int | None] = mapped_column(Integer)
    completion_tokens: Mapped[int | None] = mapped_column(Integer)
    cost: Mapped[Decimal | None] = mapped_column(Numeric(14, 8))
    generation_id: Mapped[str | None] = mapped_column(String(128))
    error: Mapped[str | None] = mapped_column(String(500))
    role: Mapped[str | None] = mapped_column(String(64))

    __table_args__ = (
        Index(None, "started_at"),
        Index(None, "model", "started_at"),
    )


class ModelEvent(Base):
    """A breaker transition of one model, or a both-down incident starting or ending."""

    __tablename__ = "model_events"

    id: Mapped[int] = mapped_column(BigInteger, primary_key=True)
    dedup_key: Mapped[str] = mapped_column(String(64), unique=True)
    model: Mapped[str] = mapped_column(String(128))
    kind: Mapped[str] = mapped_column(String(32))
    """``breaker`` (a state change), ``both_down`` or ``both_down_end``."""
    from_state: Mapped[str | None] = mapped_column(String(16))
    to_state: Mapped[str | None] = mapped_column(String(16))
    reason: Mapped[str | None] = mapped_column(String(500))
    at: Mapped[datetime] = _now()

    __table_args__ = (Index(None, "model", "at"), Index(None, "at"))


class RoleChange(Base):
    """A chat switched its role with /role."""

    __tablename__ = "role_changes"

    id: Mapped[int] = mapped_column(BigInteger, primary_key=True)
    dedup_key: Mapped[str] = mapped_column(String(64), unique=True)
    chat_id: Mapped[int] = mapped_column(BigInteger)
    user_id: Mapped[int | None] = mapped_column(BigInteger)
    role: Mapped[str] = mapped_column(String(64))
    at: Mapped[datetime] = _now()


class InboxUpdate(Base):
    """An incoming Telegram update, recorded before its offset is confirmed.

    ``done_at`` is set once the update was fully handled (its reply delivered);
    at start-up, every row without it is handled again.
    """

    __tablename__ = "inbox"

    update_id: Mapped[int] = mapped_column(BigInteger, primary_key=True, autoincrement=False)
    payload: Mapped[dict[str, Any]] = mapped_column(JSONB)
    received_at: Mapped[datetime] = _now()
    done_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    attempts: Mapped[int] = mapped_column(SmallInteger, server_default=sql("0"))

    __table_args__ = (
        Index("ix_inbox_pending", "update_id", postgresql_where=sql("done_at IS NULL")),
        Index(None, "done_at"),
    )
