"""Unit daily reports (日报告 / 零报告): who reports when, the default form, and roll-ups.

Every active unit of a reporting kind owes one report per reporting day by a deadline. The
obligation (kind `unit_report`, subject the unit code, period the ISO date) carries the
reminders and escalation; the report itself is a list of filed versions, since a correction
adds a version rather than overwriting the first. A roll-up summarises a supervisor's subtree
for one day: submitted (of which zero reports and late ones), excused and missing units, with
the counts of the latest versions summed up the tree.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field, replace
from datetime import date, datetime, time, timedelta
from enum import StrEnum
from zoneinfo import ZoneInfo

from domain.calendar import WorkCalendar
from domain.forms import FieldKind, FormField, FormSpec, Value
from domain.obligations import Obligation, ObligationKind
from domain.org import OrgTree, Unit, UnitKind

FORM_NAME = "unit_report"

# The default form, in the order the source documents list the counts.
DEFAULT_FORM = FormSpec(
    FORM_NAME,
    (
        FormField("returned", FieldKind.COUNT),  # 新增返乡人员
        # 其中来自中高风险地区: only asked when someone returned
        FormField(
            "returned_risk", FieldKind.COUNT, at_most="returned", asked_if_positive="returned"
        ),
        FormField("central_quarantine", FieldKind.COUNT),  # 集中隔离
        FormField("home_quarantine", FieldKind.COUNT),  # 居家隔离
        FormField("monitoring", FieldKind.COUNT),  # 健康监测
        FormField("fever_cases", FieldKind.COUNT),  # 发现发热或症状人员
        FormField("tests_done", FieldKind.COUNT),  # 开展核酸检测
        FormField("abnormal", FieldKind.TEXT, optional=True, max_length=1000),  # 异常情况
    ),
)

# Grassroots units report; the levels above them read the roll-up of what their units filed.
DEFAULT_REPORTING_KINDS = frozenset(
    {UnitKind.VILLAGE, UnitKind.COMMUNITY, UnitKind.SCHOOL, UnitKind.ENTERPRISE, UnitKind.VENUE}
)
EVERY_DAY = frozenset(range(1, 8))  # ISO weekdays: epidemic work has no weekends


def check_zero_reportable(form: FormSpec) -> None:
    """A zero report answers every count with 0 and leaves everything else empty, so every
    field that is not a count must be optional; otherwise no unit could ever file one."""
    required = [f.key for f in form.fields if f.kind is not FieldKind.COUNT and not f.optional]
    if required:
        raise ValueError(
            "fields that are not counts must be optional, or a zero report could never be "
            f"filed: {', '.join(required)}"
        )


class Cutoff(StrEnum):
    """What moment the counts describe, as printed on the form."""

    YESTERDAY_24 = "yesterday_24"  # 截至昨日24时
    TODAY_08 = "today_08"  # 截至今日8时
    NOW = "now"  # 截至填报时


@dataclass(frozen=True, slots=True)
class ReportSchedule:
    """When a unit reports and what it fills in; per unit kind, overridable per unit."""

    deadline: time = time(17, 0)
    days: frozenset[int] = EVERY_DAY  # ISO weekdays 1 (Monday) .. 7
    skip_holidays: bool = True  # no report is owed on the calendar's holidays
    cutoff: Cutoff = Cutoff.YESTERDAY_24
    chain: str | None = None  # a named escalation chain; None: the unit_report chain
    form: FormSpec = DEFAULT_FORM

    def __post_init__(self) -> None:
        if self.deadline == time(0, 0):
            raise ValueError("the deadline must be after midnight, when the day's reports open")
        if not self.days or not self.days <= EVERY_DAY:
            raise ValueError("days must be ISO weekdays 1 (Monday) to 7 (Sunday)")
        check_zero_reportable(self.form)

    def reports_on(self, day: date, calendar: WorkCalendar) -> bool:
        if day.isoweekday() not in self.days:
            return False
        return not (self.skip_holidays and calendar.is_holiday(day))

    def due_at(self, day: date, zone: ZoneInfo) -> datetime:
        return datetime.combine(day, self.deadline, tzinfo=zone)

    def correctable_until(self, day: date, zone: ZoneInfo) -> datetime:
        """A filed report may be corrected until the next day's data cut-off: from then on the
        figures belong to the next report. With figures "as of filing" that is the next
        day's deadline."""
        next_day = day + timedelta(days=1)
        if self.cutoff is Cutoff.YESTERDAY_24:
            return datetime.combine(next_day, time(0), tzinfo=zone)
        if self.cutoff is Cutoff.TODAY_08:
            return datetime.combine(next_day, time(8), tzinfo=zone)
        return self.due_at(next_day, zone)


