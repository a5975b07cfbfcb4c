"""A test day already past when the case began moves to the next day of the period without a
test (it is not dropped): a 集中隔离 arrival who declares after the day-1 test time is tested
the next day, not 12 days later."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta

from hypothesis import given
from hypothesis import strategies as st

from domain import followup
from domain.obligations import ObligationKind
from tests.unit.test_followup import CHECKIN, MONITORING, QUARANTINE, TEST, THURSDAY, ZONE


def plan(measure=QUARANTINE, declared_at=None):  # type: ignore[no-untyped-def]
    return followup.plan(
        measure, THURSDAY, checkin_due=CHECKIN, test_due=TEST, zone=ZONE, declared_at=declared_at
    )


def at(day: date, hour: int, minute: int = 0) -> datetime:
    return datetime.combine(day, time(hour, minute), tzinfo=ZONE)


DAY_ONE = THURSDAY + timedelta(days=1)  # 11-20: the first test, due 10:00


def test_declared_after_the_day_one_test_time_moves_it_to_the_next_day() -> None:
    p = plan(declared_at=at(DAY_ONE, 12, 11))
    assert p.test_dates == (date(2026, 11, 21), date(2026, 12, 2))
    # Opened and told: the moved test is ahead, the one of day 13 stays.
    assert p.days_ahead(ObligationKind.TEST_DUE, at(DAY_ONE, 12, 11)) == p.test_dates
    tests = [i for i in p.items if i.kind is ObligationKind.TEST_DUE]
    assert tests[0].due_at == at(date(2026, 11, 21), 10)
    # Check-ins are not moved: one a day.
    assert p.checkin_days == plan().checkin_days


def test_declared_before_the_test_time_nothing_moves() -> None:
    assert plan(declared_at=at(DAY_ONE, 9, 59)).test_dates == plan().test_dates
    assert plan(declared_at=at(THURSDAY, 23, 0)).test_dates == plan().test_dates


def test_a_moved_test_skips_days_that_have_one() -> None:
    # Monitoring: Mondays and Thursdays (11-19 Thu, 11-23 Mon, 11-26 Thu, ...). Declared on
    # Monday 11-23 at 12:00: the tests of 11-19 and 11-23 move to 11-24 and 11-25 (11-26 has
    # its own).
    declared = at(date(2026, 11, 23), 12)
    moved = plan(MONITORING, declared).test_dates
    assert moved[:3] == (date(2026, 11, 24), date(2026, 11, 25), date(2026, 11, 26))
    assert len(moved) == len(plan(MONITORING).test_dates)


def test_no_day_left_in_the_period_keeps_it_past() -> None:
    last_day = THURSDAY + timedelta(days=13)  # the day-13 test's own day, after 10:00
    p = plan(declared_at=at(last_day, 11))
    assert p.test_dates == plan().test_dates
    assert p.days_ahead(ObligationKind.TEST_DUE, at(last_day, 11)) == ()


@given(minutes=st.integers(0, 16 * 24 * 60))
def test_moving_keeps_the_count_within_the_period_and_one_test_a_day(minutes: int) -> None:
    declared = at(THURSDAY, 0) + timedelta(minutes=minutes)
    for measure in (QUARANTINE, MONITORING):
        base, moved = plan(measure), plan(measure, declared)
        assert len(moved.test_dates) == len(base.test_dates)
        assert len(set(moved.test_dates)) == len(moved.test_dates)
        assert all(base.start <= day <= base.end for day in moved.test_dates)
        # Nothing ahead at the declaration is dropped; the plan is the same made again.
        assert set(base.days_ahead(ObligationKind.TEST_DUE, declared)) <= set(moved.test_dates)
        assert plan(measure, declared) == moved
