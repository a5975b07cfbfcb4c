"""A whole reporting day against the emulator, with the clock moved by the test.

Four villages owe a report by 17:00: 东关村 files a full report in the morning (after a few
wrong answers), 西关村 (in English) a zero report, 南街社区 a zero report late from the button
on its reminder, and 北街社区 never. What everybody receives, and when, is checked: reminders
only to the two that have not filed, the roll-ups at the deadline in each supervisor's
language, the escalation of the one still missing, the work group's lines, and a correction
that keeps both versions.
"""

from __future__ import annotations

from datetime import date, datetime, time
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from domain.obligations import ObligationKind, ObligationState
from domain.org import Language
from scheduler.actions import rollup_job_name
from storage import Repositories
from tests.e2e.live import LiveBot, live_bot
from tests.orgs import (
    BEIJIE,
    CHENGGUAN,
    CHENGGUAN_SUPERVISOR_EN,
    DONGGUAN,
    DONGGUAN_LIAISON,
    NANJIE,
    XIAN,
    XIAN_SUPERVISOR,
    XIGUAN,
    Group,
    Member,
    org_toml,
)
from texts.i18n import Translator

pytestmark = pytest.mark.e2e

ZONE = ZoneInfo("Asia/Shanghai")
DAY = date(2026, 11, 23)
ZH, EN = Translator(Language.ZH_CN), Translator(Language.EN)
COUNTY, TOWNSHIP = 1001, 1002
EAST, WEST, SOUTH, NORTH = 2001, 2002, 2003, 2004
EAST_GROUP = -1001000000021
ROLLUP = rollup_job_name(time(17, 0))

ORG = org_toml(
    [XIAN, CHENGGUAN, DONGGUAN, XIGUAN, NANJIE, BEIJIE],
    [
        XIAN_SUPERVISOR,
        CHENGGUAN_SUPERVISOR_EN,
        DONGGUAN_LIAISON,
        Member(WEST, "Wang West", "xiguan", "liaison", language="en"),
        Member(SOUTH, "刘联络", "nanjie", "liaison"),
        Member(NORTH, "杨联络", "beijie", "liaison"),
    ],
    [Group(EAST_GROUP, "东关村工作群", "dongguan", "work")],
)


def at(hour: int, minute: int = 0) -> datetime:
    return datetime.combine(DAY, time(hour, minute), tzinfo=ZONE)


async def register(bot: LiveBot) -> None:
    people = {
        COUNTY: "zh",
        TOWNSHIP: "en",
        EAST: "zh",
        WEST: "en",
        SOUTH: "zh",
        NORTH: "zh",
    }
    for person, language in people.items():
        bot.emu.create_user(f"user{person}", user_id=person, language_code=language)
        await bot.say(person, "/start")
    group = bot.emu.create_group("东关村工作群", chat_id=EAST_GROUP)["id"]
    bot.emu.add_bot_to_group(group)
    bot.emu.add_member(group, EAST)


def mentions(texts: list[str], *fragments: str) -> list[str]:
    return [t for t in texts if all(f in t for f in fragments)]


async def file_full_report_with_mistakes(bot: LiveBot) -> None:
    replies = await bot.say(EAST, "/report")
    assert any("东关村" in r for r in replies)
    steps = [
        ("3", None),  # returned
        ("５", ZH("form-exceeds", other=ZH("form-unit_report-returned"), limit=3)),
        ("-1", ZH("form-negative")),
        ("一个", ZH("form-not-a-number")),
        ("1", None),  # returned_risk
        ("0", None),  # central_quarantine
        ("2", None),  # home_quarantine
        ("4", None),  # monitoring
        ("0", None),  # fever_cases
        ("120", None),  # tests_done
        # Telegram caps a message at 4,096 characters (the 5,000 of the issue are a handler test).
        ("异" * 4000, ZH("form-too-long", limit=1000, length=4000)),
        ("无", None),  # abnormal
    ]
    for text, refusal in steps:
        replies = await bot.say(EAST, text)
        if refusal is not None:
            assert any(refusal in r for r in replies), (text, replies)
    summary = bot.last(EAST)
    assert "120" in summary["text"]
    await bot.press(EAST, summary, ZH("report-button-submit"))


