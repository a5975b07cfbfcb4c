"""What staff did about declarations' cases, and what the case card shows of the follow-up."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from domain.cases import CaseEntry, CaseStep, CheckinLine, TestLine
from domain.declarations import Symptom
from storage.models import CaseActionRow, CheckinRow, TestRecordRow


class CaseRepository:
    def __init__(self, session: AsyncSession) -> None:
        self._session = session

    async def add(
        self, declaration_id: int, step: CaseStep, note: str | None, *, by: int, at: datetime
    ) -> None:
        self._session.add(
            CaseActionRow(declaration_id=declaration_id, action=step.value, note=note, by=by, at=at)
        )

    async def entries(self, declaration_id: int) -> list[CaseEntry]:
        rows = await self._session.execute(
            select(CaseActionRow.action, CaseActionRow.note, CaseActionRow.by, CaseActionRow.at)
            .where(CaseActionRow.declaration_id == declaration_id)
            .order_by(CaseActionRow.at, CaseActionRow.id)
        )
        return [CaseEntry(CaseStep(step), note, by, at) for step, note, by, at in rows]

    async def checkins(self, declaration_id: int) -> list[CheckinLine]:
        rows = await self._session.execute(
            select(CheckinRow.day, CheckinRow.temperature, CheckinRow.symptoms)
            .where(CheckinRow.declaration_id == declaration_id)
            .order_by(CheckinRow.day)
        )
        return [
            CheckinLine(day, temperature, tuple(Symptom(s) for s in symptoms or ()))
            for day, temperature, symptoms in rows
        ]

    async def tests(self, declaration_id: int) -> list[TestLine]:
        rows = await self._session.execute(
            select(TestRecordRow.day, TestRecordRow.result)
            .where(TestRecordRow.declaration_id == declaration_id)
            .order_by(TestRecordRow.day)
        )
        return [TestLine(day, result) for day, result in rows]
