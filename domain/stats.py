"""Statistics of a unit's subtree over a period: daily reports, follow-ups, declarations.

Only what was owed counts. A unit owes a report on a day when the day's job opened an
obligation for it, which it does not on the calendar's holidays, on days its schedule skips, or
for units that do not report: so none of those is ever a miss. An excused obligation is not a
miss either; a report whose deadline is still ahead is "not due" (neither filed nor missing).
A unit's figures are the sums over its subtree.

- On-time rate: on-time reports / reports that counted (on time + late + missing); None when
  nothing counted (a period of holidays only), which no chart or ranking shows as 0 %.
- Longest run of misses: a unit's most consecutive missing reports in the order of the days it
  owed one; a filed report ends a run, days it did not owe or was excused neither end nor
  extend it (a holiday between two misses leaves them one run). A subtree's is its worst unit's.
- Average lateness: over late reports, minutes from the deadline to the first filing.
- Declarations: new ones (a resident's update of an earlier declaration is not new) by current
  category and by the origin's risk level; people under a measure on the period's last day.
- Follow-ups (daily check-ins, test days): owed, done (on time or late), excused, missed.

- Notices: of notices sent in the period that required acknowledgement, the confirmations
  expected and made, counted as the author's tally counts them (domain.notices.tally): one
  per unit for liaisons (any of its liaisons confirming confirms it), counted in that unit,
  and one per person for members, counted in the person's unit.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Collection, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date
from operator import itemgetter
from typing import NamedTuple

from domain.obligations import ObligationKind
from domain.org import OrgTree, Unit
from domain.periods import Period
from domain.reports import UnitStatus


class ReportDay(NamedTuple):
    """One unit's owed report on one day (storage reads these from obligations and versions).
    A named tuple, not a dataclass: a month of a county is 300,000 of them. `compute` reads
    them by position, so storage may hand over plain tuples of the same shape (`ReportRow`),
    which C code makes ten times faster than any class."""

    unit_code: str
    day: date
    status: UnitStatus  # from the first version filed, as roll-ups count it
    zero: bool = False  # the latest version is a zero report
    late_minutes: float | None = None  # late only: from the deadline to the first filing


ReportRow = tuple[str, date, UnitStatus, bool, float | None]
"""A ReportDay as a plain tuple: unit code, day, status, zero, late minutes."""


@dataclass(frozen=True, slots=True)
class FollowupDay:
    """One follow-up obligation (a check-in or a test day) of a resident of a unit."""

    unit_code: str
    day: date
    kind: ObligationKind  # HEALTH_CHECKIN or TEST_DUE
    done: bool = False
    excused: bool = False
    not_due: bool = False


@dataclass(frozen=True, slots=True)
class NoticeConfirmation:
    """One confirmation a notice asked for: a unit's (liaisons) or a person's (members)."""

    notice_id: int
    unit_code: str  # the unit confirming, or the person's unit
    day: date  # the local day the notice was sent
    confirms_for: str  # domain.notices.NoticeRecipient.confirms_for
    confirmed: bool


@dataclass(frozen=True, slots=True)
class NewDeclaration:
    """A declaration filed in the period that is not an update of an earlier one."""

    unit_code: str
    day: date  # the local day it was submitted
    category: str
    origin_risk: str  # the worst risk level of its origin and stays: high / mid / low


@dataclass(frozen=True, slots=True)
class UnderMeasure:
    """A current declaration whose measure runs on the period's last day."""

    unit_code: str
    category: str


_FILED = frozenset({UnitStatus.SUBMITTED, UnitStatus.ZERO, UnitStatus.LATE})
_STATUS = itemgetter(2)  # of a ReportDay
_ZERO = itemgetter(3)
_MINUTES = itemgetter(4)
# A unit's owed days as letters for longest_run: M a miss, F filed (ends a run); the rest
# (excused, not due) are skipped.
_RUN_LETTER = {status: "" for status in UnitStatus} | {
    UnitStatus.MISSING: "M",
    UnitStatus.SUBMITTED: "F",
    UnitStatus.ZERO: "F",
    UnitStatus.LATE: "F",
}
_MISSES = re.compile("M+")


