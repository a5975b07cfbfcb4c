"""Absences (`/away`): until when someone is away, so their cover stands in."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import delete, select
from sqlalchemy.ext.asyncio import AsyncSession

from storage.models import AbsenceRow
from storage.repos._sql import rowcount, upsert


class AbsenceRepository:
    def __init__(self, session: AsyncSession) -> None:
        self._session = session

    async def set(self, telegram_id: int, until: date, *, now: datetime) -> None:
        await self._session.execute(
            upsert(self._session, AbsenceRow)
            .values(telegram_id=telegram_id, until=until, set_at=now)
            .on_conflict_do_update(
                index_elements=[AbsenceRow.telegram_id], set_={"until": until, "set_at": now}
            )
        )

    async def clear(self, telegram_id: int) -> bool:
        result = await self._session.execute(
            delete(AbsenceRow).where(AbsenceRow.telegram_id == telegram_id)
        )
        return rowcount(result) == 1

    async def until(self, telegram_id: int, on: date) -> date | None:
        """The last day of the person's absence if they are away on `on`."""
        return await self._session.scalar(
            select(AbsenceRow.until).where(
                AbsenceRow.telegram_id == telegram_id, AbsenceRow.until >= on
            )
        )

    async def away_on(self, on: date) -> dict[int, date]:
        """Everyone away on `on`, with the last day of their absence."""
        rows = await self._session.execute(
            select(AbsenceRow.telegram_id, AbsenceRow.until).where(AbsenceRow.until >= on)
        )
        return {telegram_id: until for telegram_id, until in rows}

    async def purge_before(self, on: date) -> int:
        result = await self._session.execute(delete(AbsenceRow).where(AbsenceRow.until < on))
        return rowcount(result)
