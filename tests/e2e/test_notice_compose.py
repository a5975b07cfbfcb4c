"""/notice on the demo organisation (sandbox/demo_org.toml), against the emulator: 王主任
composes a template notice through the dialog in Chinese, each liaison gets it in their own
language with their unit; then, switched to English, he composes a daily repeat, which the
calendar fires on two simulated days, each its own notice in the ledger, and stops after its
last day."""

from __future__ import annotations

import re
from datetime import date, datetime, time, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from domain.org import Language
from tests.e2e.live import LiveBot, live_bot
from texts.i18n import Translator

pytestmark = pytest.mark.e2e

ROOT = Path(__file__).resolve().parents[2]
DEMO_ORG = (ROOT / "sandbox" / "demo_org.toml").read_text("utf-8")
ZONE = ZoneInfo("Asia/Shanghai")
DAY = date(2026, 11, 23)
ZH, EN = Translator(Language.ZH_CN), Translator(Language.EN)
COUNTY_HEAD = 1001  # 王主任
DONGGUAN_LIAISON, NANJIE_LIAISON, SCHOOL_LIAISON = 2001, 2003, 2006  # 周老师 reads English
JOB = "fire_notice_repeats"


def plain(html: str) -> str:
    """A text as the emulator shows it: the HTML's tags parsed away."""
    return re.sub(r"<[^>]+>", "", html)


def at(day: int, hour: int, minute: int = 0) -> datetime:
    return datetime.combine(DAY + timedelta(days=day), time(hour, minute), tzinfo=ZONE)


async def register(bot: LiveBot) -> None:
    for person, language in (
        (COUNTY_HEAD, "zh"),
        (DONGGUAN_LIAISON, "zh"),
        (NANJIE_LIAISON, "zh"),
        (SCHOOL_LIAISON, "en"),
    ):
        bot.emu.create_user(f"user{person}", user_id=person, language_code=language)
        await bot.say(person, "/start")


def repeated(bot: LiveBot, person: int) -> list[str]:
    """The repetitions of the daily notice `person` received."""
    return [t for t in bot.texts(person) if "Morning temperature check" in t]


async def tap(bot: LiveBot, label: str) -> list[str]:
    return await bot.press(COUNTY_HEAD, bot.last(COUNTY_HEAD), label)


async def test_a_template_notice_and_a_daily_repeat(tmp_path: Path) -> None:
    async with live_bot(tmp_path, DEMO_ORG, at(0, 9)) as bot:
        await register(bot)

        # In Chinese: the masks template, to every liaison of the county, confirmed by 18:00.
        await bot.say(COUNTY_HEAD, "/notice")
        await tap(bot, "戴口罩、勤洗手")
        for label in ("ncp-button-no-file", "ncp-scope-all", "ncp-audience-liaisons"):
            await tap(bot, ZH(label))
        await tap(bot, ZH("ncp-button-done", count=1))
        await tap(bot, ZH("ncp-when-now"))
        await tap(bot, ZH("ncp-ack-yes"))
        replies = await bot.say(COUNTY_HEAD, "18:00")
        preview = replies[-2]
        # Previewed as a unit with a liaison gets it (the county office has none).
        assert "【东关村防控提示】进入公共场所请全程规范佩戴口罩" in preview
        assert plain(ZH("ncp-summary-ack-by", at="2026-11-23 18:00")) in replies[-1]
        replies = await tap(bot, ZH("ncp-button-send"))
        assert any(plain(ZH("ncp-sent", id=1)) in text for text in replies)

        dongguan = bot.texts(DONGGUAN_LIAISON)[-1]
        assert "【东关村防控提示】进入公共场所请全程规范佩戴口罩" in dongguan
        assert "11-23 18:00" in dongguan
        # 周老师 reads English: the template's English text, with her school.
        school = bot.texts(SCHOOL_LIAISON)[-1]
        assert "[示范县第一中学 prevention notice] Wear a mask properly" in school

        # In English: a daily repeat at 08:00 through tomorrow, confirmed by 12:00 each day.
        await bot.say(COUNTY_HEAD, "/lang")
        await tap(bot, "English")
        await bot.say(COUNTY_HEAD, "/notice")
        await bot.say(COUNTY_HEAD, "Morning temperature check, report by noon")
        for label in ("ncp-button-no-file", "ncp-scope-units"):
            await tap(bot, EN(label))
        await tap(bot, "城关镇")  # ticks the township with its villages and communities
        await tap(bot, EN("ncp-button-done", count=1))
        await tap(bot, EN("ncp-audience-liaisons"))
        await tap(bot, EN("ncp-button-done", count=1))
        await tap(bot, EN("ncp-when-daily"))
        await bot.say(COUNTY_HEAD, "08:00")
        await bot.say(COUNTY_HEAD, "2026-11-25")
        await tap(bot, EN("ncp-ack-yes"))
        replies = await bot.say(COUNTY_HEAD, "12:00")
        assert "Morning temperature check" in replies[-2]
        replies = await tap(bot, EN("ncp-button-schedule"))
        assert plain(EN("ncp-repeat-created", at="2026-11-24 08:00")) in replies[-1]

        await bot.at(at(0, 20), jobs=[JOB])  # nothing before its first time
        assert repeated(bot, NANJIE_LIAISON) == []
        for day in (1, 2):
            await bot.at(at(day, 8), jobs=[JOB])
            await bot.at(at(day, 8, 1), jobs=[JOB])  # the next minute's run adds nothing
            received = repeated(bot, NANJIE_LIAISON)
            assert len(received) == day
            assert f"11-{23 + day} 12:00" in received[-1]
        await bot.at(at(3, 8), jobs=[JOB])  # past its last day
        assert len(repeated(bot, NANJIE_LIAISON)) == 2
        assert len(repeated(bot, DONGGUAN_LIAISON)) == 2
        assert repeated(bot, SCHOOL_LIAISON) == []  # 河西街道's units were not chosen

        # The ledger: the template notice and the two repetitions, each its own notice.
        ledger = (await bot.say(COUNTY_HEAD, "/notices"))[-1]
        for notice_id in (1, 2, 3):
            assert f"#{notice_id} " in ledger
