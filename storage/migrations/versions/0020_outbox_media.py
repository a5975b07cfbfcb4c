"""Outbox: a row may be a photo or a document (a bulletin's chart, a ledger) with its text as
the caption: the file's kind, its name and bytes (sealed: a ledger holds personal data), or
the file_id of one Telegram already has.

Revision ID: 0020
Revises: 0019
Create Date: 2026-12-06
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0020"
down_revision: str | None = "0019"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("outbox") as batch:
        batch.add_column(sa.Column("media_kind", sa.String(16), nullable=True))
        batch.add_column(sa.Column("media_name", sa.Text(), nullable=True))
        batch.add_column(sa.Column("media_data", sa.Text(), nullable=True))
        batch.add_column(sa.Column("media_file_id", sa.String(255), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("outbox") as batch:
        batch.drop_column("media_file_id")
        batch.drop_column("media_data")
        batch.drop_column("media_name")
        batch.drop_column("media_kind")
