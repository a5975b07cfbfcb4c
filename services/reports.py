"""Unit daily reports (日报告 / 零报告): opening a day's obligations, filing, and roll-ups.

A report is filed in the caller's transaction together with meeting its obligation, so the
report and the end of its escalation commit together. Nothing the client sends is trusted:
`file_report` checks who files, for which unit and day, and re-validates every answer
against the unit's form (`domain.forms.problems`), whatever the dialog already checked.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, datetime, time
from typing import Protocol
from zoneinfo import ZoneInfo

from domain import forms
from domain.escalation import schedule as schedule_steps
from domain.forms import FieldKind, FormSpec, Value
from domain.obligations import Obligation, ObligationKey, ObligationKind, ObligationState
from domain.org import GroupPurpose, Language, OrgTree, Person, Role, Unit
from domain.outbox import OutboxMessage, Priority
from domain.permissions import Actor
from domain.reports import (
    FiledReport,
    ReportPolicy,
    ReportSchedule,
    Rollup,
    report_obligation,
    rollup,
)
from services import obligations
from services.obligations import EscalationPolicy
from services.onboarding import log_refusal
from services.refusal import Refused
from storage import Repositories

ACTION = "report.file"

NOT_DUE = "report-not-due"
CORRECTION_CLOSED = "report-correction-closed"
FILED_MEANWHILE = "report-filed-meanwhile"
INVALID = "report-invalid"
NOT_LIAISON = "report-not-liaison"

_FILING_ROLES = frozenset({Role.LIAISON, Role.DEPUTY})


@dataclass(frozen=True, slots=True)
class FileOutcome:
    report: FiledReport
    correction: bool = False  # version > 1


def reporting_day(policy_zone: ZoneInfo, now: datetime) -> date:
    """The local date of `now`: the reporting day a filing made now is for by default."""
    return now.astimezone(policy_zone).date()


def report_key(unit_code: str, day: date) -> ObligationKey:
    return ObligationKey(ObligationKind.UNIT_REPORT, unit_code, day.isoformat())


def obligations_due(
    tree: OrgTree, escalation: EscalationPolicy, policy: ReportPolicy, day: date
) -> list[Obligation]:
    """The unit_report obligations of every active unit owing a report on `day`, scheduled
    (first reminder set) but not stored."""
    zone = escalation.calendar.zone
    found: list[Obligation] = []
    for unit in tree.units.values():
        schedule = policy.owed(unit, day, escalation.calendar)
        if schedule is None:
            continue
        obligation = report_obligation(unit, day, schedule, zone)
        chain = escalation.chains.of(obligation)
        if chain is None:
            raise ValueError(f"{obligation.key}: no escalation chain named {obligation.chain!r}")
        found.append(schedule_steps(obligation, chain, escalation.calendar))
    return found


async def open_day(
    repos: Repositories,
    escalation: EscalationPolicy,
    policy: ReportPolicy,
    day: date,
    *,
    now: datetime,
) -> int:
    """Open one unit_report obligation per active unit whose schedule reports on `day`;
    the number opened. Idempotent: what is already open (or closed) is left as it is.

    A report whose deadline has already passed is not opened: nobody could have been
    reminded of it, and opening it would only escalate at once (a bot started in the evening
    for the first time, or after a day down).
    """
    tree = await repos.org.load_tree()
    owed = [o for o in obligations_due(tree, escalation, policy, day) if o.due_at > now]
    return await repos.obligations.open_many(owed, now=now)


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


def _may_file(actor: Actor, unit_code: str) -> bool:
    return actor.is_admin or any(
        a.unit_code == unit_code and a.role in _FILING_ROLES for a in actor.assignments
    )


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
    if not _may_file(actor, unit_code):
        await log_refusal(repos, actor, ACTION, f"{unit_code}/{day.isoformat()}", NOT_LIAISON, now)
        raise Refused(NOT_LIAISON, day=day.isoformat())
    unit = await repos.org.get_unit(unit_code)
    if unit is None:
        await log_refusal(repos, actor, ACTION, f"{unit_code}/{day.isoformat()}", NOT_DUE, now)
        raise Refused(NOT_DUE, day=day.isoformat())
    return await _file(
        repos, policy, zone, actor, unit, day, answers, now=now, expected=expected_versions
    )


async def _file(
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
) -> FileOutcome:
    """`file_report` for a unit already read, whose filer's role has been checked."""
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
    )
    await repos.reports.add_version(report)
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
    return FileOutcome(report, correction=version > 1)


async def day_rollup(
    repos: Repositories,
    policy: ReportPolicy,
    root_code: str,
    day: date,
    *,
    deadline: time | None = None,
    tree: OrgTree | None = None,
) -> Rollup:
    """The roll-up of `root_code`'s subtree for `day`.

    Owing are the units with a unit_report obligation for that day, excused those whose
    obligation a supervisor excused. `deadline` keeps only units reporting by that deadline
    (the roll-up sent at it); `tree` saves loading the tree again when building many.
    """
    tree = tree or await repos.org.load_tree()
    subtree = [unit.code for unit in tree.subtree(root_code)]
    owed = await repos.obligations.for_period(ObligationKind.UNIT_REPORT, day.isoformat(), subtree)
    return _rollup_of(
        tree, policy, root_code, day, owed, await _versions(repos, day, owed), deadline
    )


async def _versions(repos: Repositories, day: date, owed: list[Obligation]) -> list[FiledReport]:
    return await repos.reports.for_day(day, [ob.unit_code for ob in owed]) if owed else []


