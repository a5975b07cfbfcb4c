"""Reads for the .xlsx ledgers (services/exports): a page of rows at a time, by id, so that an
export of a hundred thousand declarations never holds them all, and other reads may run
between pages on the same connection (no cursor is left open)."""

from __future__ import annotations

import json
import typing
from collections.abc import AsyncIterator, Collection
from dataclasses import dataclass, replace
from datetime import date, datetime
from typing import Any, NamedTuple

from sqlalchemy import ColumnElement, Table, Text, and_, select, type_coerce
from sqlalchemy.dialects import sqlite
from sqlalchemy.ext.asyncio import AsyncSession

from domain.checkins import SUBJECT_PREFIX
from domain.declaration_json import LedgerFields, ledger_fields
from domain.measure_data import measure_from_data
from domain.notices import NoticeState, RecipientKind, RecipientState
from domain.obligations import ObligationKind, ObligationState
from domain.policy import Category, Measure
from storage.crypto import is_sealed
from storage.models import (
    CheckinRow,
    DeclarationRow,
    EscalationLogRow,
    NoticeRecipientRow,
    NoticeRow,
    ObligationRow,
    TestRecordRow,
)
from storage.sealed import SealedJSON

PAGE = 1000
# A subtree this small is filtered in SQL; a larger one (SQLite caps bound parameters) by
# the rows' unit code after reading.
_IN_LIMIT = 500
_DECLARATIONS = typing.cast(Table, DeclarationRow.__table__)
_NO_DIALECT = sqlite.dialect()  # SealedJSON does not look at it


@dataclass(frozen=True, slots=True)
class FollowupLine:
    """A check-in or test owed on a day, with what was recorded for it (if anything)."""

    kind: ObligationKind  # HEALTH_CHECKIN or TEST_DUE
    declaration_id: int
    unit_code: str
    day: date
    state: ObligationState
    due_at: datetime
    temperature: float | None = None
    symptoms: tuple[str, ...] = ()
    result: str | None = None
    recorded_at: datetime | None = None
    purged: bool = False


@dataclass(frozen=True, slots=True)
class EscalationLine:
    at: datetime
    kind: ObligationKind
    unit_code: str
    period: str
    due_at: datetime
    step: int
    repeat: int
    outcome: str
    target: str | None
    recipient: int | None  # the chat written to (a person's id for a private message)
    covering_for: int | None


@dataclass(frozen=True, slots=True)
class NoticeLine:
    """One recipient of a sent notice, with the notice's own facts."""

    notice_id: int
    sent_at: datetime
    author_id: int
    text: str
    unit_code: str
    person_id: int | None  # None: the unit has no liaison
    kind: RecipientKind
    state: RecipientState
    confirmed_at: datetime | None
    question: str | None
    answer: str | None


class ExportedDeclaration(NamedTuple):
    """What the declarations ledger shows of a stored declaration: not its places, risk
    facts or classification, which the ledger does not read (and which cost a JSON parse
    each per row)."""

    id: int
    unit_code: str
    submitted_at: datetime
    proxy: bool
    start_date: date
    answers: LedgerFields
    category: Category
    measure: Measure
    released: bool
    superseded_by: int | None
    purged: bool


# The sealed answers and the measure are read as their stored JSON text: the SealedJSON and
# JSON column types would open and parse them on the event loop, in SQLAlchemy's row
# processing; `DeclarationPage.read` does it where its caller chooses (a worker thread).
_EXPORTED = (
    _DECLARATIONS.c.id,
    _DECLARATIONS.c.unit_code,
    _DECLARATIONS.c.submitted_at,
    _DECLARATIONS.c.proxy,
    _DECLARATIONS.c.start_date,
    type_coerce(_DECLARATIONS.c.answers, Text).label("answers"),
    _DECLARATIONS.c.category,
    type_coerce(_DECLARATIONS.c.measure, Text).label("measure"),
    # Flags, not times: the ledger asks only whether (and a time costs a conversion a row).
    and_(_DECLARATIONS.c.released_at.is_not(None), _DECLARATIONS.c.released_by.is_not(None)).label(
        "released"
    ),
    _DECLARATIONS.c.superseded_by,
    _DECLARATIONS.c.purged_at.is_not(None).label("purged"),
)
_ANSWERS = SealedJSON()


