"""What /mydata reads about one person, and their correction requests. An erasure the
resident asks for is the retention purge's (storage.repos.retention)."""

from __future__ import annotations

import typing
from collections.abc import Collection
from dataclasses import dataclass
from datetime import date, datetime

from sqlalchemy import Table, func, or_, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from domain.cases import ERASED_RESULT
from domain.checkins import declaration_id_of
from domain.corrections import PENDING, Correction
from domain.followup import subject
from domain.obligations import ObligationState
from storage.models import (
    AuditLogRow,
    CorrectionRequestRow,
    DeclarationRow,
    ObligationRow,
    TestRecordRow,
)
from storage.records import AuditEntry
from storage.repos._sql import rowcount
from storage.repos.declarations import StoredDeclaration, _stored


@dataclass(frozen=True, slots=True)
class TestRow:
    __test__ = False  # not a pytest class
    id: int
    declaration_id: int
    day: date
    result: str
    recorded_at: datetime


def _correction(row: CorrectionRequestRow) -> Correction:
    return Correction(
        row.id,
        row.resident_id,
        row.unit_code,
        row.text,
        row.requested_at,
        row.state,
        row.decided_by,
        row.decided_at,
        row.reason,
    )


class MyDataRepository:
    def __init__(self, session: AsyncSession) -> None:
        self._session = session

    async def own_declarations(self, resident_id: int) -> list[StoredDeclaration]:
        """Every version of every declaration about the person (their own and those filed
        for them), oldest first."""
        rows = await self._session.scalars(
            select(DeclarationRow)
            .where(DeclarationRow.resident_id == resident_id)
            .order_by(DeclarationRow.id)
        )
        return [_stored(row) for row in rows]

    async def filed_for_others(self, person: int) -> int:
        """How many declarations the person filed for someone else (not their own data)."""
        found = await self._session.scalar(
            select(func.count())
            .select_from(DeclarationRow)
            .where(
                DeclarationRow.filed_by == person,
                or_(DeclarationRow.resident_id.is_(None), DeclarationRow.resident_id != person),
            )
        )
        return int(found or 0)

    async def tests(self, declaration_ids: Collection[int]) -> list[TestRow]:
        rows = await self._session.scalars(
            select(TestRecordRow)
            .where(TestRecordRow.declaration_id.in_(list(declaration_ids)))
            .order_by(TestRecordRow.day, TestRecordRow.id)
        )
        # An erased result (the retention purge, domain.retention) reads as ERASED_RESULT.
        return [
            TestRow(r.id, r.declaration_id, r.day, r.result or ERASED_RESULT, r.recorded_at)
            for r in rows
        ]

    async def audit_about(self, targets: Collection[str]) -> list[AuditEntry]:
        """Access-log entries about these records, oldest first."""
        if not targets:
            return []
        rows = await self._session.scalars(
            select(AuditLogRow)
            .where(AuditLogRow.target.in_(sorted(targets)))
            .order_by(AuditLogRow.at, AuditLogRow.id)
        )
        return [
            AuditEntry(r.id, r.at, r.actor_id, r.action, r.target, r.allowed, r.detail)
            for r in rows
        ]

    async def owed_about(self, declaration_ids: Collection[int]) -> list[int]:
        """Those of these declarations that someone still owes something about (an open
        obligation: a check-in, a test, handling the case), in order."""
        if not declaration_ids:
            return []
        subjects = await self._session.scalars(
            select(ObligationRow.subject).where(
                ObligationRow.subject.in_([subject(id) for id in sorted(declaration_ids)]),
                ObligationRow.state == ObligationState.OPEN.value,
            )
        )
        return sorted({id for s in subjects if (id := declaration_id_of(s)) is not None})

    async def add_correction(
        self, resident_id: int, unit_code: str, text: str, *, at: datetime
    ) -> int:
        row = CorrectionRequestRow(
            resident_id=resident_id,
            unit_code=unit_code,
            text=text,
            requested_at=at,
            state=PENDING,
        )
        self._session.add(row)
        await self._session.flush()
        return int(row.id)

    async def correction(self, request_id: int) -> Correction | None:
        row = await self._session.get(CorrectionRequestRow, request_id)
        return None if row is None else _correction(row)

    async def corrections_of(self, resident_id: int) -> list[Correction]:
        rows = await self._session.scalars(
            select(CorrectionRequestRow)
            .where(CorrectionRequestRow.resident_id == resident_id)
            .order_by(CorrectionRequestRow.id)
        )
        return [_correction(row) for row in rows]

    async def decide(
        self, request_id: int, state: str, reason: str, *, by: int, at: datetime
    ) -> bool:
        """Answer a pending request; False when it was answered already."""
        table = typing.cast(Table, CorrectionRequestRow.__table__)
        result = await self._session.execute(
            update(table)
            .where(table.c.id == request_id, table.c.state == PENDING)
            .values(state=state, reason=reason, decided_by=by, decided_at=at)
        )
        return rowcount(result) == 1
