"""Prevention notices: the notices, their recipients and where each stands, their postings in
residents groups, and repeated notices' rules.

Revision ID: 0019
Revises: 0018
Create Date: 2026-12-06
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0019"
down_revision: str | None = "0018"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_ID = sa.BigInteger().with_variant(sa.Integer(), "sqlite")
_AT = sa.DateTime(timezone=True)


def upgrade() -> None:
    op.create_table(
        "notice_repeats",
        sa.Column("id", _ID, nullable=False),
        sa.Column("author_id", sa.BigInteger(), nullable=False),
        sa.Column("rule", sa.JSON(), nullable=False),
        sa.Column("request", sa.JSON(), nullable=False),
        sa.Column("created_at", _AT, nullable=False),
        sa.Column("cancelled_at", _AT, nullable=True),
        sa.Column("cancelled_by", sa.BigInteger(), nullable=True),
        sa.Column("last_fired_at", _AT, nullable=True),
        sa.PrimaryKeyConstraint("id", name="pk_notice_repeats"),
    )
    op.create_index("ix_notice_repeats_author_id", "notice_repeats", ["author_id"])
    op.create_table(
        "notices",
        sa.Column("id", _ID, nullable=False),
        sa.Column("author_id", sa.BigInteger(), nullable=False),
        sa.Column("text", sa.Text(), nullable=False),
        sa.Column("template_key", sa.String(64), nullable=True),
        sa.Column("attachment", sa.JSON(), nullable=True),
        sa.Column("unit_codes", sa.JSON(), nullable=False),
        sa.Column("audiences", sa.JSON(), nullable=False),
        sa.Column("ack_required", sa.Boolean(), nullable=False),
        sa.Column("ack_by", _AT, nullable=True),
        sa.Column("urgent", sa.Boolean(), nullable=False),
        sa.Column("send_at", _AT, nullable=False),
        sa.Column("state", sa.String(16), nullable=False),
        sa.Column("repeat_id", _ID, nullable=True),
        sa.Column("occurrence", _AT, nullable=True),
        sa.Column("last_reminded_at", _AT, nullable=True),
        sa.Column("reminders", sa.Integer(), nullable=False),
        sa.Column("card_message_id", sa.BigInteger(), nullable=True),
        sa.Column("card_dirty", sa.Boolean(), nullable=False),
        sa.Column("card_revision", sa.Integer(), nullable=False),
        sa.Column("card_edited_at", _AT, nullable=True),
        sa.Column("created_at", _AT, nullable=False),
        sa.ForeignKeyConstraint(
            ["repeat_id"], ["notice_repeats.id"], name="fk_notices_repeat_id_notice_repeats"
        ),
        sa.PrimaryKeyConstraint("id", name="pk_notices"),
        sa.UniqueConstraint("repeat_id", "occurrence", name="uq_notices_repeat_id_occurrence"),
    )
    op.create_index("ix_notices_author_id", "notices", ["author_id"])
    op.create_index("ix_notices_send_at", "notices", ["send_at"])
    op.create_index("ix_notices_repeat_id", "notices", ["repeat_id"])
    op.create_table(
        "notice_recipients",
        sa.Column("id", _ID, nullable=False),
        sa.Column("notice_id", _ID, nullable=False),
        sa.Column("kind", sa.String(16), nullable=False),
        sa.Column("unit_code", sa.String(40), nullable=False),
        sa.Column("person_id", sa.BigInteger(), nullable=True),
        sa.Column("state", sa.String(16), nullable=False),
        sa.Column("outbox_key", sa.String(255), nullable=True),
        sa.Column("sent_at", _AT, nullable=True),
        sa.Column("acknowledged_at", _AT, nullable=True),
        sa.Column("acknowledged_by", sa.BigInteger(), nullable=True),
        sa.Column("question", sa.Text(), nullable=True),
        sa.Column("question_at", _AT, nullable=True),
        sa.Column("answer", sa.Text(), nullable=True),
        sa.Column("answered_at", _AT, nullable=True),
        sa.Column("reminded_at", _AT, nullable=True),
        sa.ForeignKeyConstraint(
            ["notice_id"],
            ["notices.id"],
            name="fk_notice_recipients_notice_id_notices",
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name="pk_notice_recipients"),
        sa.UniqueConstraint(
            "notice_id",
            "kind",
            "unit_code",
            "person_id",
            name="uq_notice_recipients_notice_id_kind_unit_code_person_id",
        ),
    )
    op.create_index("ix_notice_recipients_person", "notice_recipients", ["person_id", "notice_id"])
    op.create_table(
        "notice_postings",
        sa.Column("id", _ID, nullable=False),
        sa.Column("notice_id", _ID, nullable=False),
        sa.Column("unit_code", sa.String(40), nullable=False),
        sa.Column("chat_id", sa.BigInteger(), nullable=False),
        sa.Column("forwarded_by", sa.BigInteger(), nullable=True),
        sa.Column("message_key", sa.String(255), nullable=False),
        sa.Column("message_id", sa.BigInteger(), nullable=True),
        sa.Column("pinned", sa.Boolean(), nullable=False),
        sa.Column("dirty", sa.Boolean(), nullable=False),
        sa.Column("revision", sa.Integer(), nullable=False),
        sa.Column("edited_at", _AT, nullable=True),
        sa.Column("posted_at", _AT, nullable=False),
        sa.ForeignKeyConstraint(
            ["notice_id"],
            ["notices.id"],
            name="fk_notice_postings_notice_id_notices",
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name="pk_notice_postings"),
        sa.UniqueConstraint("notice_id", "chat_id", name="uq_notice_postings_notice_id_chat_id"),
    )


def downgrade() -> None:
    op.drop_table("notice_postings")
    op.drop_index("ix_notice_recipients_person", table_name="notice_recipients")
    op.drop_table("notice_recipients")
    op.drop_index("ix_notices_repeat_id", table_name="notices")
    op.drop_index("ix_notices_send_at", table_name="notices")
    op.drop_index("ix_notices_author_id", table_name="notices")
    op.drop_table("notices")
    op.drop_index("ix_notice_repeats_author_id", table_name="notice_repeats")
    op.drop_table("notice_repeats")
