"""Persistence: SQLite or PostgreSQL through SQLAlchemy, migrated with Alembic.

Nothing outside this package sees ORM rows; repositories return the domain dataclasses.
"""

from typing import TYPE_CHECKING, Any

from storage.db import Database, create_schema, drop_schema
from storage.records import ApplyResult, AuditEntry
from storage.repos import (
    AuditRepository,
    GroupRepository,
    InviteRepository,
    OrgRepository,
    OutboxRepository,
    PeopleRepository,
    Repositories,
    RoleRepository,
    UpdateRepository,
)

if TYPE_CHECKING:
    from storage.fsm import SQLStorage


def __getattr__(name: str) -> Any:
    # aiogram takes seconds to import; only the FSM storage needs it, so migrations and
    # repository-only users (the CLI, the scheduler, storage tests) do not pay for it.
    if name == "SQLStorage":
        from storage.fsm import SQLStorage

        return SQLStorage
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


__all__ = [
    "ApplyResult",
    "AuditEntry",
    "AuditRepository",
    "Database",
    "GroupRepository",
    "InviteRepository",
    "OrgRepository",
    "OutboxRepository",
    "PeopleRepository",
    "Repositories",
    "RoleRepository",
    "SQLStorage",
    "UpdateRepository",
    "create_schema",
    "drop_schema",
]