def _with_deadline(
    tree: OrgTree, policy: ReportPolicy, owed: list[Obligation], deadline: time | None
) -> list[Obligation]:
    if deadline is None:
        return [ob for ob in owed if ob.unit_code in tree]
    kept = []
    for ob in owed:
        if ob.unit_code not in tree:
            continue
        schedule = policy.schedule_for(tree.get(ob.unit_code))
        if schedule is not None and schedule.deadline == deadline:
            kept.append(ob)
    return kept


def _rollup_of(
    tree: OrgTree,
    policy: ReportPolicy,
    root_code: str,
    day: date,
    owed: list[Obligation],
    versions: list[FiledReport],
    deadline: time | None,
) -> Rollup:
    kept = _with_deadline(tree, policy, owed, deadline)
    return rollup(
        tree,
        root_code,
        day,
        owing=[ob.unit_code for ob in kept],
        versions=versions,
        excused=[ob.unit_code for ob in kept if ob.state is ObligationState.EXCUSED],
        form=policy.rollup_form(tree.get(ob.unit_code) for ob in kept),
    )


async def day_rollups(
    repos: Repositories,
    policy: ReportPolicy,
    root_codes: list[str],
    day: date,
    *,
    deadline: time | None = None,
) -> dict[str, Rollup]:
    """`day_rollup` for several roots with one read of the tree, obligations and reports."""
    tree = await repos.org.load_tree()
    owed = await repos.obligations.for_period(ObligationKind.UNIT_REPORT, day.isoformat())
    owed = _with_deadline(tree, policy, owed, deadline)
    versions = await _versions(repos, day, owed)
    result: dict[str, Rollup] = {}
    for code in root_codes:
        if code not in tree:
            continue
        subtree = {unit.code for unit in tree.subtree(code)}
        mine = [ob for ob in owed if ob.unit_code in subtree]
        result[code] = _rollup_of(tree, policy, code, day, mine, versions, None)
    return result


async def work_group_of(repos: Repositories, unit_code: str) -> int | None:
    """The unit's own work group chat (the first bound, by chat id), if any."""
    groups = await repos.groups.of_unit(unit_code, GroupPurpose.WORK)
    return groups[0].chat_id if groups else None


async def supervisors_for_rollup(
    repos: Repositories, policy: ReportPolicy, deadline: time, day: date
) -> list[tuple[Person, str]]:
    """(supervisor, unit they supervise) for every supervisor whose subtree holds units owing
    a report on `day` by `deadline`. A supervisor of several units gets one entry per
    top-most one (a unit below another they supervise is covered by that one's roll-up).
    Sorted by supervisor id, then unit code."""
    tree = await repos.org.load_tree()
    owed = await repos.obligations.for_period(ObligationKind.UNIT_REPORT, day.isoformat())
    owing = {ob.unit_code for ob in _with_deadline(tree, policy, owed, deadline)}
    if not owing:
        return []
    # Every unit with an owing unit at or below it.
    covering: set[str] = set()
    for code in owing:
        covering.add(code)
        covering.update(unit.code for unit in tree.ancestors(code))
    supervised: dict[int, set[str]] = {}
    for assignment in await repos.roles.all_holding([Role.SUPERVISOR]):
        if assignment.unit_code in covering:
            supervised.setdefault(assignment.telegram_id, set()).add(assignment.unit_code)
    people = await repos.people.many(supervised)
    entries: list[tuple[Person, str]] = []
    for telegram_id in sorted(supervised):
        person = people.get(telegram_id)
        if person is None:  # pragma: no cover - a role row always has its person
            continue
        codes = supervised[telegram_id]
        for code in sorted(codes):
            if not any(a.code in codes for a in tree.ancestors(code)):
                entries.append((person, code))
    return entries


# --- The service the handlers use ------------------------------------------------------------


class GroupLineTexts(Protocol):
    """Renders the work group's line about a filed report (the presentation layer's)."""

    def group_line(
        self, report: FiledReport, language: Language, *, unit: str, filer: str, zone: ZoneInfo
    ) -> str: ...


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
        texts: GroupLineTexts,
        default_language: Language,
    ) -> None:
        self.policy = policy
        self.zone = zone
        self.texts = texts
        self.default_language = default_language

    def today(self, now: datetime) -> date:
        return reporting_day(self.zone, now)

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
    ) -> Filed:
        """File (`answers` None: a zero report) and put the work group's line in the outbox,
        in the default language, in the same transaction. Refused as `file_report` is."""
        try:
            if not _may_file(actor, unit.code):
                target = f"{unit.code}/{day.isoformat()}"
                await log_refusal(repos, actor, ACTION, target, NOT_LIAISON, now)
                raise Refused(NOT_LIAISON)
            outcome = await _file(
                repos,
                self.policy,
                self.zone,
                actor,
                unit,
                day,
                answers,
                now=now,
                expected=expected_versions,
            )
        except Refused as refused:
            raise Refused(refused.key, unit=unit.name, day=day.isoformat()) from None
        schedule = self.policy.schedule_for(unit)
        assert schedule is not None  # file_report refuses a unit that does not report
        await self._tell_work_group(repos, unit, outcome.report, now)
        return Filed(outcome.report, unit, schedule, outcome.correction)

    async def _tell_work_group(
        self, repos: Repositories, unit: Unit, report: FiledReport, now: datetime
    ) -> None:
        group = await work_group_of(repos, unit.code)
        if group is None:
            return
        person = await repos.people.get(report.filed_by)
        line = self.texts.group_line(
            report,
            self.default_language,
            unit=unit.name,
            filer=person.name if person is not None else str(report.filed_by),
            zone=self.zone,
        )
        key = f"report:{unit.code}:{report.day.isoformat()}:{report.version}:group"
        await repos.outbox.enqueue(
            OutboxMessage(key, group, line, not_before=now, priority=Priority.NOTICE), now=now
        )
