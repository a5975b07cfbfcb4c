"""Correction requests (/mydata): what a resident says is wrong about their data, and the
unit liaison's answer (accepted or refused, with a reason). The text and the reason are
sealed like every personal field (storage/sealed.py), so both columns are text.

Revision ID: 0016
Revises: 0015
Create Date: 2026-12-06
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0016"
down_revision: str | None = "0015"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "correction_requests",
        sa.Column(
            "id",
            sa.BigInteger().with_variant(sa.Integer(), "sqlite"),
            autoincrement=True,
            nullable=False,
        ),
        sa.Column("resident_id", sa.BigInteger(), nullable=False),
        sa.Column("unit_code", sa.String(40), nullable=False),
        sa.Column("text", sa.Text(), nullable=False),
        sa.Column("requested_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("state", sa.String(16), nullable=False),
        sa.Column("decided_by", sa.BigInteger(), nullable=True),
        sa.Column("decided_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("reason", sa.Text(), nullable=True),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("ix_correction_requests_resident_id", "correction_requests", ["resident_id"])


def downgrade() -> None:
    op.drop_index("ix_correction_requests_resident_id", table_name="correction_requests")
    op.drop_table("correction_requests")
