"""Obligations, the escalation log and absences: what the clock works on.

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-22
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0003"
down_revision: str | None = "0002"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# Spelled out, as in 0001, so later model changes cannot alter what this revision creates.
_ID = sa.BigInteger().with_variant(sa.Integer(), "sqlite")
_TIME = sa.DateTime(timezone=True)


def upgrade() -> None:
    op.create_table(
        "obligations",
        sa.Column("id", _ID, nullable=False),
        sa.Column("kind", sa.String(32), nullable=False),
        sa.Column("subject", sa.String(64), nullable=False),
        sa.Column("period", sa.String(64), nullable=False),
        sa.Column("assignee_person", sa.BigInteger(), nullable=True),
        sa.Column("assignee_unit", sa.String(40), nullable=True),
        sa.Column("unit_code", sa.String(40), nullable=False),
        sa.Column("due_at", _TIME, nullable=False),
        sa.Column("state", sa.String(16), nullable=False),
        sa.Column("step_reached", sa.Integer(), nullable=False),
        sa.Column("repeats_done", sa.Integer(), nullable=False),
        sa.Column("next_action_at", _TIME, nullable=True),
        sa.Column("closed_at", _TIME, nullable=True),
        sa.Column("closed_by", sa.BigInteger(), nullable=True),
        sa.Column("excuse_reason", sa.Text(), nullable=True),
        sa.Column("created_at", _TIME, nullable=False),
        sa.Column("updated_at", _TIME, nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_obligations"),
        sa.UniqueConstraint("kind", "subject", "period", name="uq_obligations_kind_subject_period"),
    )
    op.create_index("ix_obligations_unit_code", "obligations", ["unit_code"])
    op.create_index("ix_obligations_due_at", "obligations", ["due_at"])
    op.create_index("ix_obligations_next_action_at", "obligations", ["next_action_at"])
    op.create_table(
        "escalation_log",
        sa.Column("id", _ID, nullable=False),
        sa.Column("obligation_id", _ID, nullable=False),
        sa.Column("step", sa.Integer(), nullable=False),
        sa.Column("repeat", sa.Integer(), nullable=False),
        sa.Column("outcome", sa.String(16), nullable=False),
        sa.Column("target", sa.String(32), nullable=True),
        sa.Column("chat_id", sa.BigInteger(), nullable=True),
        sa.Column("covering_for", sa.BigInteger(), nullable=True),
        sa.Column("message_key", sa.String(64), nullable=False),
        sa.Column("outbox_key", sa.String(255), nullable=True),
        sa.Column("at", _TIME, nullable=False),
        sa.ForeignKeyConstraint(
            ["obligation_id"],
            ["obligations.id"],
            name="fk_escalation_log_obligation_id_obligations",
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name="pk_escalation_log"),
    )
    op.create_index("ix_escalation_log_obligation_id", "escalation_log", ["obligation_id"])
    op.create_index("ix_escalation_log_at", "escalation_log", ["at"])
    op.create_table(
        "absences",
        sa.Column("telegram_id", sa.BigInteger(), nullable=False),
        sa.Column("until", sa.Date(), nullable=False),
        sa.Column("set_at", _TIME, nullable=False),
        sa.ForeignKeyConstraint(
            ["telegram_id"],
            ["people.telegram_id"],
            name="fk_absences_telegram_id_people",
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("telegram_id", name="pk_absences"),
    )


def downgrade() -> None:
    op.drop_table("absences")
    op.drop_index("ix_escalation_log_at", table_name="escalation_log")
    op.drop_index("ix_escalation_log_obligation_id", table_name="escalation_log")
    op.drop_table("escalation_log")
    op.drop_index("ix_obligations_next_action_at", table_name="obligations")
    op.drop_index("ix_obligations_due_at", table_name="obligations")
    op.drop_index("ix_obligations_unit_code", table_name="obligations")
    op.drop_table("obligations")
