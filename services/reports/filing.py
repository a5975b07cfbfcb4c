"""Filing a unit's report (or a correction): who may, what is owed, every answer checked
again, the obligation met in the same transaction."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, datetime
from zoneinfo import ZoneInfo

from domain import forms
from domain.forms import FieldKind, FormSpec, Value
from domain.org import Role, Unit
from domain.permissions import Actor
from domain.report_records import UnitRecords
from domain.reports import (
    FiledReport,
    ReportPolicy,
)
from services import obligations
from services.onboarding import log_refusal
from services.refusal import Refused
from services.reports.boards import mark_changed
from services.reports.opening import report_key
from storage import Repositories

ACTION = "report.file"

NOT_DUE = "report-not-due"

CORRECTION_CLOSED = "report-correction-closed"

FILED_MEANWHILE = "report-filed-meanwhile"

INVALID = "report-invalid"

NOT_LIAISON = "report-not-liaison"

# A zero report for a unit whose records show something needs the filer's reason.
ZERO_NEEDS_REASON = "report-zero-needs-reason"
ZERO_REASON_LENGTH = 500

_FILING_ROLES = frozenset({Role.LIAISON, Role.DEPUTY})


@dataclass(frozen=True, slots=True)
class FileOutcome:
    report: FiledReport
    correction: bool = False  # version > 1
    previous: tuple[FiledReport, ...] = ()  # the versions before it, read under the lock


async def units_for(repos: Repositories, actor: Actor, policy: ReportPolicy) -> list[Unit]:
    """The active units the actor files reports for (liaison or deputy) and which report,
    by name."""
    codes = {a.unit_code for a in actor.assignments if a.role in _FILING_ROLES}
    if not codes:
        return []
    tree = await repos.org.load_tree()
    units = [
        tree.get(code)
        for code in codes
        if code in tree and policy.schedule_for(tree.get(code)) is not None
    ]
    return sorted(units, key=lambda unit: (unit.name, unit.code))


def may_file(actor: Actor, unit_code: str) -> bool:
    return actor.is_admin or any(
        a.unit_code == unit_code and a.role in _FILING_ROLES for a in actor.assignments
    )


async def check_filer(
    repos: Repositories, actor: Actor, unit_code: str, day: date, now: datetime
) -> None:
    """Refuse (audited) unless the actor may file the unit's reports."""
    if not may_file(actor, unit_code):
        await log_refusal(repos, actor, ACTION, f"{unit_code}/{day.isoformat()}", NOT_LIAISON, now)
        raise Refused(NOT_LIAISON, day=day.isoformat())


def _normalised(spec: FormSpec, answers: Mapping[str, Value]) -> dict[str, Value]:
    """Valid answers as stored: texts without edge spaces, a blank optional text as None."""
    kinds = {item.key: item.kind for item in spec.fields}
    stored: dict[str, Value] = {}
    for key, value in answers.items():
        if kinds.get(key) is FieldKind.TEXT and isinstance(value, str):
            value = value.strip() or None
        stored[key] = value
    return stored


async def file_report(
    repos: Repositories,
    policy: ReportPolicy,
    zone: ZoneInfo,
    actor: Actor,
    unit_code: str,
    day: date,
    answers: Mapping[str, Value] | None,
    *,
    now: datetime,
    expected_versions: int | None = None,
) -> FileOutcome:
    """File (or correct) the unit's report for `day`; `answers` None files a zero report.

    `expected_versions` is how many versions the filer saw when they began: if someone else
    (the deputy, another device) filed meanwhile, the filing is refused ("report-filed-
    meanwhile") rather than silently stored as a correction of a report they never saw.

    Refused (`Refused`, audited) unless the actor is a liaison or deputy of the unit (or an
    admin), the unit owes a report that day (its obligation exists), a correction is still
    within the schedule's correction window, and the answers are exactly valid for the unit's
    form: "report-not-liaison", "report-not-due", "report-filed-meanwhile",
    "report-correction-closed", "report-invalid".
    The version is stored late when filed after the deadline; the obligation is met (late)
    in the same transaction; the first version's time decides, a correction changes nothing.
    """
    await check_filer(repos, actor, unit_code, day, now)
    unit = await repos.org.get_unit(unit_code)
    if unit is None:
        await log_refusal(repos, actor, ACTION, f"{unit_code}/{day.isoformat()}", NOT_DUE, now)
        raise Refused(NOT_DUE, day=day.isoformat())
    return await file_for_unit(
        repos, policy, zone, actor, unit, day, answers, now=now, expected=expected_versions
    )


