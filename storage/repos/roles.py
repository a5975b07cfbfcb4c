"""Role assignments: who holds which role in which unit."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime

from sqlalchemy import delete, select
from sqlalchemy.ext.asyncio import AsyncSession

from domain.org import Person, Role, RoleAssignment
from storage.models import PersonRow, RoleAssignmentRow, UnitRow
from storage.repos._sql import rowcount, unit_id, upsert
from storage.repos.people import to_person


class RoleRepository:
    def __init__(self, session: AsyncSession) -> None:
        self._session = session

    async def of_person(self, telegram_id: int) -> list[RoleAssignment]:
        rows = await self._session.execute(
            select(UnitRow.code, RoleAssignmentRow.role)
            .join(UnitRow, UnitRow.id == RoleAssignmentRow.unit_id)
            .where(RoleAssignmentRow.telegram_id == telegram_id)
            .order_by(UnitRow.code, RoleAssignmentRow.role)
        )
        return [RoleAssignment(telegram_id, code, Role(role)) for code, role in rows]

    async def grant(
        self, assignment: RoleAssignment, *, granted_by: int | None, now: datetime
    ) -> bool:
        """Add the assignment; True if it is new, False if the person already held it.

        The person must exist (PeopleRepository.ensure); an unknown unit raises
        UnknownUnitError.
        """
        target_unit = await unit_id(self._session, assignment.unit_code)
        inserted = await self._session.scalar(
            upsert(self._session, RoleAssignmentRow)
            .values(
                telegram_id=assignment.telegram_id,
                unit_id=target_unit,
                role=assignment.role.value,
                granted_by=granted_by,
                granted_at=now,
            )
            .on_conflict_do_nothing(
                index_elements=[
                    RoleAssignmentRow.telegram_id,
                    RoleAssignmentRow.unit_id,
                    RoleAssignmentRow.role,
                ]
            )
            .returning(RoleAssignmentRow.id)
        )
        return inserted is not None

    async def all_holding(self, roles: Iterable[Role]) -> list[RoleAssignment]:
        """Every assignment of these roles, e.g. for resolving escalation targets."""
        rows = await self._session.execute(
            select(RoleAssignmentRow.telegram_id, UnitRow.code, RoleAssignmentRow.role)
            .join(UnitRow, UnitRow.id == RoleAssignmentRow.unit_id)
            .where(RoleAssignmentRow.role.in_([r.value for r in roles]))
        )
        return [RoleAssignment(person, code, Role(role)) for person, code, role in rows]

    async def holders(self, unit_code: str, role: Role) -> list[Person]:
        """People holding `role` in exactly this unit (not its ancestors), by name."""
        rows = await self._session.scalars(
            select(PersonRow)
            .join(RoleAssignmentRow, RoleAssignmentRow.telegram_id == PersonRow.telegram_id)
            .join(UnitRow, UnitRow.id == RoleAssignmentRow.unit_id)
            .where(UnitRow.code == unit_code, RoleAssignmentRow.role == role.value)
            .order_by(PersonRow.name, PersonRow.telegram_id)
        )
        return [to_person(row) for row in rows]

    async def in_unit(self, unit_code: str) -> list[tuple[int, Person, Role]]:
        """Everyone holding a role in exactly this unit, by name (residents included), with
        the assignment's id."""
        rows = await self._session.execute(
            select(RoleAssignmentRow.id, PersonRow, RoleAssignmentRow.role)
            .join(RoleAssignmentRow, RoleAssignmentRow.telegram_id == PersonRow.telegram_id)
            .join(UnitRow, UnitRow.id == RoleAssignmentRow.unit_id)
            .where(UnitRow.code == unit_code)
            .order_by(PersonRow.name, PersonRow.telegram_id)
        )
        return [(found, to_person(row), Role(role)) for found, row, role in rows]

    async def by_id(self, assignment_id: int) -> RoleAssignment | None:
        row = (
            await self._session.execute(
                select(RoleAssignmentRow.telegram_id, UnitRow.code, RoleAssignmentRow.role)
                .join(UnitRow, UnitRow.id == RoleAssignmentRow.unit_id)
                .where(RoleAssignmentRow.id == assignment_id)
            )
        ).first()
        return None if row is None else RoleAssignment(row[0], row[1], Role(row[2]))

    async def revoke(self, assignment_id: int) -> bool:
        """Take the role away; False when nobody holds it by that assignment (any more)."""
        result = await self._session.execute(
            delete(RoleAssignmentRow).where(RoleAssignmentRow.id == assignment_id)
        )
        return rowcount(result) == 1