@dataclass(slots=True)
class ReportCounts:
    expected: int = 0
    on_time: int = 0
    late: int = 0
    zero: int = 0
    excused: int = 0
    missing: int = 0
    not_due: int = 0
    late_minutes: float = 0.0  # the sum, for the average

    @property
    def filed(self) -> int:
        return self.on_time + self.late

    @property
    def counted(self) -> int:
        return self.on_time + self.late + self.missing

    @property
    def on_time_rate(self) -> float | None:
        return self.on_time / self.counted if self.counted else None

    @property
    def average_lateness(self) -> float | None:
        """Minutes, over late reports; None without any."""
        return self.late_minutes / self.late if self.late else None

    def add_day(self, report: ReportDay) -> None:
        self.expected += 1
        status = report.status
        if status in (UnitStatus.SUBMITTED, UnitStatus.ZERO):
            self.on_time += 1
        elif status is UnitStatus.LATE:
            self.late += 1
            self.late_minutes += report.late_minutes or 0.0
        elif status is UnitStatus.EXCUSED:
            self.excused += 1
        elif status is UnitStatus.MISSING:
            self.missing += 1
        else:
            self.not_due += 1
        if report.zero and status in (UnitStatus.SUBMITTED, UnitStatus.ZERO, UnitStatus.LATE):
            self.zero += 1

    @classmethod
    def of(cls, reports: Sequence[ReportRow]) -> ReportCounts:
        """The counts of `reports`, as `add_day` for each would make them, counted in C
        (a Counter over the statuses) rather than a method call per report."""
        counts = cls(expected=len(reports))
        for (status, zero), n in Counter(
            zip(map(_STATUS, reports), map(_ZERO, reports), strict=True)
        ).items():
            if status is UnitStatus.SUBMITTED or status is UnitStatus.ZERO:
                counts.on_time += n
            elif status is UnitStatus.LATE:
                counts.late += n
            elif status is UnitStatus.EXCUSED:
                counts.excused += n
            elif status is UnitStatus.MISSING:
                counts.missing += n
            else:
                counts.not_due += n
            if zero and status in _FILED:
                counts.zero += n
        if counts.late:  # only late reports carry minutes (ReportDay)
            counts.late_minutes = float(sum(filter(None, map(_MINUTES, reports))))
        return counts

    def add(self, other: ReportCounts) -> None:
        self.expected += other.expected
        self.on_time += other.on_time
        self.late += other.late
        self.zero += other.zero
        self.excused += other.excused
        self.missing += other.missing
        self.not_due += other.not_due
        self.late_minutes += other.late_minutes


@dataclass(slots=True)
class FollowupCounts:
    expected: int = 0
    done: int = 0
    excused: int = 0
    missed: int = 0
    not_due: int = 0

    @property
    def completion(self) -> float | None:
        counted = self.done + self.missed
        return self.done / counted if counted else None

    def add_day(self, item: FollowupDay) -> None:
        self.expected += 1
        if item.done:
            self.done += 1
        elif item.excused:
            self.excused += 1
        elif item.not_due:
            self.not_due += 1
        else:
            self.missed += 1

    def add(self, other: FollowupCounts) -> None:
        if other.expected:
            self.expected += other.expected
            self.done += other.done
            self.excused += other.excused
            self.missed += other.missed
            self.not_due += other.not_due


@dataclass(slots=True)
class NoticeCounts:
    expected: int = 0
    confirmed: int = 0

    @property
    def rate(self) -> float | None:
        return self.confirmed / self.expected if self.expected else None

    def add(self, other: NoticeCounts) -> None:
        self.expected += other.expected
        self.confirmed += other.confirmed


