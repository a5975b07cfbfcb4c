"""Two weeks of daily reports on the demo organisation against the emulator, with the clock
moved by the test, then the Monday bulletins (通报): the county and township supervisors get
the week's ranking, praise and blame with exact figures in their languages, and the trend
chart as a photo (opened with Pillow: the chart's size, not blank).

Week 1 (2026-11-23..29): 东关村, 西关村 and 南街社区 file a zero report every morning; 北街社区
never files. Week 2 (11-30..12-06): the same, except that 西关村 misses Wednesday and 南街社区
files Tuesday's late (17:10, after the 17:00 deadline).
"""

from __future__ import annotations

import html
import io
import re
from datetime import date, datetime, time, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from PIL import Image

from domain.org import Language
from scheduler.bulletin import BULLETIN_JOB
from tests.e2e.live import BOT_ID, LiveBot, live_bot
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
    Member,
    org_toml,
)
from texts import charts
from texts.i18n import Html, Translator

pytestmark = pytest.mark.e2e

ZONE = ZoneInfo("Asia/Shanghai")
FIRST = date(2026, 11, 23)  # a Monday
ZH, EN = Translator(Language.ZH_CN), Translator(Language.EN)
COUNTY, TOWNSHIP = 1001, 1002
EAST, WEST, SOUTH, NORTH = 2001, 2002, 2003, 2004
ORG = org_toml(
    [XIAN, CHENGGUAN, DONGGUAN, XIGUAN, NANJIE, BEIJIE],
    [
        XIAN_SUPERVISOR,
        CHENGGUAN_SUPERVISOR_EN,
        DONGGUAN_LIAISON,
        Member(WEST, "王联络", "xiguan", "liaison"),
        Member(SOUTH, "刘联络", "nanjie", "liaison"),
        Member(NORTH, "杨联络", "beijie", "liaison"),
    ],
)
MISSED = {(WEST, date(2026, 12, 2))}
LATE = {(SOUTH, date(2026, 12, 1))}


def plain(html_text: str) -> str:
    """What Telegram shows of a message's HTML (the emulator parses it the same way)."""
    return html.unescape(re.sub(r"<[^>]+>", "", html_text))


def at(day: date, hour: int, minute: int = 0) -> datetime:
    return datetime.combine(day, time(hour, minute), tzinfo=ZONE)


async def zero_report(bot: LiveBot, liaison: int) -> None:
    await bot.say(liaison, "/zero")
    await bot.press(liaison, bot.last(liaison), ZH("report-button-zero-confirm"))


async def report_day(bot: LiveBot, day: date) -> None:
    await bot.at(at(day, 0, 5), jobs=["open_unit_reports"])
    bot.clock.set(at(day, 10))
    for liaison in (EAST, WEST, SOUTH):
        if (liaison, day) not in MISSED | LATE:
            await zero_report(bot, liaison)
    await bot.at(at(day, 17, 5))
    for liaison in (EAST, WEST, SOUTH):
        if (liaison, day) in LATE:
            bot.clock.set(at(day, 17, 10))
            await zero_report(bot, liaison)


def bulletin_since(bot: LiveBot, chat: int, count: int) -> tuple[dict[str, Any], dict[str, Any]]:
    """The bulletin's text and chart among what `chat` got after its first `count` messages
    (the clock's reminders and escalations of the missing reports come too)."""
    new = bot.emu.bot_messages(chat, bot=BOT_ID)[count:]
    [text] = [m for m in new if (m.get("text") or "").startswith("📢")]
    [chart] = [m for m in new if m.get("photo")]
    return text, chart


def counts(tr: Translator, on_time: int, late: int, missing: int, excused: int = 0) -> Html:
    return Html(tr("bulletin-counts", on_time=on_time, late=late, missing=missing, excused=excused))


def check_chart(message: dict[str, Any], caption: str, bot: LiveBot) -> None:
    assert message["caption"] == caption
    image = Image.open(io.BytesIO(bot.emu.file_bytes(message["photo"][-1]["file_id"])))
    assert image.size == charts.SIZE_PX
    assert len(image.convert("RGB").getcolors(maxcolors=1_000_000) or []) > 20


