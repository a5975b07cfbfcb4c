"""The report form beside the bot's records, against the emulator (issue 17): counts
pre-filled from a declaration, a zero report for a unit with a feverish resident asking for a
reason, an abnormal situation pushed to the township head and quoted in the roll-up, and a
correction pre-filled with the filed answers."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import pytest

from storage import Repositories
from tests.declaration_rows import monitoring_row
from tests.e2e.live import LiveBot, live_bot
from tests.e2e.test_daily_report import (
    DAY,
    EAST,
    ORG,
    ROLLUP,
    SOUTH,
    TOWNSHIP,
    ZH,
    at,
    mentions,
    register,
)
from texts.i18n import Html

pytestmark = pytest.mark.e2e


async def declare(bot: LiveBot, unit: str, hours_before: int, **answers: object) -> None:
    when = at(0) - timedelta(hours=hours_before)
    async with bot.database.session() as session:
        row = monitoring_row(
            unit_code=unit,
            resident=None,
            filed_by=EAST,
            at=when,
            start=when.date(),
            answers={"name": "胡军", "status": "returned", **answers},
        )
        row.measure = {"days": 14}
        session.add(row)
        await session.commit()


async def test_the_form_beside_the_records(tmp_path: Path) -> None:
    async with live_bot(tmp_path, ORG, at(0, 10)) as bot:
        await register(bot)
        # Yesterday a returnee of 东关村 declared a fever; this morning one of 南街社区.
        await declare(bot, "dongguan", 10, temperature=38.5, symptoms=["fever"])
        await declare(bot, "nanjie", -8, temperature=39.0, symptoms=[])

        # 09:00 东关村: the form opens with the records; their buttons answer, a typed figure
        # adjusts; the abnormal situation goes to the township head at once.
        bot.clock.set(at(9))
        replies = await bot.say(EAST, "/report")
        assert mentions(
            replies, ZH("report-records-line", field=ZH("form-unit_report-returned"), value=1)
        )
        await bot.press(EAST, bot.last(EAST), ZH("report-button-records", value=1))
        await bot.say(EAST, "1")  # returned_risk
        for answer in ("0", "0", "1", "1", "30"):
            await bot.say(EAST, answer)
        before = len(bot.texts(TOWNSHIP))
        await bot.say(EAST, "村口<检查点>人手不足")
        await bot.press(EAST, bot.last(EAST), ZH("report-button-submit"))
        await bot.at(at(9, 1))
        pushed = bot.texts(TOWNSHIP)[before:]
        assert mentions(pushed, "东关村", "村口<检查点>人手不足")

        # 10:00 南街社区: a zero report against a resident with a fever asks for the reason.
        bot.clock.set(at(10))
        replies = await bot.say(SOUTH, "/zero")
        assert mentions(replies, ZH("report-zero-records"))
        replies = await bot.press(SOUTH, bot.last(SOUTH), ZH("report-button-zero-confirm"))
        assert mentions(bot.texts(SOUTH), "零报告须说明原因")
        await bot.say(SOUTH, "已送发热门诊，居民不在社区")
        assert mentions(bot.texts(SOUTH), ZH("report-what-zero"), "南街社区")

        # 12:00 东关村 corrects: pre-filled, every answer kept but the tests done.
        bot.clock.set(at(12))
        replies = await bot.say(EAST, "/report")
        assert mentions(replies, ZH("report-correction-prefilled"))
        for value in (1, 1, 0, 0, 1, 1):
            await bot.press(EAST, bot.last(EAST), ZH("report-button-keep", value=value))
        await bot.say(EAST, "45")
        await bot.press(
            EAST, bot.last(EAST), ZH("report-button-keep", value=Html("村口<检查点>人手不足"))
        )
        await bot.press(EAST, bot.last(EAST), ZH("report-button-submit"))
        async with bot.database.session() as session:
            versions = await Repositories(session).reports.versions("dongguan", DAY)
        assert [v.answers["tests_done"] for v in versions] == [30, 45]
        assert versions[1].answers["abnormal"] == "村口<检查点>人手不足"

        # 17:00: the township head's roll-up quotes the abnormal situation and the reason.
        before = len(bot.texts(TOWNSHIP))
        await bot.at(at(17), jobs=[ROLLUP])
        [rollup] = [t for t in bot.texts(TOWNSHIP)[before:] if "Abnormal situations" in t]
        assert "· 东关村: 村口<检查点>人手不足" in rollup
        assert "已送发热门诊，居民不在社区" in rollup