@dataclass(slots=True)
class UnitFigures:
    """Everything counted for a unit (or, summed, for a subtree)."""

    reports: ReportCounts = field(default_factory=ReportCounts)
    checkins: FollowupCounts = field(default_factory=FollowupCounts)
    tests: FollowupCounts = field(default_factory=FollowupCounts)
    notices: NoticeCounts = field(default_factory=NoticeCounts)
    new_by_category: Counter[str] = field(default_factory=Counter)
    new_by_origin: Counter[str] = field(default_factory=Counter)
    under_measure: Counter[str] = field(default_factory=Counter)
    longest_miss_run: int = 0
    longest_miss_unit: str | None = None  # the unit with that run

    def add(self, other: UnitFigures) -> None:
        self.reports.add(other.reports)
        self.checkins.add(other.checkins)
        self.tests.add(other.tests)
        if other.notices.expected:
            self.notices.add(other.notices)
        # Most units have no declarations: an empty update still costs a call each.
        if other.new_by_category:
            self.new_by_category.update(other.new_by_category)
        if other.new_by_origin:
            self.new_by_origin.update(other.new_by_origin)
        if other.under_measure:
            self.under_measure.update(other.under_measure)
        if other.longest_miss_run > self.longest_miss_run:
            self.longest_miss_run = other.longest_miss_run
            self.longest_miss_unit = other.longest_miss_unit


@dataclass(frozen=True, slots=True)
class DayPoint:
    """The subtree's reports and new declarations on one day (for the charts)."""

    day: date
    reports: ReportCounts
    new_by_category: Mapping[str, int]


@dataclass(frozen=True, slots=True)
class Statistics:
    root: Unit
    period: Period
    total: UnitFigures  # the whole subtree
    children: tuple[tuple[Unit, UnitFigures], ...]  # each direct child with its subtree summed
    units: tuple[tuple[Unit, UnitFigures], ...]  # each reporting unit of the subtree, alone
    days: tuple[DayPoint, ...]  # every day of the period, in order


def longest_run(statuses: Iterable[UnitStatus]) -> int:
    """The most consecutive MISSING in `statuses` (a unit's owed days in order); a filed
    report ends a run, excused and not-due days are skipped (see the module docstring)."""
    letters = "".join(map(_RUN_LETTER.__getitem__, statuses))
    return max(map(len, _MISSES.findall(letters)), default=0)


