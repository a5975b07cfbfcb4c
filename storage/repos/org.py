"""The unit tree, kept in memory per organisation version, and whole-file updates."""

from __future__ import annotations

import secrets
from datetime import datetime
from typing import Any
from weakref import WeakKeyDictionary

from sqlalchemy import ScalarSelect, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import aliased

from domain.org import OrgTree, Unit, UnitKind
from domain.orgfile import OrgPlan
from storage.db import ORG_VERSION
from storage.models import OrgVersionRow, UnitRow
from storage.records import ApplyResult
from storage.repos._sql import upsert
from storage.repos.org_plan import PlanApplier, Progress

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


def version_token() -> str:
    """A new organisation version. Letters and digits mixed, not hex: a run of 11 or 15
    digits inside a hex token reads as a phone or ID number to `privacy check` (about one
    token in 270)."""
    return secrets.token_urlsafe(16)


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
        version = version_token()
        await self._session.execute(
            upsert(self._session, OrgVersionRow)
            .values(id=1, token=version)
            .on_conflict_do_update(index_elements=[OrgVersionRow.id], set_={"token": version})
        )
        note_org_version(self._session, version)

    async def apply_plan(
        self,
        plan: OrgPlan,
        *,
        now: datetime,
        applied_by: int | None = None,
        progress: Progress | None = None,
    ) -> ApplyResult:
        """Upsert a validated organisation file inside the caller's transaction.

        Units are matched by code, people by Telegram id and groups by chat id. Role
        assignments are only ever added: taking a role away is a deliberate act, not the side
        effect of a line missing from a file. Unchanged entries are not counted.
        """
        result = await PlanApplier(self._session, now, applied_by, progress).apply(plan)
        if result.units_created or result.units_updated:
            await self.changed()
        return result