def report_obligation(
    unit: Unit, day: date, schedule: ReportSchedule, zone: ZoneInfo
) -> Obligation:
    """The obligation a unit owes for a reporting day."""
    return Obligation(
        ObligationKind.UNIT_REPORT,
        subject=unit.code,
        period=day.isoformat(),
        assignee=unit.code,
        unit_code=unit.code,
        due_at=schedule.due_at(day, zone),
        chain=schedule.chain,
    )


@dataclass(frozen=True, slots=True)
class ScheduleOverride:
    """One unit's departures from its kind's schedule; None keeps the kind's value.

    A unit with an override reports (on the defaults where its kind does not) unless
    `reports` is False.
    """

    reports: bool = True
    deadline: time | None = None
    days: frozenset[int] | None = None
    skip_holidays: bool | None = None
    cutoff: Cutoff | None = None
    chain: str | None = None
    form: FormSpec | None = None

    def apply(self, base: ReportSchedule | None) -> ReportSchedule | None:
        if not self.reports:
            return None
        schedule = base or ReportSchedule()
        return ReportSchedule(
            self.deadline or schedule.deadline,
            schedule.days if self.days is None else self.days,
            schedule.skip_holidays if self.skip_holidays is None else self.skip_holidays,
            self.cutoff or schedule.cutoff,
            self.chain or schedule.chain,
            self.form or schedule.form,
        )


@dataclass(frozen=True, slots=True)
class ReportPolicy:
    """Who reports on which schedule: per unit kind, overridden per unit (by code).

    A kind absent from `by_kind` does not report. A unit in `by_unit` follows that schedule
    whatever its kind, or its kind's schedule changed by a `ScheduleOverride`; mapped to None
    it does not report at all.
    """

    by_kind: Mapping[UnitKind, ReportSchedule]
    by_unit: Mapping[str, ReportSchedule | ScheduleOverride | None] = field(default_factory=dict)

    @classmethod
    def default(cls) -> ReportPolicy:
        """The grassroots kinds report every day by 17:00 on the default form."""
        return cls({kind: ReportSchedule() for kind in DEFAULT_REPORTING_KINDS})

    def schedule_for(self, unit: Unit) -> ReportSchedule | None:
        """The unit's schedule; None when it does not report."""
        if unit.code not in self.by_unit:
            return self.by_kind.get(unit.kind)
        entry = self.by_unit[unit.code]
        if isinstance(entry, ScheduleOverride):
            return entry.apply(self.by_kind.get(unit.kind))
        return entry

    def deadlines(self) -> frozenset[time]:
        """Every deadline a unit may have: one roll-up job runs at each (a job at a deadline
        nobody ends up having finds nothing to send)."""
        found = {schedule.deadline for schedule in self.by_kind.values()}
        for entry in self.by_unit.values():
            if isinstance(entry, ReportSchedule):
                found.add(entry.deadline)
            elif isinstance(entry, ScheduleOverride) and entry.reports:
                if entry.deadline is not None:
                    found.add(entry.deadline)
                elif set(UnitKind) - set(self.by_kind):
                    # A unit of a kind that does not report takes the default deadline.
                    found.add(ReportSchedule().deadline)
        return frozenset(found)

    def owed(self, unit: Unit, day: date, calendar: WorkCalendar) -> ReportSchedule | None:
        """The unit's schedule when it owes a report on `day`, else None."""
        schedule = self.schedule_for(unit)
        if schedule is None or not schedule.reports_on(day, calendar):
            return None
        return schedule

    def rollup_form(self, units: Iterable[Unit]) -> FormSpec:
        """One form covering the fields of every unit's form (for summing and labelling a
        roll-up over units of several kinds): the fields in first-seen order; a key met again
        with another kind is left out, so it is never summed as a count by mistake."""
        forms: list[FormSpec] = []
        for unit in units:
            schedule = self.schedule_for(unit)
            if schedule is not None and all(schedule.form is not f for f in forms):
                forms.append(schedule.form)
        if not forms:
            return DEFAULT_FORM
        if all(f == forms[0] for f in forms[1:]):
            return forms[0]
        merged: dict[str, FormField] = {}
        clashing: set[str] = set()
        for form in forms:
            for item in form.fields:
                seen = merged.get(item.key)
                if seen is None:
                    merged[item.key] = item
                elif seen.kind is not item.kind:
                    clashing.add(item.key)
        kept = [item for key, item in merged.items() if key not in clashing]
        # Conditions and limits only matter when filling in a form, and may name a left-out key.
        fields = tuple(replace(item, at_most=None, asked_if_positive=None) for item in kept)
        return FormSpec(FORM_NAME, fields) if fields else DEFAULT_FORM


