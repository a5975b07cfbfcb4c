"""/status by a unit's name, "not yet due" before the deadline, and a range of days."""

from __future__ import annotations

from datetime import timedelta

from tests.handlers.conftest import EN, ZH, Harness
from tests.handlers.test_reports import (
    DUE,
    LIAISON,
    MORNING,
    day_opened,  # noqa: F401  (the autouse fixture: the org and the day's reports)
    fill,
)


async def file_dongguan(harness: Harness) -> None:
    await harness.send(LIAISON, "/report")
    await fill(harness)
    await harness.press(LIAISON, harness.button(ZH("report-button-submit")))


async def test_a_unit_by_name_before_the_deadline_is_not_yet_due(harness: Harness) -> None:
    [south] = await harness.send(1002, "/status 南街社区", language="en")
    assert south.startswith(EN("status-unit-title", unit="南街社区", day="2026-11-23"))
    assert EN("status-unit-not-due", due="17:00") in south
    assert EN("status-unit-missing", due="17:00") not in south
    # Part of the name will do, and after the deadline it is missing.
    harness.clock.set(DUE + timedelta(minutes=1))
    [south] = await harness.send(1002, "/status 南街", language="en")
    assert EN("status-unit-missing", due="17:00") in south


async def test_the_rollup_before_the_deadline_lists_nobody_as_missing(harness: Harness) -> None:
    await file_dongguan(harness)
    [county] = await harness.send(1001, "/status")
    lines = county.splitlines()
    assert ZH("rollup-tally", expected=4, submitted=1, zero=0, late=0, excused=0, missing=0) in (
        lines
    )
    assert ZH("rollup-not-due", count=3) in lines
    assert ZH("rollup-missing-title") not in lines
    assert ZH("rollup-all-filed") not in lines
    township = ZH(
        "rollup-child-line",
        unit="城关镇",
        submitted=1,
        expected=3,
        zero=0,
        late=0,
        excused=0,
        missing=0,
    )
    assert township + ZH("rollup-child-not-due", count=2) in lines

    harness.clock.set(DUE + timedelta(minutes=1))
    [county] = await harness.send(1001, "/status")
    assert ZH("rollup-tally", expected=4, submitted=1, zero=0, late=0, excused=0, missing=3) in (
        county
    )
    assert ZH("rollup-missing-title") in county
    assert ZH("rollup-not-due", count=3) not in county


async def test_a_range_of_days_for_one_unit_is_summarised_day_by_day(harness: Harness) -> None:
    await file_dongguan(harness)
    harness.clock.set(DUE + timedelta(hours=1))
    [summary] = await harness.send(1002, "/status 东关村 11-21 2026-11-23", language="en")
    assert summary.splitlines() == [
        EN("status-range-title", unit="东关村", start="2026-11-21", end="2026-11-23"),
        EN("status-range-day-none", day="2026-11-21"),
        EN("status-range-day-none", day="2026-11-22"),
        EN("status-range-day-state", day="2026-11-23", state=EN("status-range-filed")),
        "",
        EN("status-range-total", expected=1, submitted=1, zero=0, late=0, excused=0, missing=0),
    ]
    # A day without an obligation (before the bot, or not a reporting day) has no record:
    # not "nothing owed", which the bot cannot know.
    assert EN("status-range-day-none", day="2026-11-21") == "· 2026-11-21 no record"
    assert ZH("status-range-day-none", day="2026-11-21") == "· 2026-11-21 无记录"


async def test_a_range_for_a_township_counts_its_units_each_day(harness: Harness) -> None:
    await file_dongguan(harness)
    [summary] = await harness.send(1002, "/status 城关镇 11-22 11-23", language="en")
    lines = summary.splitlines()
    assert EN("status-range-day-none", day="2026-11-22") in lines
    day = EN(
        "status-range-day-tally",
        day="2026-11-23",
        expected=3,
        submitted=1,
        zero=0,
        late=0,
        excused=0,
        missing=0,
    )
    # Asked in the morning: the two still to file are not yet due, not missing.
    assert day + EN("rollup-child-not-due", count=2) in lines


async def test_a_range_without_a_unit_covers_ones_own(harness: Harness) -> None:
    harness.clock.set(MORNING)
    [mine] = await harness.send(LIAISON, "/status 11-22 11-23")
    assert mine.startswith(
        ZH("status-range-title", unit="东关村", start="2026-11-22", end="2026-11-23")
    )
    assert ZH("status-range-day-state", day="2026-11-23", state=ZH("status-range-not-due")) in mine


async def test_wrong_ranges_are_refused_with_a_clear_message(harness: Harness) -> None:
    assert await harness.send(1002, "/status 东关村 11-23 11-21", language="en") == [
        EN("status-range-order", start="2026-11-23", end="2026-11-21")
    ]
    assert await harness.send(1002, "/status 2026-09-01 2026-11-23", language="en") == [
        EN("status-range-too-long", days=31)
    ]
    assert await harness.send(1002, "/status 东关村 11-31 11-23", language="en") == [
        EN("answer-date-invalid") + "\n" + EN("status-usage")
    ]
    [outside] = await harness.send(1002, "/status 11-22 11-24", language="en")
    assert outside.endswith(EN("status-usage"))
    assert await harness.send(1002, "/status 11-21 11-22 11-23", language="en") == [
        EN("answer-date-invalid") + "\n" + EN("status-usage")
    ]


async def test_a_unit_outside_ones_area_is_named_as_such(harness: Harness) -> None:
    # 东关村's liaison asks about its neighbour: it exists, but is not theirs.
    assert await harness.send(LIAISON, "/status 南街社区") == [
        ZH("status-outside", unit="南街社区")
    ]
    assert ZH("status-outside", unit="南街社区").startswith("南街社区 不在您负责的范围")
    audit = await harness.repos(lambda r: r.audit.recent())
    assert (audit[0].action, audit[0].allowed) == ("report.status", False)
