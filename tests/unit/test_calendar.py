from datetime import UTC, date, datetime, time
from zoneinfo import ZoneInfo

import pytest

from domain.calendar import WorkCalendar
from domain.obligations import ObligationKind

TZ = ZoneInfo("Asia/Shanghai")
CAL = WorkCalendar.of(TZ)  # quiet 22:00-07:00, no holidays
HOLIDAYS = WorkCalendar.of(TZ, holidays=[date(2026, 10, 1), date(2026, 10, 2)])


def at(month: int, day: int, hour: int, minute: int = 0) -> datetime:
    return datetime(2026, month, day, hour, minute, tzinfo=TZ)


@pytest.mark.parametrize(
    ("clock", "quiet"),
    [
        (time(21, 59), False),
        (time(22, 0), True),
        (time(23, 30), True),
        (time(0, 0), True),
        (time(6, 59), True),
        (time(7, 0), False),
        (time(12, 0), False),
    ],
)
def test_quiet_hours_cross_midnight(clock: time, quiet: bool) -> None:
    assert CAL.in_quiet_hours(datetime.combine(date(2026, 11, 23), clock, TZ)) is quiet


def test_quiet_hours_are_local_to_the_configured_zone() -> None:
    # 15:00 UTC is 23:00 in Shanghai.
    utc = datetime(2026, 11, 23, 15, 0, tzinfo=UTC)
    assert CAL.in_quiet_hours(utc)
    assert CAL.quiet_hours_end(utc) == at(11, 24, 7)


def test_quiet_hours_within_one_day_and_none() -> None:
    lunch = WorkCalendar.of(TZ, (time(12, 0), time(14, 0)))
    assert lunch.in_quiet_hours(at(11, 23, 13))
    assert not lunch.in_quiet_hours(at(11, 23, 23))
    assert lunch.quiet_hours_end(at(11, 23, 13)) == at(11, 23, 14)
    never = WorkCalendar.of(TZ, None)
    assert not never.in_quiet_hours(at(11, 23, 3))


@pytest.mark.parametrize(
    ("nominal", "expected"),
    [
        (at(11, 23, 21), at(11, 23, 21)),
        (at(11, 23, 23), at(11, 24, 7)),  # evening: tomorrow's end
        (at(11, 24, 3), at(11, 24, 7)),  # after midnight: today's end
    ],
)
def test_non_urgent_steps_wait_for_the_end_of_quiet_hours(
    nominal: datetime, expected: datetime
) -> None:
    kind = ObligationKind.HEALTH_CHECKIN
    assert CAL.deliver_at(nominal, urgent=False, kind=kind, due_at=nominal) == expected
    assert CAL.deliver_at(nominal, urgent=True, kind=kind, due_at=nominal) == nominal


def test_holidays_hold_observing_kinds_until_the_next_working_morning() -> None:
    due = at(9, 30, 17)
    # The office step deferred out of the night lands on 1 October, then past both holidays.
    got = HOLIDAYS.deliver_at(
        at(9, 30, 23), urgent=False, kind=ObligationKind.UNIT_REPORT, due_at=due
    )
    assert got == at(10, 3, 7)
    assert HOLIDAYS.is_holiday(date(2026, 10, 1))
    assert not HOLIDAYS.is_holiday(date(2026, 10, 3))


def test_holidays_do_not_stop_health_monitoring_or_urgent_steps() -> None:
    nominal = at(10, 1, 9)
    due = at(9, 30, 17)
    checkin = ObligationKind.HEALTH_CHECKIN
    assert HOLIDAYS.deliver_at(nominal, urgent=False, kind=checkin, due_at=due) == nominal
    report = ObligationKind.UNIT_REPORT
    assert HOLIDAYS.deliver_at(nominal, urgent=True, kind=report, due_at=due) == nominal


def test_an_obligation_due_on_a_holiday_reminds_that_day() -> None:
    due = at(10, 1, 17)
    report = ObligationKind.UNIT_REPORT
    assert HOLIDAYS.deliver_at(at(10, 1, 16), urgent=False, kind=report, due_at=due) == at(
        10, 1, 16
    )
    # ...but its steps spilling into the next holiday still wait.
    assert HOLIDAYS.deliver_at(at(10, 2, 9), urgent=False, kind=report, due_at=due) == at(10, 3, 7)
