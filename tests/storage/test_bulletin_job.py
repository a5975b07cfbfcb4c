"""The weekly bulletin job (scheduler/bulletin.py): which supervisors get which subtree's
bulletin, in which language, with its chart as a photo; the optional supervisors groups; the
configured time; and that a second run sends nothing again."""

from __future__ import annotations

import io
from datetime import date, datetime, time
from typing import Any

from PIL import Image
from sqlalchemy import select

from bot.config import Settings
from bot.wiring import jobs_config
from domain.bulletin import Bulletin
from domain.org import Language
from scheduler.bulletin import BULLETIN_JOB
from scheduler.jobs import CalendarJobs
from services.org import load_org_file
from storage import Database, Repositories
from storage.models import OutboxRow
from tests.orgs import CHENGGUAN, DONGGUAN, HEXI, XIAN, XIGUAN, Group, Member, org_toml
from tests.stats_data import ZONE, seed_reports
from texts import charts
from texts.bulletin import BulletinTexts

MONDAY = date(2026, 11, 30)
RUN = datetime(2026, 12, 7, 9, 0, tzinfo=ZONE)  # the next Monday, 09:00
GROUP = -1005001
ORG = org_toml(
    [XIAN, CHENGGUAN, HEXI, DONGGUAN, XIGUAN],
    [
        Member(1001, "王主任", "xian", "supervisor"),
        Member(1002, "Li Zhen", "chengguan", "supervisor", language="en"),
        # Supervises the township and a village in it: one bulletin, the township's.
        Member(1003, "赵书记", "chengguan", "supervisor"),
        Member(1003, "赵书记", "dongguan", "supervisor"),
        Member(1004, "孙主任", "hexi", "supervisor"),  # nothing owed there: nothing sent
    ],
    [Group(GROUP, "城关镇负责人群", "chengguan", "supervisors")],
)


class Texts:
    """Writes what the bulletin holds, so recipients and languages can be told apart."""

    def bulletin(self, bulletin: Bulletin, language: Language) -> list[str]:
        ranked = ",".join(
            f"{u.code}:{f.reports.on_time}/{f.reports.counted}" for u, f in bulletin.ranked
        )
        praised = ",".join(u.code for u in bulletin.praised)
        flagged = ",".join(f"{u.code}:{f.reports.missing}" for u, f in bulletin.flagged)
        return [f"{language}|{bulletin.root.code}|{ranked}|+{praised}|-{flagged}"]

    def chart(self, bulletin: Bulletin, language: Language) -> bytes:
        return f"png {bulletin.root.code} {language}".encode()

    def caption(self, bulletin: Bulletin, language: Language) -> str:
        return f"chart {bulletin.root.code}"


def calendar(database: Database, texts: Any, **bulletin: Any) -> CalendarJobs:
    settings = Settings.model_validate(
        {"time": {"timezone": "Asia/Shanghai"}, "views": {"bulletin": bulletin}}
    )
    return CalendarJobs(database, jobs_config(settings), now=lambda: RUN, bulletin_texts=texts)


async def seed(database: Database) -> None:
    async with database.transaction() as session:
        repos = Repositories(session)
        await load_org_file(repos, ORG, now=RUN)
        await seed_reports(repos, {"dongguan": "SSLM-EZ", "xiguan": "SSSSS--"}, MONDAY)


async def outbox(database: Database) -> dict[str, tuple[int, int | None, str, bytes | None]]:
    async with database.session() as session:
        rows = await session.scalars(select(OutboxRow).order_by(OutboxRow.dedupe_key))
        return {r.dedupe_key: (r.chat_id, r.recipient_id, r.text, r.media_data) for r in rows}


async def test_each_supervisor_gets_their_subtrees_week(sqlite_database: Database) -> None:
    await seed(sqlite_database)
    jobs = calendar(sqlite_database, Texts())
    summary = await jobs.run_now(BULLETIN_JOB)
    assert summary == {"supervisors": 3, "groups": 0, "messages": 6}
    assert await outbox(sqlite_database) == {
        "bulletin:2026-W49:xian:1001:1": (
            1001, 1001, "zh_CN|xian|chengguan:8/10|+xiguan|-dongguan:1", None,
        ),
        "bulletin:2026-W49:xian:1001:chart": (1001, 1001, "chart xian", b"png xian zh_CN"),
        "bulletin:2026-W49:chengguan:1002:1": (
            1002, 1002, "en|chengguan|xiguan:5/5,dongguan:3/5|+xiguan|-dongguan:1", None,
        ),
        "bulletin:2026-W49:chengguan:1002:chart": (
            1002, 1002, "chart chengguan", b"png chengguan en",
        ),
        "bulletin:2026-W49:chengguan:1003:1": (
            1003, 1003, "zh_CN|chengguan|xiguan:5/5,dongguan:3/5|+xiguan|-dongguan:1", None,
        ),
        "bulletin:2026-W49:chengguan:1003:chart": (
            1003, 1003, "chart chengguan", b"png chengguan zh_CN",
        ),
    }  # fmt: skip
    # Run again (a second instance, a restart): nothing new.
    assert (await jobs.run_now(BULLETIN_JOB))["messages"] == 0


async def test_the_supervisors_group_gets_its_units_bulletin_when_asked(
    sqlite_database: Database,
) -> None:
    await seed(sqlite_database)
    summary = await calendar(sqlite_database, Texts(), post_to_supervisors_group=True).run_now(
        BULLETIN_JOB
    )
    assert summary == {"supervisors": 3, "groups": 1, "messages": 8}
    rows = await outbox(sqlite_database)
    # In the default language, to nobody in particular: a group message.
    assert rows[f"bulletin:2026-W49:chengguan:{GROUP}:1"] == (
        GROUP,
        None,
        "zh_CN|chengguan|xiguan:5/5,dongguan:3/5|+xiguan|-dongguan:1",
        None,
    )
    assert rows[f"bulletin:2026-W49:chengguan:{GROUP}:chart"][3] == b"png chengguan zh_CN"


async def test_the_real_bulletin_has_its_chart_as_a_png(sqlite_database: Database) -> None:
    await seed(sqlite_database)
    await calendar(sqlite_database, BulletinTexts()).run_now(BULLETIN_JOB)
    rows = await outbox(sqlite_database)
    _, _, caption, data = rows["bulletin:2026-W49:chengguan:1002:chart"]
    assert caption == "城关镇: on-time rate of daily reports, 2026-W49"
    assert data is not None
    image = Image.open(io.BytesIO(data))
    assert image.size == charts.SIZE_PX
    assert "Ranking by on-time rate" in rows["bulletin:2026-W49:chengguan:1002:1"][2]


def test_the_job_runs_at_the_configured_day_and_time(sqlite_database: Database) -> None:
    assert calendar(sqlite_database, Texts()).crontabs()[BULLETIN_JOB] == ("0 9 * * 1", ZONE)
    friday = calendar(sqlite_database, Texts(), weekday="fri", time="08:30")
    assert friday.crontabs()[BULLETIN_JOB] == ("30 8 * * 5", ZONE)
    assert friday.next_fires(RUN)[BULLETIN_JOB] == datetime(2026, 12, 11, 8, 30, tzinfo=ZONE)
    assert BULLETIN_JOB not in calendar(sqlite_database, Texts(), enabled=False).crontabs()
    assert BULLETIN_JOB not in calendar(sqlite_database, None).crontabs()
    assert time(9, 0) == jobs_config(Settings()).bulletin.at
