"""Unit daily reports (every filed version), and named escalation chains on obligations.

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-22
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0004"
down_revision: str | None = "0003"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# Spelled out, as in 0001, so later model changes cannot alter what this revision creates.
_ID = sa.BigInteger().with_variant(sa.Integer(), "sqlite")
_TIME = sa.DateTime(timezone=True)


def upgrade() -> None:
    op.create_table(
        "report_versions",
        sa.Column("id", _ID, nullable=False),
        sa.Column("unit_code", sa.String(40), nullable=False),
        sa.Column("day", sa.Date(), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("zero", sa.Boolean(), nullable=False),
        sa.Column("answers", sa.JSON(), nullable=False),
        sa.Column("filed_by", sa.BigInteger(), nullable=False),
        sa.Column("filed_at", _TIME, nullable=False),
        sa.Column("late", sa.Boolean(), nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_report_versions"),
        sa.UniqueConstraint(
            "unit_code", "day", "version", name="uq_report_versions_unit_code_day_version"
        ),
    )
    op.create_index("ix_report_versions_day", "report_versions", ["day"])
    # A nullable column needs no table rebuild, not even on SQLite.
    op.add_column("obligations", sa.Column("chain", sa.String(40), nullable=True))


def downgrade() -> None:
    if op.get_bind().dialect.name == "sqlite":
        op.execute("ALTER TABLE obligations DROP COLUMN chain")
    else:
        op.drop_column("obligations", "chain")
    op.drop_index("ix_report_versions_day", table_name="report_versions")
    op.drop_table("report_versions")
