"""Statistics of a subtree over a period (domain/stats.py): sums up the tree, what is not a
miss, the longest run of misses, lateness, declarations and follow-ups."""

from datetime import date

from domain.obligations import ObligationKind
from domain.org import OrgTree, Unit, UnitKind
from domain.periods import Period
from domain.reports import UnitStatus
from domain.stats import (
    FollowupDay,
    NewDeclaration,
    ReportDay,
    UnderMeasure,
    compute,
    longest_run,
    perfect,
    ranking,
)

S, Z, L, E, M, N = (
    UnitStatus.SUBMITTED,
    UnitStatus.ZERO,
    UnitStatus.LATE,
    UnitStatus.EXCUSED,
    UnitStatus.MISSING,
    UnitStatus.NOT_DUE,
)
TREE = OrgTree.of(
    [
        Unit("county", "县防控办", UnitKind.OFFICE),
        Unit("town", "城关镇", UnitKind.TOWNSHIP, "county"),
        Unit("east", "东关村", UnitKind.VILLAGE, "town"),
        Unit("west", "西关村", UnitKind.VILLAGE, "town"),
        Unit("hill", "山乡", UnitKind.TOWNSHIP, "county"),
        Unit("north", "北村", UnitKind.VILLAGE, "hill"),
    ]
)
WEEK = Period(date(2026, 11, 30), date(2026, 12, 6))


def day(n: int) -> date:
    return date(2026, 11, 29 + n) if n <= 1 else date(2026, 12, n - 1)


def reports(
    code: str, statuses: list[UnitStatus], *, skip: tuple[int, ...] = ()
) -> list[ReportDay]:
    """One report a day from Monday; days in `skip` were not owed (a holiday: no obligation)."""
    days = [d for d in WEEK.days() if (d - WEEK.first).days not in skip]
    return [
        ReportDay(code, d, status, zero=status is Z, late_minutes=90.0 if status is L else None)
        for d, status in zip(days, statuses, strict=False)
    ]


def test_longest_run_skips_excused_and_ends_at_a_filing() -> None:
    assert longest_run([M, M, S, M]) == 2
    assert longest_run([M, E, M, M, L, M]) == 3
    assert longest_run([S, Z, L]) == 0
    assert longest_run([M, N]) == 1


def test_a_unit_sums_its_subtree() -> None:
    records = reports("east", [S, S, L, M, M, S, Z]) + reports("west", [S] * 7)
    records += reports("north", [M, E, S, S, S, S, S])
    stats = compute(TREE, "county", WEEK, records)
    town = dict((unit.code, figures) for unit, figures in stats.children)["town"]
    assert (town.reports.expected, town.reports.on_time, town.reports.late) == (14, 11, 1)
    assert (town.reports.missing, town.reports.zero, town.reports.filed) == (2, 1, 12)
    total = stats.total.reports
    assert (total.expected, total.on_time, total.late, total.excused, total.missing) == (
        21,
        16,
        1,
        1,
        3,
    )
    assert total.on_time_rate == 16 / 20  # on time / (on time + late + missing)
    assert stats.total.longest_miss_run == 2
    assert stats.total.longest_miss_unit == "east"
    # A child's subtree only: the town does not see the hills.
    assert compute(TREE, "town", WEEK, records).total.reports.expected == 14


def test_holidays_and_excused_days_are_not_misses() -> None:
    # The unit owed nothing on Wednesday (a holiday opens no obligation), and was excused on
    # Thursday: five reports owed and counted, all filed.
    records = reports("east", [S, S, E, S, S, S], skip=(2,))
    stats = compute(TREE, "east", WEEK, records)
    counts = stats.total.reports
    assert (counts.expected, counts.excused, counts.missing) == (6, 1, 0)
    assert counts.on_time_rate == 1.0
    assert perfect(stats.total)
    wednesday = stats.days[2]
    assert wednesday.reports.expected == 0
    assert wednesday.reports.on_time_rate is None


def test_units_that_do_not_report_count_nothing() -> None:
    stats = compute(TREE, "county", WEEK, reports("east", [S] * 7))
    assert [unit.code for unit, _ in stats.units] == ["east"]
    assert stats.total.reports.expected == 7
    hill = dict((unit.code, figures) for unit, figures in stats.children)["hill"]
    assert hill.reports.on_time_rate is None
    assert not perfect(hill)


def test_average_lateness_is_over_late_reports_only() -> None:
    records = reports("east", [L, S, L])
    records[2] = ReportDay("east", records[2].day, L, late_minutes=30.0)
    counts = compute(TREE, "east", WEEK, records).total.reports
    assert counts.late == 2
    assert counts.average_lateness == 60.0


def test_not_due_is_neither_filed_nor_missing() -> None:
    counts = compute(TREE, "east", WEEK, reports("east", [S, N])).total.reports
    assert (counts.expected, counts.not_due, counts.missing, counts.on_time_rate) == (2, 1, 0, 1.0)


def test_records_outside_the_period_or_subtree_are_ignored() -> None:
    stray = [ReportDay("east", date(2026, 11, 29), M), ReportDay("elsewhere", WEEK.first, M)]
    assert compute(TREE, "county", WEEK, stray).total.reports.expected == 0


def test_declarations_by_category_origin_and_day() -> None:
    news = [
        NewDeclaration("east", day(1), "home_quarantine", "mid"),
        NewDeclaration("east", day(1), "home_health_monitoring", "low"),
        NewDeclaration("north", day(3), "home_quarantine", "mid"),
    ]
    under = [UnderMeasure("east", "home_quarantine"), UnderMeasure("west", "home_quarantine")]
    stats = compute(TREE, "county", WEEK, [], declarations=news, under_measure=under)
    assert stats.total.new_by_category == {"home_quarantine": 2, "home_health_monitoring": 1}
    assert stats.total.new_by_origin == {"mid": 2, "low": 1}
    assert stats.total.under_measure == {"home_quarantine": 2}
    assert stats.days[0].new_by_category == {"home_quarantine": 1, "home_health_monitoring": 1}
    assert stats.days[2].new_by_category == {"home_quarantine": 1}


def test_followup_completion() -> None:
    items = [
        FollowupDay("east", day(1), ObligationKind.HEALTH_CHECKIN, done=True),
        FollowupDay("east", day(2), ObligationKind.HEALTH_CHECKIN),
        FollowupDay("east", day(3), ObligationKind.HEALTH_CHECKIN, excused=True),
        FollowupDay("west", day(1), ObligationKind.TEST_DUE, done=True),
    ]
    total = compute(TREE, "town", WEEK, [], followups=items).total
    assert (total.checkins.expected, total.checkins.done, total.checkins.missed) == (3, 1, 1)
    assert total.checkins.completion == 0.5
    assert total.tests.completion == 1.0


def test_ranking_by_on_time_rate_then_misses() -> None:
    records = reports("east", [S, L, S]) + reports("west", [S, M, S]) + reports("north", [S] * 3)
    stats = compute(TREE, "county", WEEK, records)
    assert [unit.code for unit, _ in ranking(stats.units)] == ["north", "east", "west"]
