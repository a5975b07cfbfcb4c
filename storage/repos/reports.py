"""Unit daily reports: every filed version, never rewritten."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date

from sqlalchemy import insert, select
from sqlalchemy.ext.asyncio import AsyncSession

from domain.forms import Value
from domain.reports import FiledReport
from storage.models import ReportVersionRow

# SQLite caps the number of bound parameters in one statement.
_CHUNK = 500


def to_report(row: ReportVersionRow) -> FiledReport:
    answers: dict[str, Value] = {
        str(key): value
        for key, value in row.answers.items()
        if value is None or isinstance(value, str) or type(value) is int
    }
    return FiledReport(
        unit_code=row.unit_code,
        day=row.day,
        version=row.version,
        zero=row.zero,
        answers=answers,
        filed_by=row.filed_by,
        filed_at=row.filed_at,
        late=row.late,
    )


class ReportRepository:
    def __init__(self, session: AsyncSession) -> None:
        self._session = session

    async def add_version(self, report: FiledReport) -> None:
        """Store one version. The caller numbers it (holding the unit's obligation locked);
        a version number used twice violates the unique constraint."""
        await self._session.execute(
            insert(ReportVersionRow).values(
                unit_code=report.unit_code,
                day=report.day,
                version=report.version,
                zero=report.zero,
                answers=dict(report.answers),
                filed_by=report.filed_by,
                filed_at=report.filed_at,
                late=report.late,
            )
        )

    async def versions(self, unit_code: str, day: date) -> list[FiledReport]:
        """Every version the unit filed for the day, the first first."""
        rows = await self._session.scalars(
            select(ReportVersionRow)
            .where(ReportVersionRow.unit_code == unit_code, ReportVersionRow.day == day)
            .order_by(ReportVersionRow.version)
        )
        return [to_report(row) for row in rows]

    async def latest(self, unit_code: str, day: date) -> FiledReport | None:
        row = await self._session.scalar(
            select(ReportVersionRow)
            .where(ReportVersionRow.unit_code == unit_code, ReportVersionRow.day == day)
            .order_by(ReportVersionRow.version.desc())
            .limit(1)
        )
        return None if row is None else to_report(row)

    async def for_day(
        self, day: date, unit_codes: Iterable[str] | None = None
    ) -> list[FiledReport]:
        """Every version filed for the day (by these units only, when given), by unit and
        version."""
        statement = select(ReportVersionRow).where(ReportVersionRow.day == day)
        order = (ReportVersionRow.unit_code, ReportVersionRow.version)
        if unit_codes is None:
            rows = await self._session.scalars(statement.order_by(*order))
            return [to_report(row) for row in rows]
        codes = sorted(set(unit_codes))
        found: list[FiledReport] = []
        for start in range(0, len(codes), _CHUNK):
            chunk = codes[start : start + _CHUNK]
            rows = await self._session.scalars(
                statement.where(ReportVersionRow.unit_code.in_(chunk)).order_by(*order)
            )
            found.extend(to_report(row) for row in rows)
        return found
