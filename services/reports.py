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
from zoneinfo import ZoneInfo

from domain import forms
from domain.escalation import schedule as schedule_steps
from domain.forms import FieldKind, FormSpec, Value
from domain.obligations import Obligation, ObligationKey, ObligationKind, ObligationState
from domain.org import GroupPurpose, OrgTree, Person, Role, Unit
from domain.permissions import Actor
from domain.reports import FiledReport, ReportPolicy, Rollup, report_obligation, rollup
from services import obligations
from services.obligations import EscalationPolicy
from services.onboarding import log_refusal
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
    report: FiledReport | None  # None when refused
    # "report-not-due" (the unit owes nothing that day), "report-correction-closed",
    # "report-invalid", "report-not-liaison"
    refusal_key: str | None = None
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

    Refused, and audited, unless the actor is a liaison or deputy of the unit (or an admin),
    the unit owes a report that day (its obligation exists), a correction is still within
    the schedule's correction window, and the answers are exactly valid for the unit's form.
    The version is stored late when filed after the deadline; the obligation is met (late)
    in the same transaction; the first version's time decides, a correction changes nothing.
    """
    target = f"{unit_code}/{day.isoformat()}"

    async def refuse(key: str) -> FileOutcome:
        await log_refusal(repos, actor, ACTION, target, key, now)
        return FileOutcome(None, key)

    if not _may_file(actor, unit_code):
        return await refuse(NOT_LIAISON)
    unit = await repos.org.get_unit(unit_code)
    schedule = None if unit is None else policy.schedule_for(unit)
    if schedule is None:
        return await refuse(NOT_DUE)
    # Locked: two filings for one unit (two devices, liaison and deputy) are numbered in turn,
    # and the clock cannot step the obligation while it is being met.
    obligation = await repos.obligations.get(report_key(unit_code, day), lock=True)
    if obligation is None:
        return await refuse(NOT_DUE)
    previous = await repos.reports.versions(unit_code, day)
    if expected_versions is not None and len(previous) != expected_versions:
        return await refuse(FILED_MEANWHILE)
    if previous and now > schedule.correctable_until(day, zone):
        return await refuse(CORRECTION_CLOSED)
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
        return FileOutcome(None, INVALID)
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
    await obligations.meet(repos, obligation.key, at=now, by=actor.telegram_id)
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
