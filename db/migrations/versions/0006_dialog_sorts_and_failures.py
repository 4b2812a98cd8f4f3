"""indexes: the dialog list sorted by messages or cost, and each model's latest failure

Revision ID: 0006
Revises: 0005

The dialog list pages by keyset on its sort key, so each key needs an index to
stay fast however many chats there are: ``(messages_in + messages_out, chat_id)``
and ``(cost, chat_id)`` of ``stats_chats`` (last activity has one since 0002).
The model report shows each model's latest failed request: a partial index on
the failures of ``llm_calls`` finds it without reading the successful ones.
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0006"
down_revision: str | None = "0005"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

FAILED = "outcome NOT IN ('ok', 'cancelled')"


def upgrade() -> None:
    op.create_index(
        "ix_stats_chats_messages_chat_id", "stats_chats", [sa.text("(messages_in + messages_out)"), "chat_id"]
    )
    op.create_index("ix_stats_chats_cost_chat_id", "stats_chats", ["cost", "chat_id"])
    op.create_index("ix_llm_calls_failures", "llm_calls", ["model", "started_at"], postgresql_where=sa.text(FAILED))


def downgrade() -> None:
    op.drop_index("ix_llm_calls_failures", table_name="llm_calls")
    op.drop_index("ix_stats_chats_cost_chat_id", table_name="stats_chats")
    op.drop_index("ix_stats_chats_messages_chat_id", table_name="stats_chats")
