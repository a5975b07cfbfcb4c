"""Returnee declarations, the risk-area list, check-ins, test records and draft leases.

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-22
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0005"
down_revision: str | None = "0004"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# Spelled out, as in 0001, so later model changes cannot alter what this revision creates.
_ID = sa.BigInteger().with_variant(sa.Integer(), "sqlite")
_TIME = sa.DateTime(timezone=True)


def upgrade() -> None:
    op.create_table(
        "declarations",
        sa.Column("id", _ID, nullable=False),
        sa.Column("unit_code", sa.String(40), nullable=False),
        sa.Column("resident_id", sa.BigInteger(), nullable=True),
        sa.Column("filed_by", sa.BigInteger(), nullable=False),
        sa.Column("proxy", sa.Boolean(), nullable=False),
        sa.Column("submitted_at", _TIME, nullable=False),
        sa.Column("start_date", sa.Date(), nullable=False),
        sa.Column("answers", sa.JSON(), nullable=False),
        sa.Column("places", sa.JSON(), nullable=False),
        sa.Column("category", sa.String(40), nullable=False),
        sa.Column("rule_name", sa.String(64), nullable=False),
        sa.Column("measure", sa.JSON(), nullable=False),
        sa.Column("immediate_report", sa.Boolean(), nullable=False),
        sa.Column("risk_level", sa.String(8), nullable=False),
        sa.Column("city_has_cases", sa.Boolean(), nullable=False),
        sa.Column("matched", sa.JSON(), nullable=False),
        sa.Column("policy_version", sa.String(64), nullable=False),
        sa.Column("classified_at", _TIME, nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("superseded_by", sa.BigInteger(), nullable=True),
        sa.PrimaryKeyConstraint("id", name="pk_declarations"),
    )
    op.create_index("ix_declarations_unit_code", "declarations", ["unit_code"])
    op.create_index("ix_declarations_resident_id", "declarations", ["resident_id"])
    op.create_index("ix_declarations_start_date", "declarations", ["start_date"])
    op.create_table(
        "risk_areas",
        sa.Column("id", _ID, nullable=False),
        sa.Column("region_code", sa.String(12), nullable=False),
        sa.Column("name", sa.String(200), nullable=False),
        sa.Column("level", sa.String(8), nullable=False),
        sa.Column("effective_from", sa.Date(), nullable=False),
        sa.Column("effective_to", sa.Date(), nullable=True),
        sa.Column("loaded_at", _TIME, nullable=False),
        sa.Column("loaded_by", sa.BigInteger(), nullable=True),
        sa.PrimaryKeyConstraint("id", name="pk_risk_areas"),
    )
    op.create_index("ix_risk_areas_region_code", "risk_areas", ["region_code"])
    for table in ("checkins", "test_records"):
        columns = (
            [
                sa.Column("temperature", sa.Float(), nullable=False),
                sa.Column("symptoms", sa.JSON(), nullable=False),
            ]
            if table == "checkins"
            else [sa.Column("result", sa.String(16), nullable=False)]
        )
        op.create_table(
            table,
            sa.Column("id", _ID, nullable=False),
            sa.Column("declaration_id", _ID, nullable=False),
            sa.Column("day", sa.Date(), nullable=False),
            *columns,
            sa.Column("recorded_at", _TIME, nullable=False),
            sa.Column("recorded_by", sa.BigInteger(), nullable=False),
            sa.ForeignKeyConstraint(
                ["declaration_id"],
                ["declarations.id"],
                name=f"fk_{table}_declaration_id_declarations",
                ondelete="CASCADE",
            ),
            sa.PrimaryKeyConstraint("id", name=f"pk_{table}"),
            sa.UniqueConstraint("declaration_id", "day", name=f"uq_{table}_declaration_id_day"),
        )
        op.create_index(f"ix_{table}_declaration_id", table, ["declaration_id"])
    op.create_table(
        "draft_leases",
        sa.Column("telegram_id", sa.BigInteger(), autoincrement=False, nullable=False),
        sa.Column("dialog", sa.String(32), nullable=False),
        sa.Column("touched_at", _TIME, nullable=False),
        sa.Column("expires_at", _TIME, nullable=False),
        sa.PrimaryKeyConstraint("telegram_id", name="pk_draft_leases"),
    )
    op.create_index("ix_draft_leases_expires_at", "draft_leases", ["expires_at"])


def downgrade() -> None:
    op.drop_index("ix_draft_leases_expires_at", table_name="draft_leases")
    op.drop_table("draft_leases")
    for table in ("test_records", "checkins"):
        op.drop_index(f"ix_{table}_declaration_id", table_name=table)
        op.drop_table(table)
    op.drop_index("ix_risk_areas_region_code", table_name="risk_areas")
    op.drop_table("risk_areas")
    for column in ("start_date", "resident_id", "unit_code"):
        op.drop_index(f"ix_declarations_{column}", table_name="declarations")
    op.drop_table("declarations")
