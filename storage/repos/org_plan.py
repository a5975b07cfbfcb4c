"""Writing a validated organisation file: units a tree level at a time, people and roles in
batches, with progress for a terminal."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, TypeVar

from sqlalchemy import Table, bindparam, insert, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from domain.org import ChatGroup, Person, RoleAssignment, Unit, UnknownUnitError
from domain.orgfile import OrgPlan
from storage.models import ChatGroupRow, PersonRow, RoleAssignmentRow, UnitRow
from storage.records import ApplyResult
from storage.repos._sql import table_of

_Item = TypeVar("_Item")

# Rows written per statement (SQLite caps the bound parameters of one statement).
_BATCH = 500
# What applying a plan reports as it goes: (what, done, of).
Progress = Callable[[str, int, int], None]


@dataclass
class PlanApplier:
    """Writes a validated organisation plan (OrgRepository.apply_plan), in batches."""

    session: AsyncSession
    now: datetime
    applied_by: int | None
    progress: Progress | None = None
    unit_ids: dict[str, int] = field(default_factory=dict)

    async def apply(self, plan: OrgPlan) -> ApplyResult:
        units_created, units_updated = await self._units(plan.units, plan)
        people_created, people_updated = await self._people(plan.people)
        result = ApplyResult(
            units_created=units_created,
            units_updated=units_updated,
            people_created=people_created,
            people_updated=people_updated,
            roles_added=await self._roles(plan.assignments),
            groups_bound=await self._groups(plan.groups),
        )
        # Written as statements: rows the session loaded earlier must be read again.
        self.session.expire_all()
        return result

    def _unit_id(self, code: str) -> int:
        try:
            return self.unit_ids[code]
        except KeyError:
            raise UnknownUnitError(code) from None

    def _report(self, what: str, done: int, of: int) -> None:
        if self.progress is not None:
            self.progress(what, done, of)

    async def _units(self, units: list[Unit], plan: OrgPlan) -> tuple[int, int]:
        """New and changed units, written a level of the tree at a time: a level's new rows
        in one statement per batch, after their parents' ids are known."""
        codes = {unit.code for unit in units}
        codes |= {unit.parent_code for unit in units if unit.parent_code is not None}
        codes |= {a.unit_code for a in plan.assignments} | {g.unit_code for g in plan.groups}
        stored = await self._stored_units(codes)
        self.unit_ids = {code: row[0] for code, row in stored.items()}
        table = table_of(UnitRow)
        created = updated = done = 0
        for level in _levels(dependency_order(units)):
            new: list[dict[str, Any]] = []
            changed: list[dict[str, Any]] = []
            for unit in level:
                parent_id = None if unit.parent_code is None else self._unit_id(unit.parent_code)
                values = {"name": unit.name, "kind": unit.kind.value, "parent_id": parent_id}
                row = stored.get(unit.code)
                if row is None:
                    new.append({"code": unit.code, **values, "active": True})
                elif row[1:] != (unit.name, unit.kind.value, parent_id, True):
                    changed.append({"unit_id": row[0], **values})
            await self._insert_new(table, new)
            if changed:
                await self.session.execute(
                    update(table)
                    .where(table.c.id == bindparam("unit_id"))
                    .values(
                        name=bindparam("name"),
                        kind=bindparam("kind"),
                        parent_id=bindparam("parent_id"),
                        active=True,
                        updated_at=self.now,
                    ),
                    changed,
                )
            # Children of this level need its new ids.
            written = await self._stored_units({r["code"] for r in new})
            self.unit_ids.update((code, row[0]) for code, row in written.items())
            created, updated, done = created + len(new), updated + len(changed), done + len(level)
            self._report("units", done, len(units))
        return created, updated

    async def _insert_new(
        self, table: Table, rows: list[dict[str, Any]], report: str | None = None
    ) -> None:
        """New rows, stamped now, a statement per batch."""
        done = 0
        for batch in _batches(rows):
            stamped = [{**row, "created_at": self.now, "updated_at": self.now} for row in batch]
            await self.session.execute(insert(table), stamped)
            done += len(batch)
            if report is not None:
                self._report(report, done, len(rows))

    async def _stored_units(self, codes: set[str]) -> dict[str, tuple[Any, ...]]:
        table = table_of(UnitRow)
        found: dict[str, tuple[Any, ...]] = {}
        for batch in _batches(sorted(codes)):
            rows = await self.session.execute(
                select(
                    table.c.code,
                    table.c.id,
                    table.c.name,
                    table.c.kind,
                    table.c.parent_id,
                    table.c.active,
                ).where(table.c.code.in_(batch))
            )
            found.update((row[0], tuple(row[1:])) for row in rows)
        return found

    async def _people(self, people: list[Person]) -> tuple[int, int]:
        table = table_of(PersonRow)
        stored: dict[int, tuple[str, str, str | None]] = {}
        for ids in _batches(sorted({person.telegram_id for person in people})):
            rows = await self.session.execute(
                select(table.c.telegram_id, table.c.name, table.c.language, table.c.phone).where(
                    table.c.telegram_id.in_(ids)
                )
            )
            stored.update((row[0], (row[1], row[2], row[3])) for row in rows)
        new: dict[int, dict[str, Any]] = {}
        changed: dict[int, dict[str, Any]] = {}
        for person in people:
            known = stored.get(person.telegram_id)
            phone = person.phone if person.phone is not None or known is None else known[2]
            values = {"name": person.name, "language": person.language.value, "phone": phone}
            if known is None or person.telegram_id in new:  # listed again: its last line
                new[person.telegram_id] = {"telegram_id": person.telegram_id, **values}
            elif known != (person.name, person.language.value, phone):
                changed[person.telegram_id] = {"person_id": person.telegram_id, **values}
            stored[person.telegram_id] = (person.name, person.language.value, phone)
        await self._insert_new(table, list(new.values()), report="people")
        for batch in _batches(list(changed.values())):
            await self.session.execute(
                update(table)
                .where(table.c.telegram_id == bindparam("person_id"))
                .values(
                    name=bindparam("name"),
                    language=bindparam("language"),
                    phone=bindparam("phone"),
                    updated_at=self.now,
                ),
                batch,
            )
        return len(new), len(changed)

    async def _roles(self, assignments: list[RoleAssignment]) -> int:
        table = table_of(RoleAssignmentRow)
        held: set[tuple[int, int, str]] = set()
        for ids in _batches(sorted({a.telegram_id for a in assignments})):
            found = await self.session.execute(
                select(table.c.telegram_id, table.c.unit_id, table.c.role).where(
                    table.c.telegram_id.in_(ids)
                )
            )
            held.update((row[0], row[1], row[2]) for row in found)
        new: list[dict[str, Any]] = []
        for assignment in assignments:
            key = (
                assignment.telegram_id,
                self._unit_id(assignment.unit_code),
                assignment.role.value,
            )
            if key in held:
                continue
            held.add(key)
            new.append(
                {
                    "telegram_id": key[0],
                    "unit_id": key[1],
                    "role": key[2],
                    "granted_by": self.applied_by,
                    "granted_at": self.now,
                }
            )
        done = 0
        for batch in _batches(new):
            await self.session.execute(insert(table), batch)
            done += len(batch)
            self._report("roles", done, len(new))
        return len(new)

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


def _batches(items: Sequence[_Item]) -> Iterator[Sequence[_Item]]:
    for start in range(0, len(items), _BATCH):
        yield items[start : start + _BATCH]


def _levels(ordered: list[Unit]) -> list[list[Unit]]:
    """Units in dependency order, grouped so that each unit's parent (when among them) is in
    an earlier group."""
    depth: dict[str, int] = {}
    levels: list[list[Unit]] = []
    for unit in ordered:
        level = depth.get(unit.parent_code, -1) + 1 if unit.parent_code else 0
        depth[unit.code] = level
        if level == len(levels):
            levels.append([])
        levels[level].append(unit)
    return levels


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
