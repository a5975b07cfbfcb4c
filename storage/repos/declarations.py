"""Returnee declarations: the submitted answers, the places screened and the classification.

Re-screening reads and writes many rows at once, so it works on a few columns
(`ScreeningRow`) with one SELECT and executemany UPDATEs; it never loads ORM objects.
"""

from __future__ import annotations

import json
import re
import typing
from collections.abc import Collection, Iterable, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from sqlalchemy import ColumnElement, Table, Text, and_, bindparam, cast, insert, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from domain.cases import MeasureRelease
from domain.declaration_json import declaration_from_dict, declaration_to_dict
from domain.declarations import Declaration, RiskFacts, RiskLevel
from domain.followup import FollowupItem, subject
from domain.measure_data import measure_from_data as measure_from_data  # re-exported
from domain.measure_data import measure_to_data as measure_to_data  # re-exported
from domain.obligations import ObligationKind, ObligationState
from domain.policy import Category, Classification
from domain.privacy_notice import NoticeAcceptance
from domain.retention import RetentionHold
from domain.risk_areas import Place
from storage.changes import note_change
from storage.crypto import phone_index
from storage.models import (
    CaseActionRow,
    CheckinRow,
    DeclarationRow,
    ObligationRow,
    TestRecordRow,
)
from storage.repos._sql import rowcount
from storage.repos.obligations import OBLIGATIONS

# SQLite caps the number of bound parameters in one statement.
_CHUNK = 500
# Bulk UPDATEs go through the Core table: an ORM-enabled UPDATE given a list of parameter
# sets becomes SQLAlchemy's "bulk update by primary key", which wants the key by its name.
_TABLE = typing.cast(Table, DeclarationRow.__table__)
# An empty JSON list as SQLite and PostgreSQL (json and jsonb) print it.
_EMPTY = frozenset({"[]", "[ ]"})


@dataclass(frozen=True, slots=True)
class NewDeclaration:
    unit_code: str
    resident_id: int | None
    filed_by: int
    proxy: bool
    submitted_at: datetime
    start_date: date
    declaration: Declaration
    places: tuple[Place, ...]
    classification: Classification
    facts: RiskFacts
    policy_version: str
    version: int = 1  # an update by the resident: the version it supersedes + 1
    notice: NoticeAcceptance | None = None  # the privacy notice it was filed under


@dataclass(frozen=True, slots=True)
class StoredDeclaration:
    id: int
    unit_code: str
    resident_id: int | None
    filed_by: int
    proxy: bool
    submitted_at: datetime
    start_date: date
    declaration: Declaration
    places: tuple[Place, ...]
    classification: Classification
    facts: RiskFacts
    policy_version: str
    classified_at: datetime
    version: int
    superseded_by: int | None
    release: MeasureRelease | None = None  # the measure ended early by staff
    hold: RetentionHold | None = None  # an admin keeps it from the retention purge
    purged: bool = False  # its personal fields were erased (domain.retention)
    notice: NoticeAcceptance | None = None  # the privacy notice it was filed under


@dataclass(frozen=True, slots=True)
class ScreeningRow:
    """What re-screening one declaration needs, and its current classification in short."""

    id: int
    start_date: date
    places: tuple[Place, ...]
    facts: RiskFacts
    category: Category
    immediate_report: bool


# One place as Place.to_data writes it and json.dumps prints it (SQLite, PostgreSQL json).
_PLACE = re.compile(
    r'\{"code": "([^"\\]*)", "from": (?:"([0-9-]{10})"|null), "to": (?:"([0-9-]{10})"|null)\}'
)


class _PlacesDecoder:
    """Decodes the `places` column's text. Re-screening decodes 100,000 of them, so the
    shape Place.to_data writes is read with one regular expression and dates are parsed once
    per distinct day; any other spelling (jsonb reorders keys) goes through json."""

    def __init__(self) -> None:
        self.days: dict[str, date] = {}
        # Many declarations name the same place on the same days; build each Place once.
        self.places: dict[tuple[str, str, str], Place] = {}
        self.facts_of: dict[tuple[RiskLevel, bool, str], RiskFacts] = {}

    def day(self, text: str) -> date:
        found = self.days.get(text)
        if found is None:
            found = self.days[text] = date.fromisoformat(text)
        return found

    def __call__(self, text: str) -> tuple[Place, ...]:
        found = _PLACE.findall(text)
        if len(found) == text.count("{"):
            return tuple(self.places.get(key) or self._place(key) for key in found)
        return tuple(Place.from_data(place) for place in json.loads(text))

    def facts(self, level: RiskLevel, cases: bool, matched: str) -> RiskFacts:
        """The stored facts; `matched` as text. The same few lists of area names recur
        (everyone from one district), so each is decoded once."""
        key = (level, cases, matched)
        found = self.facts_of.get(key)
        if found is None:
            names = () if matched in _EMPTY else tuple(str(m) for m in json.loads(matched))
            found = self.facts_of[key] = RiskFacts(level, cases, names)
        return found

    def _place(self, key: tuple[str, str, str]) -> Place:
        code, start, end = key
        place = Place(code, self.day(start) if start else None, self.day(end) if end else None)
        self.places[key] = place
        return place


