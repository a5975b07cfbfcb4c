"""Acceptances of the privacy notice: one row per person and notice version."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from domain.privacy_notice import NoticeAcceptance
from storage.models import PrivacyNoticeAcceptanceRow


class PrivacyNoticeRepository:
    def __init__(self, session: AsyncSession) -> None:
        self._session = session

    async def accepted(self, person_id: int, version: str) -> NoticeAcceptance | None:
        row = await self._session.get(PrivacyNoticeAcceptanceRow, (person_id, version))
        return None if row is None else NoticeAcceptance(row.version, row.accepted_at)

    async def accept(self, person_id: int, version: str, now: datetime) -> NoticeAcceptance:
        """Record the acceptance; accepting the same version again keeps the first time."""
        found = await self.accepted(person_id, version)
        if found is not None:
            return found
        self._session.add(
            PrivacyNoticeAcceptanceRow(person_id=person_id, version=version, accepted_at=now)
        )
        await self._session.flush()
        return NoticeAcceptance(version, now)

    async def of_person(self, person_id: int) -> list[NoticeAcceptance]:
        """Every version the person accepted, oldest first (for /mydata)."""
        rows = await self._session.scalars(
            select(PrivacyNoticeAcceptanceRow)
            .where(PrivacyNoticeAcceptanceRow.person_id == person_id)
            .order_by(PrivacyNoticeAcceptanceRow.accepted_at)
        )
        return [NoticeAcceptance(row.version, row.accepted_at) for row in rows]
