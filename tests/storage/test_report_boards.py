"""The report boards in the groups (services.reports.boards, scheduler.boards) on a real
database: posted with the first reminder, edited as reports arrive (coalesced), closed at the
deadline with the roll-up, and the optional mention of missing liaisons."""

from __future__ import annotations

from dataclasses import replace
from datetime import date, datetime, timedelta

from sqlalchemy import select

from bot.config import Settings
from bot.wiring import jobs_config
from domain.boards import BoardSettings
from domain.org import Language, Role
from scheduler.actions import open_today
from scheduler.boards import BoardRefresher
from scheduler.jobs import CalendarJobs
from services import reports
from services.excuse import excuse
from services.org import load_org_file
from storage import Database, Repositories
from storage.models import OutboxRow
from tests.orgs import COUNTY_SUPERVISOR, COUNTY_TREE, Group, Member, org_toml
from texts.boards import BoardTexts
from texts.i18n import Translator
from texts.reports import ReportTexts

from .test_reports import FULL, LIAISON_EAST, MONDAY, ZONE, actor, local
from .test_reports import file as file_report

TOWN_WORK, COUNTY_SUPERVISORS, EAST_WORK, EAST_RESIDENTS = -100500, -100600, -100200, -100300
WEST = 20
ZH = Translator(Language.ZH_CN)
POST_JOB, ROLLUP_JOB = "unit_report_board_1600", "unit_report_rollup_1700"

ORG = org_toml(
    list(COUNTY_TREE),
    [
        COUNTY_SUPERVISOR,
        Member(10, "张联络", "east", "liaison"),
        Member(WEST, "钱联络", "west", "liaison"),
    ],
    [
        Group(TOWN_WORK, "城关镇联络员工作群", "town", "work"),
        Group(COUNTY_SUPERVISORS, "县防控负责人群", "county", "supervisors"),
        Group(EAST_WORK, "东关村工作群", "east", "work"),
        Group(EAST_RESIDENTS, "东关村居民群", "east", "residents"),
    ],
)
LIAISON_WEST = actor(WEST, ("west", Role.LIAISON))


def settings(**board: object) -> Settings:
    return Settings.model_validate(
        {"time": {"timezone": "Asia/Shanghai"}, "reports": {"board": board}}
    )


def calendar(database: Database, at: datetime, config: Settings | None = None) -> CalendarJobs:
    return CalendarJobs(
        database,
        jobs_config(config or settings()),
        now=lambda: at,
        rollup_texts=ReportTexts(),
        board_texts=BoardTexts(),
    )


def refresher(database: Database, clock: list[datetime], **changes: object) -> BoardRefresher:
    return BoardRefresher(
        database,
        BoardTexts(),
        replace(BoardSettings(), **changes),  # type: ignore[arg-type]
        now=lambda: clock[0],
        language=Language.ZH_CN,
        zone=ZONE,
    )


async def seed_day(database: Database, given: Settings | None = None) -> None:
    async with database.transaction() as session:
        await load_org_file(Repositories(session), ORG, now=local(MONDAY, 0))
    config = jobs_config(given or settings())
    await open_today(database, config.escalation, config.reports, local(MONDAY, 0, 5))


async def rows(database: Database, prefix: str = "board:") -> list[OutboxRow]:
    async with database.session() as session:
        found = await session.scalars(
            select(OutboxRow).where(OutboxRow.dedupe_key.like(prefix + "%")).order_by(OutboxRow.id)
        )
        return list(found)


async def send_everything(database: Database) -> None:
    """What the sender would do: every pending row sent, a new message id each."""
    async with database.transaction() as session:
        repos = Repositories(session)
        for entry in await repos.outbox.due(local(MONDAY, 23, 59), 500):
            message = entry.message.edit_message_id or 5000 + entry.id
            await repos.outbox.mark_sent(entry.id, message, now=local(MONDAY, 16))


def latest(found: list[OutboxRow], chat: int) -> str:
    return [row.text for row in found if row.chat_id == chat][-1]


async def test_the_board_job_runs_with_the_first_reminder(database: Database) -> None:
    jobs = calendar(database, local(MONDAY, 16))
    assert jobs.board_jobs == {POST_JOB: local(MONDAY, 16).timetz().replace(tzinfo=None)}
    assert POST_JOB in jobs.crontabs()
    # Switched off, there is no board job (and the roll-up job closes nothing).
    off = calendar(database, local(MONDAY, 16), settings(enabled=False))
    assert off.board_jobs == {}


