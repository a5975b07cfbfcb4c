"""The demo organisation's reporting day from the supervisors' side: the office gets one
digest for the units still missing at 19:00, not one message per unit, and `/status 南街社区`
is answered by name.
"""

from __future__ import annotations

from datetime import date, datetime, time
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from domain.org import Language
from storage import Repositories
from tests.e2e.live import LiveBot, live_bot
from texts.i18n import Translator
from texts.keyboards import ExcuseObligation

pytestmark = pytest.mark.e2e

ZONE = ZoneInfo("Asia/Shanghai")
DAY = date(2026, 11, 23)  # a Monday
ZH = Translator(Language.ZH_CN)
OFFICE, TOWNSHIP = 1001, 1002
# Every staff member has started the bot: nobody is unreachable, so nobody is covered for.
STAFF = (1001, 1002, 1003, 2001, 2002, 2003, 2004, 2005, 2006, 2007)
DEMO_ORG = (Path(__file__).parents[2] / "sandbox" / "demo_org.toml").read_text("utf-8")
UNITS = ("东关村", "南街社区", "柳林村", "滨河社区", "示范县第一中学")


def at(hour: int, minute: int = 0) -> datetime:
    return datetime.combine(DAY, time(hour, minute), tzinfo=ZONE)


async def register(bot: LiveBot, *people: int) -> None:
    for person in people:
        bot.emu.create_user(f"user{person}", user_id=person, language_code="zh")
        await bot.say(person, "/start")


async def test_the_office_gets_one_digest_for_the_units_still_missing(tmp_path: Path) -> None:
    async with live_bot(tmp_path, DEMO_ORG, at(9)) as bot:
        await register(bot, *STAFF)
        # In the morning 南街社区 is asked for by its name, and is not yet due.
        bot.clock.set(at(10))
        replies = await bot.say(TOWNSHIP, "/status 南街社区")
        [status] = [r for r in replies if "南街社区" in r]
        # The emulator keeps the text without its HTML tags.
        title = ZH("status-unit-title", unit="南街社区", day=DAY.isoformat())
        assert status.startswith(title.replace("<b>", "").replace("</b>", ""))
        assert ZH("status-unit-not-due", due="17:00") in status
        before = len(bot.texts(OFFICE))
        await bot.at(at(17, 30))
        # 城关镇's head hears of its two missing units in one message, at once.
        township = [t for t in bot.texts(TOWNSHIP) if "逾期未报" in t]
        assert len(township) == 1
        assert "2 个单位逾期未报日报告" in township[0]
        await bot.at(at(19))

        [digest] = bot.texts(OFFICE)[before:]
        assert "5 个单位逾期未报日报告" in digest
        assert all(unit in digest for unit in UNITS)
        message = bot.last(OFFICE)
        buttons = [b for row in message["reply_markup"]["inline_keyboard"] for b in row]
        assert [b["text"] for b in buttons] == [
            ZH("obligation-digest-button", unit=unit) for unit in UNITS
        ]
        # Nothing lost: every unit's step to the office is in the escalation log.
        async with bot.database.session() as session:
            repos = Repositories(session)
            for button in buttons:
                obligation_id = ExcuseObligation.unpack(button["callback_data"]).obligation_id
                log = await repos.escalations.for_obligation(obligation_id)
                office = [r for r in log if r.chat_id == OFFICE and r.outcome == "sent"]
                assert len(office) == 1

        # A button does what the single escalation's does: excuse that unit, with a reason.
        replies = await bot.press(OFFICE, message, buttons[1]["text"])
        assert any("南街社区" in reply for reply in replies)