def _facts(level: str, city_has_cases: bool, matched: Sequence[Any]) -> RiskFacts:
    return RiskFacts(RiskLevel(level), bool(city_has_cases), tuple(str(m) for m in matched))


def _stored(row: Any) -> StoredDeclaration:
    """From a Core row of every column (an ORM row has the same attributes)."""
    classification = Classification(
        Category(row.category),
        measure_from_data(row.measure),
        row.rule_name,
        (),  # the reasons are for explaining at the time; not stored
        row.immediate_report,
    )
    return StoredDeclaration(
        id=row.id,
        unit_code=row.unit_code,
        resident_id=row.resident_id,
        filed_by=row.filed_by,
        proxy=row.proxy,
        submitted_at=row.submitted_at,
        start_date=row.start_date,
        declaration=declaration_from_dict(row.answers),
        places=tuple(Place.from_data(place) for place in row.places),
        classification=classification,
        facts=_facts(row.risk_level, row.city_has_cases, row.matched),
        policy_version=row.policy_version,
        classified_at=row.classified_at,
        version=row.version,
        superseded_by=row.superseded_by,
        release=(
            MeasureRelease(row.released_by, row.released_at, row.release_reason or "")
            if row.released_at is not None and row.released_by is not None
            else None
        ),
        hold=(
            RetentionHold(row.held_by, row.held_at, row.hold_reason or "")
            if row.held_at is not None and row.held_by is not None
            else None
        ),
        purged=row.purged_at is not None,
        notice=(
            NoticeAcceptance(row.notice_version, row.notice_accepted_at)
            if row.notice_version is not None and row.notice_accepted_at is not None
            else None
        ),
    )


@dataclass(frozen=True, slots=True)
class MeasurePeriod:
    """A current declaration with a measure of days, in short: when its period ends."""

    id: int
    end: date  # the first day after the period


def _classification_values(
    classification: Classification, facts: RiskFacts, policy_version: str, at: datetime
) -> dict[str, Any]:
    return {
        "category": classification.category.value,
        "rule_name": classification.rule_name,
        "measure": measure_to_data(classification.measure),
        "immediate_report": classification.immediate_report,
        "risk_level": facts.level.value,
        "city_has_cases": facts.city_has_cases,
        "matched": list(facts.matched),
        "policy_version": policy_version,
        "classified_at": at,
    }


@dataclass(frozen=True, slots=True)
class Reclassification:
    id: int
    classification: Classification
    facts: RiskFacts