async def test_boards_are_posted_in_work_and_supervisors_groups_once(database: Database) -> None:
    await seed_day(database)
    await file_report(database, LIAISON_EAST, "east", None, local(MONDAY, 10))
    jobs = calendar(database, local(MONDAY, 16))
    assert await jobs.run_now(POST_JOB) == {"boards": 3}
    assert await jobs.run_now(POST_JOB) == {"boards": 0}
    posts = await rows(database)
    # Every bound work and supervisors group over owing units; never a residents group.
    assert sorted(row.chat_id for row in posts) == sorted(
        [TOWN_WORK, COUNTY_SUPERVISORS, EAST_WORK]
    )
    town = latest(posts, TOWN_WORK)
    assert ZH("board-line-zero", unit="东关村") in town
    # Before the deadline a unit that has not filed is "not yet due", not missing.
    assert ZH("board-line-pending", unit="西关村") in town
    assert "17:00" in town
    # Unit names and counts only: nobody's name.
    assert "张联络" not in town
    assert "钱联络" not in town
    east = latest(posts, EAST_WORK)
    assert "西关村" not in east  # its own subtree only
    county = latest(posts, COUNTY_SUPERVISORS)
    assert ZH("board-parent", parent="城关镇") not in county  # one parent: no headings


async def test_filings_edit_the_boards_over_them_at_most_once_an_interval(
    database: Database,
) -> None:
    await seed_day(database)
    await calendar(database, local(MONDAY, 16)).run_now(POST_JOB)
    await send_everything(database)
    clock = [local(MONDAY, 16, 10)]
    boards = refresher(database, clock, edit_interval=timedelta(seconds=5))

    await file_report(database, LIAISON_EAST, "east", FULL, clock[0])
    assert await boards.run_due() == 3  # 东关村's own group, the township's, the county's
    edits = [row for row in await rows(database) if row.edit_message_id is not None]
    assert {row.chat_id for row in edits} == {TOWN_WORK, COUNTY_SUPERVISORS, EAST_WORK}
    assert ZH("board-line-filed", unit="东关村") in latest(edits, TOWN_WORK)

    # Two seconds later 西关村 files: within the interval, nothing is edited yet...
    clock[0] += timedelta(seconds=2)
    await file_report(database, LIAISON_WEST, "west", FULL, clock[0])
    assert await boards.run_due() == 0
    assert await boards._until_next() == 3.0
    # ...and once it has passed, one edit per group over 西关村 (not 东关村's group).
    clock[0] += timedelta(seconds=3)
    assert await boards.run_due() == 2
    edits = [row for row in await rows(database) if row.edit_message_id is not None]
    assert len(edits) == 5
    town = latest(edits, TOWN_WORK)
    assert ZH("board-line-filed", unit="西关村") in town
    # A correction changes no board.
    await file_report(database, LIAISON_WEST, "west", FULL, clock[0])
    clock[0] += timedelta(seconds=10)
    assert await boards.run_due() == 0


async def test_a_board_waits_for_its_post_before_it_is_edited(database: Database) -> None:
    await seed_day(database)
    await calendar(database, local(MONDAY, 16)).run_now(POST_JOB)
    clock = [local(MONDAY, 16, 1)]
    boards = refresher(database, clock)
    await file_report(database, LIAISON_EAST, "east", FULL, clock[0])
    assert await boards.run_due() == 0  # nothing to edit yet: the posts have not gone out
    assert await boards._until_next() == 5.0  # looks again an interval on
    await send_everything(database)
    assert await boards.run_due() == 3  # the message ids learnt, the edits written
    edits = [row for row in await rows(database) if row.edit_message_id is not None]
    posts = {
        row.chat_id: 5000 + row.id
        for row in await rows(database, "board:")
        if "post" in row.dedupe_key
    }
    assert {row.chat_id: row.edit_message_id for row in edits} == posts


async def test_an_excused_unit_shows_excused(database: Database) -> None:
    await seed_day(database)
    await calendar(database, local(MONDAY, 16)).run_now(POST_JOB)
    await send_everything(database)
    async with database.transaction() as session:
        repos = Repositories(session)
        [west] = [
            ob
            for ob in await repos.obligations.for_period(
                reports.report_key("west", MONDAY).kind, MONDAY.isoformat()
            )
            if ob.unit_code == "west"
        ]
        supervisor = actor(1, ("county", Role.SUPERVISOR))
        assert west.id is not None
        await excuse(repos, supervisor, west.id, "停电", now=local(MONDAY, 16, 20))
    assert await refresher(database, [local(MONDAY, 16, 20)]).run_due() == 2
    assert ZH("board-line-excused", unit="西关村") in latest(await rows(database), TOWN_WORK)