async def test_a_reporting_day(tmp_path: Path) -> None:
    async with live_bot(tmp_path, ORG, at(0, 10)) as bot:
        await register(bot)
        registered = {p: len(bot.texts(p)) for p in (COUNTY, TOWNSHIP, WEST, SOUTH, NORTH)}
        # The bot started after midnight: it opened the day's four reports itself.
        async with bot.database.session() as session:
            owed = await Repositories(session).obligations.for_period(
                ObligationKind.UNIT_REPORT, DAY.isoformat()
            )
        assert sorted(o.unit_code for o in owed) == ["beijie", "dongguan", "nanjie", "xiguan"]

        # 10:00 东关村 files, wrong answers re-asked; its work group is told.
        bot.clock.set(at(10))
        group_before = len(bot.texts(EAST_GROUP))
        await file_full_report_with_mistakes(bot)
        assert mentions(bot.texts(EAST), "东关村", ZH("report-what-full"))
        [group_line] = bot.texts(EAST_GROUP)[group_before:]
        assert "东关村" in group_line
        # 11:00 西关村 files a zero report, in English.
        bot.clock.set(at(11))
        await bot.say(WEST, "/zero")
        await bot.press(WEST, bot.last(WEST), EN("report-button-zero-confirm"))
        assert mentions(bot.texts(WEST), "西关村", EN("report-what-zero"))

        # 16:00 and 16:45: reminders only to the two that have not filed.
        before = {p: len(bot.texts(p)) for p in (EAST, WEST, SOUTH, NORTH)}
        await bot.at(at(16))
        await bot.at(at(16, 45))
        new = {p: bot.texts(p)[before[p] :] for p in before}
        assert new[EAST] == []
        assert new[WEST] == []
        assert len(mentions(new[SOUTH], "南街社区")) == 2
        assert len(mentions(new[NORTH], "北街社区")) == 2

        # 17:00: the deadline. Late notices, and the roll-ups in each supervisor's language.
        await bot.at(at(17), jobs=[ROLLUP])
        tally = {"expected": 4, "submitted": 2, "zero": 1, "late": 0, "excused": 0, "missing": 2}
        [county_rollup] = mentions(bot.texts(COUNTY), ZH("rollup-tally", **tally))
        assert "南街社区" in county_rollup
        assert "北街社区" in county_rollup
        # The missing, named under their parent (in the tree's order); 东关村 is not among them.
        missing_line = ZH("rollup-missing-line", parent="城关镇", units="北街社区、南街社区")
        assert missing_line in county_rollup
        [township_rollup] = mentions(bot.texts(TOWNSHIP), EN("rollup-tally", **tally))
        assert EN("rollup-total-line", field=EN("form-unit_report-tests_done"), value=120) in (
            township_rollup
        )

        # 17:10 南街社区 files a zero report from the button on its reminder: late.
        bot.clock.set(at(17, 10))
        reminder = bot.last(SOUTH)
        await bot.press(SOUTH, reminder, ZH("report-button-zero"))
        await bot.press(SOUTH, bot.last(SOUTH), ZH("report-button-zero-confirm"))
        assert mentions(bot.texts(SOUTH), ZH("report-filed-late", due="17:00"))

        # 17:30 and 19:00: only 北街社区 is escalated, to the township, then the county.
        township_before = len(bot.texts(TOWNSHIP))
        await bot.at(at(17, 30))
        township_new = bot.texts(TOWNSHIP)[township_before:]
        assert mentions(township_new, "北街社区")
        assert not mentions(township_new, "南街社区")
        county_before = len(bot.texts(COUNTY))
        await bot.at(at(19))
        assert mentions(bot.texts(COUNTY)[county_before:], "北街社区")

        # 20:00 东关村 corrects its report: both versions are kept.
        bot.clock.set(at(20))
        replies = await bot.say(EAST, "/report")
        assert mentions(replies, "东关村") or mentions(bot.texts(EAST), "第 2 版")
        for answer in ("3", "1", "0", "2", "4", "0", "150"):
            await bot.say(EAST, answer)
        await bot.press(EAST, bot.last(EAST), ZH("report-button-skip"))
        await bot.press(EAST, bot.last(EAST), ZH("report-button-submit"))

        async with bot.database.session() as session:
            repos = Repositories(session)
            versions = await repos.reports.versions("dongguan", DAY)
            states = {
                o.unit_code: o.state
                for o in await repos.obligations.for_period(
                    ObligationKind.UNIT_REPORT, DAY.isoformat()
                )
            }
        assert [(v.version, v.answers["tests_done"]) for v in versions] == [(1, 120), (2, 150)]
        assert versions[0].answers["returned_risk"] == 1
        assert versions[0].answers["abnormal"] == "无"
        assert states == {
            "dongguan": ObligationState.MET,
            "xiguan": ObligationState.MET,
            "nanjie": ObligationState.MET_LATE,
            "beijie": ObligationState.OPEN,
        }
        # Exactly these, and nothing else, reached the people who did not act on reports:
        day = {p: bot.texts(p)[registered[p] :] for p in registered}
        # 北街社区's liaison: two reminders and the late notice; no more (the rest goes up).
        assert [t.count("北街社区") > 0 for t in day[NORTH]] == [True, True, True]
        # The township head: the roll-up, then the escalation of the one still missing.
        assert len(day[TOWNSHIP]) == 2
        assert "北街社区" in day[TOWNSHIP][1]
        # The county: the roll-up, then the office's escalation at 19:00.
        assert len(day[COUNTY]) == 2
        assert "北街社区" in day[COUNTY][1]
        # 西关村, filed on time: its confirmation question and the confirmation, nothing after.
        assert len(day[WEST]) == 2
        # 南街社区: two reminders, the late notice, then its zero report's question and the
        # confirmation that it was late; no escalation followed.
        assert len(day[SOUTH]) == 5
        assert ZH("report-filed-late", due="17:00") in day[SOUTH][4]
        # 东关村's work group: the filing at 10:00 and the correction at 20:00, and the unit's
        # board, posted with the first reminder (16:00) and closed at the deadline.
        group = bot.texts(EAST_GROUP)[group_before:]
        board_title = ZH("board-title", unit="东关村", day="", due="").split("<b>")[0]  # "📋 "
        boards = [text for text in group if text.startswith(board_title)]
        filed = [text for text in group if not text.startswith(board_title)]
        assert len(filed) == 2
        assert ZH("report-group-version", version=2) in filed[1]
        assert len(boards) == 1
        assert ZH("board-line-filed", unit="东关村") in boards[0]
