"""Who is asking: read at the start of every update, in one statement."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import BigInteger, BindParameter, Executable, Row, bindparam, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from domain.org import Language, Person, Role, RoleAssignment
from storage.models import PersonRow, RoleAssignmentRow, UnitRow
from storage.repos._sql import prepared, table_of
from storage.repos.org import note_org_version, org_version_column
from storage.repos.people import add_if_missing


@dataclass(frozen=True, slots=True)
class Caller:
    person: Person | None
    assignments: tuple[RoleAssignment, ...]  # by unit code, then role


class CallerRepository:
    """The person, their roles and the organisation's version (kept for storage.repos.org's
    tree) in one statement; greeting the person writes only what changed."""

    def __init__(self, session: AsyncSession) -> None:
        self._session = session

    async def find(self, telegram_id: int) -> Caller:
        rows = await self._read(telegram_id)
        return _caller(telegram_id, rows)

    async def greet(
        self, telegram_id: int, name: str, language: Language, *, now: datetime
    ) -> Caller:
        """A private message from the person: register or refresh them, note their first
        start, and undo an earlier refusal (writing to the bot makes them reachable again).

        A stored language is kept (the person may have chosen it with /lang), while the name
        follows whatever Telegram currently shows. Nothing is written when nothing changed:
        on SQLite any write, even a no-op UPDATE, holds the single write lock for the rest of
        the update.
        """
        rows = await self._read(telegram_id)
        if not rows:
            await add_if_missing(self._session, telegram_id, name, language, now=now, started=True)
            rows = await self._read(telegram_id)
        person = rows[0]
        changes: dict[str, Any] = {}
        if person.name != name:
            changes.update(name=name, updated_at=now)
        if person.started_at is None or person.unreachable_at is not None:
            changes.update(
                started_at=person.started_at or now,
                unreachable_at=None,
                unreachable_reason=None,
                updated_at=now,
            )
        if changes:
            await self._session.execute(
                update(PersonRow).where(PersonRow.telegram_id == telegram_id).values(**changes)
            )
        caller = _caller(telegram_id, rows)
        assert caller.person is not None  # read just now
        return Caller(
            Person(telegram_id, name, caller.person.language, caller.person.phone),
            caller.assignments,
        )

    async def _read(self, telegram_id: int) -> list[Row[Any]]:
        """One row per role held (one with no role if none), or none for a stranger."""
        statement = prepared(self._session, "caller", _caller_statement)
        rows = list(await self._session.execute(statement, {"telegram_id": telegram_id}))
        if rows:
            note_org_version(self._session, rows[0].version)
        return rows


def _caller(telegram_id: int, rows: list[Row[Any]]) -> Caller:
    if not rows:
        return Caller(None, ())
    first = rows[0]
    person = Person(telegram_id, first.name, Language(first.language), first.phone)
    held = sorted((row.code, row.role) for row in rows if row.code is not None)
    return Caller(
        person, tuple(RoleAssignment(telegram_id, code, Role(role)) for code, role in held)
    )


def _caller_statement(_dialect: str) -> Executable:
    people, roles, units = table_of(PersonRow), table_of(RoleAssignmentRow), table_of(UnitRow)
    wanted: BindParameter[int] = bindparam("telegram_id", type_=BigInteger)
    return (
        select(
            people.c.name,
            people.c.language,
            people.c.phone,
            people.c.started_at,
            people.c.unreachable_at,
            units.c.code,
            roles.c.role,
            org_version_column().label("version"),
        )
        .select_from(people)
        .outerjoin(roles, roles.c.telegram_id == wanted)
        .outerjoin(units, units.c.id == roles.c.unit_id)
        .where(people.c.telegram_id == wanted)
    )