class DeclarationRepository:
    def __init__(self, session: AsyncSession) -> None:
        self._session = session

    async def add(self, new: NewDeclaration) -> int:
        """Store a submitted declaration (`new.version`, 1 unless an update); its id."""
        result = await self._session.execute(
            insert(DeclarationRow)
            .values(
                unit_code=new.unit_code,
                resident_id=new.resident_id,
                filed_by=new.filed_by,
                proxy=new.proxy,
                submitted_at=new.submitted_at,
                start_date=new.start_date,
                answers=declaration_to_dict(new.declaration),
                phone_index=phone_index(new.declaration.phone),
                places=[place.to_data() for place in new.places],
                unlocated_places=len(new.declaration.unlocated_stays()),
                version=new.version,
                superseded_by=None,
                notice_version=new.notice.version if new.notice else None,
                notice_accepted_at=new.notice.accepted_at if new.notice else None,
                **_classification_values(
                    new.classification, new.facts, new.policy_version, new.submitted_at
                ),
            )
            .returning(DeclarationRow.id)
        )
        return int(result.scalar_one())

    async def ids_with_phone(self, phone: str) -> list[int]:
        """Current declarations giving this phone, found by its blind index: the answers are
        sealed, so the phone itself cannot be searched."""
        wanted = phone_index(phone)
        if wanted is None:
            return []
        rows = await self._session.scalars(
            select(_TABLE.c.id)
            .where(_TABLE.c.phone_index == wanted, _TABLE.c.superseded_by.is_(None))
            .order_by(_TABLE.c.id)
        )
        return list(rows)

    async def get(self, declaration_id: int) -> StoredDeclaration | None:
        row = await self._session.get(DeclarationRow, declaration_id)
        return None if row is None else _stored(row)

    async def current_of(self, resident_id: int) -> StoredDeclaration | None:
        """The resident's latest own declaration not superseded by another, if any."""
        row = await self._session.scalar(
            select(DeclarationRow)
            .where(
                DeclarationRow.resident_id == resident_id,
                DeclarationRow.superseded_by.is_(None),
            )
            .order_by(DeclarationRow.id.desc())
            .limit(1)
        )
        return None if row is None else _stored(row)

    async def proxy_current_of(
        self, filed_by: int, units: Collection[str], *, limit: int = 50
    ) -> list[StoredDeclaration]:
        """The current (not superseded) declarations `filed_by` filed for others in these
        units, newest first: the residents that filer may update or re-confirm for."""
        rows = await self._session.scalars(
            select(DeclarationRow)
            .where(
                DeclarationRow.filed_by == filed_by,
                DeclarationRow.proxy.is_(True),
                DeclarationRow.unit_code.in_(sorted(set(units))),
                DeclarationRow.superseded_by.is_(None),
            )
            .order_by(DeclarationRow.id.desc())
            .limit(limit)
        )
        return [_stored(row) for row in rows]

    async def supersede(self, old_id: int, new_id: int) -> bool:
        """Mark `old_id` superseded by `new_id` unless it already is; whether it was marked."""
        result = await self._session.execute(
            update(_TABLE)
            .where(_TABLE.c.id == old_id, _TABLE.c.superseded_by.is_(None))
            .values(superseded_by=new_id)
        )
        return rowcount(result) == 1

    async def latest(self, declaration_id: int) -> StoredDeclaration | None:
        """The current version of a declaration: itself, or the update that superseded it
        (through the chain). Buttons staff hold name the version they were sent about."""
        stored = await self.get(declaration_id)
        seen = {declaration_id}
        while stored is not None and stored.superseded_by is not None:
            if stored.superseded_by in seen:  # a cycle would be a bug: stop at what we have
                break
            seen.add(stored.superseded_by)
            newer = await self.get(stored.superseded_by)
            if newer is None:
                break
            stored = newer
        return stored

    async def earlier_versions(self, declaration_id: int) -> list[StoredDeclaration]:
        """The versions `declaration_id` updates, through the superseded_by chain, newest
        first (a resident updates a handful of times: one query per version is fine)."""
        found: list[StoredDeclaration] = []
        newer = declaration_id
        while True:
            row = await self._session.scalar(
                select(DeclarationRow).where(DeclarationRow.superseded_by == newer).limit(1)
            )
            if row is None or row.id in {s.id for s in found}:
                return found
            found.append(_stored(row))
            newer = row.id

    async def relocate(
        self, declaration_id: int, declaration: Declaration, places: Sequence[Place]
    ) -> bool:
        """Store the stays of a current declaration as a person located them, with the places
        to screen: the same version (a correction by staff, not the resident's update).
        False when it has been superseded meanwhile."""
        result = await self._session.execute(
            update(_TABLE)
            .where(_TABLE.c.id == declaration_id, _TABLE.c.superseded_by.is_(None))
            .values(
                answers=declaration_to_dict(declaration),
                phone_index=phone_index(declaration.phone),
                places=[place.to_data() for place in places],
                unlocated_places=len(declaration.unlocated_stays()),
            )
        )
        return rowcount(result) == 1

    async def move_followup(
        self, old_id: int, new_id: int, items: Sequence[FollowupItem], *, at: datetime
    ) -> int:
        """Hand the follow-up obligations of these items from declaration `old_id` to `new_id`
        (same rows: their reminders, buttons and escalation steps go on), whatever their
        state: a check-in already done today stays done under the new version rather than
        being owed again; the number moved."""
        if not items:
            return 0
        table = typing.cast(Table, ObligationRow.__table__)
        result = await self._session.execute(
            update(table)
            .where(
                table.c.kind == bindparam("o_kind"),
                table.c.subject == bindparam("o_subject"),
                table.c.period == bindparam("o_period"),
            )
            .values(subject=bindparam("o_new"), updated_at=at),
            [
                {
                    "o_kind": item.kind.value,
                    "o_subject": key.subject,
                    "o_period": key.period,
                    "o_new": item.key(new_id).subject,
                }
                for item in items
                for key in (item.key(old_id),)
            ],
        )
        note_change(self._session, OBLIGATIONS)
        return max(rowcount(result), 0)

    async def move_case(self, old_id: int, new_id: int, *, at: datetime) -> None:
        """Hand the case of declaration `old_id` to the version `new_id` updating it: its
        handling obligations (即有即报, each positive result, each check-in fever: open or
        closed), the check-ins, test records and staff actions on file. The case is the
        resident's, not a version's: the card, /cases and the alert buttons of the living
        version must see what was done, and handling it there (or a positive corrected away)
        must close what is already owed rather than leave it escalating on the old version.
        `new_id` owes no handling yet (merge_followup runs before the update opens any)."""
        table = typing.cast(Table, ObligationRow.__table__)
        await self._session.execute(
            update(table)
            .where(
                table.c.kind == ObligationKind.CASE_HANDLING.value,
                table.c.subject == subject(old_id),
            )
            .values(subject=subject(new_id), updated_at=at)
        )
        note_change(self._session, OBLIGATIONS)
        for model in (CheckinRow, TestRecordRow, CaseActionRow):
            records = typing.cast(Table, model.__table__)
            await self._session.execute(
                update(records)
                .where(records.c.declaration_id == old_id)
                .values(declaration_id=new_id)
            )

    async def many(self, ids: Iterable[int]) -> dict[int, StoredDeclaration]:
        """The stored ones among these ids, by id (Core rows: a re-screen reads thousands)."""
        wanted = sorted(set(ids))
        found: dict[int, StoredDeclaration] = {}
        for start in range(0, len(wanted), _CHUNK):
            rows = await self._session.execute(
                select(_TABLE).where(_TABLE.c.id.in_(wanted[start : start + _CHUNK]))
            )
            found.update((row.id, _stored(row)) for row in rows)
        return found

    async def for_screening(self, since: date) -> list[ScreeningRow]:
        """Every current (not superseded) declaration whose period starts on or after
        `since`, by id: the few columns re-screening reads, in one query.

        `places` and `matched` are read as text and decoded here, the empty `matched` of
        most declarations without decoding at all: a re-screen reads 100,000 of them.
        """
        rows = await self._session.execute(
            select(
                _TABLE.c.id,
                cast(_TABLE.c.start_date, Text),
                cast(_TABLE.c.places, Text),
                _TABLE.c.risk_level,
                _TABLE.c.city_has_cases,
                cast(_TABLE.c.matched, Text),
                _TABLE.c.category,
                _TABLE.c.immediate_report,
            )
            .where(
                _TABLE.c.start_date >= since,
                _TABLE.c.superseded_by.is_(None),
                # A person decided to end the measure early: a later list does not reopen it.
                _TABLE.c.released_at.is_(None),
                # Erased answers (domain.retention) would classify as if nothing was declared.
                _TABLE.c.purged_at.is_(None),
            )
            .order_by(_TABLE.c.id)
        )
        categories = {category.value: category for category in Category}
        levels = {level.value: level for level in RiskLevel}
        decode = _PlacesDecoder()
        found = []
        for id, day, places, level, cases, matched, category, immediate in rows:
            start = decode.day(day[:10])
            decoded = decode(places)
            facts = decode.facts(levels[level], bool(cases), matched)
            found.append(
                ScreeningRow(id, start, decoded, facts, categories[category], bool(immediate))
            )
        return found

    async def update_facts(self, changes: Sequence[tuple[int, RiskFacts]]) -> int:
        """Record new risk facts (classification left as it is); the number of rows given.
        One UPDATE executed for the list (executemany)."""
        if not changes:
            return 0
        await self._session.execute(
            update(_TABLE)
            .where(_TABLE.c.id == bindparam("row_id"))
            .values(
                risk_level=bindparam("level"),
                city_has_cases=bindparam("cases"),
                matched=bindparam("found"),
            ),
            [
                {
                    "row_id": id,
                    "level": facts.level.value,
                    "cases": facts.city_has_cases,
                    "found": list(facts.matched),
                }
                for id, facts in changes
            ],
        )
        return len(changes)

    async def reclassify(
        self, changes: Sequence[Reclassification], *, policy_version: str, at: datetime
    ) -> int:
        """Write new classifications with their facts and bump each row's version; the
        number of rows given. One UPDATE executed for the list (executemany)."""
        if not changes:
            return 0
        params = []
        for change in changes:
            values = _classification_values(change.classification, change.facts, policy_version, at)
            params.append({"row_id": change.id, **{f"v_{k}": v for k, v in values.items()}})
        columns = _classification_values(changes[0].classification, changes[0].facts, "", at)
        await self._session.execute(
            update(_TABLE)
            .where(_TABLE.c.id == bindparam("row_id"))
            .values(
                version=_TABLE.c.version + 1,
                **{column: bindparam(f"v_{column}") for column in columns},
            ),
            params,
        )
        return len(changes)

    async def release(self, declaration_id: int, release: MeasureRelease) -> bool:
        """Mark the measure ended early unless it already is (or the declaration has been
        superseded); whether it was marked."""
        result = await self._session.execute(
            update(_TABLE)
            .where(
                _TABLE.c.id == declaration_id,
                _TABLE.c.released_at.is_(None),
                _TABLE.c.superseded_by.is_(None),
            )
            .values(released_at=release.at, released_by=release.by, release_reason=release.reason)
        )
        return rowcount(result) == 1

    async def periods_since(self, since: date) -> list[MeasurePeriod]:
        """Current declarations not ended early whose period starts on or after `since` and
        has days, with the day after it ends: a few columns, one query."""
        rows = await self._session.execute(
            select(_TABLE.c.id, _TABLE.c.start_date, _TABLE.c.measure)
            .where(
                _TABLE.c.start_date >= since,
                _TABLE.c.superseded_by.is_(None),
                _TABLE.c.released_at.is_(None),
                _TABLE.c.category != Category.REGISTRATION_ONLY.value,
            )
            .order_by(_TABLE.c.id)
        )
        found = []
        for id, start, measure in rows:
            days = int((measure or {}).get("days", 0))
            if days > 0:
                found.append(MeasurePeriod(id, measure_from_data(measure).end(start)))
        return found

    async def excuse_open(self, declaration_id: int, reason: str, *, at: datetime) -> list[int]:
        """Excuse every still-open obligation of the declaration's follow-up (check-ins, test
        days, the handling of an immediate report), as `excuse_followup` does; their ids."""
        table = typing.cast(Table, ObligationRow.__table__)
        result = await self._session.execute(
            update(table)
            .where(
                table.c.subject == subject(declaration_id),
                table.c.state == ObligationState.OPEN.value,
            )
            .values(
                state=ObligationState.EXCUSED.value,
                closed_at=at,
                excuse_reason=reason,
                next_action_at=None,
                updated_at=at,
            )
            .returning(table.c.id)
        )
        note_change(self._session, OBLIGATIONS)
        return sorted(result.scalars())

    async def excuse_followup(
        self, items: Sequence[tuple[int, FollowupItem, str]], *, at: datetime
    ) -> int:
        """Excuse the still-open follow-up obligations of these (declaration id, item, reason)
        triples; the number excused. One UPDATE executed for the list: a re-screen
        excuses thousands, which one by one through the obligation repository would take
        seconds. Only open rows change, as `services.obligations.excuse` would do."""
        if not items:
            return 0
        table = typing.cast(Table, ObligationRow.__table__)
        result = await self._session.execute(
            update(table)
            .where(_open_item(table))
            .values(
                state=ObligationState.EXCUSED.value,
                closed_at=at,
                excuse_reason=bindparam("o_reason"),
                next_action_at=None,
                updated_at=at,
            ),
            [
                {
                    "o_kind": item.kind.value,
                    "o_subject": key.subject,
                    "o_period": key.period,
                    "o_reason": reason,
                }
                for id, item, reason in items
                for key in (item.key(id),)
            ],
        )
        note_change(self._session, OBLIGATIONS)
        return max(rowcount(result), 0)


def _open_item(table: Table) -> ColumnElement[bool]:
    """The still-open obligation of one follow-up item (bound per row of an executemany)."""
    return and_(
        table.c.kind == bindparam("o_kind"),
        table.c.subject == bindparam("o_subject"),
        table.c.period == bindparam("o_period"),
        table.c.state == ObligationState.OPEN.value,
    )
