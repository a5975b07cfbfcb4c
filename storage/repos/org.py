"""The unit tree and whole-file organisation updates."""

from __future__ import annotations

import secrets
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any
from weakref import WeakKeyDictionary

from sqlalchemy import ScalarSelect, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import aliased

from domain.org import ChatGroup, OrgTree, Person, RoleAssignment, Unit, UnitKind, UnknownUnitError
from domain.orgfile import OrgPlan
from storage.db import ORG_VERSION
from storage.models import ChatGroupRow, OrgVersionRow, PersonRow, RoleAssignmentRow, UnitRow
from storage.records import ApplyResult
from storage.repos._sql import upsert

_Parent = aliased(UnitRow)

# The unit tree last read from each database (by engine), with the version it was read at.
# A county's tree is ten thousand units: read once, not for every question about one unit.
_trees: WeakKeyDictionary[Any, tuple[str, OrgTree]] = WeakKeyDictionary()


_VERSION = select(OrgVersionRow.token).where(OrgVersionRow.id == 1)


def org_version_column() -> ScalarSelect[str]:
    """The organisation's version as a column, for a statement that reads it on the way."""
    return _VERSION.scalar_subquery()


def note_org_version(session: AsyncSession, version: str | None) -> None:
    """Remember the version read by another statement until the transaction ends."""
    session.info[ORG_VERSION] = version or ""


class OrgRepository:
    def __init__(self, session: AsyncSession) -> None:
        self._session = session

    async def version(self) -> str:
        """The organisation's version, as read earlier in this transaction or now."""
        known = self._session.info.get(ORG_VERSION)
        if isinstance(known, str):
            return known
        # No row (a database emptied by hand) reads as a version of its own.
        version = await self._session.scalar(_VERSION) or ""
        note_org_version(self._session, version)
        return version

    async def load_tree(self) -> OrgTree:
        """Active units; a unit below an inactive one is left out with it. Read from the
        database only when the organisation changed since this process last read it."""
        version = await self.version()
        engine = self._session.bind
        cached = _trees.get(engine)
        if cached is not None and cached[0] == version:
            return cached[1]
        tree = await self._read_tree()
        _trees[engine] = (version, tree)
        return tree

    async def _read_tree(self) -> OrgTree:
        rows = await self._session.execute(
            select(UnitRow.code, UnitRow.name, UnitRow.kind, _Parent.code)
            .outerjoin(_Parent, _Parent.id == UnitRow.parent_id)
            .where(UnitRow.active.is_(True))
        )
        units = {
            code: Unit(code, name, UnitKind(kind), parent) for code, name, kind, parent in rows
        }
        # OrgTree fails on a parent it does not know, so orphans are pruned level by level.
        while orphans := [
            unit.code
            for unit in units.values()
            if unit.parent_code is not None and unit.parent_code not in units
        ]:
            for code in orphans:
                del units[code]
        return OrgTree(units)

    async def get_unit(self, code: str) -> Unit | None:
        """The unit if it exists and is active (and so are its parents)."""
        return (await self.load_tree()).units.get(code)

    async def changed(self) -> None:
        """Give the organisation a new version: the unit tree changed in this transaction."""
        version = secrets.token_hex(16)
        await self._session.execute(
            upsert(self._session, OrgVersionRow)
            .values(id=1, token=version)
            .on_conflict_do_update(index_elements=[OrgVersionRow.id], set_={"token": version})
        )
        note_org_version(self._session, version)

    async def apply_plan(
        self, plan: OrgPlan, *, now: datetime, applied_by: int | None = None
    ) -> ApplyResult:
        """Upsert a validated organisation file inside the caller's transaction.

        Units are matched by code, people by Telegram id and groups by chat id. Role
        assignments are only ever added: taking a role away is a deliberate act, not the side
        effect of a line missing from a file. Unchanged entries are not counted.
        """
        return await _PlanApplier(self._session, now, applied_by).apply(plan)


