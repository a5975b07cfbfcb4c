"""The privacy notice a resident accepts before declaring: one row per person and notice
version (when it was accepted), and on each declaration the version and time it was filed
under. A proxy declaration records the filer's statement that the notice was read to the
person.

Revision ID: 0017
Revises: 0016
Create Date: 2026-12-06
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0017"
down_revision: str | None = "0016"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "privacy_notice_acceptances",
        sa.Column("person_id", sa.BigInteger(), nullable=False),
        sa.Column("version", sa.String(40), nullable=False),
        sa.Column("accepted_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("person_id", "version"),
    )
    with op.batch_alter_table("declarations") as batch:
        batch.add_column(sa.Column("notice_version", sa.String(40), nullable=True))
        batch.add_column(sa.Column("notice_accepted_at", sa.DateTime(timezone=True), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("declarations") as batch:
        batch.drop_column("notice_accepted_at")
        batch.drop_column("notice_version")
    op.drop_table("privacy_notice_acceptances")
