"""Calendar jobs of the unit daily reports: opening the day, and the roll-ups at each deadline."""

from __future__ import annotations

from datetime import UTC, date, datetime, time

from sqlalchemy import select

from bot.config import Settings
from bot.wiring import jobs_config
from domain.forms import FormSpec
from domain.org import Language, Role
from domain.outbox import Priority
from domain.reports import Rollup
from scheduler.actions import open_today, rollup_day
from scheduler.jobs import CalendarJobs
from storage import Database
from storage.models import ObligationRow, OutboxRow

from .test_reports import (
    FULL,
    LIAISON_EAST,
    MONDAY,
    ZONE,
    actor,
    file,
    local,
    seed,
)

CONFIG = Settings.model_validate(
    {
        "time": {"timezone": "Asia/Shanghai"},
        "reports": {
            "school": {"deadline": "12:00", "days": ["mon", "tue", "wed", "thu", "fri"]},
            "units": {"west": {"deadline": "16:30"}},
        },
    }
)


class Texts:
    """Writes the roll-up's numbers, one part per child, so parts and languages can be seen."""

    def __init__(self) -> None:
        self.calls: list[tuple[str, Language]] = []
        self.extra_parts = 0  # more parts than usual, as a longer roll-up would have

    def rollup(self, rollup: Rollup, language: Language, form: FormSpec) -> list[str]:
        self.calls.append((rollup.root.code, language))
        tally = rollup.tally
        head = (
            f"{language}|{rollup.root.code}|{rollup.day}|expected={tally.expected}"
            f"|submitted={tally.submitted}|missing={tally.missing}"
            f"|returned={tally.totals.get('returned', 0)}|fields={len(form.fields)}"
        )
        return [
            head,
            *(f"{c.unit.code}:{c.tally.submitted}/{c.tally.expected}" for c in rollup.children),
            *(f"extra {n}" for n in range(self.extra_parts)),
        ]


def jobs(database: Database, at: datetime, texts: Texts | None = None) -> CalendarJobs:
    return CalendarJobs(database, jobs_config(CONFIG), now=lambda: at, rollup_texts=texts)


async def outbox(database: Database) -> list[tuple[str, int, str, int]]:
    async with database.session() as session:
        rows = await session.scalars(select(OutboxRow).order_by(OutboxRow.dedupe_key))
        return [(r.dedupe_key, r.chat_id, r.text, r.priority) for r in rows]


async def test_the_open_job_opens_today_once(database: Database) -> None:
    await seed(database)
    calendar = jobs(database, local(MONDAY, 0, 5))
    assert await calendar.run_now("open_unit_reports") == {"opened": 4}
    assert await calendar.run_now("open_unit_reports") == {"opened": 0}
    # The start-up helper is the same, and idempotent too.
    assert (
        await open_today(
            database, calendar.config.escalation, calendar.config.reports, local(MONDAY, 9)
        )
        == 0
    )
    async with database.session() as session:
        due = {
            subject: at
            for subject, at in await session.execute(
                select(ObligationRow.subject, ObligationRow.due_at)
            )
        }
    assert due == {
        "east": local(MONDAY, 17),
        "west": local(MONDAY, 16, 30),
        "north": local(MONDAY, 17),
        "school": local(MONDAY, 12),
    }


async def test_a_rollup_job_runs_at_each_distinct_deadline(sqlite_database: Database) -> None:
    calendar = jobs(sqlite_database, local(MONDAY, 9), Texts())
    assert calendar.rollup_jobs == {
        "unit_report_rollup_1200": time(12),
        "unit_report_rollup_1630": time(16, 30),
        "unit_report_rollup_1700": time(17),
    }
    calendar.start()
    try:
        times = calendar.next_run_times()
        assert {"open_unit_reports", *calendar.rollup_jobs} <= set(times)
        for name, deadline in calendar.rollup_jobs.items():
            fire = times[name].astimezone(ZONE)
            assert (fire.hour, fire.minute) == (deadline.hour, deadline.minute)
    finally:
        await calendar.shutdown()
    # Without texts to write them, no roll-up job is scheduled.
    assert jobs(sqlite_database, local(MONDAY, 9)).rollup_jobs == {}


