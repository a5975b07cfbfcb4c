"""An absence may begin on a later day (`/away FROM TO`): its first day, NULL for the
absences set before, which began when they were set.

Revision ID: 0008
Revises: 0007
Create Date: 2026-12-05
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0008"
down_revision: str | None = "0007"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("absences") as batch:
        batch.add_column(sa.Column("starts", sa.Date(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("absences") as batch:
        batch.drop_column("starts")
