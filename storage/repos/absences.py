"""Absences (`/away`): from when until when someone is away, so their cover stands in."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import ColumnElement, delete, or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from storage.models import AbsenceRow
from storage.repos._sql import rowcount, upsert


class AbsenceRepository:
    def __init__(self, session: AsyncSession) -> None:
        self._session = session

    async def set(
        self, telegram_id: int, until: date, *, now: datetime, starts: date | None = None
    ) -> None:
        """One absence per person: a new one replaces the one set before. Without `starts`
        it begins at once."""
        values = {"starts": starts, "until": until, "set_at": now}
        await self._session.execute(
            upsert(self._session, AbsenceRow)
            .values(telegram_id=telegram_id, **values)
            .on_conflict_do_update(index_elements=[AbsenceRow.telegram_id], set_=values)
        )

    async def clear(self, telegram_id: int) -> bool:
        result = await self._session.execute(
            delete(AbsenceRow).where(AbsenceRow.telegram_id == telegram_id)
        )
        return rowcount(result) == 1

    async def coming(self, telegram_id: int, today: date) -> tuple[date | None, date] | None:
        """The person's absence running today or set for later: its first day (None when it
        began when it was set) and its last day."""
        row = (
            await self._session.execute(
                select(AbsenceRow.starts, AbsenceRow.until).where(
                    AbsenceRow.telegram_id == telegram_id, AbsenceRow.until >= today
                )
            )
        ).first()
        return None if row is None else (row.starts, row.until)

    async def planned_after(self, today: date) -> dict[int, tuple[date, date]]:
        """Everyone whose absence begins after `today`, with its first and last day."""
        rows = await self._session.execute(
            select(AbsenceRow.telegram_id, AbsenceRow.starts, AbsenceRow.until).where(
                AbsenceRow.starts > today
            )
        )
        # `starts` is never NULL here: the condition excludes it.
        return {telegram_id: (starts or today, until) for telegram_id, starts, until in rows}

    async def away_on(self, on: date) -> dict[int, date]:
        """Everyone away on `on`, with the last day of their absence."""
        rows = await self._session.execute(
            select(AbsenceRow.telegram_id, AbsenceRow.until).where(_away_on(on))
        )
        return {telegram_id: until for telegram_id, until in rows}

    async def purge_before(self, on: date) -> int:
        result = await self._session.execute(delete(AbsenceRow).where(AbsenceRow.until < on))
        return rowcount(result)


def _away_on(on: date) -> ColumnElement[bool]:
    return (AbsenceRow.until >= on) & or_(AbsenceRow.starts.is_(None), AbsenceRow.starts <= on)
