"""Unit daily reports: every filed version, never rewritten."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date
from typing import Any

from sqlalchemy import insert, select
from sqlalchemy.ext.asyncio import AsyncSession

from domain.forms import Value
from domain.reports import FiledReport
from storage.models import ReportVersionRow

# SQLite caps the number of bound parameters in one statement.
_CHUNK = 500


# Kept in the sealed answers beside the form's fields (whose keys start with a letter): the
# records' counts at filing and the reason a zero report was filed against them.
_RECORDS, _ZERO_REASON = "_records", "_zero_reason"


def to_report(row: ReportVersionRow) -> FiledReport:
    answers: dict[str, Value] = {
        str(key): value
        for key, value in row.answers.items()
        if not str(key).startswith("_")
        and (value is None or isinstance(value, str) or type(value) is int)
    }
    stored = row.answers.get(_RECORDS)
    records = (
        {str(k): v for k, v in stored.items() if type(v) is int} if isinstance(stored, dict) else {}
    )
    reason = row.answers.get(_ZERO_REASON)
    return FiledReport(
        unit_code=row.unit_code,
        day=row.day,
        version=row.version,
        zero=row.zero,
        answers=answers,
        filed_by=row.filed_by,
        filed_at=row.filed_at,
        late=row.late,
        records=records,
        zero_reason=reason if isinstance(reason, str) else None,
    )


def _stored_answers(report: FiledReport) -> dict[str, Any]:
    stored: dict[str, Any] = dict(report.answers)
    if report.records:
        stored[_RECORDS] = dict(report.records)
    if report.zero_reason is not None:
        stored[_ZERO_REASON] = report.zero_reason
    return stored


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
                answers=_stored_answers(report),
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

    async def first_filings(self, day: date) -> list[FiledReport]:
        """The first version each unit filed for the day, without its answers (left empty):
        a report board needs only whether, when and how it was filed, and reading the
        sealed answers of a county's thousand reports costs a second of decryption."""
        rows = await self._session.execute(
            select(
                ReportVersionRow.unit_code,
                ReportVersionRow.zero,
                ReportVersionRow.filed_by,
                ReportVersionRow.filed_at,
                ReportVersionRow.late,
            ).where(ReportVersionRow.day == day, ReportVersionRow.version == 1)
        )
        return [
            FiledReport(code, day, 1, zero, {}, filed_by, filed_at, late)
            for code, zero, filed_by, filed_at, late in rows
        ]