async def test_weekly_bulletins_after_two_weeks(tmp_path: Path) -> None:
    async with live_bot(tmp_path, ORG, at(FIRST, 0, 1)) as bot:
        for person, language in {COUNTY: "zh", TOWNSHIP: "en", EAST: "zh", WEST: "zh",
                                 SOUTH: "zh", NORTH: "zh"}.items():  # fmt: skip
            bot.emu.create_user(f"user{person}", user_id=person, language_code=language)
            await bot.say(person, "/start")
        for offset in range(7):
            await report_day(bot, FIRST + timedelta(days=offset))

        # Monday 09:00: week 1's bulletin.
        monday = FIRST + timedelta(days=7)
        before = {p: len(bot.emu.bot_messages(p, bot=BOT_ID)) for p in (COUNTY, TOWNSHIP)}
        await bot.at(at(monday, 9), jobs=[BULLETIN_JOB])
        first_text, first_chart = bulletin_since(bot, COUNTY, before[COUNTY])
        assert first_text["text"].startswith(
            "📢 示范县 日报告工作通报（2026-W48，2026-11-23 至 2026-11-29）"
        )
        total = ZH("bulletin-total", expected=28, counts=counts(ZH, 21, 0, 7), rate="75.0%")
        assert plain(total) in first_text["text"]
        check_chart(first_chart, ZH("bulletin-chart-caption", unit="示范县", week="2026-W48"), bot)

        for offset in range(7, 14):
            await report_day(bot, FIRST + timedelta(days=offset))
        monday = FIRST + timedelta(days=14)
        before = {p: len(bot.emu.bot_messages(p, bot=BOT_ID)) for p in (COUNTY, TOWNSHIP)}
        await bot.at(at(monday, 9), jobs=[BULLETIN_JOB])

        # The county: its one township, summed.
        county_text, county_chart = bulletin_since(bot, COUNTY, before[COUNTY])
        text = county_text["text"]
        assert text.startswith("📢 示范县 日报告工作通报（2026-W49，2026-11-30 至 2026-12-06）")
        for line in (
            ZH("bulletin-total", expected=28, counts=counts(ZH, 19, 1, 8), rate="67.9%"),
            ZH("bulletin-rank-line", place=1, unit="城关镇", rate="67.9%",
               counts=counts(ZH, 19, 1, 8)),
            ZH("bulletin-praised", units=Html("东关村")),
            ZH("bulletin-flag-line", unit="北街社区", missing=7, late=0),
            ZH("bulletin-flag-line", unit="西关村", missing=1, late=0),
        ):  # fmt: skip
            assert plain(line) in text, line
        assert text.index("北街社区：漏报 7") < text.index("西关村：漏报 1")
        check_chart(county_chart, ZH("bulletin-chart-caption", unit="示范县", week="2026-W49"), bot)

        # The township, in English: its four villages ranked, ties broken by fewer misses.
        township_text, township_chart = bulletin_since(bot, TOWNSHIP, before[TOWNSHIP])
        text = township_text["text"]
        ranked = [
            EN("bulletin-rank-line", place=place, unit=unit, rate=rate, counts=counts(EN, *n))
            for place, unit, rate, n in (
                (1, "东关村", "100.0%", (7, 0, 0)),
                (2, "南街社区", "85.7%", (6, 1, 0)),
                (3, "西关村", "85.7%", (6, 0, 1)),
                (4, "北街社区", "0.0%", (0, 0, 7)),
            )
        ]
        positions = [text.index(plain(line)) for line in ranked]
        assert positions == sorted(positions)
        assert plain(EN("bulletin-praised", units=Html("东关村"))) in text
        check_chart(
            township_chart, EN("bulletin-chart-caption", unit="城关镇", week="2026-W49"), bot
        )

        # Run again (a restart on Monday morning): nothing is sent twice.
        count = len(bot.emu.bot_messages(COUNTY, bot=BOT_ID))
        await bot.at(at(monday, 9, 30), jobs=[BULLETIN_JOB])
        again = bot.emu.bot_messages(COUNTY, bot=BOT_ID)[count:]
        assert not [m for m in again if m.get("photo") or (m.get("text") or "").startswith("📢")]
