"""Reads for the statistics (domain/stats.py): a few columns of many rows, with Core statements.

A statistics read covers up to 10,000 units over a month (300,000 obligations), so it selects
only plain columns (days compared as ISO text, the form obligations keep their period in),
decodes no sealed column, and reads deadlines and filing times only for the few rows that need
them (open and late ones).
"""

from __future__ import annotations

from collections.abc import Collection, Iterable
from datetime import datetime, time, timedelta
from itertools import repeat
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import Date, String, and_, case, cast, select
from sqlalchemy.ext.asyncio import AsyncSession

from domain.measure_data import measure_from_data
from domain.notices import NoticeState, RecipientKind, RecipientState
from domain.obligations import ObligationKind, ObligationState
from domain.periods import Period
from domain.policy import Category
from domain.reports import UnitStatus
from domain.stats import (
    FollowupDay,
    NewDeclaration,
    NoticeConfirmation,
    ReportRow,
    UnderMeasure,
)
from storage.models import (
    DeclarationRow,
    NoticeRecipientRow,
    NoticeRow,
    ObligationRow,
    ReportVersionRow,
)
from storage.repos._sql import table_of

# Follow-up kinds counted as completion (notices are counted from their recipients).
FOLLOWUP_KINDS = (ObligationKind.HEALTH_CHECKIN, ObligationKind.TEST_DUE)
# SQLite caps the number of bound parameters in one statement.
_CHUNK = 500

_OB = table_of(ObligationRow)
_RV = table_of(ReportVersionRow)
_DECL = table_of(DeclarationRow)
_NOTICE = table_of(NoticeRow)
_RECIPIENT = table_of(NoticeRecipientRow)
_DONE = (ObligationState.MET.value, ObligationState.MET_LATE.value)
# report_days' outcome number -> (status, zero): 0 filed on time, 1 late, 2 excused, 3 open
# and not filed (not due, or missing once its deadline passed), 4 missing; +8 a zero report.
_OUTCOMES = {
    number + zero_flag: (status, bool(zero_flag) and number < 2)
    for number, status in enumerate(
        (
            UnitStatus.SUBMITTED,
            UnitStatus.LATE,
            UnitStatus.EXCUSED,
            UnitStatus.NOT_DUE,
            UnitStatus.MISSING,
        )
    )
    for zero_flag in (0, 8)
}
_STATUS_OF = {number: status for number, (status, _zero) in _OUTCOMES.items()}
_ZERO_OF = {number: zero for number, (_status, zero) in _OUTCOMES.items()}
_LOOK_AGAIN = frozenset({1, 3, 9, 11})  # late, and open (with or without the zero flag)