def compute(
    tree: OrgTree,
    root_code: str,
    period: Period,
    reports: Sequence[ReportRow],
    followups: Sequence[FollowupDay] = (),
    declarations: Sequence[NewDeclaration] = (),
    under_measure: Sequence[UnderMeasure] = (),
    notices: Sequence[NoticeConfirmation] = (),
) -> Statistics:
    """The statistics of `root_code`'s subtree; records of other units or days are ignored."""
    subtree = list(tree.subtree(root_code))
    codes = {unit.code for unit in subtree}
    own: dict[str, UnitFigures] = {}

    def figures_of(code: str) -> UnitFigures:
        found = own.get(code)
        if found is None:
            found = own[code] = UnitFigures()
        return found

    days = {day: (ReportCounts(), Counter[str]()) for day in period.days()}
    # Grouped first, then counted a group at a time (ReportCounts.of): one pass over the
    # reports instead of a method call per report for its unit and another for its day.
    by_unit_days: dict[str, list[ReportRow]] = {}
    by_day: dict[date, list[ReportRow]] = {}
    for report in reports:
        code, day = report[0], report[1]  # by position: ReportDay or a plain ReportRow
        if code not in codes or day not in days:
            continue
        found = by_unit_days.get(code)
        if found is None:
            by_unit_days[code] = [report]
        else:
            found.append(report)
        on_day = by_day.get(day)
        if on_day is None:
            by_day[day] = [report]
        else:
            on_day.append(report)
    for day, owed in by_day.items():
        days[day] = (ReportCounts.of(owed), days[day][1])
    for code, owed in by_unit_days.items():
        figures = figures_of(code)
        figures.reports = ReportCounts.of(owed)
        if figures.reports.missing:  # else no run: no need to put the days in order
            owed.sort(key=_day_of)
            figures.longest_miss_run = longest_run(map(_STATUS, owed))
        figures.longest_miss_unit = code if figures.longest_miss_run else None
    for item in followups:
        if item.unit_code in codes and item.day in days:
            figures = figures_of(item.unit_code)
            counts = figures.tests if item.kind is ObligationKind.TEST_DUE else figures.checkins
            counts.add_day(item)
    for declaration in declarations:
        if declaration.unit_code in codes and declaration.day in days:
            figures = figures_of(declaration.unit_code)
            figures.new_by_category[declaration.category] += 1
            figures.new_by_origin[declaration.origin_risk] += 1
            days[declaration.day][1][declaration.category] += 1
    for person in under_measure:
        if person.unit_code in codes:
            figures_of(person.unit_code).under_measure[person.category] += 1
    for code, confirmed in _confirmations(notices, codes, days).values():
        asked = figures_of(code).notices
        asked.expected += 1
        asked.confirmed += confirmed

    # Each unit's subtree summed in one pass from the leaves up (the subtree is listed
    # depth first, so reversed every unit comes after all below it).
    sums: dict[str, UnitFigures] = {}
    for unit in reversed(subtree):
        mine = own.get(unit.code)
        below = sums.get(unit.code)
        if mine is not None:
            if below is None:  # nothing below it: its own figures are its subtree's
                below = sums[unit.code] = mine
            else:
                below.add(mine)
        if below is None or unit.code == root_code or unit.parent_code is None:
            continue
        parent = sums.get(unit.parent_code)
        if parent is None:
            parent = sums[unit.parent_code] = UnitFigures()
        parent.add(below)

    def summed(code: str) -> UnitFigures:
        return sums.get(code) or UnitFigures()

    children = tuple((child, summed(child.code)) for child in tree.children(root_code))
    total = summed(root_code)
    units = tuple(
        (unit, own[unit.code])
        for unit in subtree
        if unit.code in own and own[unit.code].reports.expected
    )
    points = tuple(DayPoint(day, counts, dict(news)) for day, (counts, news) in days.items())
    return Statistics(tree.get(root_code), period, total, children, units, points)


_day_of = itemgetter(1)  # of a ReportDay


def _confirmations(
    notices: Iterable[NoticeConfirmation], codes: Collection[str], days: Collection[date]
) -> dict[tuple[int, str], tuple[str, bool]]:
    """Each confirmation asked for in these units and days, once (a unit with two liaisons,
    a person in two units' rows: counted in the first), with its unit and whether it was
    given: any of its rows confirming gives it, as in domain.notices.tally."""
    found: dict[tuple[int, str], tuple[str, bool]] = {}
    for item in notices:
        if item.unit_code in codes and item.day in days:
            key = (item.notice_id, item.confirms_for)
            code, confirmed = found.get(key, (item.unit_code, False))
            found[key] = (code, confirmed or item.confirmed)
    return found


def ranking(units: Iterable[tuple[Unit, UnitFigures]]) -> list[tuple[Unit, UnitFigures]]:
    """Units by on-time rate (best first), then fewer misses, fewer late reports, then name;
    units with nothing counted last."""

    def key(entry: tuple[Unit, UnitFigures]) -> tuple[int, float, int, int, str]:
        unit, figures = entry
        rate = figures.reports.on_time_rate
        return (
            rate is None,
            -(rate or 0.0),
            figures.reports.missing,
            figures.reports.late,
            unit.name,
        )

    return sorted(units, key=key)


def perfect(figures: UnitFigures) -> bool:
    """A perfect period (表扬): something counted, every report on time."""
    counts = figures.reports
    return counts.counted > 0 and counts.on_time == counts.counted
