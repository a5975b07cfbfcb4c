"""The audit log: refused actions and, later, exports and views of personal data."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from storage.models import AuditLogRow
from storage.records import AuditEntry

AUDIT_TARGET_LENGTH = 255


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
        rows = await self._session.scalars(
            select(AuditLogRow).order_by(AuditLogRow.at.desc(), AuditLogRow.id.desc()).limit(limit)
        )
        return [
            AuditEntry(
                row.id, row.at, row.actor_id, row.action, row.target, row.allowed, row.detail
            )
            for row in rows
        ]
