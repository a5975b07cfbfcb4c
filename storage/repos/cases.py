"""What staff did about declarations' cases, and what the case card shows of the follow-up."""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from sqlalchemy import String, cast, exists, func, literal, or_, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.sql.selectable import ScalarSelect

from domain.cases import (
    ERASED_RESULT,
    CaseEntry,
    CaseStep,
    CheckinLine,
    TestLine,
)
from domain.declarations import Symptom
from domain.followup import staff_follow
from domain.obligations import ObligationKind, ObligationState
from domain.policy import Category
from storage.models import CaseActionRow, CheckinRow, DeclarationRow, ObligationRow, TestRecordRow

# The case list looks this far back for periods still running (no measure lasts a year).
_LONGEST_PERIOD = timedelta(days=366)
_UNITS_CHUNK = 500  # SQLite caps the bound parameters of one statement


@dataclass(frozen=True, slots=True)
class MeasureRow:
    """A current declaration that staff follow on the day asked about (above registration
    only, its period runs or it is a referral still listed: domain.followup.staff_follow; or
    any with a place still to locate), with that day's follow-up in short."""

    declaration_id: int
    unit_code: str
    name: str | None
    category: Category
    start_date: date
    days: int
    immediate_report: bool
    checkin_state: str | None  # the day's health_checkin obligation's state, if one is owed
    checked_in: bool  # a check-in is on file for the day
    test_state: str | None  # the day's test_due obligation's state, if a test day
    test_result: str | None  # the day's test record's result, if any
    actions: int  # case actions recorded
    # Handling is owed and not recorded: its immediate report (即有即报), a positive result
    # or a check-in fever (any open case_handling obligation of the declaration).
    handling_open: bool = False
    unlocated: int = 0  # places no division matched that nobody has located yet


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
        # An erased result (the retention purge): the test was done, what it found is gone.
        return [TestLine(day, result or ERASED_RESULT) for day, result in rows]

    async def under_measure(self, units: Collection[str], today: date) -> list[MeasureRow]:
        """The units' current declarations (not superseded, not ended early) above
        registration only whose measure period runs on `today`, with today's check-in and test
        state and the number of case actions: one statement (per 500 units), correlated
        sub-queries."""
        subject = literal("declaration:") + cast(DeclarationRow.id, String)
        period = today.isoformat()

        def obligation(kind: ObligationKind) -> ScalarSelect[str]:
            return (
                select(ObligationRow.state)
                .where(
                    ObligationRow.kind == kind.value,
                    ObligationRow.subject == subject,
                    ObligationRow.period == period,
                )
                .limit(1)
                .scalar_subquery()
            )

        checked_in = exists().where(
            CheckinRow.declaration_id == DeclarationRow.id, CheckinRow.day == today
        )
        result = (
            select(TestRecordRow.result)
            .where(TestRecordRow.declaration_id == DeclarationRow.id, TestRecordRow.day == today)
            .limit(1)
            .scalar_subquery()
        )
        actions = (
            select(func.count(CaseActionRow.id))
            .where(CaseActionRow.declaration_id == DeclarationRow.id)
            .scalar_subquery()
        )
        handling_open = exists().where(
            ObligationRow.kind == ObligationKind.CASE_HANDLING.value,
            ObligationRow.subject == subject,
            ObligationRow.state == ObligationState.OPEN.value,
        )
        wanted = sorted(set(units))
        found: list[MeasureRow] = []
        for start in range(0, len(wanted), _UNITS_CHUNK):
            rows = await self._session.execute(
                select(
                    DeclarationRow.id,
                    DeclarationRow.unit_code,
                    DeclarationRow.answers,
                    DeclarationRow.category,
                    DeclarationRow.start_date,
                    DeclarationRow.measure,
                    DeclarationRow.immediate_report,
                    obligation(ObligationKind.HEALTH_CHECKIN),
                    checked_in,
                    obligation(ObligationKind.TEST_DUE),
                    result,
                    actions,
                    handling_open,
                    DeclarationRow.unlocated_places,
                )
                .where(
                    DeclarationRow.unit_code.in_(wanted[start : start + _UNITS_CHUNK]),
                    DeclarationRow.superseded_by.is_(None),
                    DeclarationRow.released_at.is_(None),  # ended early: no longer under it
                    or_(
                        DeclarationRow.category != Category.REGISTRATION_ONLY.value,
                        DeclarationRow.unlocated_places > 0,  # screening misses a place
                    ),
                    DeclarationRow.start_date <= today,
                    DeclarationRow.start_date > today - _LONGEST_PERIOD,
                )
                .order_by(DeclarationRow.id)
            )
            for row in rows:
                days = int((row[5] or {}).get("days", 0))
                follows = staff_follow(row.start_date, days, today, handling_open=bool(row[12]))
                if not follows and not row.unlocated_places:
                    continue  # the period is over (a referral: listed and handled)
                name = (row.answers or {}).get("name")
                found.append(
                    MeasureRow(
                        declaration_id=row.id,
                        unit_code=row.unit_code,
                        name=name if isinstance(name, str) else None,
                        category=Category(row.category),
                        start_date=row.start_date,
                        days=days,
                        immediate_report=bool(row.immediate_report),
                        checkin_state=row[7],
                        checked_in=bool(row[8]),
                        test_state=row[9],
                        test_result=row[10],
                        actions=int(row[11] or 0),
                        handling_open=bool(row[12]),
                        unlocated=int(row.unlocated_places or 0),
                    )
                )
        return found
