"""The outbox of messages sent on the bot's own initiative, and unreachable people.

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-22
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0002"
down_revision: str | None = "0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# Spelled out, as in 0001, so later model changes cannot alter what this revision creates.
_ID = sa.BigInteger().with_variant(sa.Integer(), "sqlite")
_TIME = sa.DateTime(timezone=True)


def upgrade() -> None:
    op.create_table(
        "outbox",
        sa.Column("id", _ID, nullable=False),
        sa.Column("dedupe_key", sa.String(255), nullable=False),
        sa.Column("chat_id", sa.BigInteger(), nullable=False),
        sa.Column("recipient_id", sa.BigInteger(), nullable=True),
        sa.Column("text", sa.Text(), nullable=False),
        sa.Column("reply_markup", sa.JSON(), nullable=True),
        sa.Column("priority", sa.Integer(), nullable=False),
        sa.Column("not_before", _TIME, nullable=False),
        sa.Column("state", sa.String(16), nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("next_attempt_at", _TIME, nullable=False),
        sa.Column("last_error", sa.Text(), nullable=True),
        sa.Column("sent_message_id", sa.BigInteger(), nullable=True),
        sa.Column("created_at", _TIME, nullable=False),
        sa.Column("sent_at", _TIME, nullable=True),
        sa.PrimaryKeyConstraint("id", name="pk_outbox"),
        sa.UniqueConstraint("dedupe_key", name="uq_outbox_dedupe_key"),
    )
    op.create_index("ix_outbox_due", "outbox", ["state", "priority", "next_attempt_at"])
    # Adding nullable columns needs no table rebuild, not even on SQLite.
    op.add_column("people", sa.Column("unreachable_at", _TIME, nullable=True))
    op.add_column("people", sa.Column("unreachable_reason", sa.String(255), nullable=True))


def downgrade() -> None:
    if op.get_bind().dialect.name == "sqlite":
        # Not batch mode: rebuilding `people` drops the old table, and with foreign keys on
        # that cascades into role_assignments. SQLite >= 3.35 drops a plain column in place.
        op.execute("ALTER TABLE people DROP COLUMN unreachable_reason")
        op.execute("ALTER TABLE people DROP COLUMN unreachable_at")
    else:
        op.drop_column("people", "unreachable_reason")
        op.drop_column("people", "unreachable_at")
    op.drop_index("ix_outbox_due", table_name="outbox")
    op.drop_table("outbox")
