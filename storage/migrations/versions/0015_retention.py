"""Retention: declarations whose measure ended long enough ago have their personal fields
erased (services/retention.py). `purged_at` marks what was erased, on declarations and on
their check-ins and test records, whose rows and days stay for the counts; an admin's hold
(`/hold`) keeps a case under review from the purge. An erased check-in has no temperature and
an erased test record no result, so both columns accept NULL.

Revision ID: 0015
Revises: 0014
Create Date: 2026-12-06
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0015"
down_revision: str | None = "0014"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("declarations") as batch:
        batch.add_column(sa.Column("purged_at", sa.DateTime(timezone=True), nullable=True))
        batch.add_column(sa.Column("held_at", sa.DateTime(timezone=True), nullable=True))
        batch.add_column(sa.Column("held_by", sa.BigInteger(), nullable=True))
        batch.add_column(sa.Column("hold_reason", sa.Text(), nullable=True))
    with op.batch_alter_table("checkins") as batch:
        batch.add_column(sa.Column("purged_at", sa.DateTime(timezone=True), nullable=True))
        batch.alter_column("temperature", existing_type=sa.Text(), nullable=True)
    with op.batch_alter_table("test_records") as batch:
        batch.add_column(sa.Column("purged_at", sa.DateTime(timezone=True), nullable=True))
        batch.alter_column("result", existing_type=sa.Text(), nullable=True)


def downgrade() -> None:
    # An erased row has nothing to put back: it cannot go under NOT NULL again.
    op.execute("DELETE FROM test_records WHERE result IS NULL")
    op.execute("DELETE FROM checkins WHERE temperature IS NULL")
    with op.batch_alter_table("test_records") as batch:
        batch.alter_column("result", existing_type=sa.Text(), nullable=False)
        batch.drop_column("purged_at")
    with op.batch_alter_table("checkins") as batch:
        batch.alter_column("temperature", existing_type=sa.Text(), nullable=False)
        batch.drop_column("purged_at")
    with op.batch_alter_table("declarations") as batch:
        batch.drop_column("hold_reason")
        batch.drop_column("held_by")
        batch.drop_column("held_at")
        batch.drop_column("purged_at")