@dataclass(frozen=True, slots=True)
class FiledReport:
    """One filed version of a unit's report for a day."""

    unit_code: str
    day: date
    version: int  # 1 for the first filing; corrections count up
    zero: bool
    answers: Mapping[str, Value]
    filed_by: int
    filed_at: datetime
    late: bool
    # The bot's own counts for the period when it held any (domain.report_records), kept
    # beside the filed answers: a figure the liaison adjusted shows where the two differ.
    records: Mapping[str, int] = field(default_factory=dict)
    zero_reason: str | None = None  # why a zero report was filed against those records


class UnitStatus(StrEnum):
    SUBMITTED = "submitted"  # a full report, on time
    ZERO = "zero"  # a zero report, on time
    LATE = "late"  # filed after the deadline (full or zero)
    EXCUSED = "excused"  # a supervisor excused it
    MISSING = "missing"  # owed and not filed (yet)
    NOT_DUE = "not_due"  # owed, not filed, and its deadline is still ahead


def status_of(report: FiledReport | None, excused: bool, not_due: bool = False) -> UnitStatus:
    """A unit's status from the FIRST version it filed: a correction does not make an on-time
    report late, nor a late one on time. `not_due`: its deadline is still ahead, so a unit
    that has not filed yet is not missing (yet)."""
    if report is None:
        if excused:
            return UnitStatus.EXCUSED
        return UnitStatus.NOT_DUE if not_due else UnitStatus.MISSING
    if report.late:
        return UnitStatus.LATE
    return UnitStatus.ZERO if report.zero else UnitStatus.SUBMITTED


@dataclass(frozen=True, slots=True)
class Tally:
    """Counts over a set of units that owed a report."""

    expected: int = 0
    submitted: int = 0  # filed at all, zero and late ones included
    zero: int = 0
    late: int = 0
    excused: int = 0
    missing: int = 0
    totals: Mapping[str, int] = field(default_factory=dict)  # COUNT fields of the latest versions
    not_due: int = 0  # not filed, the deadline still ahead: neither filed nor missing

    def add(self, other: Tally) -> Tally:
        totals = dict(self.totals)
        for key, value in other.totals.items():
            totals[key] = totals.get(key, 0) + value
        return Tally(
            self.expected + other.expected,
            self.submitted + other.submitted,
            self.zero + other.zero,
            self.late + other.late,
            self.excused + other.excused,
            self.missing + other.missing,
            totals,
            self.not_due + other.not_due,
        )


@dataclass(frozen=True, slots=True)
class ChildSummary:
    """One direct child of the roll-up's root, with its whole subtree summed."""

    unit: Unit
    tally: Tally