def _json(value: Any) -> Any:
    """A JSON column's value read as text: SQLite's driver gives the JSON text, asyncpg's has
    decoded it already."""
    return json.loads(value) if isinstance(value, str) else value


@dataclass(frozen=True, slots=True)
class DeclarationPage:
    """A page of declarations as read: `read()` opens the sealed answers and makes them
    domain objects. Apart, so that a caller may do that work (most of a page's cost) in a
    worker thread rather than on the event loop."""

    rows: list[Any]

    def read(self) -> list[ExportedDeclaration]:
        measures: dict[str, Measure] = {}  # a few distinct measures recur on every row
        found = []
        for row in self.rows:
            measure = measures.get(row.measure) if isinstance(row.measure, str) else None
            if measure is None:
                measure = measure_from_data(_json(row.measure))
                if isinstance(row.measure, str):
                    measures[row.measure] = measure
            answers = row.answers
            if not is_sealed(answers):  # SQLite's JSON text of the envelope, or a clear value
                answers = _json(answers)
            answers = _ANSWERS.process_result_value(answers, _NO_DIALECT)
            found.append(
                ExportedDeclaration(
                    row.id,
                    row.unit_code,
                    row.submitted_at,
                    row.proxy,
                    row.start_date,
                    ledger_fields(answers),
                    Category(row.category),
                    measure,
                    bool(row.released),
                    row.superseded_by,
                    bool(row.purged),
                )
            )
        return found


def _units(column: Any, codes: Collection[str] | None) -> list[ColumnElement[bool]]:
    if codes is None or len(codes) > _IN_LIMIT:
        return []
    return [column.in_(sorted(codes))]


def _kept(codes: Collection[str] | None, code: str) -> bool:
    return codes is None or code in codes


