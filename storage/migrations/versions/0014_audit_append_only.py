"""The audit log is append-only: triggers reject every DELETE of its rows and every UPDATE but
one, on SQLite and PostgreSQL, so that no code path (or statement typed through the
application's connection) can rewrite who saw what. Inserting stays free.

The one UPDATE let through is sealing: `keys seal` / `keys rotate` (storage/sealing.py, from
migration 0013) rewrite `detail` as an envelope under the current key. So an UPDATE passes
only when every other column is unchanged and `detail` is unchanged or becomes an envelope
(`v1:<8 hex digits>:…`, the format copied here: a migration must not change with the code).

TRUNCATE (PostgreSQL) and dropping the table are not rows' changes and stay possible for the
table's owner: production should run the bot as a role that owns nothing. A later migration
that rebuilds audit_log (SQLite batch mode copies and drops the table) must create these
triggers again.

Revision ID: 0014
Revises: 0013
Create Date: 2026-12-06
"""

from __future__ import annotations

from collections.abc import Sequence

from alembic import op

revision: str = "0014"
down_revision: str | None = "0013"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

MESSAGE = "audit_log is append-only"
_SAME = ("id", "at", "actor_id", "action", "target", "allowed")
_HEX = "[0-9a-f]" * 8

_POSTGRES_SAME = " AND ".join(f"NEW.{c} IS NOT DISTINCT FROM OLD.{c}" for c in _SAME)
_POSTGRES_UP = (
    f"""
    CREATE FUNCTION audit_log_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
        IF TG_OP = 'UPDATE' AND {_POSTGRES_SAME} AND (
            NEW.detail IS NOT DISTINCT FROM OLD.detail OR NEW.detail ~ '^v1:[0-9a-f]{{8}}:'
        ) THEN
            RETURN NEW;  -- sealing the detail again, under the current key
        END IF;
        RAISE EXCEPTION '{MESSAGE}' USING ERRCODE = 'insufficient_privilege';
    END
    $$
    """,
    """
    CREATE TRIGGER audit_log_append_only BEFORE UPDATE OR DELETE ON audit_log
    FOR EACH ROW EXECUTE FUNCTION audit_log_append_only()
    """,
)
_POSTGRES_DOWN = (
    "DROP TRIGGER IF EXISTS audit_log_append_only ON audit_log",
    "DROP FUNCTION IF EXISTS audit_log_append_only()",
)
_SQLITE_SAME = " AND ".join(f"NEW.{c} IS OLD.{c}" for c in _SAME)
_SQLITE_UP = (
    f"""
    CREATE TRIGGER audit_log_no_update BEFORE UPDATE ON audit_log
    WHEN NOT ({_SQLITE_SAME} AND (
        NEW.detail IS OLD.detail OR NEW.detail GLOB 'v1:{_HEX}:*'
    ))
    BEGIN
        SELECT RAISE(ABORT, '{MESSAGE}');
    END
    """,
    f"""
    CREATE TRIGGER audit_log_no_delete BEFORE DELETE ON audit_log
    BEGIN
        SELECT RAISE(ABORT, '{MESSAGE}');
    END
    """,
)
_SQLITE_DOWN = (
    "DROP TRIGGER IF EXISTS audit_log_no_update",
    "DROP TRIGGER IF EXISTS audit_log_no_delete",
)


def _statements(up: bool) -> tuple[str, ...]:
    dialect = op.get_bind().dialect.name
    if dialect == "postgresql":
        return _POSTGRES_UP if up else _POSTGRES_DOWN
    if dialect == "sqlite":
        return _SQLITE_UP if up else _SQLITE_DOWN
    raise NotImplementedError(f"no append-only triggers for {dialect}")


def upgrade() -> None:
    for statement in _statements(up=True):
        op.execute(statement)


def downgrade() -> None:
    for statement in _statements(up=False):
        op.execute(statement)
