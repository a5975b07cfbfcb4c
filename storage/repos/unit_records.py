"""A unit's declarations and check-ins as its daily report's counts need them (read only)."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from domain.declarations import DeclarationStatus, RiskLevel
from domain.policy import Category
from domain.report_records import DeclaredResident, UnwellCheckin
from storage.models import CheckinRow, DeclarationRow

# No measure lasts a year: older declarations count for nothing in a day's report.
_LONGEST_PERIOD = timedelta(days=366)
_RISK = frozenset({RiskLevel.HIGH.value, RiskLevel.MID.value})


def _unwell(symptoms: Any, temperature: Any, fever_threshold: float) -> bool:
    hot = isinstance(temperature, int | float) and temperature >= fever_threshold
    return hot or bool(symptoms)


class UnitRecordRepository:
    def __init__(self, session: AsyncSession) -> None:
        self._session = session

    async def residents(
        self, unit_code: str, through: date, fever_threshold: float
    ) -> list[DeclaredResident]:
        """The unit's current declarations (not superseded) that may matter on `through`."""
        rows = await self._session.execute(
            select(
                DeclarationRow.id,
                DeclarationRow.submitted_at,
                DeclarationRow.start_date,
                DeclarationRow.answers,
                DeclarationRow.risk_level,
                DeclarationRow.category,
                DeclarationRow.measure,
                DeclarationRow.released_at,
            )
            .where(
                DeclarationRow.unit_code == unit_code,
                DeclarationRow.superseded_by.is_(None),
                DeclarationRow.start_date > through - _LONGEST_PERIOD,
            )
            .order_by(DeclarationRow.id)
        )
        found = []
        for row in rows:
            answers = row.answers if isinstance(row.answers, dict) else {}
            found.append(
                DeclaredResident(
                    declaration_id=row.id,
                    submitted_at=row.submitted_at,
                    start_date=row.start_date,
                    returned=answers.get("status") == DeclarationStatus.RETURNED.value,
                    from_risk_area=row.risk_level in _RISK,
                    category=Category(row.category),
                    days=int((row.measure or {}).get("days", 0)),
                    released_at=row.released_at,
                    unwell=_unwell(
                        answers.get("symptoms"), answers.get("temperature"), fever_threshold
                    ),
                )
            )
        return found

    async def unwell_checkins(
        self, unit_code: str, since: datetime, until: datetime, fever_threshold: float
    ) -> list[UnwellCheckin]:
        """Check-ins of the unit's residents recorded in [since, until] with a fever or a
        symptom."""
        rows = await self._session.execute(
            select(
                CheckinRow.declaration_id,
                CheckinRow.recorded_at,
                CheckinRow.temperature,
                CheckinRow.symptoms,
            )
            .join(DeclarationRow, DeclarationRow.id == CheckinRow.declaration_id)
            .where(
                DeclarationRow.unit_code == unit_code,
                CheckinRow.recorded_at >= since,
                CheckinRow.recorded_at <= until,
            )
            .order_by(CheckinRow.id)
        )
        return [
            UnwellCheckin(row.declaration_id, row.recorded_at)
            for row in rows
            if _unwell(row.symptoms, row.temperature, fever_threshold)
        ]
