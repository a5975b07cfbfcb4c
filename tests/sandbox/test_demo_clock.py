"""Where the demo's simulated clock starts (sandbox/demo.py): the coming working day's 09:00 in
the configured zone, unless --time or the time a kept database had got to says otherwise."""

from __future__ import annotations

from datetime import UTC, date, datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from bot.config.escalation import work_calendar
from domain.calendar import WorkCalendar
from sandbox.demo import DemoError, demo_settings, demo_time, save_state, working_morning

ZONE = ZoneInfo("Asia/Shanghai")
# Monday 7 December 2026 is a working day; the Tuesday and Wednesday after it are holidays.
HOLIDAYS = WorkCalendar.of(ZONE, holidays=[date(2026, 12, 8), date(2026, 12, 9)])
EVERY_DAY = WorkCalendar.of(ZONE)


def local(day: int, hour: int, minute: int = 0) -> datetime:
    return datetime(2026, 12, day, hour, minute, tzinfo=ZONE)


@pytest.mark.parametrize(
    ("now", "calendar", "start"),
    [
        # The case: started at night, it is already the 7th in Shanghai (the 6th in UTC).
        (datetime(2026, 12, 6, 21, 11, tzinfo=UTC), EVERY_DAY, local(7, 9)),
        (local(7, 8, 59), EVERY_DAY, local(7, 9)),
        (local(7, 9), EVERY_DAY, local(7, 9)),
        (local(7, 13), EVERY_DAY, local(8, 9)),
        (local(7, 23, 30), EVERY_DAY, local(8, 9)),
        # Past today's 09:00 the next two days are holidays: the first working day after them.
        (local(7, 9, 1), HOLIDAYS, local(10, 9)),
        (local(8, 7), HOLIDAYS, local(10, 9)),
        (local(10, 6), HOLIDAYS, local(10, 9)),
    ],
)
def test_the_clock_starts_at_the_coming_working_morning(
    now: datetime, calendar: WorkCalendar, start: datetime
) -> None:
    assert working_morning(now, calendar) == start


def test_the_demo_uses_its_configured_zone() -> None:
    settings = demo_settings("http://127.0.0.1", Path("unused.db"))
    calendar = work_calendar(settings.time.zone, settings.quiet_hours, settings.holidays)
    # 23:30 UTC is 07:30 the next morning in the demo's zone (Asia/Shanghai).
    start = demo_time(None, calendar, datetime(2026, 12, 6, 23, 30, tzinfo=UTC))
    assert start == local(7, 9)
    assert not calendar.in_quiet_hours(start)


def test_a_kept_demo_goes_on_from_its_saved_time_unless_the_morning_is_later(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)  # the demo keeps its state under ./data
    now = local(7, 5)
    assert demo_time(None, EVERY_DAY, now) == local(7, 9)
    save_state(local(7, 16, 45), b"chats")
    assert demo_time(None, EVERY_DAY, now) == local(7, 16, 45)
    save_state(local(6, 18), b"chats")
    assert demo_time(None, EVERY_DAY, now) == local(7, 9)


def test_time_option_wins_but_never_goes_back(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    now = local(7, 5)
    assert demo_time("2026-11-23T22:30", EVERY_DAY, now) == datetime(
        2026, 11, 23, 22, 30, tzinfo=ZONE
    )
    save_state(local(7, 16, 45), b"chats")
    with pytest.raises(DemoError, match="already 2026-12-07 16:45; add --reset"):
        demo_time("2026-12-07T09:00", EVERY_DAY, now)
    with pytest.raises(DemoError, match="expected a local time"):
        demo_time("tomorrow", EVERY_DAY, now)
