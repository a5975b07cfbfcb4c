"""Foundation: units, people, roles, groups, invites, update dedupe, audit log, FSM states.

Revision ID: 0001
Revises:
Create Date: 2026-11-22
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0001"
down_revision: str | None = None
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# Spelled out rather than imported from storage.models so that later model changes cannot alter
# what this revision creates. SQLite only auto-increments a column declared INTEGER PRIMARY KEY.
_ID = sa.BigInteger().with_variant(sa.Integer(), "sqlite")
# The models' UTCDateTime stores through this type (naive UTC text on SQLite).
_TIME = sa.DateTime(timezone=True)


def upgrade() -> None:
    op.create_table(
        "units",
        sa.Column("id", _ID, nullable=False),
        sa.Column("code", sa.String(40), nullable=False),
        sa.Column("name", sa.String(200), nullable=False),
        sa.Column("kind", sa.String(32), nullable=False),
        sa.Column("parent_id", _ID, nullable=True),
        sa.Column("active", sa.Boolean(), server_default=sa.true(), nullable=False),
        sa.Column("created_at", _TIME, nullable=False),
        sa.Column("updated_at", _TIME, nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_units"),
        sa.UniqueConstraint("code", name="uq_units_code"),
        sa.ForeignKeyConstraint(["parent_id"], ["units.id"], name="fk_units_parent_id_units"),
    )
    op.create_index("ix_units_parent_id", "units", ["parent_id"])

    op.create_table(
        "people",
        sa.Column("telegram_id", sa.BigInteger(), autoincrement=False, nullable=False),
        sa.Column("name", sa.String(200), nullable=False),
        sa.Column("language", sa.String(16), nullable=False),
        sa.Column("phone", sa.String(32), nullable=True),
        sa.Column("started_at", _TIME, nullable=True),
        sa.Column("created_at", _TIME, nullable=False),
        sa.Column("updated_at", _TIME, nullable=False),
        sa.PrimaryKeyConstraint("telegram_id", name="pk_people"),
    )

    op.create_table(
        "role_assignments",
        sa.Column("id", _ID, nullable=False),
        sa.Column("telegram_id", sa.BigInteger(), nullable=False),
        sa.Column("unit_id", _ID, nullable=False),
        sa.Column("role", sa.String(32), nullable=False),
        sa.Column("granted_by", sa.BigInteger(), nullable=True),
        sa.Column("granted_at", _TIME, nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_role_assignments"),
        sa.UniqueConstraint(
            "telegram_id", "unit_id", "role", name="uq_role_assignments_telegram_id_unit_id_role"
        ),
        sa.ForeignKeyConstraint(
            ["telegram_id"],
            ["people.telegram_id"],
            name="fk_role_assignments_telegram_id_people",
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["unit_id"], ["units.id"], name="fk_role_assignments_unit_id_units"
        ),
    )
    op.create_index("ix_role_assignments_unit_id", "role_assignments", ["unit_id"])

    op.create_table(
        "chat_groups",
        sa.Column("chat_id", sa.BigInteger(), autoincrement=False, nullable=False),
        sa.Column("title", sa.String(255), nullable=False),
        sa.Column("unit_id", _ID, nullable=False),
        sa.Column("purpose", sa.String(32), nullable=False),
        sa.Column("join_token", sa.String(64), nullable=True),
        sa.Column("bound_by", sa.BigInteger(), nullable=True),
        sa.Column("bound_at", _TIME, nullable=False),
        sa.PrimaryKeyConstraint("chat_id", name="pk_chat_groups"),
        sa.UniqueConstraint("join_token", name="uq_chat_groups_join_token"),
        sa.ForeignKeyConstraint(["unit_id"], ["units.id"], name="fk_chat_groups_unit_id_units"),
    )
    op.create_index("ix_chat_groups_unit_id", "chat_groups", ["unit_id"])

    op.create_table(
        "invites",
        sa.Column("token", sa.String(64), nullable=False),
        sa.Column("role", sa.String(32), nullable=False),
        sa.Column("unit_id", _ID, nullable=False),
        sa.Column("created_by", sa.BigInteger(), nullable=False),
        sa.Column("created_at", _TIME, nullable=False),
        sa.Column("expires_at", _TIME, nullable=False),
        sa.Column("used_by", sa.BigInteger(), nullable=True),
        sa.Column("used_at", _TIME, nullable=True),
        sa.PrimaryKeyConstraint("token", name="pk_invites"),
        sa.ForeignKeyConstraint(["unit_id"], ["units.id"], name="fk_invites_unit_id_units"),
    )
    op.create_index("ix_invites_unit_id", "invites", ["unit_id"])

    op.create_table(
        "processed_updates",
        sa.Column("bot_id", sa.BigInteger(), autoincrement=False, nullable=False),
        sa.Column("update_id", sa.BigInteger(), autoincrement=False, nullable=False),
        sa.Column("processed_at", _TIME, nullable=False),
        sa.PrimaryKeyConstraint("bot_id", "update_id", name="pk_processed_updates"),
    )
    op.create_index("ix_processed_updates_processed_at", "processed_updates", ["processed_at"])

    op.create_table(
        "audit_log",
        sa.Column("id", _ID, nullable=False),
        sa.Column("at", _TIME, nullable=False),
        sa.Column("actor_id", sa.BigInteger(), nullable=True),
        sa.Column("action", sa.String(64), nullable=False),
        sa.Column("target", sa.String(255), nullable=True),
        sa.Column("allowed", sa.Boolean(), nullable=False),
        sa.Column("detail", sa.Text(), nullable=True),
        sa.PrimaryKeyConstraint("id", name="pk_audit_log"),
    )
    op.create_index("ix_audit_log_at", "audit_log", ["at"])

    op.create_table(
        "fsm_states",
        sa.Column("key", sa.String(255), nullable=False),
        sa.Column("state", sa.String(255), nullable=True),
        sa.Column("data", sa.JSON(), nullable=False),
        sa.Column("updated_at", _TIME, nullable=False),
        sa.PrimaryKeyConstraint("key", name="pk_fsm_states"),
    )


def downgrade() -> None:
    op.drop_table("fsm_states")
    op.drop_index("ix_audit_log_at", table_name="audit_log")
    op.drop_table("audit_log")
    op.drop_index("ix_processed_updates_processed_at", table_name="processed_updates")
    op.drop_table("processed_updates")
    op.drop_index("ix_invites_unit_id", table_name="invites")
    op.drop_table("invites")
    op.drop_index("ix_chat_groups_unit_id", table_name="chat_groups")
    op.drop_table("chat_groups")
    op.drop_index("ix_role_assignments_unit_id", table_name="role_assignments")
    op.drop_table("role_assignments")
    op.drop_table("people")
    op.drop_index("ix_units_parent_id", table_name="units")
    op.drop_table("units")
