"""The service the report handlers use, built once with the configured policy."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, datetime
from typing import Protocol
from zoneinfo import ZoneInfo

from domain.forms import Value
from domain.obligations import Obligation, ObligationKind, ObligationState
from domain.org import Language, Unit
from domain.outbox import OutboxMessage, Priority
from domain.permissions import Actor
from domain.policy import DEFAULT_FEVER_THRESHOLD
from domain.report_records import UnitRecords
from domain.reports import (
    FiledReport,
    ReportPolicy,
    ReportSchedule,
)
from services.onboarding import log_refusal
from services.refusal import Refused
from services.reports.abnormal import AbnormalTexts, push_abnormal
from services.reports.filing import (
    ACTION,
    CORRECTION_CLOSED,
    NOT_DUE,
    NOT_LIAISON,
    check_filer,
    file_for_unit,
    units_for,
)
from services.reports.opening import report_key, reporting_day
from services.reports.records import unit_records
from services.reports.rollups import work_group_of
from storage import Repositories


class GroupLineTexts(Protocol):
    """Renders the work group's line about a filed report (the presentation layer's)."""

    def group_line(
        self, report: FiledReport, language: Language, *, unit: str, filer: str, zone: ZoneInfo
    ) -> str: ...


class ReportServiceTexts(GroupLineTexts, AbnormalTexts, Protocol):
    """Everything the service renders: the work group's line and the abnormal alert."""


@dataclass(frozen=True, slots=True)
class Owed:
    """A unit's report for a day that its liaison may file (or correct) now."""

    unit: Unit
    day: date
    schedule: ReportSchedule
    previous: tuple[FiledReport, ...]  # versions on file, oldest first


@dataclass(frozen=True, slots=True)
class Filed:
    report: FiledReport
    unit: Unit
    schedule: ReportSchedule
    correction: bool