async def test_the_deadline_closes_the_boards_with_the_rollup(database: Database) -> None:
    await seed_day(database)
    await file_report(database, LIAISON_EAST, "east", FULL, local(MONDAY, 10))
    await calendar(database, local(MONDAY, 16)).run_now(POST_JOB)
    await send_everything(database)
    summary = await calendar(database, local(MONDAY, 17)).run_now(ROLLUP_JOB)
    assert summary["boards_closed"] == 3
    # A closing edit each, and the county's roll-up in its supervisors group.
    assert summary["board_messages"] == 4
    found = await rows(database)
    town = latest(found, TOWN_WORK)
    assert ZH("board-title-closed", unit="城关镇", day=MONDAY.isoformat()) in town
    assert ZH("board-line-missing", unit="西关村") in town
    assert ZH("board-closed-note") in town
    [rollup] = [row for row in found if row.dedupe_key.endswith(":rollup:1")]
    assert rollup.chat_id == COUNTY_SUPERVISORS
    assert ZH("rollup-title", unit="县防控办", day=MONDAY.isoformat()) in rollup.text
    # No mention unless configured.
    assert not [row for row in found if row.dedupe_key.endswith(":mention")]
    # Run again: nothing more.
    again = await calendar(database, local(MONDAY, 17, 1)).run_now(ROLLUP_JOB)
    assert again["boards_closed"] == 0
    assert len(await rows(database)) == len(found)

    # 西关村 files late: the closed board is edited to show it, and stays closed.
    await send_everything(database)
    await file_report(database, LIAISON_WEST, "west", None, local(MONDAY, 17, 30))
    assert await refresher(database, [local(MONDAY, 17, 30)]).run_due() == 2
    town = latest(await rows(database), TOWN_WORK)
    assert ZH("board-line-late", unit="西关村") in town
    assert ZH("board-closed-note") in town


async def test_the_missing_liaisons_are_mentioned_when_configured(database: Database) -> None:
    await seed_day(database)
    await file_report(database, LIAISON_EAST, "east", FULL, local(MONDAY, 10))
    config = settings(mention_missing=True)
    await calendar(database, local(MONDAY, 16), config).run_now(POST_JOB)
    await calendar(database, local(MONDAY, 17), config).run_now(ROLLUP_JOB)
    mentions = [row for row in await rows(database) if row.dedupe_key.endswith(":mention")]
    # The township's work group only: 东关村's own group has nobody missing, and the
    # supervisors group gets the roll-up instead.
    assert [row.chat_id for row in mentions] == [TOWN_WORK]
    text = mentions[0].text
    assert '<a href="tg://user?id=20">钱联络</a>' in text
    assert "西关村" in text
    assert "东关村" not in text


async def test_no_board_where_nothing_is_owed(database: Database) -> None:
    async with database.transaction() as session:
        await load_org_file(Repositories(session), ORG, now=local(MONDAY, 0))
    # The day was never opened: no unit owes a report, no group gets a board.
    saturday = date(2026, 11, 28)
    at = datetime.combine(saturday, local(MONDAY, 16).timetz())
    assert await calendar(database, at).run_now(POST_JOB) == {"boards": 0}


async def test_a_board_over_two_deadlines_closes_at_the_later(database: Database) -> None:
    config = Settings.model_validate(
        {
            "time": {"timezone": "Asia/Shanghai"},
            "reports": {"units": {"west": {"deadline": "16:30"}}},
        }
    )
    await seed_day(database, config)
    early = calendar(database, local(MONDAY, 15, 30), config)
    # A posting job per deadline, each with its first reminder.
    assert sorted(early.board_jobs) == ["unit_report_board_1530", POST_JOB]
    assert await early.run_now("unit_report_board_1530") == {"boards": 3}
    await send_everything(database)
    at_1630 = await calendar(database, local(MONDAY, 16, 30), config).run_now(
        "unit_report_rollup_1630"
    )
    assert at_1630["boards_closed"] == 0  # 东关村 reports by 17:00: every board waits for it
    # 16:31: 东关村 files; 西关村's deadline has passed: missing.
    await file_report(database, LIAISON_EAST, "east", None, local(MONDAY, 16, 31))
    assert await refresher(database, [local(MONDAY, 16, 31)]).run_due() == 3
    town = latest(await rows(database), TOWN_WORK)
    assert ZH("board-line-missing", unit="西关村") in town
    assert ZH("board-line-zero", unit="东关村") in town
    at_1700 = await calendar(database, local(MONDAY, 17), config).run_now(ROLLUP_JOB)
    assert at_1700["boards_closed"] == 3
    town = latest(await rows(database), TOWN_WORK)
    assert ZH("board-title-closed", unit="城关镇", day=MONDAY.isoformat()) in town