async def test_rollups_go_once_to_each_supervisor_in_their_language(database: Database) -> None:
    await seed(database)
    await jobs(database, local(MONDAY, 0, 5)).run_now("open_unit_reports")
    await file(database, LIAISON_EAST, "east", FULL, local(MONDAY, 16))
    await file(database, actor(20, ("west", Role.LIAISON)), "west", None, local(MONDAY, 16))

    texts = Texts()
    five = jobs(database, local(MONDAY, 17), texts)
    assert await five.run_now("unit_report_rollup_1700") == {"supervisors": 4, "messages": 10}
    rows = await outbox(database)
    # One message per part per supervisor; the supervisor of both county and hills gets the
    # county's only (hills lies below it).
    assert [(key, chat) for key, chat, _, _ in rows] == [
        ("rollup:2026-11-23:1700:county:1:1", 1),
        ("rollup:2026-11-23:1700:county:1:2", 1),
        ("rollup:2026-11-23:1700:county:1:3", 1),
        ("rollup:2026-11-23:1700:county:4:1", 4),
        ("rollup:2026-11-23:1700:county:4:2", 4),
        ("rollup:2026-11-23:1700:county:4:3", 4),
        ("rollup:2026-11-23:1700:hills:3:1", 3),
        ("rollup:2026-11-23:1700:hills:3:2", 3),
        ("rollup:2026-11-23:1700:town:2:1", 2),
        ("rollup:2026-11-23:1700:town:2:2", 2),
    ]
    languages = {key: text.split("|")[0] for key, _, text, _ in rows if key.endswith(":1")}
    assert set(languages.values()) == {"zh_CN", "en"}
    assert languages["rollup:2026-11-23:1700:town:2:1"] == "en"
    assert [text for key, _, text, _ in rows if ":county:1:" in key][1:] == [
        "hills:0/1",
        "town:1/1",
    ]
    assert {priority for *_, priority in rows} == {int(Priority.NOTICE)}
    # The roll-up at 17:00 covers the units due at 17:00 only: east and north (not the
    # school at noon, nor west at 16:30).
    county = next(text for key, _, text, _ in rows if key == "rollup:2026-11-23:1700:county:1:1")
    assert county == "zh_CN|county|2026-11-23|expected=2|submitted=1|missing=1|returned=3|fields=8"
    # Run again (a second instance, a retry): nothing new.
    assert await five.run_now("unit_report_rollup_1700") == {"supervisors": 4, "messages": 0}
    assert len(await outbox(database)) == len(rows)


async def test_the_town_supervisor_gets_their_rollup_in_english(database: Database) -> None:
    await seed(database)
    await jobs(database, local(MONDAY, 0, 5)).run_now("open_unit_reports")
    await file(database, actor(20, ("west", Role.LIAISON)), "west", None, local(MONDAY, 16))
    texts = Texts()
    summary = await jobs(database, local(MONDAY, 16, 30), texts).run_now("unit_report_rollup_1630")
    assert summary == {"supervisors": 3, "messages": 6}
    assert sorted(texts.calls) == [
        ("county", Language.ZH_CN),
        ("county", Language.ZH_CN),
        ("town", Language.EN),
    ]
    town = [text for key, _, text, _ in await outbox(database) if ":town:2:" in key]
    assert town == [
        "en|town|2026-11-23|expected=1|submitted=1|missing=0|returned=0|fields=8",
        "west:1/1",
    ]


def test_a_late_run_rolls_up_the_day_whose_deadline_passed() -> None:
    assert rollup_day(time(17), local(MONDAY, 17, 5), ZONE) == MONDAY
    assert rollup_day(time(23, 30), datetime(2026, 11, 23, 16, 10, tzinfo=UTC), ZONE) == MONDAY
    assert rollup_day(time(17), local(MONDAY, 9), ZONE) == date(2026, 11, 22)


async def test_each_deadline_sends_its_own_rollup_to_a_supervisor_of_both(
    database: Database,
) -> None:
    await seed(database)
    await jobs(database, local(MONDAY, 0, 5)).run_now("open_unit_reports")
    texts = Texts()
    early = await jobs(database, local(MONDAY, 16, 30), texts).run_now("unit_report_rollup_1630")
    late = await jobs(database, local(MONDAY, 17), texts).run_now("unit_report_rollup_1700")
    # The county head hears of west at 16:30 and of east and north at 17:00: whole roll-ups,
    # the later one not swallowed by the earlier one's keys.
    assert early["messages"] > 0
    assert late == {"supervisors": 4, "messages": 10}
    county_firsts = [
        text for key, _, text, _ in await outbox(database) if key.endswith(":county:1:1")
    ]
    assert [t.split("|")[3] for t in county_firsts] == ["expected=1", "expected=2"]


async def test_a_rollup_already_begun_is_not_sent_again_in_pieces(database: Database) -> None:
    await seed(database)
    await jobs(database, local(MONDAY, 0, 5)).run_now("open_unit_reports")
    first = await jobs(database, local(MONDAY, 17), Texts()).run_now("unit_report_rollup_1700")
    assert first["messages"] == 10
    # A retry whose texts come out in more parts (a unit filed since, a longer list) adds
    # nothing: each roll-up already begun is left as it was sent.
    longer = Texts()
    longer.extra_parts = 2
    again = await jobs(database, local(MONDAY, 17, 5), longer).run_now("unit_report_rollup_1700")
    assert again == {"supervisors": 4, "messages": 0}
