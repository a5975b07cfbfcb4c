"""Retention: which declarations may be purged, erasing their personal fields, and the holds
that keep a case from it (domain/retention.py has the rules, services/retention.py the run).

Erased values are written through the column types like any other, so sealed columns stay
sealed (storage/sealed.py); rows and days stay, marked `purged_at`, for the counts.
"""

from __future__ import annotations

import typing
from collections.abc import Callable, Collection, Sequence
from dataclasses import dataclass
from datetime import date, datetime

from sqlalchemy import Table, delete, or_, select, update
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import aliased

from domain.cases import CaseStep
from domain.followup import subject
from domain.outbox import OutboxState
from domain.personal_outbox import Records
from storage.models import (
    CaseActionRow,
    CheckinRow,
    CorrectionRequestRow,
    DeclarationRow,
    FsmStateRow,
    ObligationRow,
    OutboxRow,
    TestRecordRow,
)
from storage.repos._sql import rowcount

_CHUNK = 500  # SQLite caps the bound parameters of one statement
_TABLE = typing.cast(Table, DeclarationRow.__table__)


@dataclass(frozen=True, slots=True)
class RetentionCandidate:
    """A declaration not purged yet, with what decides when its measure ended."""

    id: int
    start_date: date
    days: int
    released_at: datetime | None
    superseded_at: datetime | None  # its successor's submission, when superseded
    superseded_by: int | None
    held: bool
    resident_id: int | None


@dataclass(frozen=True, slots=True)
class ErasedCounts:
    """Rows whose personal fields one erasure cleared."""

    declarations: int = 0
    checkins: int = 0
    tests: int = 0
    case_notes: int = 0
    excuses: int = 0
    outbox: int = 0  # messages about the records whose text was cleared
    corrections: int = 0  # correction requests whose text and reason were blanked


def _chunks(ids: Sequence[int]) -> list[list[int]]:
    return [list(ids[i : i + _CHUNK]) for i in range(0, len(ids), _CHUNK)]