@dataclass(frozen=True, slots=True)
class Rollup:
    root: Unit
    day: date
    tally: Tally  # the whole subtree
    children: tuple[ChildSummary, ...]  # per direct child with owing units below it
    # Missing units grouped by their parent, in tree order: (parent, missing units).
    missing: tuple[tuple[Unit, tuple[Unit, ...]], ...]
    form: FormSpec = DEFAULT_FORM  # the form whose COUNT fields were summed
    # The latest version of every unit that filed, in tree order: what a roll-up quotes of
    # their contents (abnormal situations, zero reports against the records).
    latest: tuple[tuple[Unit, FiledReport], ...] = ()


def _tally(
    code: str,
    first: Mapping[str, FiledReport],
    latest: Mapping[str, FiledReport],
    excused: frozenset[str],
    form: FormSpec,
    not_due: frozenset[str] = frozenset(),
) -> Tally:
    status = status_of(first.get(code), code in excused, code in not_due)
    report = latest.get(code)
    totals: dict[str, int] = {}
    if report is not None:
        for item in form.fields:
            value = report.answers.get(item.key)
            if item.kind is FieldKind.COUNT and isinstance(value, int):
                totals[item.key] = value
    filed = status in (UnitStatus.SUBMITTED, UnitStatus.ZERO, UnitStatus.LATE)
    return Tally(
        expected=1,
        submitted=int(filed),
        # Whether there was anything to report is content: the latest version says it.
        zero=int(report is not None and report.zero),
        late=int(status is UnitStatus.LATE),
        excused=int(status is UnitStatus.EXCUSED),
        missing=int(status is UnitStatus.MISSING),
        totals=totals,
        not_due=int(status is UnitStatus.NOT_DUE),
    )


def rollup(
    tree: OrgTree,
    root_code: str,
    day: date,
    owing: Iterable[str],
    versions: Iterable[FiledReport],
    excused: Iterable[str] = (),
    form: FormSpec = DEFAULT_FORM,
    not_due: Iterable[str] = (),
) -> Rollup:
    """Summarise the subtree of `root_code` for `day`.

    `owing` are the units that owed a report that day (those with an obligation); `versions`
    every filed version of the day (any units; others are ignored); `excused` the owing units
    whose obligation a supervisor excused; `not_due` the owing units whose deadline is still
    ahead (asked before it: they are not missing yet). Status follows the first version; the
    counts follow the latest, since a correction fixes the numbers.
    """
    in_subtree = {unit.code for unit in tree.subtree(root_code)}
    owed = {code for code in owing if code in in_subtree}
    first: dict[str, FiledReport] = {}
    latest: dict[str, FiledReport] = {}
    for report in versions:
        if report.unit_code not in owed or report.day != day:
            continue
        if report.unit_code not in first or report.version < first[report.unit_code].version:
            first[report.unit_code] = report
        if report.unit_code not in latest or report.version > latest[report.unit_code].version:
            latest[report.unit_code] = report
    excused_set = frozenset(excused) & owed
    not_due_set = frozenset(not_due) & owed

    def subtree_tally(code: str) -> Tally:
        total = Tally()
        for unit in tree.subtree(code):
            if unit.code in owed:
                total = total.add(_tally(unit.code, first, latest, excused_set, form, not_due_set))
        return total

    children = []
    for child in tree.children(root_code):
        summary = subtree_tally(child.code)
        if summary.expected:
            children.append(ChildSummary(child, summary))
    missing: dict[str, list[Unit]] = {}
    for unit in tree.subtree(root_code):
        status = status_of(first.get(unit.code), unit.code in excused_set, unit.code in not_due_set)
        if unit.code in owed and status is UnitStatus.MISSING:
            parent = unit.parent_code or unit.code
            missing.setdefault(parent, []).append(unit)
    grouped = tuple((tree.get(parent), tuple(units)) for parent, units in missing.items())
    filed = tuple((u, latest[u.code]) for u in tree.subtree(root_code) if u.code in latest)
    return Rollup(
        tree.get(root_code), day, subtree_tally(root_code), tuple(children), grouped, form, filed
    )
