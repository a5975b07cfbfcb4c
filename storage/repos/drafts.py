"""Expiry leases of half-finished dialogs.

The draft itself lives in FSM storage (memory, Redis or SQL, whatever is configured); a lease
row per person says which dialog and until when, so a job can find expired drafts without
reading the FSM backend, and tell the person.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import delete, select
from sqlalchemy.ext.asyncio import AsyncSession

from storage.models import DraftLeaseRow


@dataclass(frozen=True, slots=True)
class DraftLease:
    telegram_id: int
    dialog: str
    touched_at: datetime
    expires_at: datetime


def _lease(row: DraftLeaseRow) -> DraftLease:
    return DraftLease(row.telegram_id, row.dialog, row.touched_at, row.expires_at)


class DraftLeaseRepository:
    def __init__(self, session: AsyncSession) -> None:
        self._session = session

    async def touch(
        self, telegram_id: int, dialog: str, *, now: datetime, expires_at: datetime
    ) -> None:
        """Create or extend the person's lease (one per person: one dialog at a time)."""
        row = await self._session.get(DraftLeaseRow, telegram_id)
        if row is None:
            self._session.add(
                DraftLeaseRow(
                    telegram_id=telegram_id, dialog=dialog, touched_at=now, expires_at=expires_at
                )
            )
        else:
            row.dialog, row.touched_at, row.expires_at = dialog, now, expires_at
        await self._session.flush()

    async def get(self, telegram_id: int) -> DraftLease | None:
        row = await self._session.get(DraftLeaseRow, telegram_id)
        return _lease(row) if row is not None else None

    async def drop(
        self, telegram_id: int, dialog: str | None = None, *, expired_at: datetime | None = None
    ) -> bool:
        """Delete the lease (of that dialog only, when given; only if it has expired by
        `expired_at`, when given: a lease renewed meanwhile stays); whether there was one."""
        statement = delete(DraftLeaseRow).where(DraftLeaseRow.telegram_id == telegram_id)
        if dialog is not None:
            statement = statement.where(DraftLeaseRow.dialog == dialog)
        if expired_at is not None:
            statement = statement.where(DraftLeaseRow.expires_at <= expired_at)
        result = await self._session.execute(statement)
        return bool(getattr(result, "rowcount", 0))

    async def expired(self, now: datetime, limit: int = 500) -> list[DraftLease]:
        rows = await self._session.scalars(
            select(DraftLeaseRow)
            .where(DraftLeaseRow.expires_at <= now)
            .order_by(DraftLeaseRow.expires_at, DraftLeaseRow.telegram_id)
            .limit(limit)
        )
        return [_lease(row) for row in rows]