async def file_for_unit(
    repos: Repositories,
    policy: ReportPolicy,
    zone: ZoneInfo,
    actor: Actor,
    unit: Unit,
    day: date,
    answers: Mapping[str, Value] | None,
    *,
    now: datetime,
    expected: int | None,
    records: UnitRecords | None = None,
    zero_reason: str | None = None,
) -> FileOutcome:
    """`file_report` for a unit already read, whose filer's role has been checked.

    `records`: the bot's counts for the period, kept beside the answers when they show
    something; a zero report against them is refused ("report-zero-needs-reason") without a
    `zero_reason` (stripped, at most ZERO_REASON_LENGTH characters)."""
    unit_code = unit.code
    target = f"{unit_code}/{day.isoformat()}"

    async def refuse(key: str) -> Refused:
        await log_refusal(repos, actor, ACTION, target, key, now)
        return Refused(key, day=day.isoformat())

    schedule = policy.schedule_for(unit)
    if schedule is None:
        raise await refuse(NOT_DUE)
    # Locked: two filings for one unit (two devices, liaison and deputy) are numbered in turn,
    # and the clock cannot step the obligation while it is being met.
    obligation = await repos.obligations.get(report_key(unit_code, day), lock=True)
    if obligation is None:
        raise await refuse(NOT_DUE)
    previous = await repos.reports.versions(unit_code, day)
    if expected is not None and len(previous) != expected:
        raise await refuse(FILED_MEANWHILE)
    if previous and now > schedule.correctable_until(day, zone):
        raise await refuse(CORRECTION_CLOSED)
    zero = answers is None
    reason = (zero_reason or "").strip()[:ZERO_REASON_LENGTH] or None
    showing = records is not None and records.any
    if zero and showing and reason is None:
        raise await refuse(ZERO_NEEDS_REASON)
    given = forms.zero_answers(schedule.form) if answers is None else answers
    found = forms.problems(schedule.form, given)
    if found:
        await log_refusal(
            repos,
            actor,
            ACTION,
            target,
            f"{INVALID}: " + ", ".join(f"{key} {refusal.key}" for key, refusal in found[:20]),
            now,
        )
        raise Refused(INVALID, day=day.isoformat())
    version = (previous[-1].version if previous else 0) + 1
    report = FiledReport(
        unit_code=unit_code,
        day=day,
        version=version,
        zero=zero,
        answers=_normalised(schedule.form, given),
        filed_by=actor.telegram_id,
        filed_at=now,
        late=now > obligation.due_at,
        records=dict(records.counts) if records is not None and showing else {},
        zero_reason=reason if zero and showing else None,
    )
    await repos.reports.add_version(report)
    if version == 1:
        # Only the first version changes a board (its mark); a correction changes figures.
        await mark_changed(repos, unit_code, day)
    # A correction meets a met obligation again, which changes nothing; an excused or expired
    # one stays as it was, and the report is kept all the same.
    await obligations.meet_locked(repos, obligation, at=now, by=actor.telegram_id)
    flags = [flag for flag, on in (("zero", zero), ("late", report.late)) if on]
    await repos.audit.record(
        at=now,
        actor_id=actor.telegram_id,
        action=ACTION,
        target=target,
        allowed=True,
        detail=" ".join([f"version {version}", *flags]),
    )
    return FileOutcome(report, correction=version > 1, previous=tuple(previous))
