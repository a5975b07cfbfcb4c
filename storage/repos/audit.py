"""The audit log: refused actions, views and unmaskings of personal data, corrections, exports.

Append-only for the application: this repository offers no update or delete, and the database
rejects both with triggers (migration 0014). No purge touches it: the log must outlive the
records it speaks of, to answer who saw them."""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import ColumnElement, func, or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from storage.models import AuditLogRow, PersonRow
from storage.records import AuditEntry

AUDIT_TARGET_LENGTH = 255


@dataclass(frozen=True, slots=True)
class AuditFilter:
    """Which entries to read: by whom (None: anyone) or about what (`about`: targets, an
    entry matches either), when (`since` included, `until` not), and the action's prefix
    ("case." for every case action)."""

    actor_ids: Collection[int] | None = None
    since: datetime | None = None
    until: datetime | None = None
    action_prefix: str = ""
    about: Collection[str] | None = None


def _entry(row: AuditLogRow) -> AuditEntry:
    return AuditEntry(row.id, row.at, row.actor_id, row.action, row.target, row.allowed, row.detail)


def _conditions(wanted: AuditFilter) -> list[ColumnElement[bool]]:
    found: list[ColumnElement[bool]] = []
    who: list[ColumnElement[bool]] = []
    if wanted.actor_ids is not None:
        who.append(AuditLogRow.actor_id.in_(list(wanted.actor_ids)))
    if wanted.about is not None:
        who.append(AuditLogRow.target.in_(sorted(wanted.about)))
    if who:
        found.append(or_(*who))
    if wanted.since is not None:
        found.append(AuditLogRow.at >= wanted.since)
    if wanted.until is not None:
        found.append(AuditLogRow.at < wanted.until)
    if wanted.action_prefix:
        # A prefix compared as a substring, so "%" or "_" in it mean nothing special.
        prefix = wanted.action_prefix
        found.append(func.substr(AuditLogRow.action, 1, len(prefix)) == prefix)
    return found


class AuditRepository:
    def __init__(self, session: AsyncSession) -> None:
        self._session = session

    async def record(
        self,
        *,
        at: datetime,
        actor_id: int | None,
        action: str,
        target: str | None = None,
        allowed: bool,
        detail: str | None = None,
    ) -> None:
        self._session.add(
            AuditLogRow(
                at=at,
                actor_id=actor_id,
                action=action,
                # Targets can echo what a user typed; keep them within the column.
                target=None if target is None else target[:AUDIT_TARGET_LENGTH],
                allowed=allowed,
                detail=detail,
            )
        )
        await self._session.flush()

    async def recent(self, limit: int = 50) -> list[AuditEntry]:
        """Newest first."""
        return await self.search(AuditFilter(), limit=limit)

    async def search(
        self, wanted: AuditFilter, *, offset: int = 0, limit: int | None = None
    ) -> list[AuditEntry]:
        """The entries `wanted` picks, newest first (`limit` None: all of them)."""
        query = (
            select(AuditLogRow)
            .where(*_conditions(wanted))
            .order_by(AuditLogRow.at.desc(), AuditLogRow.id.desc())
            .offset(offset)
        )
        if limit is not None:
            query = query.limit(limit)
        return [_entry(row) for row in await self._session.scalars(query)]

    async def count(self, wanted: AuditFilter) -> int:
        query = select(func.count()).select_from(AuditLogRow).where(*_conditions(wanted))
        return int(await self._session.scalar(query) or 0)

    async def people_named(self, needle: str) -> dict[int, str]:
        """The people whose name contains `needle` (any case), by id: whom /audit's name
        filter means. Compared here rather than in SQL, whose LOWER() knows ASCII only."""
        wanted = needle.strip().casefold()
        rows = await self._session.execute(select(PersonRow.telegram_id, PersonRow.name))
        return {person: name for person, name in rows if wanted in name.casefold()}