@dataclass
class _PlanApplier:
    session: AsyncSession
    now: datetime
    applied_by: int | None
    unit_rows: dict[str, UnitRow] = field(default_factory=dict)

    async def apply(self, plan: OrgPlan) -> ApplyResult:
        codes = {unit.code for unit in plan.units}
        codes |= {unit.parent_code for unit in plan.units if unit.parent_code is not None}
        codes |= {a.unit_code for a in plan.assignments} | {g.unit_code for g in plan.groups}
        found = await self.session.scalars(select(UnitRow).where(UnitRow.code.in_(codes)))
        self.unit_rows = {row.code: row for row in found}
        units_created, units_updated = await self._units(plan.units)
        if units_created or units_updated:
            await OrgRepository(self.session).changed()
        people_created, people_updated = await self._people(plan.people)
        return ApplyResult(
            units_created=units_created,
            units_updated=units_updated,
            people_created=people_created,
            people_updated=people_updated,
            roles_added=await self._roles(plan.assignments),
            groups_bound=await self._groups(plan.groups),
        )

    def _unit_id(self, code: str) -> int:
        try:
            return self.unit_rows[code].id
        except KeyError:
            raise UnknownUnitError(code) from None

    async def _units(self, units: list[Unit]) -> tuple[int, int]:
        created = updated = 0
        for unit in dependency_order(units):
            parent_id = None if unit.parent_code is None else self._unit_id(unit.parent_code)
            row = self.unit_rows.get(unit.code)
            if row is None:
                row = UnitRow(code=unit.code, created_at=self.now)
                self.session.add(row)
                self.unit_rows[unit.code] = row
                created += 1
            elif (row.name, row.kind, row.parent_id, row.active) == (
                unit.name,
                unit.kind.value,
                parent_id,
                True,
            ):
                continue
            else:
                updated += 1
            row.name, row.kind, row.parent_id = unit.name, unit.kind.value, parent_id
            row.active, row.updated_at = True, self.now
            # Children inserted next need this unit's generated id.
            await self.session.flush()
        return created, updated

    async def _people(self, people: list[Person]) -> tuple[int, int]:
        ids = {person.telegram_id for person in people}
        found = await self.session.scalars(select(PersonRow).where(PersonRow.telegram_id.in_(ids)))
        rows = {row.telegram_id: row for row in found}
        created: set[int] = set()
        updated: set[int] = set()
        for person in people:
            row = rows.get(person.telegram_id)
            if row is None:
                row = PersonRow(telegram_id=person.telegram_id, created_at=self.now)
                self.session.add(row)
                rows[person.telegram_id] = row
                created.add(person.telegram_id)
            phone = person.phone if person.phone is not None else row.phone
            if (row.name, row.language, row.phone) == (person.name, person.language.value, phone):
                continue
            row.name, row.language, row.phone = person.name, person.language.value, phone
            row.updated_at = self.now
            if person.telegram_id not in created:
                updated.add(person.telegram_id)
        await self.session.flush()
        return len(created), len(updated)

    async def _roles(self, assignments: list[RoleAssignment]) -> int:
        ids = {a.telegram_id for a in assignments}
        found = await self.session.execute(
            select(
                RoleAssignmentRow.telegram_id, RoleAssignmentRow.unit_id, RoleAssignmentRow.role
            ).where(RoleAssignmentRow.telegram_id.in_(ids))
        )
        held = {tuple(row) for row in found}
        added = 0
        for assignment in assignments:
            key = (
                assignment.telegram_id,
                self._unit_id(assignment.unit_code),
                assignment.role.value,
            )
            if key in held:
                continue
            held.add(key)
            self.session.add(
                RoleAssignmentRow(
                    telegram_id=key[0],
                    unit_id=key[1],
                    role=key[2],
                    granted_by=self.applied_by,
                    granted_at=self.now,
                )
            )
            added += 1
        await self.session.flush()
        return added

    async def _groups(self, groups: list[ChatGroup]) -> int:
        ids = {group.chat_id for group in groups}
        found = await self.session.scalars(
            select(ChatGroupRow).where(ChatGroupRow.chat_id.in_(ids))
        )
        rows = {row.chat_id: row for row in found}
        bound = 0
        for group in groups:
            unit_id = self._unit_id(group.unit_code)
            row = rows.get(group.chat_id)
            if row is None:
                row = ChatGroupRow(chat_id=group.chat_id, join_token=group.join_token)
                self.session.add(row)
                rows[group.chat_id] = row
            elif (row.title, row.unit_id, row.purpose) == (
                group.title,
                unit_id,
                group.purpose.value,
            ) and (row.join_token or not group.join_token):
                continue
            row.title, row.unit_id, row.purpose = group.title, unit_id, group.purpose.value
            # A group that becomes a residents group needs a join link; an existing one is kept
            # so that buttons already posted keep working.
            row.join_token = row.join_token or group.join_token
            row.bound_by, row.bound_at = self.applied_by, self.now
            bound += 1
        await self.session.flush()
        return bound


def dependency_order(units: Iterable[Unit]) -> list[Unit]:
    """The units with every parent that is among them placed before its children."""
    by_code = {unit.code: unit for unit in units}
    ordered: list[Unit] = []
    placed: set[str] = set()
    for unit in by_code.values():
        chain: list[Unit] = []
        current: Unit | None = unit
        while current is not None and current.code not in placed:
            if current in chain:
                raise ValueError(f"units {', '.join(u.code for u in chain)} form a cycle")
            chain.append(current)
            current = by_code.get(current.parent_code) if current.parent_code else None
        for link in reversed(chain):
            ordered.append(link)
            placed.add(link.code)
    return ordered
