"""Who is asking: read at the start of every update, in one statement."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from domain.org import Language, Person, Role, RoleAssignment
from storage.models import PersonRow, RoleAssignmentRow, UnitRow
from storage.repos.org import note_org_version, org_version_column
from storage.repos.people import PeopleRepository, to_person


@dataclass(frozen=True, slots=True)
class Caller:
    person: Person | None
    assignments: tuple[RoleAssignment, ...]  # by unit code, then role


class CallerRepository:
    """The person, their roles and the organisation's version (for storage.repos.org's tree)
    in one statement; greeting the person then finds the row already loaded."""

    def __init__(self, session: AsyncSession) -> None:
        self._session = session

    async def find(self, telegram_id: int) -> Caller:
        row, assignments = await self._read(telegram_id)
        return Caller(None if row is None else to_person(row), assignments)

    async def greet(
        self, telegram_id: int, name: str, language: Language, *, now: datetime
    ) -> Caller:
        """A private message: see PeopleRepository.greet."""
        # `row` stays referenced, so greet's look-up is answered from the session.
        row, assignments = await self._read(telegram_id)
        person = await PeopleRepository(self._session).greet(telegram_id, name, language, now=now)
        del row
        return Caller(person, assignments)

    async def _read(self, telegram_id: int) -> tuple[PersonRow | None, tuple[RoleAssignment, ...]]:
        rows = (
            await self._session.execute(
                select(PersonRow, UnitRow.code, RoleAssignmentRow.role, org_version_column())
                .outerjoin(
                    RoleAssignmentRow, RoleAssignmentRow.telegram_id == PersonRow.telegram_id
                )
                .outerjoin(UnitRow, UnitRow.id == RoleAssignmentRow.unit_id)
                .where(PersonRow.telegram_id == telegram_id)
            )
        ).all()
        if not rows:
            return None, ()
        note_org_version(self._session, rows[0][3])
        held = sorted((code, role) for _, code, role, _ in rows if code is not None)
        assignments = [RoleAssignment(telegram_id, code, Role(role)) for code, role in held]
        return rows[0][0], tuple(assignments)
