"""Daily health check-ins and test records of declarations (tables checkins, test_records).

Kept apart from storage/repos/declarations.py, which belongs to the declaration lifecycle:
this side only reads a declaration's unit, resident and name and writes the follow-up rows.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, datetime, timedelta

from sqlalchemy import insert, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from domain.checkins import SUBJECT_PREFIX, CheckinAnswer, DayReading, Monitored
from domain.declarations import TestResult
from domain.obligations import Obligation, ObligationKind, ObligationState
from domain.result_fixes import RecordedTest
from storage.models import CheckinRow, DeclarationRow, ObligationRow, TestRecordRow
from storage.repos.obligations import to_obligation


class CheckinRepository:
    def __init__(self, session: AsyncSession) -> None:
        self._session = session

    async def monitored(self, declaration_id: int) -> Monitored | None:
        row = await self._session.get(DeclarationRow, declaration_id)
        if row is None:
            return None
        name = row.answers.get("name") if isinstance(row.answers, dict) else None
        return Monitored(
            declaration_id=row.id,
            unit_code=row.unit_code,
            resident_id=row.resident_id,
            filed_by=row.filed_by,
            proxy=row.proxy,
            name=name if isinstance(name, str) and name.strip() else "",
        )

    async def phone(self, declaration_id: int) -> str | None:
        """The declared phone, for alerts that must be acted on; kept out of `Monitored`,
        which every recording reads, so the number is loaded only where it is shown."""
        row = await self._session.get(DeclarationRow, declaration_id)
        found = (
            row.answers.get("phone") if row is not None and isinstance(row.answers, dict) else None
        )
        return found if isinstance(found, str) and found else None

    async def open_followups(
        self, assignee: int, kind: ObligationKind, period: str
    ) -> list[Obligation]:
        """Open follow-up obligations of one kind and day owed by this person, oldest first."""
        rows = await self._session.scalars(
            select(ObligationRow)
            .where(
                ObligationRow.kind == kind.value,
                ObligationRow.period == period,
                ObligationRow.assignee_person == assignee,
                ObligationRow.state == ObligationState.OPEN.value,
                ObligationRow.subject.startswith(SUBJECT_PREFIX),
            )
            .order_by(ObligationRow.id)
        )
        return [to_obligation(row) for row in rows]

    async def add_checkin(
        self, declaration_id: int, day: date, answer: CheckinAnswer, *, by: int, now: datetime
    ) -> bool:
        """Store the day's check-in; False (nothing written) when one is already on file:
        the first answer of a day stands, a later one cannot quietly replace a fever."""
        existing = await self._session.scalar(
            select(CheckinRow.id).where(
                CheckinRow.declaration_id == declaration_id, CheckinRow.day == day
            )
        )
        if existing is not None:
            return False
        await self._session.execute(
            insert(CheckinRow).values(
                declaration_id=declaration_id,
                day=day,
                temperature=answer.temperature,
                symptoms=answer.to_symptom_list(),
                recorded_at=now,
                recorded_by=by,
            )
        )
        return True

    async def readings(self, declaration_id: int, through: date, days: int) -> list[DayReading]:
        """Check-ins of the `days` days ending on `through`, by day."""
        rows = await self._session.execute(
            select(CheckinRow.day, CheckinRow.temperature)
            .where(
                CheckinRow.declaration_id == declaration_id,
                CheckinRow.day <= through,
                CheckinRow.day > through - timedelta(days=days),
            )
            .order_by(CheckinRow.day)
        )
        # An erased check-in (the retention purge) has no reading left.
        return [DayReading(day, t) for day, t in rows if t is not None]

    async def test_result(self, declaration_id: int, day: date) -> TestResult | None:
        value = await self._session.scalar(
            select(TestRecordRow.result).where(
                TestRecordRow.declaration_id == declaration_id, TestRecordRow.day == day
            )
        )
        return None if value is None else TestResult(value)

    async def set_test_result(
        self, declaration_id: int, day: date, result: TestResult, *, by: int, now: datetime
    ) -> int:
        """Insert the day's record or update its result ("done, pending" then the result, or
        a correction); the record's id."""
        where = (TestRecordRow.declaration_id == declaration_id, TestRecordRow.day == day)
        record_id = await self._session.scalar(select(TestRecordRow.id).where(*where))
        if record_id is None:
            inserted = await self._session.execute(
                insert(TestRecordRow)
                .values(
                    declaration_id=declaration_id,
                    day=day,
                    result=result.value,
                    recorded_at=now,
                    recorded_by=by,
                )
                .returning(TestRecordRow.id)
            )
            return int(inserted.scalar_one())
        await self._session.execute(
            update(TestRecordRow)
            .where(*where)
            .values(result=result.value, recorded_at=now, recorded_by=by)
        )
        return record_id

    async def test_record(self, record_id: int, *, lock: bool = False) -> RecordedTest | None:
        """`lock`: for a correction, so that two at once are made one after the other."""
        statement = select(TestRecordRow).where(TestRecordRow.id == record_id)
        if lock:
            statement = statement.with_for_update()
        row = await self._session.scalar(statement.execution_options(populate_existing=True))
        # An erased result (the retention purge) can no longer be corrected.
        return None if row is None or row.result is None else _recorded(row)

    async def recent_tests(
        self, unit_codes: Sequence[str], since: date, limit: int
    ) -> list[tuple[RecordedTest, Monitored]]:
        """Test records of the units' declarations from `since` on: positives first, then the
        latest days; at most `limit`."""
        if not unit_codes:
            return []
        rows = await self._session.execute(
            select(TestRecordRow, DeclarationRow.id)
            .join(DeclarationRow, DeclarationRow.id == TestRecordRow.declaration_id)
            .where(
                DeclarationRow.unit_code.in_(list(unit_codes)),
                TestRecordRow.day >= since,
                TestRecordRow.result.is_not(None),  # erased by the retention purge
            )
        )
        # The result is sealed, so the database cannot put positives first: the window since
        # `since` is days of a few units' tests, small enough to order here.
        ordered = sorted(
            rows.all(),
            key=lambda row: (
                row[0].result != TestResult.POSITIVE.value,
                -row[0].day.toordinal(),
                -row[0].id,
            ),
        )[:limit]
        found = []
        for record, declaration_id in ordered:
            monitored = await self.monitored(declaration_id)
            if monitored is not None:
                found.append((_recorded(record), monitored))
        return found


def _recorded(row: TestRecordRow) -> RecordedTest:
    return RecordedTest(
        id=row.id,
        declaration_id=row.declaration_id,
        day=row.day,
        result=TestResult(row.result or ""),
        recorded_by=row.recorded_by,
        recorded_at=row.recorded_at,
    )
