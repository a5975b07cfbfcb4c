"""Declarations: how many of their stays no division matched and nobody has located yet, so
that /cases lists them; counted from the stored answers of the declarations already filed.

Revision ID: 0012
Revises: 0011
Create Date: 2026-12-06
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import sqlalchemy as sa
from alembic import op

revision: str = "0012"
down_revision: str | None = "0011"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_DECLARATIONS = sa.table(
    "declarations",
    sa.column("id", sa.BigInteger()),
    sa.column("answers", sa.JSON()),
    sa.column("unlocated_places", sa.Integer()),
)


def _unlocated(answers: Any) -> int:
    """As domain Stay.unlocated reads a stored stay (the migration keeps its own copy: a
    migration must not change with the code)."""
    stays = answers.get("stays") if isinstance(answers, dict) else None
    return sum(
        1
        for stay in stays or ()
        if isinstance(stay, dict)
        and not stay.get("region_codes")
        and not stay.get("confirmed_unlisted")
    )


def upgrade() -> None:
    with op.batch_alter_table("declarations") as batch:
        batch.add_column(
            sa.Column("unlocated_places", sa.Integer(), nullable=False, server_default="0")
        )
    bind = op.get_bind()
    rows = bind.execute(sa.select(_DECLARATIONS.c.id, _DECLARATIONS.c.answers)).all()
    for declaration_id, answers in rows:
        count = _unlocated(answers)
        if count:
            bind.execute(
                sa.update(_DECLARATIONS)
                .where(_DECLARATIONS.c.id == declaration_id)
                .values(unlocated_places=count)
            )


def downgrade() -> None:
    with op.batch_alter_table("declarations") as batch:
        batch.drop_column("unlocated_places")
