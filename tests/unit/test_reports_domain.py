"""Unit daily reports, pure: schedules, the policy, statuses and roll-ups."""

from __future__ import annotations

from dataclasses import replace
from datetime import date, datetime, time
from zoneinfo import ZoneInfo

import pytest

from domain.calendar import WorkCalendar
from domain.forms import FieldKind, FormField, FormSpec, Value, problems, zero_answers
from domain.obligations import ObligationKind
from domain.org import OrgTree, Unit, UnitKind
from domain.reports import (
    DEFAULT_FORM,
    Cutoff,
    FiledReport,
    ReportPolicy,
    ReportSchedule,
    ScheduleOverride,
    UnitStatus,
    report_obligation,
    rollup,
    status_of,
)

ZONE = ZoneInfo("Asia/Shanghai")
MONDAY = date(2026, 11, 23)
SATURDAY = date(2026, 11, 28)

TREE = OrgTree.of(
    [
        Unit("county", "县", UnitKind.OFFICE),
        Unit("town", "镇", UnitKind.TOWNSHIP, "county"),
        Unit("east", "东村", UnitKind.VILLAGE, "town"),
        Unit("west", "西村", UnitKind.VILLAGE, "town"),
        Unit("hills", "山乡", UnitKind.TOWNSHIP, "county"),
        Unit("north", "北村", UnitKind.VILLAGE, "hills"),
        Unit("south", "南村", UnitKind.VILLAGE, "hills"),
        Unit("school", "小学", UnitKind.SCHOOL, "hills"),
    ]
)


def answers(**counts: int) -> dict[str, Value]:
    found: dict[str, Value] = dict(zero_answers(DEFAULT_FORM))
    found.update(counts)
    return found


def report(
    unit: str, version: int = 1, *, late: bool = False, zero: bool = False, **counts: int
) -> FiledReport:
    return FiledReport(
        unit,
        MONDAY,
        version,
        zero,
        answers(**counts),
        10,
        datetime(2026, 11, 23, 9, tzinfo=ZONE),
        late,
    )


# --- schedules ----------------------------------------------------------------------------


def test_a_schedule_reports_on_its_days_and_not_on_holidays() -> None:
    calendar = WorkCalendar.of(ZONE, holidays=[MONDAY])
    weekdays = ReportSchedule(days=frozenset(range(1, 6)))
    assert not weekdays.reports_on(SATURDAY, calendar)
    assert not weekdays.reports_on(MONDAY, calendar)  # a holiday
    assert ReportSchedule(skip_holidays=False).reports_on(MONDAY, calendar)
    assert ReportSchedule().reports_on(SATURDAY, calendar)  # epidemic work has no weekends
    with pytest.raises(ValueError, match="ISO weekdays"):
        ReportSchedule(days=frozenset({0}))
    with pytest.raises(ValueError, match="ISO weekdays"):
        ReportSchedule(days=frozenset())


def test_deadline_and_correction_window() -> None:
    schedule = ReportSchedule(deadline=time(12))
    assert schedule.due_at(MONDAY, ZONE) == datetime(2026, 11, 23, 12, tzinfo=ZONE)
    # Corrections close at the next day's data cut-off: its figures start there.
    assert schedule.correctable_until(MONDAY, ZONE) == datetime(2026, 11, 24, 0, tzinfo=ZONE)
    at_eight = replace(schedule, cutoff=Cutoff.TODAY_08)
    assert at_eight.correctable_until(MONDAY, ZONE) == datetime(2026, 11, 24, 8, tzinfo=ZONE)
    as_filed = replace(schedule, cutoff=Cutoff.NOW)
    assert as_filed.correctable_until(MONDAY, ZONE) == datetime(2026, 11, 24, 12, tzinfo=ZONE)
    obligation = report_obligation(TREE.get("east"), MONDAY, ReportSchedule(chain="v"), ZONE)
    assert (obligation.kind, obligation.subject, obligation.period, obligation.assignee) == (
        ObligationKind.UNIT_REPORT,
        "east",
        "2026-11-23",
        "east",
    )
    assert obligation.chain == "v"
    assert obligation.due_at == datetime(2026, 11, 23, 17, tzinfo=ZONE)


