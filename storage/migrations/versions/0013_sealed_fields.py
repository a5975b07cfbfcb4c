"""Personal fields sealed at rest: the columns that held numbers or short codes become text
(an envelope is longer), and declarations get the blind index of their phone.

The migration cannot know the key, so it changes no value: clear rows read as they are until
the start-up step or `python -m bot keys rotate` seals them (storage/rotation.py), which also
fills `phone_index`.

Revision ID: 0013
Revises: 0012
Create Date: 2026-12-06
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0013"
down_revision: str | None = "0012"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_WIDENED = (
    ("people", "phone", sa.String(32)),
    ("checkins", "temperature", sa.Float()),
    ("test_records", "result", sa.String(16)),
)

_OLD_SQL_TYPE = {"phone": "varchar", "temperature": "double precision", "result": "varchar"}


def upgrade() -> None:
    for table, column, was in _WIDENED:
        with op.batch_alter_table(table) as batch:
            batch.alter_column(
                column,
                type_=sa.Text(),
                existing_type=was,
                postgresql_using=f"{column}::text",
            )
    with op.batch_alter_table("declarations") as batch:
        batch.add_column(sa.Column("phone_index", sa.String(64), nullable=True))
    op.create_index("ix_declarations_phone_index", "declarations", ["phone_index"])


def downgrade() -> None:
    # Back to the old types only works for clear values: run it on a database never sealed.
    op.drop_index("ix_declarations_phone_index", table_name="declarations")
    with op.batch_alter_table("declarations") as batch:
        batch.drop_column("phone_index")
    for table, column, was in _WIDENED:
        with op.batch_alter_table(table) as batch:
            batch.alter_column(
                column,
                type_=was,
                existing_type=sa.Text(),
                postgresql_using=f"{column}::{_OLD_SQL_TYPE[column]}",
            )