class ReportService:
    """Daily reports for the handlers, built once with the configured policy: which units a
    person files for, what a unit owes, filing (with the work group's line in the outbox, in
    the same transaction), and a reminder's buttons. Refusals raise `Refused`, audited."""

    def __init__(
        self,
        policy: ReportPolicy,
        zone: ZoneInfo,
        texts: ReportServiceTexts,
        default_language: Language,
        *,
        fever_threshold: float = DEFAULT_FEVER_THRESHOLD,
    ) -> None:
        self.policy = policy
        self.zone = zone
        self.texts = texts
        self.default_language = default_language
        self.fever_threshold = fever_threshold

    def today(self, now: datetime) -> date:
        return reporting_day(self.zone, now)

    def reports(self, unit: Unit) -> bool:
        """Whether the unit owes daily reports at all."""
        return self.policy.schedule_for(unit) is not None

    async def units_for(self, repos: Repositories, actor: Actor) -> list[Unit]:
        return await units_for(repos, actor, self.policy)

    async def unit_for(
        self, repos: Repositories, actor: Actor, code: str, now: datetime, day: date | None = None
    ) -> Unit:
        """One of the caller's reporting units, by code (from a button: not trusted); `day`,
        when the button names one, goes into the audited refusal's target."""
        unit = next((u for u in await self.units_for(repos, actor) if u.code == code), None)
        if unit is None:
            target = code if day is None else f"{code}/{day.isoformat()}"
            await log_refusal(repos, actor, ACTION, target, NOT_LIAISON, now)
            raise Refused(NOT_LIAISON)
        return unit

    async def owed(
        self,
        repos: Repositories,
        actor: Actor,
        unit: Unit,
        day: date,
        now: datetime,
        obligation: Obligation | None = None,
    ) -> Owed:
        """What `unit` owes for `day`, if it may file it now (a correction only within the
        schedule's window); Refused otherwise. `obligation`: the unit's for `day`, when the
        caller has read it already."""
        schedule = self.policy.schedule_for(unit)
        if obligation is None:
            obligation = await repos.obligations.get(report_key(unit.code, day))
        key = NOT_DUE if schedule is None or obligation is None else None
        previous: list[FiledReport] = []
        if schedule is not None and key is None:
            previous = await repos.reports.versions(unit.code, day)
            if previous and now > schedule.correctable_until(day, self.zone):
                key = CORRECTION_CLOSED
        if key is not None or schedule is None:
            key = key or NOT_DUE
            await log_refusal(repos, actor, ACTION, f"{unit.code}/{day.isoformat()}", key, now)
            raise Refused(key, unit=unit.name, day=day.isoformat())
        return Owed(unit, day, schedule, tuple(previous))

    async def records(
        self, repos: Repositories, schedule: ReportSchedule, unit: Unit, day: date, now: datetime
    ) -> UnitRecords:
        """The bot's own counts for the unit's report of `day` (domain.report_records)."""
        return await unit_records(
            repos,
            schedule,
            unit.code,
            day,
            zone=self.zone,
            now=now,
            fever_threshold=self.fever_threshold,
        )

    async def from_reminder(
        self, repos: Repositories, actor: Actor, obligation_id: int, now: datetime
    ) -> Owed:
        """What a reminder's button (its obligation id, not trusted) lets the caller file."""
        obligation = await repos.obligations.get_by_id(obligation_id)
        if obligation is None or obligation.kind is not ObligationKind.UNIT_REPORT:
            await log_refusal(repos, actor, ACTION, str(obligation_id), "obligation-unknown", now)
            raise Refused("obligation-unknown")
        target = f"{obligation.unit_code}/{obligation.period}"
        mine = {u.code: u for u in await self.units_for(repos, actor)}
        unit = mine.get(obligation.unit_code)
        if unit is None:
            await log_refusal(repos, actor, ACTION, target, NOT_LIAISON, now)
            raise Refused(NOT_LIAISON)
        try:
            day = date.fromisoformat(obligation.period)
        except ValueError:
            raise Refused("obligation-unknown") from None
        if obligation.state in (ObligationState.MET, ObligationState.MET_LATE):
            raise Refused("report-already-filed", unit=unit.name, day=day.isoformat())
        if obligation.state.closed:
            raise Refused("obligation-closed")
        return await self.owed(repos, actor, unit, day, now, obligation)

    async def file(
        self,
        repos: Repositories,
        actor: Actor,
        unit: Unit,
        day: date,
        answers: Mapping[str, Value] | None,
        *,
        now: datetime,
        expected_versions: int | None = None,
        zero_reason: str | None = None,
        records: UnitRecords | None = None,
    ) -> Filed:
        """File (`answers` None: a zero report) and put the work group's line in the outbox,
        in the default language, in the same transaction, with the abnormal situations'
        alert to the unit's supervisors. The bot's records for the period are kept beside
        the answers; a zero report against them needs `zero_reason`. Refused as
        `file_report` is, and "report-zero-needs-reason". `records`: as `records` gave them
        in this transaction, when the caller has read them already."""
        schedule = self.policy.schedule_for(unit)
        try:
            await check_filer(repos, actor, unit.code, day, now)
            if records is None and schedule is not None:
                records = await self.records(repos, schedule, unit, day, now)
            outcome = await file_for_unit(
                repos,
                self.policy,
                self.zone,
                actor,
                unit,
                day,
                answers,
                now=now,
                expected=expected_versions,
                records=records,
                zero_reason=zero_reason,
            )
        except Refused as refused:
            raise Refused(refused.key, unit=unit.name, day=day.isoformat()) from None
        assert schedule is not None  # file_report refuses a unit that does not report
        person = await repos.people.get(outcome.report.filed_by)
        filer = person.name if person is not None else str(outcome.report.filed_by)
        await self._tell_work_group(repos, unit, outcome.report, filer, now)
        await push_abnormal(
            repos,
            self.texts,
            unit,
            outcome.report,
            outcome.previous,
            filer=filer,
            local_now=now.astimezone(self.zone),
            now=now,
        )
        return Filed(outcome.report, unit, schedule, outcome.correction)

    async def _tell_work_group(
        self, repos: Repositories, unit: Unit, report: FiledReport, filer: str, now: datetime
    ) -> None:
        group = await work_group_of(repos, unit.code)
        if group is None:
            return
        line = self.texts.group_line(
            report, self.default_language, unit=unit.name, filer=filer, zone=self.zone
        )
        key = f"report:{unit.code}:{report.day.isoformat()}:{report.version}:group"
        await repos.outbox.enqueue(
            OutboxMessage(key, group, line, not_before=now, priority=Priority.NOTICE), now=now
        )