class ExportRepository:
    def __init__(self, session: AsyncSession) -> None:
        self._session = session

    async def declarations(
        self, codes: Collection[str] | None, since: datetime, until: datetime
    ) -> AsyncIterator[DeclarationPage]:
        """Declarations submitted in [since, until) by these units (None: all), by id, a page
        at a time."""
        last = 0
        while True:
            rows = list(
                await self._session.execute(
                    select(*_EXPORTED)
                    .where(
                        _DECLARATIONS.c.id > last,
                        _DECLARATIONS.c.submitted_at >= since,
                        _DECLARATIONS.c.submitted_at < until,
                        *_units(_DECLARATIONS.c.unit_code, codes),
                    )
                    .order_by(_DECLARATIONS.c.id)
                    .limit(PAGE)
                )
            )
            if not rows:
                return
            last = rows[-1].id
            yield DeclarationPage([row for row in rows if _kept(codes, row.unit_code)])

    async def followup(
        self, codes: Collection[str] | None, first: date, last: date
    ) -> AsyncIterator[list[FollowupLine]]:
        """Check-ins and tests owed on the days from `first` to `last`, by obligation id."""
        kinds = [ObligationKind.HEALTH_CHECKIN.value, ObligationKind.TEST_DUE.value]
        after = 0
        while True:
            rows = list(
                await self._session.scalars(
                    select(ObligationRow)
                    .where(
                        ObligationRow.id > after,
                        ObligationRow.kind.in_(kinds),
                        # ISO dates compare as text in their order.
                        ObligationRow.period >= first.isoformat(),
                        ObligationRow.period <= last.isoformat(),
                        ObligationRow.subject.startswith(SUBJECT_PREFIX),
                        *_units(ObligationRow.unit_code, codes),
                    )
                    .order_by(ObligationRow.id)
                    .limit(PAGE)
                )
            )
            if not rows:
                return
            after = rows[-1].id
            kept = [row for row in rows if _kept(codes, row.unit_code)]
            yield await self._with_records(kept, first, last)

    async def _with_records(
        self, rows: list[ObligationRow], first: date, last: date
    ) -> list[FollowupLine]:
        ids = sorted({int(row.subject[len(SUBJECT_PREFIX) :]) for row in rows})
        checkins: dict[tuple[int, date], CheckinRow] = {}
        tests: dict[tuple[int, date], TestRecordRow] = {}
        for start in range(0, len(ids), _IN_LIMIT):
            chunk = ids[start : start + _IN_LIMIT]
            for found in await self._session.scalars(
                select(CheckinRow).where(
                    CheckinRow.declaration_id.in_(chunk), CheckinRow.day.between(first, last)
                )
            ):
                checkins[(found.declaration_id, found.day)] = found
            for done in await self._session.scalars(
                select(TestRecordRow).where(
                    TestRecordRow.declaration_id.in_(chunk), TestRecordRow.day.between(first, last)
                )
            ):
                tests[(done.declaration_id, done.day)] = done
        lines = []
        for row in rows:
            number, day = int(row.subject[len(SUBJECT_PREFIX) :]), date.fromisoformat(row.period)
            kind = ObligationKind(row.kind)
            line = FollowupLine(
                kind, number, row.unit_code, day, ObligationState(row.state), row.due_at
            )
            checkin = checkins.get((number, day)) if kind is ObligationKind.HEALTH_CHECKIN else None
            test = tests.get((number, day)) if kind is ObligationKind.TEST_DUE else None
            if checkin is not None:
                line = replace(
                    line,
                    temperature=checkin.temperature,
                    symptoms=tuple(str(s) for s in checkin.symptoms or ()),
                    recorded_at=checkin.recorded_at,
                    purged=checkin.purged_at is not None,
                )
            elif test is not None:
                line = replace(
                    line,
                    result=test.result,
                    recorded_at=test.recorded_at,
                    purged=test.purged_at is not None,
                )
            lines.append(line)
        return lines

    async def escalations(
        self, codes: Collection[str] | None, since: datetime, until: datetime
    ) -> AsyncIterator[list[EscalationLine]]:
        """Escalation steps taken in [since, until) on these units' obligations, by id."""
        after = 0
        while True:
            rows = list(
                await self._session.execute(
                    select(EscalationLogRow, ObligationRow)
                    .join(ObligationRow, ObligationRow.id == EscalationLogRow.obligation_id)
                    .where(
                        EscalationLogRow.id > after,
                        EscalationLogRow.at >= since,
                        EscalationLogRow.at < until,
                        *_units(ObligationRow.unit_code, codes),
                    )
                    .order_by(EscalationLogRow.id)
                    .limit(PAGE)
                )
            )
            if not rows:
                return
            after = rows[-1][0].id
            yield [
                EscalationLine(
                    at=log.at,
                    kind=ObligationKind(ob.kind),
                    unit_code=ob.unit_code,
                    period=ob.period,
                    due_at=ob.due_at,
                    step=log.step,
                    repeat=log.repeat,
                    outcome=log.outcome,
                    target=log.target,
                    recipient=log.chat_id,
                    covering_for=log.covering_for,
                )
                for log, ob in rows
                if _kept(codes, ob.unit_code)
            ]

    async def notice_confirmations(
        self, codes: Collection[str] | None, since: datetime, until: datetime
    ) -> AsyncIterator[list[NoticeLine]]:
        """The recipients in these units of the notices sent in [since, until) (not those
        scheduled or cancelled), by recipient id."""
        after = 0
        while True:
            rows = list(
                await self._session.execute(
                    select(NoticeRecipientRow, NoticeRow)
                    .join(NoticeRow, NoticeRow.id == NoticeRecipientRow.notice_id)
                    .where(
                        NoticeRecipientRow.id > after,
                        NoticeRow.state == NoticeState.SENT.value,
                        NoticeRow.send_at >= since,
                        NoticeRow.send_at < until,
                        *_units(NoticeRecipientRow.unit_code, codes),
                    )
                    .order_by(NoticeRecipientRow.id)
                    .limit(PAGE)
                )
            )
            if not rows:
                return
            after = rows[-1][0].id
            yield [
                NoticeLine(
                    notice_id=notice.id,
                    sent_at=notice.send_at,
                    author_id=notice.author_id,
                    text=notice.text,
                    unit_code=r.unit_code,
                    person_id=r.person_id,
                    kind=RecipientKind(r.kind),
                    state=RecipientState(r.state),
                    confirmed_at=r.acknowledged_at,
                    question=r.question,
                    answer=r.answer,
                )
                for r, notice in rows
                if _kept(codes, r.unit_code)
            ]
