"""Plain results of storage operations that have no home in the domain package."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime


@dataclass(frozen=True, slots=True)
class ApplyResult:
    """What applying an organisation file changed; all zero when it was applied before."""

    units_created: int = 0
    units_updated: int = 0
    people_created: int = 0
    people_updated: int = 0
    roles_added: int = 0
    groups_bound: int = 0  # groups newly bound or whose title, unit or purpose changed

    @property
    def changed(self) -> bool:
        return any(
            (
                self.units_created,
                self.units_updated,
                self.people_created,
                self.people_updated,
                self.roles_added,
                self.groups_bound,
            )
        )


@dataclass(frozen=True, slots=True)
class AuditEntry:
    id: int
    at: datetime
    actor_id: int | None
    action: str
    target: str | None
    allowed: bool
    detail: str | None