def test_a_unit_override_goes_over_its_kinds_schedule() -> None:
    schools = ReportSchedule(deadline=time(12), days=frozenset(range(1, 6)), chain="schools")
    policy = ReportPolicy(
        {UnitKind.VILLAGE: ReportSchedule(), UnitKind.SCHOOL: schools},
        {
            "school": ScheduleOverride(days=frozenset({6})),
            "north": ScheduleOverride(reports=False),
            "town": ScheduleOverride(deadline=time(9)),
            "west": ReportSchedule(deadline=time(15)),
        },
    )
    school = policy.schedule_for(TREE.get("school"))
    assert school == ReportSchedule(time(12), frozenset({6}), chain="schools")
    assert policy.schedule_for(TREE.get("north")) is None
    assert policy.schedule_for(TREE.get("town")) == ReportSchedule(deadline=time(9))
    assert policy.schedule_for(TREE.get("west")) == ReportSchedule(deadline=time(15))
    assert policy.schedule_for(TREE.get("hills")) is None
    assert policy.deadlines() == {time(9), time(12), time(15), time(17)}
    calendar = WorkCalendar.of(ZONE)
    assert policy.owed(TREE.get("school"), MONDAY, calendar) is None
    assert policy.owed(TREE.get("school"), SATURDAY, calendar) == school


def test_a_rollup_form_merges_the_forms_of_several_kinds() -> None:
    school_form = FormSpec(
        "unit_report",
        (
            FormField("returned", FieldKind.COUNT),
            FormField("absent", FieldKind.COUNT, labels={"en": "Absent", "zh_CN": "缺课"}),
            FormField("tests_done", FieldKind.TEXT, optional=True),  # clashes with the count
        ),
    )
    policy = ReportPolicy(
        {UnitKind.VILLAGE: ReportSchedule(), UnitKind.SCHOOL: ReportSchedule(form=school_form)}
    )
    assert policy.rollup_form([TREE.get("east"), TREE.get("west")]) is DEFAULT_FORM
    merged = policy.rollup_form([TREE.get("east"), TREE.get("school")])
    keys = [f.key for f in merged.fields]
    assert "absent" in keys
    assert "tests_done" not in keys
    assert keys[:2] == ["returned", "returned_risk"]
    assert policy.rollup_form([]) is DEFAULT_FORM


# --- statuses and roll-ups ----------------------------------------------------------------


def test_status_follows_the_first_version() -> None:
    assert status_of(None, excused=False) is UnitStatus.MISSING
    assert status_of(None, excused=True) is UnitStatus.EXCUSED
    assert status_of(report("east", zero=True), excused=False) is UnitStatus.ZERO
    assert status_of(report("east", late=True, zero=True), excused=False) is UnitStatus.LATE
    assert status_of(report("east"), excused=True) is UnitStatus.SUBMITTED


def test_a_rollup_sums_up_the_tree_and_groups_the_missing_by_parent() -> None:
    owing = ["east", "west", "north", "south", "school"]
    versions = [
        report("east", returned=3, returned_risk=1, tests_done=10),
        # A correction: the counts follow it, the status (on time, zero) the first version.
        report("north", zero=True),
        report("north", 2, late=True, returned=2, tests_done=4),
        report("school", late=True, zero=True),
        report("elsewhere", returned=100),  # not owing: ignored
        FiledReport(
            "west",
            date(2026, 11, 22),
            1,
            False,
            answers(returned=50),
            1,
            datetime(2026, 11, 22, tzinfo=ZONE),
            False,
        ),
    ]
    summary = rollup(TREE, "county", MONDAY, owing, versions, excused=["south"])
    t = summary.tally
    assert (t.expected, t.submitted, t.zero, t.late, t.excused, t.missing) == (5, 3, 1, 1, 1, 1)
    assert t.totals["returned"] == 5
    assert t.totals["tests_done"] == 14
    assert t.totals["returned_risk"] == 1
    assert "abnormal" not in t.totals
    children = {c.unit.code: c.tally for c in summary.children}
    assert (children["town"].expected, children["town"].submitted, children["town"].missing) == (
        2,
        1,
        1,
    )
    assert children["town"].totals["returned"] == 3
    assert (children["hills"].expected, children["hills"].late, children["hills"].excused) == (
        3,
        1,
        1,
    )
    assert children["hills"].totals["returned"] == 2
    assert [(p.code, [u.code for u in units]) for p, units in summary.missing] == [
        ("town", ["west"])
    ]
    # North's status is on time: its first version was.
    assert children["hills"].zero == 1  # the school's zero report; north's latest is full


def test_a_rollup_of_a_subtree_ignores_units_outside_it() -> None:
    summary = rollup(TREE, "town", MONDAY, ["east", "west", "north"], [report("north")])
    assert summary.tally.expected == 2
    assert summary.tally.missing == 2
    assert [c.unit.code for c in summary.children] == ["east", "west"]
    assert [(p.code, [u.code for u in us]) for p, us in summary.missing] == [
        ("town", ["east", "west"])
    ]


def test_zero_answers_are_valid_for_the_default_form() -> None:
    assert problems(DEFAULT_FORM, zero_answers(DEFAULT_FORM)) == []