class StatsRepository:
    def __init__(self, session: AsyncSession) -> None:
        self._session = session

    async def _rows(self, statement: Any, column: Any, codes: Collection[str] | None) -> list[Any]:
        """The statement's rows, for these units only when `codes` is given (chunked)."""
        # `.all()` fetches in one call; iterating a result fetches row by row through the
        # async adapter, several times slower over 300,000 rows.
        if codes is None:
            return list((await self._session.execute(statement)).all())
        ordered = sorted(codes)
        found: list[Any] = []
        for start in range(0, len(ordered), _CHUNK):
            chunk = ordered[start : start + _CHUNK]
            found.extend((await self._session.execute(statement.where(column.in_(chunk)))).all())
        return found

    async def report_days(
        self, period: Period, codes: Collection[str] | None, *, now: datetime
    ) -> list[ReportRow]:
        """Every unit_report owed in `period` with its status as roll-ups count it, as
        plain tuples (domain.stats.ReportRow)."""
        first, last = period.first.isoformat(), period.last.isoformat()
        in_period = (
            _OB.c.kind == ObligationKind.UNIT_REPORT.value,
            _OB.c.period >= first,
            _OB.c.period <= last,
        )
        first_version = _RV.c.day == (
            cast(_OB.c.period, Date) if self._dialect() == "postgresql" else _OB.c.period
        )
        # Each owed report with its first version, if any, in one join: the first version
        # decides on time or late (as roll-ups count), the unique (unit, day, version) index
        # finds it. The outcome is one small number (_OUTCOMES) rather than three columns to
        # branch on per row, and the deadline is read only where it matters (open rows: due
        # yet?; late and expired ones: lateness), in the same scan.
        special = (
            ObligationState.OPEN.value,
            ObligationState.MET_LATE.value,
            ObligationState.EXPIRED.value,
        )
        outcome = case(
            (_RV.c.late.is_(None), case((_OB.c.state == ObligationState.EXCUSED.value, 2),
                                        (_OB.c.state == ObligationState.OPEN.value, 3),
                                        else_=4)),
            (_RV.c.late, 1),
            else_=0,
        ) + case((_RV.c.zero, 8), else_=0)  # fmt: skip
        due = case((_OB.c.state.in_(special), _OB.c.due_at), else_=None)
        owed = await self._rows(
            select(_OB.c.unit_code, _OB.c.period, outcome, due)
            .select_from(
                _OB.outerjoin(
                    _RV,
                    and_(_RV.c.unit_code == _OB.c.subject, first_version, _RV.c.version == 1),
                )
            )
            .where(*in_period),
            _OB.c.unit_code,
            codes,
        )
        day_text = cast(_RV.c.day, String)
        in_days = (_RV.c.day >= period.first, _RV.c.day <= period.last)
        # A correction's zero flag replaces the first one's: whether there was anything to
        # report is content, which the latest version says.
        corrected: dict[tuple[str, str], tuple[int, bool]] = {}
        for code, day, version, zero in await self._rows(
            select(_RV.c.unit_code, day_text, _RV.c.version, _RV.c.zero).where(
                *in_days, _RV.c.version > 1
            ),
            _RV.c.unit_code,
            codes,
        ):
            if (code, day) not in corrected or version > corrected[(code, day)][0]:
                corrected[(code, day)] = (version, bool(zero))
        filed_late = {
            (code, day): filed_at
            for code, day, filed_at in await self._rows(
                select(_RV.c.unit_code, day_text, _RV.c.filed_at).where(
                    *in_days, _RV.c.version == 1, _RV.c.late.is_(True)
                ),
                _RV.c.unit_code,
                codes,
            )
        }
        if not owed:
            return []
        # 300,000 rows for a county's month: the rows are made with C-level maps from the
        # outcome's status and zero flag, and only open and late ones (a deadline to compare)
        # and corrected ones are looked at again one by one.
        day_of = {day.isoformat(): day for day in period.days()}
        units, days, numbers, dues = zip(*owed, strict=True)
        found: list[ReportRow] = list(
            zip(
                units,
                map(day_of.__getitem__, days),
                map(_STATUS_OF.__getitem__, numbers),
                map(_ZERO_OF.__getitem__, numbers),
                repeat(None),
            )
        )
        for index in [i for i, number in enumerate(numbers) if number in _LOOK_AGAIN]:
            code, day, status, zero, _ = found[index]
            due_at = dues[index]
            if status is UnitStatus.NOT_DUE and due_at <= now:  # its deadline passed
                found[index] = (code, day, UnitStatus.MISSING, zero, None)
            elif status is UnitStatus.LATE:
                filed = filed_late.get((units[index], days[index]))
                if filed is not None and due_at is not None:
                    minutes = (filed - due_at).total_seconds() / 60
                    found[index] = (code, day, status, zero, minutes)
        if corrected:
            where = {key: index for index, key in enumerate(zip(units, days, strict=True))}
            for key, (_version, zero) in corrected.items():
                if key in where:
                    code, day, status, _, minutes = found[where[key]]
                    found[where[key]] = (code, day, status, zero, minutes)
        return found

    def _dialect(self) -> str:
        return self._session.get_bind().dialect.name

    async def followup_days(
        self, period: Period, codes: Collection[str] | None, *, now: datetime
    ) -> list[FollowupDay]:
        """Check-ins and test days owed in `period` by residents of these units."""
        statement = select(
            _OB.c.unit_code, _OB.c.period, _OB.c.kind, _OB.c.state, _OB.c.due_at
        ).where(
            _OB.c.kind.in_([kind.value for kind in FOLLOWUP_KINDS]),
            _OB.c.period >= period.first.isoformat(),
            _OB.c.period <= period.last.isoformat(),
        )
        day_of = {day.isoformat(): day for day in period.days()}
        found = []
        for code, day, kind, state, due in await self._rows(statement, _OB.c.unit_code, codes):
            if day not in day_of:  # pragma: no cover - a period is always an ISO date
                continue
            found.append(
                FollowupDay(
                    code,
                    day_of[day],
                    ObligationKind(kind),
                    done=state in _DONE,
                    excused=state == ObligationState.EXCUSED.value,
                    not_due=state == ObligationState.OPEN.value and due > now,
                )
            )
        return found

    async def new_declarations(
        self, period: Period, codes: Collection[str] | None, zone: ZoneInfo
    ) -> list[NewDeclaration]:
        """Declarations submitted in `period` (local days) that update no earlier one."""
        start = datetime.combine(period.first, time(0), tzinfo=zone)
        end = datetime.combine(period.last + timedelta(days=1), time(0), tzinfo=zone)
        updates = select(_DECL.c.superseded_by).where(_DECL.c.superseded_by.is_not(None))
        statement = select(
            _DECL.c.unit_code, _DECL.c.submitted_at, _DECL.c.category, _DECL.c.risk_level
        ).where(
            _DECL.c.submitted_at >= start,
            _DECL.c.submitted_at < end,
            _DECL.c.id.not_in(updates),
        )
        return [
            NewDeclaration(code, submitted.astimezone(zone).date(), category, risk)
            for code, submitted, category, risk in await self._rows(
                statement, _DECL.c.unit_code, codes
            )
        ]

    async def under_measure(
        self, period: Period, codes: Collection[str] | None
    ) -> list[UnderMeasure]:
        """Current declarations, not released early, whose measure runs on the last day."""
        statement = select(
            _DECL.c.unit_code, _DECL.c.category, _DECL.c.start_date, _DECL.c.measure
        ).where(
            _DECL.c.superseded_by.is_(None),
            _DECL.c.released_at.is_(None),
            _DECL.c.category != Category.REGISTRATION_ONLY.value,
            _DECL.c.start_date <= period.last,
        )
        return [
            UnderMeasure(code, category)
            for code, category, start, measure in await self._rows(
                statement, _DECL.c.unit_code, codes
            )
            if _runs_on(start, measure, period)
        ]

    async def notice_confirmations(
        self, period: Period, codes: Collection[str] | None, zone: ZoneInfo
    ) -> list[NoticeConfirmation]:
        """The recipients of notices sent in `period` (local days) that asked to be
        acknowledged, as the confirmations they stand for (domain.stats)."""
        start = datetime.combine(period.first, time(0), tzinfo=zone)
        end = datetime.combine(period.last + timedelta(days=1), time(0), tzinfo=zone)
        statement = (
            select(
                _RECIPIENT.c.notice_id,
                _RECIPIENT.c.kind,
                _RECIPIENT.c.unit_code,
                _RECIPIENT.c.person_id,
                _RECIPIENT.c.state,
                _NOTICE.c.send_at,
            )
            .select_from(_RECIPIENT.join(_NOTICE, _NOTICE.c.id == _RECIPIENT.c.notice_id))
            .where(
                _NOTICE.c.ack_required.is_(True),
                _NOTICE.c.state == NoticeState.SENT.value,
                _NOTICE.c.send_at >= start,
                _NOTICE.c.send_at < end,
            )
        )
        found = []
        for notice_id, kind, code, person, state, sent in await self._rows(
            statement, _RECIPIENT.c.unit_code, codes
        ):
            # A member row without a person is nobody to count (only liaison rows may be).
            if kind == RecipientKind.MEMBER.value and person is None:
                continue
            confirms_for = (
                f"unit:{code}" if kind == RecipientKind.LIAISON.value else f"person:{person}"
            )
            found.append(
                NoticeConfirmation(
                    notice_id,
                    code,
                    sent.astimezone(zone).date(),
                    confirms_for,
                    state == RecipientState.ACKNOWLEDGED.value,
                )
            )
        return found


def _runs_on(start: Any, measure: Any, period: Period) -> bool:
    days = int((measure or {}).get("days", 0))
    return days > 0 and start <= period.last < measure_from_data(measure).end(start)


def subtree_filter(all_codes: Iterable[str], wanted: Collection[str]) -> Collection[str] | None:
    """None (read every row) when the subtree is most of the tree: cheaper than IN lists."""
    total = sum(1 for _ in all_codes)
    return None if len(wanted) * 2 >= total else wanted