class RetentionRepository:
    def __init__(self, session: AsyncSession) -> None:
        self._session = session

    async def candidates(self) -> list[RetentionCandidate]:
        """Every declaration whose personal fields are still held: a few columns, one query."""
        successor = aliased(DeclarationRow)
        rows = await self._session.execute(
            select(
                DeclarationRow.id,
                DeclarationRow.start_date,
                DeclarationRow.measure,
                DeclarationRow.released_at,
                successor.submitted_at,
                DeclarationRow.superseded_by,
                DeclarationRow.held_at,
                DeclarationRow.resident_id,
            )
            .outerjoin(successor, successor.id == DeclarationRow.superseded_by)
            .where(DeclarationRow.purged_at.is_(None))
            .order_by(DeclarationRow.id)
        )
        return [
            RetentionCandidate(
                id=row[0],
                start_date=row[1],
                days=int((row[2] or {}).get("days", 0)),
                released_at=row[3],
                superseded_at=row[4],
                superseded_by=row[5],
                held=row[6] is not None,
                resident_id=row[7],
            )
            for row in rows
        ]

    async def erase(
        self,
        ids: Sequence[int],
        erase_answers: Callable[[dict[str, typing.Any]], dict[str, typing.Any]],
        *,
        now: datetime,
    ) -> ErasedCounts:
        """Erase the personal fields of these declarations (not purged yet) and of their
        check-ins, test records, case notes and excuses; the rows and days stay, marked."""
        declarations = checkins = tests = notes = excuses = 0
        for chunk in _chunks(ids):
            rows = await self._session.execute(
                select(_TABLE.c.id, _TABLE.c.answers).where(
                    _TABLE.c.id.in_(chunk), _TABLE.c.purged_at.is_(None)
                )
            )
            for id, answers in rows.all():
                result = await self._session.execute(
                    update(_TABLE)
                    .where(_TABLE.c.id == id, _TABLE.c.purged_at.is_(None))
                    .values(
                        answers=erase_answers(dict(answers or {})),
                        phone_index=None,
                        # The reason for an early end may concern the person's health.
                        release_reason=None,
                        purged_at=now,
                    )
                )
                declarations += rowcount(result)
            checkins += rowcount(
                await self._session.execute(
                    update(CheckinRow)
                    .where(CheckinRow.declaration_id.in_(chunk), CheckinRow.purged_at.is_(None))
                    .values(temperature=None, symptoms=[], purged_at=now)
                )
            )
            tests += rowcount(
                await self._session.execute(
                    update(TestRecordRow)
                    .where(
                        TestRecordRow.declaration_id.in_(chunk), TestRecordRow.purged_at.is_(None)
                    )
                    .values(result=None, purged_at=now)
                )
            )
            # A located place's note is a division's code, like the places kept; the others
            # are what staff wrote about the person.
            notes += rowcount(
                await self._session.execute(
                    update(CaseActionRow)
                    .where(
                        CaseActionRow.declaration_id.in_(chunk),
                        CaseActionRow.note.is_not(None),
                        CaseActionRow.action != CaseStep.LOCATED.value,
                    )
                    .values(note=None)
                )
            )
            excuses += rowcount(
                await self._session.execute(
                    update(ObligationRow)
                    .where(
                        ObligationRow.subject.in_([subject(id) for id in chunk]),
                        ObligationRow.excuse_reason.is_not(None),
                    )
                    .values(excuse_reason=None)
                )
            )
        return ErasedCounts(declarations, checkins, tests, notes, excuses)

    async def drop_stale_drafts(self, people: Collection[int], before: datetime) -> int:
        """Delete the dialog state (half-finished answers) of these people untouched since
        `before`, from the SQL FSM storage; the number of rows."""
        dropped = 0
        wanted = sorted(people)
        for i in range(0, len(wanted), 100):
            keys = [FsmStateRow.key.like(f"%:{person}:%") for person in wanted[i : i + 100]]
            dropped += rowcount(
                await self._session.execute(
                    delete(FsmStateRow).where(FsmStateRow.updated_at < before, or_(*keys))
                )
            )
        return dropped

    async def set_hold(self, declaration_id: int, by: int, reason: str, *, at: datetime) -> bool:
        """Hold the declaration back from the purge; False when there is none to hold (no
        such declaration, or already erased). Holding again replaces the reason."""
        result = await self._session.execute(
            update(DeclarationRow)
            .where(DeclarationRow.id == declaration_id, DeclarationRow.purged_at.is_(None))
            .values(held_at=at, held_by=by, hold_reason=reason)
        )
        return rowcount(result) == 1

    async def clear_hold(self, declaration_id: int) -> bool:
        """Release the hold; False when the declaration was not held."""
        result = await self._session.execute(
            update(DeclarationRow)
            .where(DeclarationRow.id == declaration_id, DeclarationRow.held_at.is_not(None))
            .values(held_at=None, held_by=None, hold_reason=None)
        )
        return rowcount(result) == 1

    async def records_of(
        self, declaration_ids: Collection[int], corrections: Collection[int] = ()
    ) -> Records:
        """The declarations' follow-up obligations and test records, by id: what the outbox
        keys of the messages about them name (domain.personal_outbox)."""
        wanted = sorted(declaration_ids)
        obligations: set[int] = set()
        tests: set[int] = set()
        for chunk in _chunks(wanted):
            obligations.update(
                await self._session.scalars(
                    select(ObligationRow.id).where(
                        ObligationRow.subject.in_([subject(id) for id in chunk])
                    )
                )
            )
            tests.update(
                await self._session.scalars(
                    select(TestRecordRow.id).where(TestRecordRow.declaration_id.in_(chunk))
                )
            )
        return Records(
            frozenset(wanted), frozenset(obligations), frozenset(tests), frozenset(corrections)
        )

    async def clear_outbox(self, records: Records) -> int:
        """Clear the text and buttons of the messages about these records (the row, its key and
        state stay, so nothing enqueues it again); an unsent one is withdrawn: what it would
        say is erased. The number of rows cleared now."""
        keys = await self._session.execute(select(OutboxRow.id, OutboxRow.dedupe_key))
        ids = [id for id, key in keys.all() if records.names(key)]
        cleared = 0
        for chunk in _chunks(ids):
            for row in await self._session.scalars(
                select(OutboxRow).where(OutboxRow.id.in_(chunk))
            ):
                if row.text == "" and row.reply_markup is None:
                    continue  # cleared before
                row.text = ""
                row.reply_markup = None
                if row.state == OutboxState.PENDING.value:
                    row.state = OutboxState.WITHDRAWN.value
                cleared += 1
        await self._session.flush()
        return cleared

    async def blank_corrections(
        self,
        *,
        residents: Collection[int] | None = None,
        decided_before: datetime | None = None,
        keep: Collection[int] = (),
    ) -> list[int]:
        """Blank the text and reason of correction requests (the row, state and dates stay):
        the residents' own, or those answered before `decided_before`, except the residents in
        `keep` (a hold covers one of their declarations). The ids blanked now."""
        statement = select(CorrectionRequestRow)
        if residents is not None:
            statement = statement.where(CorrectionRequestRow.resident_id.in_(sorted(residents)))
        if decided_before is not None:
            statement = statement.where(CorrectionRequestRow.decided_at < decided_before)
        if keep:
            statement = statement.where(CorrectionRequestRow.resident_id.not_in(sorted(keep)))
        blanked: list[int] = []
        for row in await self._session.scalars(statement.order_by(CorrectionRequestRow.id)):
            if row.text == "" and row.reason is None:
                continue
            row.text = ""
            row.reason = None
            blanked.append(row.id)
        await self._session.flush()
        return blanked
