"""The high/mid-risk area list: always loaded whole, so replacing it is the only write."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import delete, func, insert, select, text
from sqlalchemy.ext.asyncio import AsyncSession

from domain.declarations import RiskLevel
from domain.risk_areas import RiskArea, RiskList
from storage.models import RiskAreaRow

# SQLite caps the number of bound parameters in one statement (7 columns a row).
_CHUNK = 100


@dataclass(frozen=True, slots=True)
class LoadStamp:
    """When the stored list was loaded, and by whom (None: from the command line)."""

    at: datetime
    by: int | None


def _to_area(row: RiskAreaRow) -> RiskArea:
    return RiskArea(
        region_code=row.region_code,
        level=RiskLevel(row.level),
        effective_from=row.effective_from,
        effective_to=row.effective_to,
        name=row.name,
    )


class RiskAreaRepository:
    def __init__(self, session: AsyncSession) -> None:
        self._session = session

    async def all(self) -> list[RiskArea]:
        """Every stored area (in effect or not), by region code and start."""
        rows = await self._session.scalars(
            select(RiskAreaRow).order_by(
                RiskAreaRow.region_code, RiskAreaRow.effective_from, RiskAreaRow.id
            )
        )
        return [_to_area(row) for row in rows]

    async def current(self) -> RiskList:
        """The stored list for screening (which applies the dates)."""
        return RiskList(await self.all())

    async def loaded(self) -> LoadStamp | None:
        """When the list was last replaced; None when it never was or is empty."""
        row = (
            await self._session.execute(
                select(RiskAreaRow.loaded_at, RiskAreaRow.loaded_by)
                .order_by(RiskAreaRow.loaded_at.desc(), RiskAreaRow.id.desc())
                .limit(1)
            )
        ).first()
        return None if row is None else LoadStamp(row.loaded_at, row.loaded_by)

    async def count(self) -> int:
        return int(await self._session.scalar(select(func.count()).select_from(RiskAreaRow)) or 0)

    async def lock(self) -> None:
        """Hold the list until the transaction ends, so what is read next is what gets replaced.

        On PostgreSQL the table is locked, so two loads at once run one after the other
        instead of both deleting the old list and both inserting theirs. SQLite's driver begins
        a transaction only at the first write: a write that changes nothing takes the
        database's write lock first (as the obligations' claim does).
        """
        if self._session.get_bind().dialect.name == "postgresql":
            await self._session.execute(text("LOCK TABLE risk_areas IN SHARE ROW EXCLUSIVE MODE"))
        else:
            await self._session.execute(delete(RiskAreaRow).where(RiskAreaRow.id == -1))

    async def replace(
        self, areas: Sequence[RiskArea], *, by: int | None, now: datetime
    ) -> list[RiskArea]:
        """Make `areas` the whole list (taking `lock` first); returns the list it replaced."""
        await self.lock()
        previous = await self.all()
        await self._session.execute(delete(RiskAreaRow))
        rows = [
            {
                "region_code": area.region_code,
                "name": area.name,
                "level": area.level.value,
                "effective_from": area.effective_from,
                "effective_to": area.effective_to,
                "loaded_at": now,
                "loaded_by": by,
            }
            for area in areas
        ]
        for start in range(0, len(rows), _CHUNK):
            await self._session.execute(insert(RiskAreaRow), rows[start : start + _CHUNK])
        await self._session.flush()
        return previous
